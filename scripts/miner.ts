/**
 * The miner program: detects the GPU, registers and stakes if needed, then serves jobs.
 *
 *   node --import tsx scripts/miner.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --coordinator http://127.0.0.1:8547 --backend ollama --ollama-host http://127.0.0.1:11434
 *
 * `--help` lists every flag; each has an environment variable.
 */
import { Command, Option } from "commander";
import type { Address } from "viem";

import {
  identitySecret,
  backendFromFlags,
  chainFromFlags,
  deploymentContracts,
  isMain,
  onShutdown,
  startupErrorMessage,
  withChainOptions,
} from "./lib/cli.js";
import { detectGpu } from "../node/miner/gpu.js";
import { parseArchivePath, parseListenHost } from "../node/miner/archive-flags.js";
import { DEFAULT_ASK, defaultArchivePath, Miner } from "../node/miner/miner.js";
import {
  aitbcAmount,
  integerIn,
  parseFieldElement,
  parseHttpUrl,
  parsePort,
  parseWei,
} from "./lib/options.js";

/** The miner's flags as parsed (and checked) by {@link minerCommand}. */
export interface MinerFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  identitySecret?: bigint;
  coordinator: string;
  backend: "ollama" | "builtin";
  ollamaHost?: string;
  /** Per-request Ollama timeout, milliseconds. */
  timeoutMs: number;
  model?: string[];
  concurrency: number;
  journal: string;
  /** Stake to hold, wei of AITBC. */
  stake?: bigint;
  gpuModel?: string;
  /** Declared VRAM, GB. */
  gpuVram?: number;
  pollMs: number;
  /** Asking price, wei of AITBC per token. */
  pricePerToken: bigint;
  offerEveryMs: number;
  /** Least time from a quoted job's opening to its deadline before the per-token time, seconds. */
  minJobDurationS: number;
  /** Jobs per batch settlement (0 = no batches, per-job settlement only). */
  batchSize: number;
  /** Longest wait of an answered job for its batch to fill, seconds. */
  batchMaxWait: number;
  /** The job archive's SQLite file (default: next to the journal, see `defaultArchivePath`). */
  archiveDb?: string;
  /** Port of the archive's HTTP server (0 = any free port). */
  archivePort: number;
  /** Listen address of the archive's HTTP server. */
  archiveHost: string;
}

/** Starts a miner from parsed flags (used by the CLI; the main job builds a `Miner` directly). */
export async function startMiner(flags: MinerFlags): Promise<Miner> {
  const chain = await chainFromFlags(flags);
  const batchEscrow = (await deploymentContracts(flags)).BatchEscrow;
  if (batchEscrow) chain.config.addresses.batchEscrow = batchEscrow as Address;
  const batching = flags.batchSize > 0 && batchEscrow !== undefined;
  if (flags.batchSize > 0 && !batchEscrow)
    console.log("[miner] the deployment has no BatchEscrow: settling per job only (JobEscrow)");
  const gpu = await detectGpu({ model: flags.gpuModel, vramGb: flags.gpuVram });
  console.log(
    `[miner] account ${chain.address}; GPU ${gpu.model}, ${gpu.vramGb} GB (${gpu.source}); backend ${flags.backend}`,
  );
  const miner = new Miner({
    chain,
    backend: backendFromFlags(flags),
    relayUrl: flags.coordinator,
    secret: identitySecret(flags.identitySecret, flags.privateKey),
    journalPath: flags.journal,
    gpu,
    models: flags.model,
    stake: flags.stake,
    concurrency: flags.concurrency,
    pollMs: flags.pollMs,
    pricePerToken: flags.pricePerToken,
    offerEveryMs: flags.offerEveryMs,
    minJobDurationS: flags.minJobDurationS,
    archivePath: flags.archiveDb ?? defaultArchivePath(flags.journal),
    archivePort: flags.archivePort,
    archiveHost: flags.archiveHost,
    ...(batching ? { batch: { size: flags.batchSize, maxWaitMs: flags.batchMaxWait * 1000 } } : {}),
  });
  await miner.start();
  console.log(`[miner] job archive ${flags.archiveDb ?? defaultArchivePath(flags.journal)}, served at ${miner.archiveUrl}/v1/jobs/<jobKey>/payload|output|request`); // prettier-ignore
  console.log(`[miner] serving; journal ${flags.journal}${batching ? `; batches of up to ${flags.batchSize} jobs, at most ${flags.batchMaxWait} s wait` : ""}`); // prettier-ignore
  return miner;
}

