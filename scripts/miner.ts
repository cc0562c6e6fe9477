/**
 * The miner program: detects the GPU, registers and stakes if needed, then serves jobs.
 *
 *   node --import tsx scripts/miner.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --coordinator http://127.0.0.1:8547 --backend ollama --ollama-host http://127.0.0.1:11434
 *
 * `--help` lists every flag; each has an environment variable.
 */
import { Command } from "commander";

import {
  identitySecret,
  backendFromFlags,
  chainFromFlags,
  isMain,
  onShutdown,
  withChainOptions,
} from "./lib/cli.js";
import { detectGpu } from "./lib/miner/gpu.js";
import { DEFAULT_ASK, Miner } from "./lib/miner/miner.js";

export interface MinerFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  identitySecret?: string;
  coordinator: string;
  backend: string;
  ollamaHost?: string;
  timeoutMs?: string;
  model?: string[];
  concurrency: string;
  journal: string;
  stake?: string;
  gpuModel?: string;
  gpuVram?: string;
  pollMs: string;
  pricePerToken: string;
  offerEveryMs: string;
  minJobDurationS: string;
}

/** Starts a miner from parsed flags (used by the CLI; the main job builds a `Miner` directly). */
export async function startMiner(flags: MinerFlags): Promise<Miner> {
  const chain = await chainFromFlags(flags);
  const gpu = await detectGpu({
    model: flags.gpuModel,
    vramGb: flags.gpuVram ? Number(flags.gpuVram) : undefined,
  });
  console.log(
    `[miner] account ${chain.address}; GPU ${gpu.model}, ${gpu.vramGb} GB (${gpu.source}); backend ${flags.backend}`,
  );
  const miner = new Miner({
    chain,
    backend: backendFromFlags(flags),
    relayUrl: flags.coordinator,
    secret: identitySecret(flags.identitySecret, flags.privateKey ?? process.env.AITBC_PRIVATE_KEY),
    journalPath: flags.journal,
    gpu,
    models: flags.model,
    stake: flags.stake ? BigInt(flags.stake) * 10n ** 18n : undefined,
    concurrency: Number(flags.concurrency),
    pollMs: Number(flags.pollMs),
    pricePerToken: BigInt(flags.pricePerToken),
    offerEveryMs: Number(flags.offerEveryMs),
    minJobDurationS: Number(flags.minJobDurationS),
  });
  await miner.start();
  console.log(`[miner] serving; journal ${flags.journal}`);
  return miner;
}

export function minerCommand(): Command {
  const env = process.env;
  return withChainOptions(
    new Command()
      .name("miner")
      .description(
        "AITBC miner: stake, claim jobs, run inference (Ollama or the built-in model), prove, settle",
      ),
    "provider account key",
  )
    .option(
      "--identity-secret <n>",
      "receipt identity secret (AITBC_IDENTITY_SECRET; default derived from the key)",
      env.AITBC_IDENTITY_SECRET,
    ) // prettier-ignore
    .option(
      "--coordinator <url>",
      "coordinator relay URL (AITBC_COORDINATOR_URL)",
      env.AITBC_COORDINATOR_URL ?? "http://127.0.0.1:8547",
    ) // prettier-ignore
    .option("--backend <kind>", "ollama | builtin (AITBC_BACKEND)", env.AITBC_BACKEND ?? "ollama")
    .option(
      "--ollama-host <url>",
      "Ollama runtime (OLLAMA_HOST)",
      env.OLLAMA_HOST ?? "http://127.0.0.1:11434",
    )
    .option("--timeout-ms <ms>", "per-request Ollama timeout", env.AITBC_OLLAMA_TIMEOUT_MS ?? "120000")
    .option("--model <name...>", "models to serve (default: all the runtime has)")
    .option("--concurrency <n>", "jobs in parallel (AITBC_CONCURRENCY)", env.AITBC_CONCURRENCY ?? "2")
    .option(
      "--journal <path>",
      "job journal file (AITBC_JOURNAL)",
      env.AITBC_JOURNAL ?? "miner-journal.jsonl",
    )
    .option("--stake <aitbc>", "stake to hold, AITBC (at least the minimum stake)", env.AITBC_STAKE)
    .option("--gpu-model <name>", "GPU declaration when nvidia-smi is absent (AITBC_GPU_MODEL)")
    .option("--gpu-vram <gb>", "VRAM in GB when nvidia-smi is absent (AITBC_GPU_VRAM_GB)")
    .option("--poll-ms <ms>", "chain poll interval", env.AITBC_POLL_MS ?? "1000")
    .option(
      "--price-per-token <wei>",
      "asking price, wei of AITBC per token: quotes at or above it, no claims below it (AITBC_PRICE_PER_TOKEN)",
      env.AITBC_PRICE_PER_TOKEN ?? DEFAULT_ASK.toString(),
    )
    .option(
      "--offer-every-ms <ms>",
      "offer heartbeat to the coordinator; 0 = no offers, no quotes (AITBC_OFFER_EVERY_MS)",
      env.AITBC_OFFER_EVERY_MS ?? "3000",
    )
    .option(
      "--min-job-duration-s <s>",
      "least time, seconds, from a quoted job's opening to its deadline, before the per-token time (AITBC_MIN_JOB_DURATION_S)",
      env.AITBC_MIN_JOB_DURATION_S ?? "300",
    );
}

if (isMain(import.meta.url)) {
  const flags = minerCommand().parse().opts<MinerFlags>();
  if (!/^\d+$/.test(flags.pricePerToken)) {
    console.error(`[miner] --price-per-token must be a whole number of wei, got '${flags.pricePerToken}'`);
    process.exit(1);
  }
  startMiner(flags).then(
    (miner) => onShutdown(() => miner.stop()),
    (error: unknown) => {
      console.error(`[miner] ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
