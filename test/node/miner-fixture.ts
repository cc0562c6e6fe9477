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
  const account = MinerAccount.connect({ rpc: provider, key: market.provider1.address as Address, contracts, pollingIntervalMs: 20 }); // prettier-ignore
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
  };
}

export type MinerFixture = Awaited<ReturnType<typeof minerFixture>>;

/** Polls `check` until it holds (no wall-clock budget: mocha's timeout bounds it). */
export async function until(check: () => boolean | Promise<boolean>, everyMs = 25): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, everyMs));
}
