/**
 * The network as separate processes, for the tests that run it so (`test/miner/processes.ts`,
 * `test/node/sigkill.ts`): `hardhat node` on a free port, `scripts/deploy.ts` against it, then the
 * programs with the commands and development keys the deploy script prints. No relay and no
 * coordinator: two miners publish their URIs on-chain, the gateway finds them there. (No tests here.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { createPublicClient, http, type PublicClient } from "viem";

import { DEV_CHAIN_ID, devIgnitionDeploymentId } from "../../scripts/lib/devnet.js";
import { sleep } from "../../node/shared/retry.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const HARDHAT = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** A child process with its output collected (stdout and stderr interleaved). */
export interface Child {
  name: string;
  process: ChildProcess;
  output: string;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Whether a child still runs. */
export const running = (c: Child) => c.process.exitCode === null && c.process.signalCode === null;

/** A hardhat node with the protocol deployed, and the programs started against it. */
export class ProcessNetwork {
  readonly children: Child[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), "aitbc-processes-"));
  rpcUrl = "";
  client!: PublicClient;
  deployOutput = "";
  private journalDir: string | undefined;

  /** Starts a program (`node <args>`) in the repository. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const child: Child = {
      name,
      process: spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }), // prettier-ignore
      output: "",
    };
    child.process.stdout!.on("data", (d: Buffer) => (child.output += d.toString()));
    child.process.stderr!.on("data", (d: Buffer) => (child.output += d.toString()));
    this.children.push(child);
    return child;
  }

  /** Everything the children printed (the last 4 000 characters of each), for failure messages. */
  outputs(): string {
    return this.children.map((c) => `--- ${c.name}\n${c.output.slice(-4_000)}`).join("\n");
  }

  /** Waits for a condition; fails at once if a program died (except those in `mayExit`). */
  async waitFor(
    what: string,
    check: () => boolean | Promise<boolean>,
    options: { timeoutMs?: number; mayExit?: string[] } = {},
  ) {
    // prettier-ignore
    const end = Date.now() + (options.timeoutMs ?? 5 * 60_000);
    const mayExit = new Set(["deploy", ...(options.mayExit ?? [])]);
    while (Date.now() < end) {
      if (
        await Promise.resolve()
          .then(check)
          .catch(() => false)
      )
        return;
      const dead = this.children.find(
        (c) => !running(c) && !mayExit.has(c.name) && !c.name.startsWith("killed"),
      );
      if (dead)
        throw new Error(
          `${dead.name} exited (${dead.process.exitCode}) waiting for ${what}\n${this.outputs()}`,
        );
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}\n${this.outputs()}`);
  }

  /** Starts the node and deploys (the deploy script's output kept in {@link deployOutput}). */
  async up(): Promise<void> {
    const port = await freePort();
    this.rpcUrl = `http://127.0.0.1:${port}`;
    this.start("hardhat node", [HARDHAT, "node", "--port", String(port), "--hostname", "127.0.0.1"]);
    this.client = createPublicClient({
      transport: http(this.rpcUrl, { retryCount: 0 }),
      pollingInterval: 100,
    });
    await this.waitFor(
      "hardhat node to answer eth_chainId",
      async () => (await this.client.getChainId()) > 0,
    );
    const genesis = await this.client.getBlock({ blockNumber: 0n });
    this.journalDir = join(
      ROOT,
      "deploy",
      "deployments",
      devIgnitionDeploymentId(DEV_CHAIN_ID, genesis.hash),
    );
    const deploy = this.start("deploy", [HARDHAT, "run", "--no-compile", "--network", "localhost", "scripts/deploy.ts"], { AITBC_LOCALHOST_URL: this.rpcUrl, AITBC_DEPLOYMENTS_DIR: this.dir }); // prettier-ignore
    const code = await new Promise<number | null>((r) => deploy.process.once("exit", r));
    this.deployOutput = deploy.output;
    if (code !== 0) throw new Error(`deploy exited ${code}\n${deploy.output}`);
  }

  /** The arguments of every `npm run <program> -- …` command the deploy script printed. */
  printed(program: string): string[][] {
    const lines = [...this.deployOutput.matchAll(new RegExp(`npm run ${program} -- (.+)$`, "gm"))];
    if (lines.length === 0)
      throw new Error(`the deploy script printed no ${program} command\n${this.deployOutput}`);
    return lines.map((l) => l[1]!.trim().split(/\s+/));
  }

  /** The printed miner command `i` with its own store, port and a short poll (and no old flags). */
  async minerArgs(i: number, extra: string[] = []): Promise<string[]> {
    const printed = dropFlag(this.printed("miner")[i]!, "--journal");
    const port = await freePort();
    return ["--import", "tsx", "scripts/miner.ts", ...printed, "--store", join(this.dir, `miner-${i}.sqlite`), "--port", String(port), "--poll-ms", "100", ...extra]; // prettier-ignore
  }

  /** The printed gateway command with its own state, archive, port and a short poll. */
  gatewayArgs(port: number, extra: string[] = []): string[] {
    const printed = dropFlag(this.printed("gateway")[0]!, "--coordinator");
    return ["--import", "tsx", "scripts/gateway.ts", ...printed, "--port", String(port), "--state-db", join(this.dir, "gateway-state.sqlite"), "--archive-db", join(this.dir, "gateway-archive.sqlite"), "--poll-ms", "100", ...extra]; // prettier-ignore
  }

  /** SIGKILLs a child and waits for it to be gone; it is renamed `killed …` (expected to be dead). */
  async kill(child: Child): Promise<void> {
    const exited = new Promise((r) => child.process.once("exit", r));
    child.process.kill("SIGKILL");
    await exited;
    child.name = `killed ${child.name}`;
  }

  /** Stops every child (SIGTERM, then SIGKILL after 5 s) and removes the temporary files. */
  async down(): Promise<void> {
    for (const c of this.children) if (running(c)) c.process.kill("SIGTERM");
    await Promise.all(
      this.children.map(async (c) => {
        if (!running(c)) return;
        const exited = new Promise((r) => c.process.once("exit", r));
        if ((await Promise.race([exited, sleep(5_000).then(() => "timeout")])) === "timeout") {
          c.process.kill("SIGKILL");
          await exited;
        }
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
    if (this.journalDir) rmSync(this.journalDir, { recursive: true, force: true });
  }
}

/** `args` without `flag` and its value. */
export function dropFlag(args: string[], flag: string): string[] {
  const i = args.indexOf(flag);
  return i < 0 ? args : [...args.slice(0, i), ...args.slice(i + 2)];
}

/** `args` with the value of `flag` replaced. */
export function withFlag(args: string[], flag: string, value: string): string[] {
  return args.map((a, i) => (args[i - 1] === flag ? value : a));
}
