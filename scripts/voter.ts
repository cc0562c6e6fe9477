/**
 * The voter program: autonomous voting agents, one AgentWallet each (run one of each seed role:
 * Provider, Consumer, Builder, Coordinator). It follows the governor's proposals, and when a
 * proposal's voting opens each agent decodes what it does, scores it with its role's strategy and
 * votes through its wallet with its agent key, logging every rule behind the vote (see node/voter).
 *
 *   node --import tsx scripts/voter.ts --rpc-url http://127.0.0.1:8545 \
 *     --wallet 0xProviderWallet --wallet 0xConsumerWallet --wallet 0xBuilderWallet --wallet 0xCoordinatorWallet \
 *     --store voter.sqlite          # agent keys in AITBC_AGENT_KEYS=0x…,0x…,0x…,0x… (or --agent-key, repeatable)
 *
 * Each wallet's role and agent key are read from the wallet; each agent key must be given. Start-up
 * mistakes (no wallet, an address that is no AgentWallet, a wallet whose agent key was not given, a
 * malformed key) print one line and exit 1.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { createPublicClient, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { getAgentWallet, type AitbcContracts } from "@aitbc/sdk";
import { openStore } from "../node/shared/store.js";
import { Voter, type VotingAgent } from "../node/voter/voter.js";
import { signerFromKey } from "../node/watcher/signer.js";
import { deploymentContracts, isMain, onShutdown, startupErrorMessage, withChainOptions } from "./lib/cli.js";
import { integerIn, parseAddress, parsePrivateKey } from "./lib/options.js";

/** The voter's flags as parsed by {@link voterCommand}. */
export interface VoterFlags {
  rpcUrl: string;
  /** One more agent key (the programs' common `--private-key`). */
  privateKey?: string;
  deployment?: string;
  /** The agents' AgentWallets. */
  wallet: Address[];
  /** Agent keys (`--agent-key`, repeatable, or `AITBC_AGENT_KEYS`, comma-separated). */
  agentKey: string[];
  /** Score above which an agent votes For (0–1). */
  threshold: number;
  /** First block read when the store has no cursor. */
  fromBlock: number;
  /** SQLite file (cursor, proposals, votes). */
  store: string;
  /** Milliseconds. */
  pollMs: number;
}

/**
 * Starts the voter from parsed flags.
 * @throws Error with a one-line message on a start-up mistake (see the module's description).
 * @example
 * ```ts
 * const { voter, stop } = await startVoter(voterCommand().parse(argv).opts<VoterFlags>());
 * ```
 */
export async function startVoter(flags: VoterFlags): Promise<{ voter: Voter; stop(): Promise<void> }> {
  if (flags.wallet.length === 0) throw new Error("no agent wallet: pass --wallet 0x… once per agent (e.g. one of each role)"); // prettier-ignore
  const keys = new Map<string, Hex>();
  const given = [...flags.agentKey, ...(flags.privateKey ? [flags.privateKey] : [])];
  for (const [i, key] of given.entries()) {
    const hex = parsePrivateKey(key, `agent key ${i + 1} (--agent-key, AITBC_AGENT_KEYS or --private-key)`);
    keys.set(privateKeyToAccount(hex).address.toLowerCase(), hex);
  }
  const contracts: AitbcContracts = await deploymentContracts(flags);
  for (const name of ["OpenClawGovernor", "AITBCToken"] as const)
    if (!contracts[name]) throw new Error(`no ${name} address in the deployment (deploy the DAO first, or pass --deployment <file>)`); // prettier-ignore
  const client = createPublicClient({
    transport: http(flags.rpcUrl, { retryCount: 3 }),
    pollingInterval: 200,
  });
  const agents: VotingAgent[] = [];
  for (const wallet of new Set(flags.wallet)) {
    const code = await client.getCode({ address: wallet });
    if (code === undefined || code === "0x") throw new Error(`${wallet} is not an AgentWallet: no contract at that address on ${flags.rpcUrl}`); // prettier-ignore
    const info = await getAgentWallet(client, { wallet }).catch((error: unknown) => {
      throw new Error(`${wallet} is not an AgentWallet (reading its owner, agent key and role failed: ${startupErrorMessage((error as Error).cause ?? error)})`); // prettier-ignore
    });
    const key = keys.get(info.agentKey.toLowerCase());
    if (key === undefined) throw new Error(`no key given for the agent key ${info.agentKey} of wallet ${wallet} (${info.role}): pass it with --agent-key or AITBC_AGENT_KEYS`); // prettier-ignore
    agents.push({
      wallet,
      role: info.role,
      signer: signerFromKey({ rpcUrl: flags.rpcUrl, privateKey: key }),
    });
  }
  const store = openStore(flags.store);
  const voter = new Voter({
    client,
    contracts,
    agents,
    store,
    fromBlock: BigInt(flags.fromBlock),
    pollingIntervalMs: flags.pollMs,
    threshold: flags.threshold,
  });
  voter.start();
  console.log(`[voter] ${agents.length} agent(s): ${agents.map((a) => `${a.role} ${a.wallet}`).join(", ")}; governor ${contracts.OpenClawGovernor}; votes For above ${flags.threshold}; state in ${flags.store}`); // prettier-ignore
  return {
    voter,
    stop: async () => {
      await voter.stop();
      store.close();
    },
  };
}

/** A share in [0, 1] for `--threshold`. */
function parseThreshold(value: string): number {
  const n = /^(0(\.\d+)?|1(\.0+)?)$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(n)) throw new InvalidArgumentError("expected a number from 0 to 1 (e.g. 0.7).");
  return n;
}

/** The voter's command line: every flag is checked when parsed. */
export function voterCommand(): Command {
  return withChainOptions(
    new Command().name("voter").description("AITBC voter: autonomous agents that vote through their wallets"),
    "one more agent key (see --agent-key)",
  )
    .addOption(
      new Option(
        "--wallet <address>",
        "an agent's AgentWallet (repeatable; its role and agent key are read from it)",
      )
        .env("AITBC_AGENT_WALLETS")
        .argParser((v: string, prev: Address[] = []) => [
          ...prev,
          ...v.split(",").map((x) => parseAddress(x.trim())),
        ])
        .default([]),
    )
    .addOption(
      new Option("--agent-key <hex>", "an agent key (repeatable)")
        .env("AITBC_AGENT_KEYS")
        .argParser((v: string, prev: string[] = []) => [...prev, ...v.split(",").map((x) => x.trim())])
        .default([]),
    )
    .addOption(
      new Option("--threshold <score>", "vote For above this score (0–1; the seed's 0.7)")
        .argParser(parseThreshold)
        .default(0.7),
    ) // prettier-ignore
    .addOption(
      new Option("--store <file>", "SQLite state (cursor, proposals, votes)")
        .env("AITBC_VOTER_STORE")
        .default("voter.sqlite"),
    ) // prettier-ignore
    .addOption(new Option("--from-block <n>", "first block scanned").argParser(integerIn(0)).default(0))
    .addOption(new Option("--poll-ms <ms>", "chain poll interval").argParser(integerIn(1)).default(1_000));
}

if (isMain(import.meta.url)) {
  const flags = voterCommand().parse().opts<VoterFlags>();
  startVoter(flags).then(
    (running) => onShutdown(() => running.stop()),
    (error: unknown) => {
      console.error(`[voter] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