/** The miner's command line: every flag has an environment variable and is checked when parsed. */
export function minerCommand(): Command {
  const option = (flags: string, description: string, env?: string) => {
    const o = new Option(flags, description);
    return env ? o.env(env) : o;
  };
  return withChainOptions(
    new Command()
      .name("miner")
      .description(
        "AITBC miner: stake, claim jobs, run inference (Ollama or the built-in model), prove, settle",
      ),
    "provider account key",
  )
    .addOption(
      option("--identity-secret <n>", "receipt identity secret (default derived from the key)", "AITBC_IDENTITY_SECRET").argParser(parseFieldElement), // prettier-ignore
    )
    .addOption(
      option("--coordinator <url>", "coordinator relay URL", "AITBC_COORDINATOR_URL").argParser(parseHttpUrl).default("http://127.0.0.1:8547"), // prettier-ignore
    )
    .addOption(
      option("--backend <kind>", "inference backend", "AITBC_BACKEND")
        .choices(["ollama", "builtin"])
        .default("ollama"),
    ) // prettier-ignore
    .addOption(
      option("--ollama-host <url>", "Ollama runtime", "OLLAMA_HOST").argParser(parseHttpUrl).default("http://127.0.0.1:11434"), // prettier-ignore
    )
    .addOption(
      option("--timeout-ms <ms>", "per-request Ollama timeout", "AITBC_OLLAMA_TIMEOUT_MS").argParser(integerIn(1)).default(120_000), // prettier-ignore
    )
    .option("--model <name...>", "models to serve (default: all the runtime has)")
    .addOption(
      option("--concurrency <n>", "jobs in parallel", "AITBC_CONCURRENCY")
        .argParser(integerIn(1, 256))
        .default(2),
    ) // prettier-ignore
    .addOption(option("--journal <path>", "job journal file", "AITBC_JOURNAL").default("miner-journal.jsonl"))
    .addOption(
      option("--stake <aitbc>", "stake to hold, AITBC (at least the minimum stake)", "AITBC_STAKE").argParser(aitbcAmount(false)), // prettier-ignore
    )
    .addOption(option("--gpu-model <name>", "GPU declaration when nvidia-smi is absent", "AITBC_GPU_MODEL"))
    .addOption(
      option("--gpu-vram <gb>", "VRAM in GB when nvidia-smi is absent", "AITBC_GPU_VRAM_GB").argParser(integerIn(1, 4096)), // prettier-ignore
    )
    .addOption(
      option("--poll-ms <ms>", "chain poll interval", "AITBC_POLL_MS").argParser(integerIn(1)).default(1_000),
    ) // prettier-ignore
    .addOption(
      option("--price-per-token <wei>", "asking price, wei of AITBC per token: quotes at or above it, no claims below it", "AITBC_PRICE_PER_TOKEN").argParser(parseWei).default(DEFAULT_ASK), // prettier-ignore
    )
    .addOption(
      option("--offer-every-ms <ms>", "offer heartbeat to the coordinator; 0 = no offers, no quotes", "AITBC_OFFER_EVERY_MS").argParser(integerIn(0)).default(3_000), // prettier-ignore
    )
    .addOption(
      option("--min-job-duration-s <s>", "least time, seconds, from a quoted job's opening to its deadline, before the per-token time", "AITBC_MIN_JOB_DURATION_S").argParser(integerIn(1)).default(300), // prettier-ignore
    )
    .addOption(
      option("--batch-size <n>", "jobs per batch settlement (BatchEscrow); 0 = settle every job alone", "AITBC_BATCH_SIZE").argParser(integerIn(0, 256)).default(16), // prettier-ignore
    )
    .addOption(
      option("--batch-max-wait <s>", "longest wait, seconds, of an answered job for its batch to fill", "AITBC_BATCH_MAX_WAIT").argParser(integerIn(1, 3_600)).default(30), // prettier-ignore
    )
    .addOption(
      option("--archive-db <path>", "SQLite file of the job archive (payloads, outputs, signed requests kept for the challenge and reveal windows); default: next to the journal", "AITBC_ARCHIVE_DB").argParser(parseArchivePath), // prettier-ignore
    )
    .addOption(
      option("--archive-port <port>", "port of the archive's HTTP server for watchers; 0 = any free port", "AITBC_ARCHIVE_PORT").argParser(parsePort).default(0), // prettier-ignore
    )
    .addOption(
      option("--archive-host <host>", "listen address of the archive's HTTP server", "AITBC_ARCHIVE_HOST").argParser(parseListenHost).default("127.0.0.1"), // prettier-ignore
    );
}

if (isMain(import.meta.url)) {
  const flags = minerCommand().parse().opts<MinerFlags>();
  startMiner(flags).then(
    (miner) => onShutdown(() => miner.stop()),
    (error: unknown) => {
      console.error(`[miner] ${startupErrorMessage(error)}`);
      process.exit(1);
    },
  );
}
