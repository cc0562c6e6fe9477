/**
 * The x402 facilitator program: verifies and settles x402 payments in AITBC (EIP-3009 "exact" payments) on the
 * chain, paying the settlement gas with its own key, for the skill sellers and the gateway (`--facilitator <url>`).
 *
 *   node --import tsx scripts/facilitator.ts --rpc-url http://127.0.0.1:8545 --port 4022   # key in AITBC_PRIVATE_KEY
 *
 * Start-up mistakes (no key, a malformed key, an unreachable RPC, an account without ether for gas, a port in
 * use) print one line and exit 1.
 */
import { Command, Option } from "commander";
import { createPublicClient, createWalletClient, defineChain, http, formatEther } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";

import { createX402Facilitator, x402Network } from "@aitbc/sdk";
import { startFacilitatorServer, type FacilitatorServer } from "../node/facilitator/server.js";
import { isMain, onShutdown, startupErrorMessage, withChainOptions } from "./lib/cli.js";
import { parsePort, parsePrivateKey } from "./lib/options.js";

/** The facilitator's flags as parsed by {@link facilitatorCommand}. */
export interface FacilitatorFlags {
  rpcUrl: string;
  privateKey?: string;
  host: string;
  port: number;
}

/**
 * Starts the facilitator from parsed flags.
 * @throws Error with a one-line message on a start-up mistake (see the module's description).
 */
export async function startFacilitator(flags: FacilitatorFlags): Promise<FacilitatorServer> {
  if (!flags.privateKey) throw new Error("no facilitator key: pass --private-key 0x… (or AITBC_PRIVATE_KEY); its account pays the settlement gas"); // prettier-ignore
  const account = privateKeyToAccount(parsePrivateKey(flags.privateKey, "--private-key"), { nonceManager });
  const transport = http(flags.rpcUrl, { retryCount: 3 });
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [flags.rpcUrl] } } }); // prettier-ignore
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 200 });
  const balance = await publicClient.getBalance({ address: account.address });
  if (balance === 0n) throw new Error(`the facilitator account ${account.address} has no ether to pay the settlement gas on chain ${chainId}`); // prettier-ignore
  const walletClient = createWalletClient({ chain, account, transport, pollingInterval: 200 });
  const facilitator = createX402Facilitator({ publicClient, walletClient });
  const log = (line: string) => console.log(`[facilitator] ${line}`);
  const server = await startFacilitatorServer({ facilitator, host: flags.host, port: flags.port, log });
  log(`${server.url}: x402 exact payments on ${x402Network(chainId)}, gas paid by ${account.address} (${formatEther(balance)} ETH)`); // prettier-ignore
  return server;
}

/** The facilitator's command line: every flag is checked when parsed. */
export function facilitatorCommand(): Command {
  return withChainOptions(
    new Command().name("facilitator").description("AITBC x402 facilitator: verifies and settles payments in AITBC"),
    "facilitator account key (pays the settlement gas)",
  )
    .addOption(new Option("--host <host>", "listen address").default("127.0.0.1"))
    .addOption(new Option("--port <port>", "listen port").env("AITBC_FACILITATOR_PORT").argParser(parsePort).default(4022)); // prettier-ignore
}

if (isMain(import.meta.url)) {
  const flags = facilitatorCommand().parse().opts<FacilitatorFlags>();
  startFacilitator(flags).then(
    (server) => onShutdown(() => server.close()),
    (error: unknown) => {
      console.error(`[facilitator] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
