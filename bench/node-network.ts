/**
 * Starts the whole network for the node benchmark as separate processes (see
 * {@link ProcessSet}): chain, deployment, coordinator, two miners on the Ollama backend, gateway.
 *
 * The programs' flags come from the commands `scripts/deploy.ts` prints; the benchmark changes
 * only what it must (ports, files, the backend and its host, the miners' slots), and drops printed
 * flags a program does not declare. While the code has the coordinator relay (before issue 15),
 * the programs get its URL; without it they find each other on-chain.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { freePort, printedCommands, ProcessSet, withFlags, type Child } from "./node-processes.js";

const ROOT = resolve(import.meta.dirname, "..");

/** Options of {@link startNetwork}. */
export interface NetworkOptions {
  /** The Ollama-API server the miners (and the coordinator's re-execution) use. */
  ollamaUrl: string;
  /** Model the miners serve, and its bytes32 digest (`0x` + the runtime's sha256). */
  model: string;
  modelDigest: string;
  /** Jobs in parallel per miner (`--concurrency`). */
  minerConcurrency: number;
  /** More gateway flags, each as `[[flag, …candidates], value]` (e.g. `[["--local-ollama"], url]`). */
  gatewayFlags?: [string[], string | null][];
  /** Progress lines. */
  log(line: string): void;
}

/** A running network. */
export interface Network {
  processes: ProcessSet;
  /** The gateway's Ollama API. */
  gatewayUrl: string;
  /** The JSON-RPC endpoint of `hardhat node`. */
  rpcUrl: string;
  /** Whether the programs talk through the coordinator relay (the code before issue 15). */
  relay: boolean;
  stop(): Promise<void>;
}

/** The flags an entry point declares (`option("--name …"` in its source or the shared CLI module). */
function declaredFlags(script: string): Set<string> {
  const sources = [join(ROOT, "scripts", script), join(ROOT, "scripts", "lib", "cli.ts")];
  const text = sources.map((f) => readFileSync(f, "utf8")).join("\n");
  return new Set([...text.matchAll(/[oO]ption\(\s*"(--[a-z0-9-]+)/g)].map((m) => m[1]!));
}

/**
 * `withFlags` for one entry point: each wanted setting names its candidate flags in order of
 * preference (the rewritten programs renamed some); the first the program declares is used, and
 * a setting none of them declares is left out.
 */
function programFlags(
  script: string,
  args: readonly string[],
  wanted: [string[], string | null][],
): string[] {
  const declared = declaredFlags(script);
  const flags: Record<string, string | null> = {};
  for (const [candidates, value] of wanted) {
    const flag = candidates.find((c) => declared.has(c));
    if (flag) flags[flag] = value;
  }
  return withFlags(dropUndeclared(args, declared), flags);
}

/** `args` without the flags (and their values) the program does not declare (e.g. an old `--journal`). */
function dropUndeclared(args: readonly string[], declared: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--") || declared.has(a)) out.push(a);
    else if (i + 1 < args.length && !args[i + 1]!.startsWith("--")) i++;
  }
  return out;
}

/** Whether the code still has the coordinator relay (`node/coordinator/relay.ts`, before issue 15). */
const hasRelay = () => existsSync(join(ROOT, "node", "coordinator", "relay.ts"));

/** `hardhat node` on a free port, then `scripts/deploy.ts`; returns the deploy's output. */
async function chainAndDeploy(
  set: ProcessSet,
  log: (l: string) => void,
): Promise<{ rpcUrl: string; deployOutput: string }> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  set.hardhat("hardhat node", ["node", "--port", String(port), "--hostname", "127.0.0.1"]);
  const chainId = async () => {
    const r = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) }); // prettier-ignore
    return r.ok;
  };
  await set.waitFor("hardhat node to answer eth_chainId", chainId);
  log(`chain at ${rpcUrl}; deploying`);
  // the deploy's Ignition journal (deploy/deployments/chain-31337-<genesis>) is removed at the end
  const journals = join(ROOT, "deploy", "deployments");
  const listJournals = () => (existsSync(journals) ? readdirSync(journals) : []);
  const existing = new Set(listJournals());
  const deploy = set.hardhat(
    "deploy",
    ["run", "--no-compile", "--network", "localhost", "scripts/deploy.ts"],
    {
      AITBC_LOCALHOST_URL: rpcUrl,
      AITBC_DEPLOYMENTS_DIR: set.dir,
    },
  );
  deploy.oneShot = true;
  const code = await new Promise<number | null>((r) => deploy.process.once("exit", r));
  set.cleanup.push(
    ...listJournals()
      .filter((d) => !existing.has(d))
      .map((d) => join(journals, d)),
  );
  if (code !== 0) throw new Error(`scripts/deploy.ts exited ${code}\n${deploy.output}`);
  return { rpcUrl, deployOutput: deploy.output };
}

