/**
 * The network programs of the main job, started in this process exactly as their entry points start
 * them, with no relay: two miners (each serving its own provider API at the URI it publishes in the
 * `ServiceRegistry`), two Ollama-compatible gateways that find the miners on-chain and talk to them
 * directly (one on the per-job quote path, one on the batch path when the deployment has a
 * `BatchEscrow`), and one coordinator beside them that re-executes a sample of the jobs from the
 * miners' own archives and reports performance — the jobs would open, settle and pay without it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import {
  createPublicClient,
  createWalletClient,
  custom,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";

import type { AitbcContracts, AitbcWriteClient } from "@aitbc/sdk";
import { BUILTIN_DIGEST, type InferenceBackend } from "../../../node/backends/backend.js";
import { Coordinator } from "../../../node/coordinator/coordinator.js";
import { sdkPerformanceWriter } from "../../../node/coordinator/oracle.js";
import { startGateway, type Gateway } from "../../../node/gateway/server.js";
import { MinerAccount } from "../../../node/miner/account.js";
import { Miner } from "../../../node/miner/miner.js";
import { openStore } from "../../../node/shared/store.js";
import { createChainSigner } from "../../../node/watcher/signer.js";
import { AITBC } from "../devnet.js";
import type { MainOptions } from "../main-options.js";
import type { MainAccounts } from "./deploy.js";

/** 0.001 AITBC per token (wei): the gateway's price and the miners' ask. */
export const PRICE = 10n ** 15n;

/** What {@link startNetwork} needs. */
export interface NetworkPlan {
  rpc: EIP1193Provider;
  /** The deployment under the SDK's names (needs `ServiceRegistry`; `BatchEscrow` for the batch path). */
  contracts: AitbcContracts;
  backend: InferenceBackend;
  model: string;
  /** The model's digest (bytes32), as the miners register it. */
  digest: Hex;
  accounts: MainAccounts;
  /** The consumer agent wallet the gateways pay from. */
  walletAddress: Address;
  opts: MainOptions;
  say: (line: string) => void;
}

/** The running programs. */
export interface Network {
  miners: Miner[];
  coordinator: Coordinator;
  singleGateway: Gateway;
  batchGateway: Gateway | undefined;
  /** The first block of the market phase, from the miners' registration on (gas is read from there). */
  fromBlock: bigint;
  /** Removes the programs' SQLite stores (after the report). */
  removeStores(): void;
}

const quiet = /submitted|finalized|streamed|batch request|settled|accepted|prompt/;

function startMiners(p: NetworkPlan, dir: string): Miner[] {
  const { accounts: a, opts, say } = p;
  return [a.provider1, a.provider2].map((provider, i) => {
    const account = MinerAccount.connect({ rpc: p.rpc, key: provider.address as Address, contracts: p.contracts, pollingIntervalMs: 20 }); // prettier-ignore
    return new Miner({
      account,
      backend: p.backend,
      models: [p.model],
      secret: 0xa17bc_0000n + BigInt(i + 1),
      store: join(dir, `miner-${i + 1}.sqlite`),
      gpu: { model: "CPU (built-in model)", vramGb: 0, throughput: 5, source: "flags" },
      limits: { maxConcurrent: 2 },
      pollMs: 100,
      rewardsEveryMs: 0,
      pricePerToken: PRICE,
      ...(p.contracts.BatchEscrow ? { batch: { size: opts.batchSize, maxWaitMs: opts.batchMaxWaitS * 1000 } } : {}), // prettier-ignore
      log: (line) => (quiet.test(line) ? undefined : say(`miner ${i + 1}: ${line}`)),
    });
  });
}

