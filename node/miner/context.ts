/**
 * What the miner's parts share: the account, the backend, the journal and archive, the token streams,
 * the served models, the price, the limits, the worker slots and the metrics. Built once by the
 * {@link Miner} and handed to each part (jobs, batches, quotes, offers, the API).
 */
import type { JobArchive } from "../archive/archive.js";
import type { InferenceBackend, ModelInfo } from "../backends/backend.js";
import type { NodeMetrics } from "../shared/metrics.js";
import type { limiter } from "../shared/retry.js";
import type { Store } from "../shared/store.js";
import type { MinerAccount } from "./account.js";
import type { GpuDeclaration } from "./gpu.js";
import type { JobJournal } from "./journal.js";
import type { ResourceLimits } from "./limits.js";
import type { StreamHub } from "./streams.js";

/** The miner's shared parts and settings (see the module). */
/** Per-job phase times of a `JobEscrow` job, ms (for reports and the pipeline benchmark). */
export interface JobTiming {
  jobId: string;
  /** The runtime's time for the answer. */
  inferenceMs: number;
  /** Receipt proof time. */
  proveMs: number;
  /** `submitResult` sent until its receipt. */
  submitMs: number;
  /** From the end of the inference until the submission's receipt: proof + submit + queueing. */
  settleMs: number;
  tokens: number;
}

export interface MinerContext {
  account: MinerAccount;
  backend: InferenceBackend;
  /** The provider's identity secret (a BN254 field element). */
  secret: bigint;
  store: Store;
  journal: JobJournal;
  archive: JobArchive;
  streams: StreamHub;
  /** Served models: digest (lower-case) → name. */
  models: Map<string, string>;
  /** What the runtime says of each served model (digest, lower-case → it), published beside the offers. */
  modelInfo?: Map<string, ModelInfo>;
  /** Asking price, wei per token. */
  ask: bigint;
  /** Most tokens one job may ask for (offers and quotes). */
  maxTokensPerJob: number;
  gpu: GpuDeclaration;
  limits: ResourceLimits;
  /** Inference slots. */
  inferLimit: ReturnType<typeof limiter>;
  /** Proof + submission slots (beside the inference slots). */
  settleLimit: ReturnType<typeof limiter>;
  metrics: NodeMetrics;
  /** Phase times of the jobs submitted by this process. */
  timings: JobTiming[];
  /** Least seconds from a job's opening to its deadline before the per-token time (default 300). */
  minJobDurationS: number;
  /** Jobs accepted (either path) and not yet answered, plus outstanding quotes. */
  committed(): number;
  stopping(): boolean;
  log(line: string): void;
  /** Logs and keeps an error line (and counts it under `kind`). */
  note(line: string, kind?: string): void;
}

/**
 * Seconds the miner needs from a job's opening to its deadline for `maxTokens` tokens:
 * `minJobDurationS` plus the tokens at the declared throughput.
 */
export function requiredDuration(ctx: MinerContext, maxTokens: number): number {
  return ctx.minJobDurationS + Math.ceil(maxTokens / Math.max(1, ctx.gpu.throughput));
}

/** Free job slots now (0 under memory pressure or while stopping). */
export function capacity(ctx: MinerContext): number {
  return ctx.stopping() ? 0 : ctx.limits.capacity(ctx.committed());
}
