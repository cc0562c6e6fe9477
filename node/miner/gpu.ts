/**
 * GPU detection for the provider's declaration in GPUStaking: `nvidia-smi` when present
 * (`--query-gpu=name,memory.total --format=csv,noheader,nounits`), otherwise flags or environment
 * (`AITBC_GPU_MODEL`, `AITBC_GPU_VRAM_GB`, `AITBC_GPU_THROUGHPUT`), otherwise a CPU declaration.
 */
import { execFile } from "node:child_process";

/** The GPU declared in `GPUStaking`. */
export interface GpuDeclaration {
  /** Marketing name (at most 64 bytes on-chain). */
  model: string;
  vramGb: number;
  /** Declared tokens per second. */
  throughput: number;
  /** Where it came from. */
  source: "nvidia-smi" | "flags" | "none";
}

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` (MiB). */
export function parseNvidiaSmi(stdout: string): { model: string; vramGb: number }[] {
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const comma = line.lastIndexOf(",");
      const model = line.slice(0, comma).trim();
      const mib = Number(line.slice(comma + 1).trim());
      if (comma < 0 || !model || !Number.isFinite(mib))
        throw new Error(`unexpected nvidia-smi line: ${line}`);
      return { model, vramGb: Math.round(mib / 1024) };
    });
}

function runNvidiaSmi(binary: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
      { timeout: 5_000 },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
  });
}

/**
 * Detects the GPU. Flags win over the environment; `nvidia-smi` wins over both unless
 * `override` is set.
 */
export async function detectGpu(
  flags: {
    model?: string;
    vramGb?: number;
    throughput?: number;
    override?: boolean;
    nvidiaSmi?: string;
  } = {},
): Promise<GpuDeclaration> {
  const env = process.env;
  const throughput = flags.throughput ?? Number(env.AITBC_GPU_THROUGHPUT ?? 0);
  if (!flags.override) {
    const out = await runNvidiaSmi(flags.nvidiaSmi ?? "nvidia-smi");
    if (out !== undefined) {
      const gpus = parseNvidiaSmi(out);
      if (gpus.length > 0) {
        const model = gpus.length === 1 ? gpus[0]!.model : `${gpus.length}x ${gpus[0]!.model}`;
        const vramGb = gpus.reduce((sum, g) => sum + g.vramGb, 0);
        return { model: model.slice(0, 64), vramGb, throughput: throughput || 50, source: "nvidia-smi" };
      }
    }
  }
  const model = flags.model ?? env.AITBC_GPU_MODEL;
  if (model) {
    return {
      model: model.slice(0, 64),
      vramGb: flags.vramGb ?? Number(env.AITBC_GPU_VRAM_GB ?? 0),
      throughput: throughput || 10,
      source: "flags",
    };
  }
  return { model: "CPU (no GPU detected)", vramGb: 0, throughput: throughput || 1, source: "none" };
}
