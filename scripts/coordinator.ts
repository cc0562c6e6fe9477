/**
 * The coordinator program: the off-chain relay (prompts and outputs), proof-of-sampling
 * re-execution with disputes, and performance reports to the reputation oracle role.
 *
 *   node --import tsx scripts/coordinator.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --port 8547 --backend ollama --ollama-host http://127.0.0.1:11434 --sample-rate 0.1
 */
import { Command } from "commander";

import { backendFromFlags, chainFromFlags, isMain, onShutdown, withChainOptions } from "./lib/cli.js";
import { Coordinator } from "./lib/coordinator/coordinator.js";

export interface CoordinatorFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  host: string;
  port: string;
  backend: string;
  ollamaHost?: string;
  sampleRate: string;
  reportEveryMs: string;
  pollMs: string;
}

export async function startCoordinator(flags: CoordinatorFlags): Promise<Coordinator> {
  const chain = await chainFromFlags(flags);
  const backend = backendFromFlags(flags);
  const models = await backend.listModels().catch(() => []);
  const coordinator = new Coordinator({
    chain,
    verifiers: new Map(models.map((m) => [m.digest.toLowerCase(), { model: m.name, backend }])),
    sampleRate: Number(flags.sampleRate),
    reportEveryMs: Number(flags.reportEveryMs),
    pollMs: Number(flags.pollMs),
    host: flags.host,
    port: Number(flags.port),
  });
  await coordinator.start();
  console.log(`[coordinator] relay at ${coordinator.relay.url}; re-executes ${Number(flags.sampleRate) * 100}% of jobs for ${models.length} model(s)`); // prettier-ignore
  return coordinator;
}

export function coordinatorCommand(): Command {
  const env = process.env;
  return withChainOptions(
    new Command()
      .name("coordinator")
      .description("AITBC coordinator: relay, proof-of-sampling disputes, performance reports"),
    "coordinator account key (reputation ORACLE_ROLE for reports)",
  )
    .option("--host <host>", "relay listen address", "127.0.0.1")
    .option("--port <port>", "relay port (AITBC_COORDINATOR_PORT)", env.AITBC_COORDINATOR_PORT ?? "8547")
    .option("--backend <kind>", "re-execution backend: ollama | builtin", env.AITBC_BACKEND ?? "ollama")
    .option(
      "--ollama-host <url>",
      "Ollama runtime (OLLAMA_HOST)",
      env.OLLAMA_HOST ?? "http://127.0.0.1:11434",
    )
    .option("--sample-rate <r>", "share of jobs re-executed (0–1)", env.AITBC_SAMPLE_RATE ?? "0.1")
    .option("--report-every-ms <ms>", "performance report period (0: never)", "60000")
    .option("--poll-ms <ms>", "chain poll interval", "1000");
}

if (isMain(import.meta.url)) {
  const flags = coordinatorCommand().parse().opts<CoordinatorFlags>();
  startCoordinator(flags).then(
    (coordinator) => onShutdown(() => coordinator.stop()),
    (error: unknown) => {
      console.error(`[coordinator] ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
