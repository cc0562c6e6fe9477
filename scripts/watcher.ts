/**
 * The watcher program: anyone with an account holding AITBC for dispute bonds and an inference runtime
 * can check the market. It follows JobEscrow's `ResultSubmitted` and BatchEscrow's `BatchJobSettled`,
 * re-executes the jobs the public rule samples (`MarketPolicy.isSampled`: seed = hash of the result's
 * block, rate = the policy's `sampleRateBps`) from data fetched from the provider's and consumer's
 * archives (checked against the on-chain hashes), and disputes a different output, a different token
 * count, or data nobody serves; it claims batch disputes nobody answered after the reveal window.
 *
 *   node --import tsx scripts/watcher.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --backend ollama --ollama-host http://127.0.0.1:11434 \
 *     --archive http://miner.example:8546 --archive http://gateway.example:11435
 *
 * Start-up mistakes (no key, no escrow in the deployment, no model to re-execute) print one line and
 * exit 1.
 */
import { Command, Option } from "commander";
import { maxUint256, type Address } from "viem";

import type { AitbcContracts } from "@aitbc/sdk";
import { httpArchiveSource } from "../node/archive/client.js";
import {
  backendFromFlags,
  chainFromFlags,
  deploymentContracts,
  isMain,
  onShutdown,
  startupErrorMessage,
  withChainOptions,
} from "./lib/cli.js";
import { integerIn, parseHttpUrl, parseShare } from "./lib/options.js";
import { Watcher } from "../node/watcher/watcher.js";

/** The watcher's flags as parsed (and checked) by {@link watcherCommand}. */
export interface WatcherFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  backend: "ollama" | "builtin";
  ollamaHost?: string;
  /** Archive base URLs to fetch job data from. */
  archive: string[];
  /** Share 0–1 re-executed instead of the policy's rate. */
  sampleRate?: number;
  /** First block scanned. */
  fromBlock: number;
  /** Milliseconds. */
  pollMs: number;
}

/**
 * Starts a watcher from parsed flags.
 * @throws Error with a one-line message on a start-up mistake (see the module's description).
 * @example
 * ```ts
 * const watcher = await startWatcher(watcherCommand().parse(argv).opts<WatcherFlags>());
 * ```
 */
export async function startWatcher(flags: WatcherFlags): Promise<Watcher> {
  const chain = await chainFromFlags({ ...flags, deployment: flags.deployment });
  const all = await deploymentContracts(flags);
  const contracts: AitbcContracts = {
    ...chain.contracts,
    ...Object.fromEntries((["BatchEscrow", "MarketPolicy"] as const).filter((n) => all[n]).map((n) => [n, all[n] as Address])), // prettier-ignore
  };
  const backend = backendFromFlags(flags);
  const models = await backend.listModels();
  if (models.length === 0)
    throw new Error(`the ${flags.backend} backend serves no model: nothing to re-execute`);
  for (const escrow of [contracts.JobEscrow, contracts.BatchEscrow].filter(
    (a): a is Address => a !== undefined,
  )) {
    const allowance = await chain.public.readContract({ address: chain.config.addresses.token, abi: chain.abis.token, functionName: "allowance", args: [chain.address, escrow] }); // prettier-ignore
    if (allowance === 0n) await chain.writeTo(chain.config.addresses.token, chain.abis.token, "approve", [escrow, maxUint256]); // prettier-ignore
  }
  const watcher = new Watcher({
    chain,
    contracts,
    backends: new Map(models.map((m) => [m.digest.toLowerCase(), { model: m.name, backend }])),
    sources: () => flags.archive.map((u) => httpArchiveSource(u)),
    ...(flags.sampleRate === undefined ? {} : { sampleRateBps: Math.round(flags.sampleRate * 10_000) }),
    fromBlock: BigInt(flags.fromBlock),
    pollMs: flags.pollMs,
  });
  const rate = await watcher.sampleRateBps();
  watcher.start();
  console.log(`[watcher] watching ${contracts.BatchEscrow ? "JobEscrow and BatchEscrow" : "JobEscrow"} from block ${flags.fromBlock}; re-executes ${rate / 100}% of jobs for ${models.length} model(s) from ${flags.archive.length} archive(s)`); // prettier-ignore
  return watcher;
}

/** The watcher's command line: every flag is checked when parsed. */
export function watcherCommand(): Command {
  return withChainOptions(
    new Command()
      .name("watcher")
      .description("AITBC watcher: re-executes sampled jobs and disputes mismatches"),
    "watcher account key (holds AITBC for dispute bonds)",
  )
    .addOption(
      new Option("--backend <kind>", "re-execution backend")
        .env("AITBC_BACKEND")
        .choices(["ollama", "builtin"])
        .default("ollama"),
    ) // prettier-ignore
    .addOption(
      new Option("--ollama-host <url>", "Ollama runtime")
        .env("OLLAMA_HOST")
        .argParser(parseHttpUrl)
        .default("http://127.0.0.1:11434"),
    ) // prettier-ignore
    .addOption(
      new Option("--archive <url>", "archive to fetch job data from (repeatable)")
        .argParser((v: string, prev: string[]) => [...prev, parseHttpUrl(v)])
        .default([]),
    )
    .addOption(
      new Option(
        "--sample-rate <r>",
        "share of jobs re-executed (0–1) instead of the policy's sampleRateBps",
      ).argParser(parseShare),
    ) // prettier-ignore
    .addOption(new Option("--from-block <n>", "first block scanned").argParser(integerIn(0)).default(0))
    .addOption(new Option("--poll-ms <ms>", "chain poll interval").argParser(integerIn(1)).default(1_000));
}

if (isMain(import.meta.url)) {
  const flags = watcherCommand().parse().opts<WatcherFlags>();
  startWatcher(flags).then(
    (watcher) => onShutdown(() => watcher.stop()),
    (error: unknown) => {
      console.error(`[watcher] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
