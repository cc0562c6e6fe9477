/**
 * The node wing as separate processes for the node benchmark (bench/node.ts), as the README runs
 * it: `hardhat node` on a free port → `scripts/deploy.ts` (deployments in a temporary folder) →
 * the coordinator, two miners (Ollama backend pointed at the test server) and the gateway, each
 * started with the command the deploy script printed, with only ports, files and the backend
 * changed. Their resident memory is read from `/proc/<pid>/status` and, when a program serves
 * Prometheus metrics, from its `process_resident_memory_bytes`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const HARDHAT = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** A child process with its output collected (stdout and stderr interleaved, last 64 KB). */
export interface Child {
  name: string;
  process: ChildProcess;
  output: string;
  /** Where the program serves `/metrics`, if it does. */
  metricsUrl?: string;
  /** A command that ends by itself (the deploy): its exit is no failure. */
  oneShot?: boolean;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const running = (c: Child) => c.process.exitCode === null && c.process.signalCode === null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a live process from `/proc/<pid>/status` (`VmRSS`), bytes. */
export function procRss(pid: number): number | undefined {
  try {
    const line = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return line ? Number(line[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used, seconds, from `/proc/<pid>/stat` (100 ticks/s). */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** `process_resident_memory_bytes` from a Prometheus text endpoint, bytes; undefined if absent. */
export async function metricsRss(url: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    const line = /^process_resident_memory_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m.exec(text);
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The processes of one benchmark run, started and stopped together. */
export class ProcessSet {
  readonly children: Child[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), "aitbc-bench-node-"));
  /** Further paths removed by {@link stop} (e.g. the deploy's Ignition journal). */
  readonly cleanup: string[] = [];

  /** Starts `node <args>` in the repository root. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const child: Child = {
      name,
      process: spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
      output: "",
    };
    const collect = (d: Buffer) => (child.output = (child.output + d.toString()).slice(-65_536));
    child.process.stdout!.on("data", collect);
    child.process.stderr!.on("data", collect);
    this.children.push(child);
    return child;
  }

  /** Starts a Hardhat command (`node`, `run ...`) as a child. */
  hardhat(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    return this.start(name, [HARDHAT, ...args], env);
  }

  /** Starts a TypeScript entry point (`scripts/<file>.ts`) through tsx. */
  script(name: string, file: string, args: string[]): Child {
    return this.start(name, ["--import", "tsx", file, ...args]);
  }

  /** The tail of every child's output, for error messages. */
  outputs(): string {
    return this.children.map((c) => `--- ${c.name}\n${c.output.slice(-3_000)}`).join("\n");
  }

  /**
   * Waits until `check` holds, polling every 100 ms; throws if a long-running child exits first
   * (one-shot children may) or after `timeoutMs` (a safety net, not a measurement).
   */
  async waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 600_000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (
        await Promise.resolve()
          .then(check)
          .catch(() => false)
      )
        return;
      const dead = this.children.find((c) => !running(c) && !c.oneShot);
      if (dead) throw new Error(`${dead.name} exited (${dead.process.exitCode}) waiting for ${what}\n${this.outputs()}`); // prettier-ignore
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}\n${this.outputs()}`);
  }

  /** Resident memory of every live child: `/proc` and, where served, the program's own metric. */
  async memory(): Promise<{ name: string; pid: number; rssBytes?: number; metricsRssBytes?: number }[]> {
    return Promise.all(
      this.children.filter(running).map(async (c) => ({
        name: c.name,
        pid: c.process.pid!,
        rssBytes: procRss(c.process.pid!),
        metricsRssBytes: c.metricsUrl ? await metricsRss(c.metricsUrl) : undefined,
      })),
    );
  }

  /** VmRSS of every live child now, bytes, by name. */
  rssNow(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.children.filter(running)) {
      const rss = procRss(c.process.pid!);
      if (rss !== undefined) out[c.name] = rss;
    }
    return out;
  }

  /** CPU seconds used so far by every live child, by name. */
  cpuNow(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.children.filter(running)) {
      const cpu = procCpuSeconds(c.process.pid!);
      if (cpu !== undefined) out[c.name] = cpu;
    }
    return out;
  }

  /** SIGTERM to every live child, SIGKILL after 5 s; then removes the temporary folder and `cleanup`. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        if (!running(c)) return;
        const exited = new Promise((r) => c.process.once("exit", r));
        c.process.kill("SIGTERM");
        if ((await Promise.race([exited, sleep(5_000).then(() => "timeout")])) === "timeout") {
          c.process.kill("SIGKILL");
          await exited;
        }
      }),
    );
    for (const path of [this.dir, ...this.cleanup]) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Replaces the value of each `flag` in `args` (the first occurrence) or appends `flag value`;
 * a value of `null` removes the flag and its value; `""` appends the flag alone.
 */
export function withFlags(args: readonly string[], flags: Record<string, string | null>): string[] {
  const out = [...args];
  for (const [flag, value] of Object.entries(flags)) {
    const at = out.indexOf(flag);
    const hasValue = at >= 0 && at + 1 < out.length && !out[at + 1]!.startsWith("--");
    if (at >= 0) out.splice(at, hasValue ? 2 : 1);
    if (value === null) continue;
    out.push(...(value === "" ? [flag] : [flag, value]));
  }
  return out;
}

/** The arguments of every `npm run <program> -- …` line a deploy printed, in order. */
export function printedCommands(deployOutput: string, program: string): string[][] {
  const lines = deployOutput.matchAll(new RegExp(`npm run ${program} -- (.+)$`, "gm"));
  return [...lines].map((m) => m[1]!.trim().split(/\s+/));
}
