/**
 * The coordinator program: the off-chain relay (prompts and outputs), a watcher that re-executes
 * the jobs the public sampling rule picks (the policy's rate, seed = the result's block hash) and
 * disputes mismatches and withheld data, and performance reports to the reputation oracle role.
 *
 *   node --import tsx scripts/coordinator.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --port 8547 --backend ollama --ollama-host http://127.0.0.1:11434 \
 *     --archive http://127.0.0.1:8546 --archive http://127.0.0.1:11435
 */
import { Command, Option } from "commander";
import type { Address } from "viem";
import {
  backendFromFlags,
  chainFromFlags,
  deploymentContracts,
  isMain,
  onShutdown,
  startupErrorMessage,
  withChainOptions,
} from "./lib/cli.js";
import { Coordinator } from "../node/coordinator/coordinator.js";
import { integerIn, parseHttpUrl, parsePort, parseShare } from "./lib/options.js";

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
  /** Archive base URLs (miners', gateways') to fetch job data from. */
  archive: string[];
  /** Milliseconds; 0 = never. */
  reportEveryMs: number;
  pollMs: number;
}

/** Starts the coordinator from parsed flags. */
export async function startCoordinator(flags: CoordinatorFlags): Promise<Coordinator> {
  const chain = await chainFromFlags(flags);
  const backend = backendFromFlags(flags);
  const models = await backend.listModels().catch(() => []);
  const all = await deploymentContracts(flags);
  const extra = Object.fromEntries(
    (["BatchEscrow", "MarketPolicy"] as const).filter((n) => all[n]).map((n) => [n, all[n] as Address]),
  );
  const coordinator = new Coordinator({
    chain,
    verifiers: new Map(models.map((m) => [m.digest.toLowerCase(), { model: m.name, backend }])),
    ...(flags.sampleRate === undefined ? {} : { sampleRate: flags.sampleRate }),
    contracts: extra,
    archives: flags.archive,
    reportEveryMs: flags.reportEveryMs,
    pollMs: flags.pollMs,
    host: flags.host,
    port: flags.port,
  });
  await coordinator.start();
  const rate = flags.sampleRate === undefined ? `${(await coordinator.watcher.sampleRateBps()) / 100}% of jobs (the policy's rule)` : `${flags.sampleRate * 100}% of jobs (--sample-rate)`; // prettier-ignore
  console.log(`[coordinator] relay at ${coordinator.relay.url}; re-executes ${rate} for ${models.length} model(s); watching ${extra.BatchEscrow ? "JobEscrow and BatchEscrow" : "JobEscrow"}`); // prettier-ignore
  return coordinator;
}

/** The coordinator's command line: every flag is checked when parsed. */
export function coordinatorCommand(): Command {
  return withChainOptions(
    new Command()
      .name("coordinator")
      .description("AITBC coordinator: relay, proof-of-sampling disputes, performance reports"),
    "coordinator account key (reputation ORACLE_ROLE for reports)",
  )
    .option("--host <host>", "relay listen address", "127.0.0.1")
    .addOption(
      new Option("--port <port>", "relay port")
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
      new Option("--ollama-host <url>", "Ollama runtime").env("OLLAMA_HOST").argParser(parseHttpUrl).default("http://127.0.0.1:11434"), // prettier-ignore
    )
    .addOption(
      new Option("--sample-rate <r>", "share of jobs re-executed (0–1) instead of the policy's sampleRateBps")
        .env("AITBC_SAMPLE_RATE")
        .argParser(parseShare),
    ) // prettier-ignore
    .addOption(
      new Option("--archive <url>", "archive to fetch job data from (repeatable)")
        .argParser((v: string, prev: string[]) => [...prev, parseHttpUrl(v)])
        .default([]),
    )
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
    (coordinator) => onShutdown(() => coordinator.stop()),
    (error: unknown) => {
      console.error(`[coordinator] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
