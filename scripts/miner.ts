/**
 * The miner program: detects the GPU, registers and stakes if needed, serves its provider API (offers,
 * quotes, prompt uploads, batch requests, results, health, metrics, the archive) and publishes its URI
 * on-chain in the `ServiceRegistry`.
 *
 *   node --import tsx scripts/miner.ts --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --backend ollama --ollama-host http://127.0.0.1:11434 --port 8601 --public-url https://miner.example
 *
 * `--help` lists every flag; each has an environment variable.
 */
import { Command, Option } from "commander";

import type { AitbcContracts } from "@aitbc/sdk";
import { MinerAccount } from "../node/miner/account.js";
import { parseListenHost, parseArchivePath } from "../node/miner/archive-flags.js";
import { detectGpu } from "../node/miner/gpu.js";
import { DEFAULT_ASK, defaultArchivePath, Miner } from "../node/miner/miner.js";
import { identitySecret, backendFromFlags, deploymentContracts, isMain, onShutdown, startupErrorMessage, withChainOptions } from "./lib/cli.js"; // prettier-ignore
import { aitbcAmount, integerIn, parseFieldElement, parseHttpUrl, parsePort, parsePositiveShare, parsePrivateKey, parseWei } from "./lib/options.js"; // prettier-ignore

/** The miner's flags as parsed (and checked) by {@link minerCommand}. */
export interface MinerFlags {
  rpcUrl: string;
  privateKey?: string;
  deployment?: string;
  identitySecret?: bigint;
  backend: "ollama" | "builtin";
  ollamaHost?: string;
  /** Per-request Ollama timeout, ms. */
  timeoutMs: number;
  model?: string[];
  /** Jobs accepted and not yet answered, at most. */
  maxConcurrent: number;
  /** Fractions (0, 1] of the cores, of the memory, of the GPU memory. */
  cpuShare: number;
  memoryShare: number;
  gpuMemoryShare: number;
  /** The SQLite store (journal, event cursors). */
  store: string;
  /** Stake to hold, wei of AITBC. */
  stake?: bigint;
  gpuModel?: string;
  gpuVram?: number;
  pollMs: number;
  /** Asking price, wei of AITBC per token. */
  pricePerToken: bigint;
  maxTokens: number;
  minJobDurationS: number;
  /** Jobs per batch settlement (0 = per-job settlement only). */
  batchSize: number;
  /** Longest wait of an answered job for its batch, seconds. */
  batchMaxWait: number;
  archiveDb?: string;
  port: number;
  host: string;
  /** The URI published on-chain (default http://<host>:<port>). */
  publicUrl?: string;
}

/** Starts a miner from parsed flags. */
export async function startMiner(flags: MinerFlags): Promise<Miner> {
  if (!flags.privateKey) throw new Error("a private key is required: --private-key 0x… or AITBC_PRIVATE_KEY");
  const key = parsePrivateKey(flags.privateKey, "--private-key (or AITBC_PRIVATE_KEY)");
  const contracts = (await deploymentContracts(flags)) as unknown as AitbcContracts;
  const account = MinerAccount.connect({ rpc: flags.rpcUrl, key, contracts });
  const batching = flags.batchSize > 0 && contracts.BatchEscrow !== undefined;
  if (flags.batchSize > 0 && !batching) console.log("[miner] the deployment has no BatchEscrow: per-job settlement only"); // prettier-ignore
  if (!contracts.ServiceRegistry) console.log("[miner] the deployment has no ServiceRegistry: the URI is not published"); // prettier-ignore
  const gpu = await detectGpu({ model: flags.gpuModel, vramGb: flags.gpuVram });
  console.log(`[miner] account ${account.address}; GPU ${gpu.model}, ${gpu.vramGb} GB (${gpu.source}); backend ${flags.backend}`); // prettier-ignore
  const miner = new Miner({
    account,
    backend: backendFromFlags(flags),
    secret: identitySecret(flags.identitySecret, flags.privateKey),
    store: flags.store,
    gpu,
    models: flags.model,
    stake: flags.stake,
    limits: { maxConcurrent: flags.maxConcurrent, cpuShare: flags.cpuShare, memoryShare: flags.memoryShare, gpuMemoryShare: flags.gpuMemoryShare }, // prettier-ignore
    pollMs: flags.pollMs,
    pricePerToken: flags.pricePerToken,
    maxTokensPerJob: flags.maxTokens,
    minJobDurationS: flags.minJobDurationS,
    archivePath: flags.archiveDb ?? defaultArchivePath(flags.store),
    host: flags.host,
    port: flags.port,
    publicUrl: flags.publicUrl,
    ...(batching ? { batch: { size: flags.batchSize, maxWaitMs: flags.batchMaxWait * 1000 } } : {}),
  });
  await miner.start();
  console.log(`[miner] serving ${miner.url} (offers, quotes, prompts, batch requests, results, /health, /metrics); store ${flags.store}`); // prettier-ignore
  return miner;
}