async function startGateways(p: NetworkPlan, dir: string) {
  const transport = custom(p.rpc, { retryCount: 0 });
  const publicClient = createPublicClient({ transport, pollingInterval: 20 });
  const walletClient = createWalletClient({ account: p.accounts.gatewayKey.address as Address, chain: hardhat, transport, pollingInterval: 20 }); // prettier-ignore
  const models =
    p.digest.toLowerCase() === BUILTIN_DIGEST.toLowerCase() ? [] : [{ name: p.model, digest: p.digest }];
  const base = {
    publicClient,
    walletClient,
    contracts: p.contracts,
    agentWallet: p.walletAddress,
    pricePerToken: PRICE,
    defaultMaxTokens: 256,
    models,
    pollingIntervalMs: 50,
    offerRefreshMs: 200,
    // Two miners of 2 slots each serve both gateways, and the clients send more at once: a job waits
    // for a slot (the gateway wakes when one of its jobs ends). How long a proof takes depends on the
    // machine's load, so the waits are generous, never a budget the main job can miss on a slow machine.
    placementTimeoutMs: 600_000,
    resultTimeoutMs: 600_000,
    log: (line: string) => (/deposit|refused|resum/.test(line) ? p.say(`gateway: ${line}`) : undefined),
  };
  const singleGateway = await startGateway({ ...base, statePath: join(dir, "gateway-quote.sqlite"), archivePath: join(dir, "gateway-quote.archive.sqlite") }); // prettier-ignore
  const batchGateway = p.contracts.BatchEscrow
    ? await startGateway({ ...base, batch: { topUp: 1_000n * AITBC }, quote: false, statePath: join(dir, "gateway-batch.sqlite"), archivePath: join(dir, "gateway-batch.archive.sqlite") }) // prettier-ignore
    : undefined;
  return { singleGateway, batchGateway };
}

function startCoordinator(p: NetworkPlan, dir: string, archives: string[]): Coordinator {
  const transport = custom(p.rpc, { retryCount: 0 });
  const signer = createChainSigner({
    public: createPublicClient({ transport, pollingInterval: 20 }),
    wallet: createWalletClient({ account: p.accounts.coordinatorKey.address as Address, chain: hardhat, transport, pollingInterval: 20 }) as AitbcWriteClient, // prettier-ignore
  });
  return new Coordinator({
    signer,
    contracts: p.contracts,
    store: openStore(join(dir, "coordinator.sqlite")),
    verifiers: new Map([[p.digest.toLowerCase(), { model: p.model, backend: p.backend }]]),
    archives,
    sampleRate: 0.25,
    pollingIntervalMs: 50,
    probeEveryMs: 0,
    reportEveryMs: 0,
    writePerformance: sdkPerformanceWriter(signer, p.contracts),
    log: (line) => p.say(`coordinator: ${line}`),
  });
}

/**
 * Starts two miners (registered and staked, offering the model at {@link PRICE}, URIs published), the
 * gateways, and the coordinator; resolves once the gateways see both miners' signed offers.
 */
export async function startNetwork(p: NetworkPlan): Promise<Network> {
  const dir = mkdtempSync(join(tmpdir(), "aitbc-main-"));
  const fromBlock = (await createPublicClient({ transport: custom(p.rpc) }).getBlockNumber()) + 1n;
  const miners = startMiners(p, dir);
  for (const m of miners) await m.start();
  const { singleGateway, batchGateway } = await startGateways(p, dir);
  for (const g of [singleGateway, batchGateway]) if (g) await waitForOffers(g, miners.length);
  p.say(`miners registered and staked (1,000 AITBC each), serving at ${miners.map((m) => m.url).join(" and ")} (published in the ServiceRegistry); the gateways found both on-chain`); // prettier-ignore
  const coordinator = startCoordinator(p, dir, [
    singleGateway.url,
    ...(batchGateway ? [batchGateway.url] : []),
  ]);
  await coordinator.start();
  const removeStores = () => rmSync(dir, { recursive: true, force: true });
  return { miners, coordinator, singleGateway, batchGateway, fromBlock, removeStores };
}

/** Waits until the gateway holds verified offers from `count` providers (event-driven refresh; 200 ms steps). */
async function waitForOffers(gateway: Gateway, count: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { providers?: number };
    if ((health.providers ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the gateway at ${gateway.url} did not find ${count} providers on-chain`);
}

/** Stops the gateways, the miners and the coordinator (the stores stay until `removeStores`). */
export async function stopNetwork(net: Network): Promise<void> {
  await net.singleGateway.close();
  await net.batchGateway?.close();
  for (const m of net.miners) await m.stop();
  await net.coordinator.stop();
}
