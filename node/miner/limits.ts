/**
 * The edge miner's resource limits (seed 002): at most `maxConcurrent` jobs at once; `cpuShare` of the
 * cores for inference and proving workers; no new work (capacity 0, health "degraded") while the
 * process's RSS or the system's memory use is above `memoryShare` of the machine's memory, or — when
 * `nvidia-smi` is present — the GPUs' memory use is above `gpuMemoryShare`.
 */
import { execFile } from "node:child_process";
import { availableParallelism, freemem, totalmem } from "node:os";

/** What the miner may use, as fractions in (0, 1] and a job count. */
export interface ResourceLimitOptions {
  /** Jobs in flight at once (answering or waiting to be answered), default 2. */
  maxConcurrent?: number;
  /** Fraction of the cores for inference and proving workers (default 1). */
  cpuShare?: number;
  /** Memory use (process RSS or the whole system) above which no new work is taken (default 0.9). */
  memoryShare?: number;
  /** GPU memory use above which no new work is taken, when `nvidia-smi` is present (default 0.95). */
  gpuMemoryShare?: number;
  /** Reads memory use; default the process and `node:os` (tests inject one). */
  probe?: MemoryProbe;
  /** `nvidia-smi` binary (default "nvidia-smi"; a missing binary means no GPU check). */
  nvidiaSmi?: string;
}

/** Memory use as fractions of the total, 0–1. */
export interface MemoryUse {
  rss: number;
  system: number;
  /** Highest GPU memory use over the GPUs; undefined without `nvidia-smi`. */
  gpu?: number;
}

/** Reads memory use now. */
export type MemoryProbe = () => MemoryUse;

/** The process's RSS and the system's memory use as fractions of the machine's memory. */
export const osMemoryProbe: MemoryProbe = () => {
  const total = totalmem();
  return { rss: process.memoryUsage.rss() / total, system: 1 - freemem() / total };
};

/** Parses `nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader,nounits`: the highest use, 0–1. */
export function parseGpuMemory(stdout: string): number | undefined {
  let highest: number | undefined;
  for (const line of stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [used, total] = line.split(",").map((x) => Number(x.trim()));
    if (!Number.isFinite(used) || !Number.isFinite(total) || !total) continue;
    highest = Math.max(highest ?? 0, used! / total);
  }
  return highest;
}

function validShare(name: string, value: number): number {
  if (!(value > 0 && value <= 1)) throw new RangeError(`${name} must be in (0, 1], got ${value}`);
  return value;
}

/** The edge miner's limits (see the module). */
export class ResourceLimits {
  readonly maxConcurrent: number;
  readonly cpuShare: number;
  readonly memoryShare: number;
  readonly gpuMemoryShare: number;
  private readonly probe: MemoryProbe;
  private gpuUse?: number;
  private gpuTimer?: NodeJS.Timeout;

  constructor(private readonly options: ResourceLimitOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? 2;
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1)
      throw new RangeError(`maxConcurrent must be a positive integer, got ${this.maxConcurrent}`);
    this.cpuShare = validShare("cpuShare", options.cpuShare ?? 1);
    this.memoryShare = validShare("memoryShare", options.memoryShare ?? 0.9);
    this.gpuMemoryShare = validShare("gpuMemoryShare", options.gpuMemoryShare ?? 0.95);
    this.probe = options.probe ?? osMemoryProbe;
  }

  /** Workers for inference and proving: `cpuShare` of the cores, at least 1. */
  get workers(): number {
    return Math.max(1, Math.floor(availableParallelism() * this.cpuShare));
  }

  /** Starts sampling `nvidia-smi` every `everyMs` (no-op without it). */
  startGpuSampling(everyMs = 5_000): void {
    const sample = () =>
      execFile(
        this.options.nvidiaSmi ?? "nvidia-smi",
        ["--query-gpu=memory.used,memory.total", "--format=csv,noheader,nounits"],
        { timeout: 5_000 },
        (error, stdout) => (this.gpuUse = error ? undefined : parseGpuMemory(stdout)),
      );
    sample();
    this.gpuTimer = setInterval(sample, everyMs);
    this.gpuTimer.unref();
  }

  stop(): void {
    clearInterval(this.gpuTimer);
  }

  /** Why no new work may be taken now (memory over its share), or an empty list. */
  pressure(): string[] {
    const use = this.probe();
    const gpu = use.gpu ?? this.gpuUse;
    const reasons: string[] = [];
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    if (use.rss > this.memoryShare) reasons.push(`process memory ${pct(use.rss)} > ${pct(this.memoryShare)}`);
    if (use.system > this.memoryShare)
      reasons.push(`system memory ${pct(use.system)} > ${pct(this.memoryShare)}`);
    if (gpu !== undefined && gpu > this.gpuMemoryShare)
      reasons.push(`GPU memory ${pct(gpu)} > ${pct(this.gpuMemoryShare)}`);
    return reasons;
  }

  /** Free job slots: `maxConcurrent − inFlight`, 0 under memory pressure. */
  capacity(inFlight: number): number {
    if (this.pressure().length > 0) return 0;
    return Math.max(0, this.maxConcurrent - inFlight);
  }
}