const option = (flags: string, description: string, env: string) => new Option(flags, description).env(env);

/** The miner's command line: every flag has an environment variable and is checked when parsed. */
export function minerCommand(): Command {
  return withChainOptions(
    new Command().name("miner").description("AITBC edge miner: stake, serve offers, quotes and jobs from Ollama or the built-in model, stream tokens, prove, settle"), // prettier-ignore
    "provider account key",
  )
    .addOption(option("--identity-secret <n>", "receipt identity secret (default derived from the key)", "AITBC_IDENTITY_SECRET").argParser(parseFieldElement)) // prettier-ignore
    .addOption(option("--backend <kind>", "inference backend", "AITBC_BACKEND").choices(["ollama", "builtin"]).default("ollama")) // prettier-ignore
    .addOption(option("--ollama-host <url>", "Ollama runtime", "OLLAMA_HOST").argParser(parseHttpUrl).default("http://127.0.0.1:11434")) // prettier-ignore
    .addOption(option("--timeout-ms <ms>", "per-request Ollama timeout", "AITBC_OLLAMA_TIMEOUT_MS").argParser(integerIn(1)).default(120_000)) // prettier-ignore
    .option("--model <name...>", "models to serve (default: all the runtime has)")
    .addOption(option("--max-concurrent <n>", "jobs accepted and not yet answered, at most", "AITBC_MAX_CONCURRENT").argParser(integerIn(1, 256)).default(2)) // prettier-ignore
    .addOption(option("--cpu-share <f>", "fraction (0, 1] of the cores for inference and proving workers", "AITBC_CPU_SHARE").argParser(parsePositiveShare).default(1)) // prettier-ignore
    .addOption(option("--memory-share <f>", "take no new work while process or system memory use is above this fraction (0, 1]", "AITBC_MEMORY_SHARE").argParser(parsePositiveShare).default(0.9)) // prettier-ignore
    .addOption(option("--gpu-memory-share <f>", "take no new work while GPU memory use (nvidia-smi) is above this fraction (0, 1]", "AITBC_GPU_MEMORY_SHARE").argParser(parsePositiveShare).default(0.95)) // prettier-ignore
    .addOption(option("--store <path>", "SQLite store of the miner (job journal, event cursors)", "AITBC_STORE").default("miner.sqlite")) // prettier-ignore
    .addOption(option("--stake <aitbc>", "stake to hold, AITBC (at least the minimum stake)", "AITBC_STAKE").argParser(aitbcAmount(false))) // prettier-ignore
    .addOption(option("--gpu-model <name>", "GPU declaration when nvidia-smi is absent", "AITBC_GPU_MODEL"))
    .addOption(option("--gpu-vram <gb>", "VRAM in GB when nvidia-smi is absent", "AITBC_GPU_VRAM_GB").argParser(integerIn(1, 4096))) // prettier-ignore
    .addOption(option("--poll-ms <ms>", "chain poll interval", "AITBC_POLL_MS").argParser(integerIn(1)).default(1_000)) // prettier-ignore
    .addOption(option("--price-per-token <wei>", "asking price, wei of AITBC per token", "AITBC_PRICE_PER_TOKEN").argParser(parseWei).default(DEFAULT_ASK, `${DEFAULT_ASK} (0.001 AITBC)`)) // prettier-ignore
    .addOption(option("--max-tokens <n>", "most tokens per job (offers, quotes, batch requests)", "AITBC_MAX_TOKENS").argParser(integerIn(1, 2 ** 32 - 1)).default(4096)) // prettier-ignore
    .addOption(option("--min-job-duration-s <s>", "least time, seconds, from a job's opening to its deadline, before the per-token time", "AITBC_MIN_JOB_DURATION_S").argParser(integerIn(1)).default(300)) // prettier-ignore
    .addOption(option("--batch-size <n>", "jobs per batch settlement (BatchEscrow); 0 = settle every job alone", "AITBC_BATCH_SIZE").argParser(integerIn(0, 256)).default(16)) // prettier-ignore
    .addOption(option("--batch-max-wait <s>", "longest wait, seconds, of an answered job for its batch to fill", "AITBC_BATCH_MAX_WAIT").argParser(integerIn(1, 3_600)).default(30)) // prettier-ignore
    .addOption(option("--archive-db <path>", "SQLite file of the job archive; default next to the store", "AITBC_ARCHIVE_DB").argParser(parseArchivePath)) // prettier-ignore
    .addOption(option("--port <port>", "port of the miner's API; 0 = any free port", "AITBC_PORT").argParser(parsePort).default(0)) // prettier-ignore
    .addOption(option("--host <host>", "listen address of the miner's API", "AITBC_HOST").argParser(parseListenHost).default("127.0.0.1")) // prettier-ignore
    .addOption(option("--public-url <url>", "the URI published on-chain (default http://<host>:<port>)", "AITBC_PUBLIC_URL").argParser(parseHttpUrl)); // prettier-ignore
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
