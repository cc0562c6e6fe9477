/**
 * The watcher program: anyone with an account holding AITBC for dispute bonds and an inference runtime
 * can check the market. It follows JobEscrow's `ResultSubmitted` and BatchEscrow's `BatchJobSettled` by
 * events from a cursor in its SQLite store, re-executes the jobs the public rule samples
 * (`MarketPolicy.isSampled`: seed = hash of the result's block, rate = the policy's `sampleRateBps`) from
 * data fetched from the archives (checked against the on-chain hashes), and disputes a different output,
 * a different token count, or data nobody serves; it claims batch disputes nobody answered after the
 * reveal window. A restart on the same `--store` neither re-checks nor re-disputes.
 *
 *   node --import tsx scripts/watcher.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --backend ollama --ollama-host http://127.0.0.1:11434 --store watcher.sqlite \
 *     --archive http://miner.example:8546 --archive http://gateway.example:11435
 *
 * Start-up mistakes (no key, no escrow in the deployment, no model to re-execute) print one line and
 * exit 1.
 */
import { Command, Option } from "commander";

import { httpArchiveSource } from "../node/archive/client.js";
import { openStore } from "../node/shared/store.js";
import { Watcher } from "../node/watcher/watcher.js";
import { backendFromFlags, isMain, onShutdown, startupErrorMessage, withChainOptions } from "./lib/cli.js";
import { integerIn, parseHttpUrl, parseShare } from "./lib/options.js";
import { validatorChain } from "./lib/validator-chain.js";

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
  /** First block scanned when the store has no cursor. */
  fromBlock: number;
  /** SQLite file (checks, cursors, pending claims). */
  store: string;
  /** Milliseconds. */
  pollMs: number;
  /** Milliseconds between withheld-claim rounds. */
  claimEveryMs: number;
}

/**
 * Starts a watcher from parsed flags.
 * @throws Error with a one-line message on a start-up mistake (see the module's description).
 * @example
 * ```ts
 * const { watcher, stop } = await startWatcher(watcherCommand().parse(argv).opts<WatcherFlags>());
 * ```
 */
export async function startWatcher(
  flags: WatcherFlags,
): Promise<{ watcher: Watcher; stop(): Promise<void> }> {
  const { signer, contracts } = await validatorChain(flags, ["AITBCToken", "GPUStaking", "JobEscrow", "ReputationRegistry"]); // prettier-ignore
  const backend = backendFromFlags(flags);
  const models = await backend.listModels();
  if (models.length === 0)
    throw new Error(`the ${flags.backend} backend serves no model: nothing to re-execute`);
  const store = openStore(flags.store);
  const watcher = new Watcher({
    signer,
    contracts,
    store,
    backends: new Map(models.map((m) => [m.digest.toLowerCase(), { model: m.name, backend }])),
    sources: () => flags.archive.map((u) => httpArchiveSource(u)),
    ...(flags.sampleRate === undefined ? {} : { sampleRateBps: Math.round(flags.sampleRate * 10_000) }),
    fromBlock: BigInt(flags.fromBlock),
    pollingIntervalMs: flags.pollMs,
  });
  const rate = await watcher.sampleRateBps();
  watcher.start();
  const claims = setInterval(() => void watcher.claimDue().catch(() => undefined), flags.claimEveryMs);
  console.log(`[watcher] watching ${contracts.BatchEscrow ? "JobEscrow and BatchEscrow" : "JobEscrow"} from block ${store.getCursor("watcher:JobEscrow") ?? flags.fromBlock}; re-executes ${rate / 100}% of jobs for ${models.length} model(s) from ${flags.archive.length} archive(s); state in ${flags.store}`); // prettier-ignore
  return {
    watcher,
    stop: async () => {
      clearInterval(claims);
      await watcher.stop();
      store.close();
    },
  };
}

/** The watcher's command line: every flag is checked when parsed. */
export function watcherCommand(): Command {
  return withChainOptions(
    new Command().name("watcher").description("AITBC watcher: re-executes sampled jobs and disputes mismatches"),
    "watcher account key (holds AITBC for dispute bonds)",
  )
    .addOption(new Option("--backend <kind>", "re-execution backend").env("AITBC_BACKEND").choices(["ollama", "builtin"]).default("ollama")) // prettier-ignore
    .addOption(new Option("--ollama-host <url>", "Ollama runtime").env("OLLAMA_HOST").argParser(parseHttpUrl).default("http://127.0.0.1:11434")) // prettier-ignore
    .addOption(
      new Option("--archive <url>", "archive to fetch job data from (repeatable)")
        .argParser((v: string, prev: string[]) => [...prev, parseHttpUrl(v)])
        .default([]),
    )
    .addOption(new Option("--sample-rate <r>", "share of jobs re-executed (0–1) instead of the policy's sampleRateBps").argParser(parseShare)) // prettier-ignore
    .addOption(new Option("--store <file>", "SQLite state (checks, cursors, claims)").env("AITBC_WATCHER_STORE").default("watcher.sqlite")) // prettier-ignore
    .addOption(new Option("--from-block <n>", "first block scanned").argParser(integerIn(0)).default(0))
    .addOption(new Option("--poll-ms <ms>", "chain poll interval").argParser(integerIn(1)).default(1_000))
    .addOption(new Option("--claim-every-ms <ms>", "withheld-claim round interval").argParser(integerIn(1)).default(30_000)); // prettier-ignore
}

if (isMain(import.meta.url)) {
  const flags = watcherCommand().parse().opts<WatcherFlags>();
  startWatcher(flags).then(
    (running) => onShutdown(() => running.stop()),
    (error: unknown) => {
      console.error(`[watcher] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
