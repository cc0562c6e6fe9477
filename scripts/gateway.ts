/**
 * The gateway program: an Ollama-compatible HTTP server backed by the AITBC network.
 *
 *   node --import tsx scripts/gateway.ts --rpc-url http://127.0.0.1:8545 --private-key 0x<agent key> \
 *     --agent-wallet 0x<wallet> --coordinator http://127.0.0.1:8547 --port 11435
 *   OLLAMA_HOST=http://127.0.0.1:11435 ollama run aitbc-topic:builtin "will it rain tomorrow"
 */
import { Command, Option } from "commander";
import type { Address } from "viem";

import {
  chainFromFlags,
  deploymentContracts,
  isMain,
  onShutdown,
  startupErrorMessage,
  withChainOptions,
} from "./lib/cli.js";
import { agentWalletAbi } from "@aitbc/sdk";
import { assertAgentWallet } from "../node/gateway/agent-wallet.js";
import { startGateway, type Gateway } from "../node/gateway/server.js";
import { parseArchivePath } from "../node/miner/archive-flags.js";
import { aitbcAmount, integerIn, parseAddress, parseHttpUrl, parsePort } from "./lib/options.js";

/** The gateway's flags as parsed (and checked) by {@link gatewayCommand}. */
export interface GatewayFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  agentWallet?: Address;
  coordinator: string;
  host: string;
  port: number;
  /** Price per token of an open job and the most a quote may ask, wei of AITBC. */
  price: bigint;
  maxTokens: number;
  /** Milliseconds. */
  timeoutMs: number;
  /** Milliseconds. */
  matchTimeoutMs: number;
  /** wei of AITBC added to the BatchEscrow deposit at a time; 0 = no batch requests (per-job only). */
  batchTopUp: bigint;
  /** The consumer's job archive, a SQLite file (served on the gateway's port under /v1/jobs/). */
  archiveDb: string;
}

/**
 * Starts the gateway from parsed flags, after checking that `--agent-wallet` (if given) is an
 * AgentWallet the key may pay from, so nothing is served that would fail to pay.
 */
export async function startGatewayFromFlags(flags: GatewayFlags): Promise<Gateway> {
  const chain = await chainFromFlags(flags);
  if (flags.agentWallet) {
    const factory = (await deploymentContracts(flags)).AgentWalletFactory as Address | undefined;
    await assertAgentWallet(chain, flags.agentWallet, factory);
  }
  const batchEscrow = (await deploymentContracts(flags)).BatchEscrow as Address | undefined;
  let batching = flags.batchTopUp > 0n && batchEscrow !== undefined;
  let note: string | undefined; // said once the gateway serves (a failed start stays one line)
  if (batching && flags.agentWallet) {
    const allowed = await chain.public.readContract({ address: flags.agentWallet, abi: agentWalletAbi, functionName: "isSignatureVerifier", args: [batchEscrow!] }); // prettier-ignore
    if (!allowed) {
      batching = false;
      note = `[gateway] per-job jobs only: the AgentWallet ${flags.agentWallet} does not accept its agent key's signatures towards BatchEscrow ${batchEscrow} (its owner enables batch requests with setSignatureVerifier(${batchEscrow}, true))`; // prettier-ignore
    }
  }
  if (batching) chain.config.addresses.batchEscrow = batchEscrow;
  const gateway = await startGateway({
    chain,
    relayUrl: flags.coordinator,
    agentWallet: flags.agentWallet,
    pricePerToken: flags.price,
    defaultMaxTokens: flags.maxTokens,
    resultTimeoutMs: flags.timeoutMs,
    matchTimeoutMs: flags.matchTimeoutMs,
    host: flags.host,
    port: flags.port,
    archivePath: flags.archiveDb,
    ...(batching ? { batch: { topUp: flags.batchTopUp } } : {}),
  });
  if (note) console.log(note);
  console.log(`[gateway] job archive ${flags.archiveDb}, served at ${gateway.url}/v1/jobs/<jobKey>/payload|output|request`); // prettier-ignore
  console.log(`[gateway] Ollama API at ${gateway.url}; paying from ${flags.agentWallet ?? chain.address}${batching ? `; jobs as batch requests (deposit top-up ${flags.batchTopUp} wei)` : ""}`); // prettier-ignore
  return gateway;
}

/** The gateway's command line: every flag is checked when parsed. */
export function gatewayCommand(): Command {
  return withChainOptions(
    new Command()
      .name("gateway")
      .description(
        "Ollama-compatible HTTP gateway: each request becomes a paid, proved job on the AITBC network",
      ),
    "the agent key of the paying wallet, or a funded account",
  )
    .addOption(
      new Option("--agent-wallet <address>", "AgentWallet that pays")
        .env("AITBC_AGENT_WALLET")
        .argParser(parseAddress),
    ) // prettier-ignore
    .addOption(
      new Option("--coordinator <url>", "coordinator relay URL").env("AITBC_COORDINATOR_URL").argParser(parseHttpUrl).default("http://127.0.0.1:8547"), // prettier-ignore
    )
    .addOption(new Option("--host <host>", "listen address").env("AITBC_GATEWAY_HOST").default("127.0.0.1"))
    .addOption(
      new Option("--port <port>", "listen port")
        .env("AITBC_GATEWAY_PORT")
        .argParser(parsePort)
        .default(11_435),
    ) // prettier-ignore
    .addOption(
      new Option("--price <aitbc>", "price per token of an open job and the most a quote may ask, AITBC").env("AITBC_PRICE").argParser(aitbcAmount(true)).default(10n ** 15n, "0.001"), // prettier-ignore
    )
    .addOption(new Option("--max-tokens <n>", "default num_predict").argParser(integerIn(1)).default(256))
    .addOption(
      new Option("--timeout-ms <ms>", "how long to wait for a miner's answer")
        .argParser(integerIn(1))
        .default(120_000),
    ) // prettier-ignore
    .addOption(
      new Option("--match-timeout-ms <ms>", "time for matching and a provider's quote, then an open job; 0 = always open").env("AITBC_MATCH_TIMEOUT_MS").argParser(integerIn(0)).default(1_500), // prettier-ignore
    )
    .addOption(
      new Option("--archive-db <path>", "SQLite file of the consumer's job archive (payloads, outputs, signed requests kept for the challenge window)").env("AITBC_ARCHIVE_DB").argParser(parseArchivePath).default("gateway-archive.sqlite"), // prettier-ignore
    )
    .addOption(
      new Option("--batch-top-up <aitbc>", "AITBC added to the BatchEscrow deposit at a time (jobs as signed batch requests when the deployment has a BatchEscrow); 0 = per-job only").env("AITBC_BATCH_TOP_UP").argParser(aitbcAmount(true)).default(100n * 10n ** 18n, "100"), // prettier-ignore
    );
}

if (isMain(import.meta.url)) {
  const flags = gatewayCommand().parse().opts<GatewayFlags>();
  startGatewayFromFlags(flags).then(
    (gateway) => onShutdown(() => gateway.close()),
    (error: unknown) => {
      console.error(`[gateway] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
