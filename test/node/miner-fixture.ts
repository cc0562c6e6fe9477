/**
 * Test fixture of the miner over its own API: the batch market (`deployBatchMarket`, mock batch
 * verifier) with a `ServiceRegistry`, the Ollama-API test server with a per-token delay, and a started
 * {@link Miner} for provider1 on the in-process chain (its store in a temporary folder), plus viem
 * wallet clients of the consumer.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";
import { createPublicClient, createWalletClient, custom, type Address, type EIP1193Provider } from "viem";

import { MinerAccount } from "../../node/miner/account.js";
import { Miner, type MinerOptions } from "../../node/miner/miner.js";
import { OllamaBackend } from "../../node/backends/backend.js";
import { deployBatchMarket, mockBatchProver } from "../helpers/batch-node.js";
import { GPU, SECRET_1 } from "../helpers/market.js";
import { FAKE_MODELS, startFakeOllama } from "../helpers/ollama-server.js";

export async function minerFixture(overrides: Partial<MinerOptions> = {}, tokenDelayMs = 15) {
  const connection = await network.create();
  const market = await deployBatchMarket(connection);
  const registry = await connection.ethers.deployContract("ServiceRegistry", [
    await market.staking.getAddress(),
  ]);
  const contracts = { ...market.contracts, ServiceRegistry: (await registry.getAddress()) as Address };
  const provider = connection.provider as unknown as EIP1193Provider;
  const ollama = await startFakeOllama({ faults: { tokenDelayMs } });
  const dir = mkdtempSync(join(tmpdir(), "aitbc-miner-"));
  const rpc = countingProvider(provider);
  const account = MinerAccount.connect({ rpc: rpc.provider, key: market.provider1.address as Address, contracts, pollingIntervalMs: 20 }); // prettier-ignore
  const options: MinerOptions = {
    account,
    backend: new OllamaBackend({ host: ollama.url }),
    secret: SECRET_1,
    store: join(dir, "miner.sqlite"),
    gpu: { ...GPU, source: "flags" },
    batch: { size: 1, maxWaitMs: 50 },
    batchProver: mockBatchProver,
    pollMs: 50,
    rewardsEveryMs: 0,
    minJobDurationS: 60,
    log: process.env.MINER_TEST_LOG ? (line: string) => console.log(`    [miner] ${line}`) : () => undefined,
    ...overrides,
  };
  const miner = new Miner(options);
  await miner.start();
  const transport = custom(provider);
  const publicClient = createPublicClient({ transport, pollingInterval: 20 });
  const consumer = createWalletClient({ transport, account: market.consumer.address as Address, pollingInterval: 20 }); // prettier-ignore
  const challenger = createWalletClient({ transport, account: market.challenger.address as Address, pollingInterval: 20 }); // prettier-ignore
  const model = { name: FAKE_MODELS[0]!.name, digest: `0x${FAKE_MODELS[0]!.digest}` as const };
  return {
    connection,
    market,
    contracts,
    ollama,
    dir,
    miner,
    options,
    publicClient,
    consumer,
    challenger,
    model,
    rpc,
  };
}

/**
 * Wraps an EIP-1193 provider and counts the miner's JSON-RPC calls: per method, and `eth_call`s per
 * 4-byte selector.
 */
export function countingProvider(inner: EIP1193Provider) {
  const counts = { total: 0, byMethod: new Map<string, number>(), bySelector: new Map<string, number>() };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const provider = {
    request: (args: { method: string; params?: unknown }) => {
      counts.total++;
      bump(counts.byMethod, args.method);
      if (args.method === "eth_call") {
        const data = ((args.params as [{ data?: string; input?: string }])[0]?.data ?? (args.params as [{ input?: string }])[0]?.input ?? "").slice(0, 10); // prettier-ignore
        bump(counts.bySelector, data);
      }
      return inner.request(args as never);
    },
  } as unknown as EIP1193Provider;
  return { provider, counts };
}

export type MinerFixture = Awaited<ReturnType<typeof minerFixture>>;

/** Polls `check` until it holds (no wall-clock budget: mocha's timeout bounds it). */
export async function until(check: () => boolean | Promise<boolean>, everyMs = 25): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, everyMs));
}
