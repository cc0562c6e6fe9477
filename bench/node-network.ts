/**
 * Starts the whole network for the node benchmark as separate processes (see
 * {@link ProcessSet}): chain, deployment, coordinator, two miners on the Ollama backend, gateway.
 *
 * The programs' flags come from the commands `scripts/deploy.ts` prints; the benchmark changes
 * only what it must (ports, files, the backend and its host, the miners' slots). Programs that
 * still talk to a coordinator relay (`--coordinator <url>` in their source) get the relay's URL;
 * without the relay they find each other on-chain.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { freePort, printedCommands, ProcessSet, withFlags, type Child } from "./node-processes.js";

const ROOT = resolve(import.meta.dirname, "..");

/** Options of {@link startNetwork}. */
export interface NetworkOptions {
  /** The Ollama-API server the miners (and the coordinator's re-execution) use. */
  ollamaUrl: string;
  /** Model the miners serve. */
  model: string;
  /** Jobs in parallel per miner (`--concurrency`). */
  minerConcurrency: number;
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

/** Whether an entry point still has the relay flag. */
const usesRelay = (script: string) =>
  readFileSync(join(ROOT, "scripts", script), "utf8").includes('"--coordinator <url>"');

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
  const deploy = set.hardhat(
    "deploy",
    ["run", "--no-compile", "--network", "localhost", "scripts/deploy.ts"],
    {
      AITBC_LOCALHOST_URL: rpcUrl,
      AITBC_DEPLOYMENTS_DIR: set.dir,
    },
  );
  const code = await new Promise<number | null>((r) => deploy.process.once("exit", r));
  if (code !== 0) throw new Error(`scripts/deploy.ts exited ${code}\n${deploy.output}`);
  return { rpcUrl, deployOutput: deploy.output };
}

/** Starts the coordinator (relay or validator) and returns the relay URL if it is one. */
async function startCoordinator(set: ProcessSet, args: string[], options: NetworkOptions, relay: boolean) {
  const port = await freePort();
  const child = set.script("coordinator", "scripts/coordinator.ts", withFlags(args, {
    "--backend": "ollama",
    "--ollama-host": options.ollamaUrl,
    "--port": String(port),
    "--poll-ms": "100",
  })); // prettier-ignore
  child.metricsUrl = `http://127.0.0.1:${port}/metrics`;
  if (relay) await set.waitFor("the coordinator relay", () => child.output.includes("relay at"));
  return relay ? `http://127.0.0.1:${port}` : undefined;
}

/** Starts the two miners the deploy printed, on the Ollama backend. */
async function startMiners(set: ProcessSet, printed: string[][], options: NetworkOptions, relayUrl?: string) {
  const miners: Child[] = [];
  for (const [i, args] of printed.entries()) {
    const port = await freePort();
    const flags: Record<string, string | null> = {
      "--backend": "ollama",
      "--ollama-host": options.ollamaUrl,
      "--model": options.model,
      "--concurrency": String(options.minerConcurrency),
      "--journal": join(set.dir, `miner-${i + 1}.jsonl`),
      "--archive-db": join(set.dir, `miner-${i + 1}.sqlite`),
      "--poll-ms": "100",
      // the relay-era miner held answers for a batch up to 30 s; the gateway waited for it
      ...(relayUrl ? { "--coordinator": relayUrl, "--batch-max-wait": "1", "--archive-port": String(port) } : { "--port": String(port) }), // prettier-ignore
    };
    const child = set.script(`miner ${i + 1}`, "scripts/miner.ts", withFlags(args, flags));
    child.metricsUrl = `http://127.0.0.1:${port}/metrics`;
    miners.push(child);
  }
  return miners;
}

/** Starts the gateway the deploy printed; returns its URL once it listens. */
async function startGateway(set: ProcessSet, args: string[], relayUrl?: string) {
  const port = await freePort();
  const child = set.script("gateway", "scripts/gateway.ts", withFlags(args, {
    "--port": String(port),
    "--archive-db": join(set.dir, "gateway.sqlite"),
    ...(relayUrl ? { "--coordinator": relayUrl } : {}),
  })); // prettier-ignore
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
    const relay = usesRelay("miner.ts") || usesRelay("gateway.ts");
    const [coordinatorArgs] = printedCommands(deployOutput, "coordinator");
    const minerArgs = printedCommands(deployOutput, "miner");
    const [gatewayArgs] = printedCommands(deployOutput, "gateway");
    if (!coordinatorArgs || minerArgs.length < 2 || !gatewayArgs)
      throw new Error(`the deploy printed no coordinator, two miners and a gateway:\n${deployOutput}`);
    const relayUrl = await startCoordinator(processes, coordinatorArgs, options, relay);
    await startMiners(processes, minerArgs.slice(0, 2), options, relayUrl);
    const gatewayUrl = await startGateway(processes, gatewayArgs, relayUrl);
    options.log(`programs started (${relay ? "through the coordinator relay" : "no relay"}); gateway at ${gatewayUrl}`); // prettier-ignore
    return { processes, gatewayUrl, rpcUrl, relay, stop: () => processes.stop() };
  } catch (error) {
    await processes.stop();
    throw error;
  }
}