/** Starts the coordinator (relay or validator) and returns the relay URL if it is one. */
async function startCoordinator(set: ProcessSet, args: string[], options: NetworkOptions, relay: boolean) {
  const port = await freePort();
  const child = set.script("coordinator", "scripts/coordinator.ts", programFlags("coordinator.ts", args, [
    [["--backend"], "ollama"],
    [["--ollama-host"], options.ollamaUrl],
    [["--port"], String(port)],
    [["--poll-ms"], "100"],
    [["--store"], join(set.dir, "coordinator.sqlite")],
  ])); // prettier-ignore
  child.metricsUrl = `http://127.0.0.1:${port}/metrics`;
  if (relay) await set.waitFor("the coordinator relay", () => child.output.includes("relay at"));
  return relay ? `http://127.0.0.1:${port}` : undefined;
}

/** Starts the two miners the deploy printed, on the Ollama backend. */
async function startMiners(set: ProcessSet, printed: string[][], options: NetworkOptions, relayUrl?: string) {
  const miners: Child[] = [];
  for (const [i, args] of printed.entries()) {
    const port = await freePort();
    const flags: [string[], string | null][] = [
      [["--backend"], "ollama"],
      [["--ollama-host"], options.ollamaUrl],
      [["--model"], options.model],
      [["--max-concurrent", "--concurrency"], String(options.minerConcurrency)],
      [["--store"], join(set.dir, `miner-${i + 1}.sqlite`)],
      [["--journal"], join(set.dir, `miner-${i + 1}.jsonl`)],
      [["--archive-db"], join(set.dir, `miner-${i + 1}-archive.sqlite`)],
      [["--poll-ms"], "100"],
      // the miner's own API (the relay-era miner served only its archive)
      [["--port", "--archive-port"], String(port)],
      [["--host", "--archive-host"], "127.0.0.1"],
      // the relay-era gateway answered only once the answer's batch was on-chain: at most 1 s wait
      ...(relayUrl ? ([[["--coordinator"], relayUrl], [["--batch-max-wait"], "1"]] as [string[], string][]) : []), // prettier-ignore
    ];
    const child = set.script(`miner ${i + 1}`, "scripts/miner.ts", programFlags("miner.ts", args, flags));
    child.metricsUrl = `http://127.0.0.1:${port}/metrics`;
    miners.push(child);
  }
  return miners;
}

/** Starts the gateway the deploy printed; returns its URL once it listens. */
async function startGateway(set: ProcessSet, args: string[], options: NetworkOptions, relayUrl?: string) {
  const port = await freePort();
  const child = set.script("gateway", "scripts/gateway.ts", programFlags("gateway.ts", args, [
    [["--port"], String(port)],
    [["--state-db", "--store"], join(set.dir, "gateway-state.sqlite")],
    [["--model"], `${options.model}=${options.modelDigest}`],
    [["--archive-db"], join(set.dir, "gateway-archive.sqlite")],
    [["--coordinator"], relayUrl ?? null],
    [["--poll-ms"], "100"],
    ...(options.gatewayFlags ?? []),
  ])); // prettier-ignore
  const url = `http://127.0.0.1:${port}`;
  child.metricsUrl = `${url}/metrics`;
  await set.waitFor("the gateway to answer /api/version", async () => (await fetch(`${url}/api/version`)).ok);
  return url;
}

/** Starts chain, deployment, coordinator, two miners and the gateway as separate processes. */
export async function startNetwork(options: NetworkOptions): Promise<Network> {
  const processes = new ProcessSet();
  try {
    const { rpcUrl, deployOutput } = await chainAndDeploy(processes, options.log);
    const relay = hasRelay();
    const [coordinatorArgs] = printedCommands(deployOutput, "coordinator");
    const minerArgs = printedCommands(deployOutput, "miner");
    const [gatewayArgs] = printedCommands(deployOutput, "gateway");
    if (!coordinatorArgs || minerArgs.length < 2 || !gatewayArgs)
      throw new Error(`the deploy printed no coordinator, two miners and a gateway:\n${deployOutput}`);
    const relayUrl = await startCoordinator(processes, coordinatorArgs, options, relay);
    await startMiners(processes, minerArgs.slice(0, 2), options, relayUrl);
    const gatewayUrl = await startGateway(processes, gatewayArgs, options, relayUrl);
    options.log(`programs started (${relay ? "through the coordinator relay" : "no relay"}); gateway at ${gatewayUrl}`); // prettier-ignore
    return { processes, gatewayUrl, rpcUrl, relay, stop: () => processes.stop() };
  } catch (error) {
    await processes.stop();
    throw error;
  }
}
