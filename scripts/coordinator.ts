/**
 * The coordinator program: an optional matcher/validator (the network runs without it; several may run).
 * It follows the providers' service URIs (`ServiceRegistry`), re-executes the jobs the public sampling
 * rule picks from data fetched at each provider's own archive routes (and `--archive` consumer archives),
 * disputes mismatches and withheld data, probes the providers' endpoints, reports their performance to
 * the reputation oracle role, and serves a ranked hint: `GET /v1/providers`, `/health`, `/metrics`.
 * Its state (cursors, checks, disputes, probes, reports) lives in `--store`: a restart keeps its history.
 *
 *   node --import tsx scripts/coordinator.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --port 8547 --backend ollama --ollama-host http://127.0.0.1:11434 --store coordinator.sqlite \
 *     --archive http://127.0.0.1:11435
 */
import { Command, Option } from "commander";

import { Coordinator } from "../node/coordinator/coordinator.js";
import { sdkPerformanceWriter } from "../node/coordinator/oracle.js";
import { openStore } from "../node/shared/store.js";
import { backendFromFlags, isMain, onShutdown, startupErrorMessage, withChainOptions } from "./lib/cli.js";
import { integerIn, parseHttpUrl, parsePort, parseShare } from "./lib/options.js";
import { validatorChain } from "./lib/validator-chain.js";

/** The coordinator's flags as parsed (and checked) by {@link coordinatorCommand}. */
export interface CoordinatorFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  host: string;
  port: number;
  backend: "ollama" | "builtin";
  ollamaHost?: string;
  /** Share of jobs re-executed, 0–1, instead of the policy's rate (default: the policy's). */
  sampleRate?: number;
  /** Consumer archive base URLs (gateways') to fetch job data from, after the provider's own. */
  archive: string[];
  /** SQLite file. */
  store: string;
  /** Milliseconds; 0 = never. */
  probeEveryMs: number;
  /** Milliseconds; 0 = never. */
  reportEveryMs: number;
  pollMs: number;
}

/** Starts the coordinator from parsed flags; `stop()` stops it and closes its store. */
export async function startCoordinator(
  flags: CoordinatorFlags,
): Promise<{ coordinator: Coordinator; stop(): Promise<void> }> {
  const { signer, contracts } = await validatorChain(flags, ["AITBCToken", "JobEscrow", "ReputationRegistry", "ServiceRegistry"]); // prettier-ignore
  const backend = backendFromFlags(flags);
  const models = await backend.listModels().catch(() => []);
  const store = openStore(flags.store);
  const coordinator = new Coordinator({
    signer,
    contracts,
    store,
    verifiers: new Map(models.map((m) => [m.digest.toLowerCase(), { model: m.name, backend }])),
    ...(flags.sampleRate === undefined ? {} : { sampleRate: flags.sampleRate }),
    archives: flags.archive,
    probeEveryMs: flags.probeEveryMs,
    reportEveryMs: flags.reportEveryMs,
    writePerformance: sdkPerformanceWriter(signer, contracts),
    pollingIntervalMs: flags.pollMs,
    host: flags.host,
    port: flags.port,
  });
  await coordinator.start();
  const rate = flags.sampleRate === undefined ? `${(await coordinator.watcher.sampleRateBps()) / 100}% of jobs (the policy's rule)` : `${flags.sampleRate * 100}% of jobs (--sample-rate)`; // prettier-ignore
  console.log(`[coordinator] API at ${coordinator.url}; re-executes ${rate} for ${models.length} model(s); watching ${contracts.BatchEscrow ? "JobEscrow and BatchEscrow" : "JobEscrow"}; state in ${flags.store}`); // prettier-ignore
  return {
    coordinator,
    stop: async () => {
      await coordinator.stop();
      store.close();
    },
  };
}

/** The coordinator's command line: every flag is checked when parsed. */
export function coordinatorCommand(): Command {
  return withChainOptions(
    new Command().name("coordinator").description("AITBC coordinator: provider hints, proof-of-sampling disputes, performance reports"), // prettier-ignore
    "coordinator account key (reputation ORACLE_ROLE for reports, AITBC for dispute bonds)",
  )
    .option("--host <host>", "API listen address", "127.0.0.1")
    .addOption(
      new Option("--port <port>", "API port")
        .env("AITBC_COORDINATOR_PORT")
        .argParser(parsePort)
        .default(8_547),
    ) // prettier-ignore
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
      new Option("--sample-rate <r>", "share of jobs re-executed (0–1) instead of the policy's sampleRateBps")
        .env("AITBC_SAMPLE_RATE")
        .argParser(parseShare),
    ) // prettier-ignore
    .addOption(
      new Option("--archive <url>", "consumer archive to fetch job data from (repeatable)")
        .argParser((v: string, prev: string[]) => [...prev, parseHttpUrl(v)])
        .default([]),
    )
    .addOption(
      new Option("--store <file>", "SQLite state")
        .env("AITBC_COORDINATOR_STORE")
        .default("coordinator.sqlite"),
    ) // prettier-ignore
    .addOption(
      new Option("--probe-every-ms <ms>", "provider probe period (0: never)")
        .argParser(integerIn(0))
        .default(10_000),
    ) // prettier-ignore
    .addOption(
      new Option("--report-every-ms <ms>", "performance report period (0: never)")
        .argParser(integerIn(0))
        .default(60_000),
    ) // prettier-ignore
    .addOption(new Option("--poll-ms <ms>", "chain poll interval").argParser(integerIn(1)).default(1_000));
}

if (isMain(import.meta.url)) {
  const flags = coordinatorCommand().parse().opts<CoordinatorFlags>();
  startCoordinator(flags).then(
    (running) => onShutdown(() => running.stop()),
    (error: unknown) => {
      console.error(`[coordinator] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
