/**
 * Test fixture of the gateway's APIs (`test/gateway/*.ts`): the batch market (`deployBatchMarket`,
 * mock batch verifier) with a `ServiceRegistry` on the in-process chain, the Ollama-API test server,
 * one real {@link Miner} (provider1) on it, and a gateway that pays from the fixture's AgentWallet
 * (its agent key signs) and knows the test server's models by name. Resolves once the gateway lists
 * the miner's model in `/api/tags`. (No tests here.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  custom,
  type Address,
  type EIP1193Provider,
  type PublicClient,
} from "viem";
import { hardhat } from "viem/chains";

import { createX402Facilitator, type AitbcContracts } from "@aitbc/sdk";
import { OllamaBackend } from "../../node/backends/backend.js";
import { startGateway, type Gateway, type GatewayOptions } from "../../node/gateway/server.js";
import { MinerAccount } from "../../node/miner/account.js";
import { Miner, type MinerOptions } from "../../node/miner/miner.js";
import { deployBatchMarket, mockBatchProver, type BatchMarket } from "../helpers/batch-node.js";
import { AITBC, GPU, PRICE, SECRET_1 } from "../helpers/market.js";
import { FAKE_MODELS, startFakeOllama, type FakeOllama, type OllamaFaults } from "../helpers/ollama-server.js"; // prettier-ignore

/** The fixture's parts; `close()` stops them all and removes the temporary folder. */
export interface GatewayFixture {
  market: BatchMarket;
  contracts: AitbcContracts;
  publicClient: PublicClient;
  ollama: FakeOllama;
  miner: Miner;
  gateway: Gateway;
  /** The gateway's base URL (Ollama's API at `/api`, OpenAI's at `/v1`). */
  url: string;
  /** The first test model's name (`llama3.2:1b`). */
  model: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts the fixture.
 *
 * @param options.gateway Options merged into the gateway's (e.g. `defaultMaxTokens`).
 * @param options.miner Options merged into the miner's.
 * @param options.faults The Ollama-API test server's faults (default: 2 ms per token).
 */
export async function gatewayFixture(
  options: {
    gateway?: Partial<GatewayOptions>;
    miner?: Partial<MinerOptions>;
    faults?: Partial<OllamaFaults>;
    /** Sell requests over x402 through an in-process facilitator (the deployer's account pays its gas). */
    x402?: boolean;
  } = {},
): Promise<GatewayFixture> {
  const connection = await network.create();
  const market = await deployBatchMarket(connection);
  const registry = await connection.ethers.deployContract("ServiceRegistry", [await market.staking.getAddress()]); // prettier-ignore
  const contracts = { ...market.contracts, ServiceRegistry: (await registry.getAddress()) as Address };
  const rpc = connection.provider as unknown as EIP1193Provider;
  const transport = custom(rpc, { retryCount: 0 });
  const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 });
  const ollama = await startFakeOllama({ faults: { tokenDelayMs: 2, ...options.faults } });
  const dir = mkdtempSync(join(tmpdir(), "aitbc-gateway-api-"));
  const account = MinerAccount.connect({ rpc, key: market.provider1.address as Address, contracts, pollingIntervalMs: 20 }); // prettier-ignore
  const miner = new Miner({
    account,
    backend: new OllamaBackend({ host: ollama.url }),
    secret: SECRET_1,
    store: join(dir, "miner.sqlite"),
    gpu: { ...GPU, source: "flags" },
    batch: { size: 4, maxWaitMs: 50 },
    batchProver: mockBatchProver,
    pollMs: 50,
    rewardsEveryMs: 0,
    minJobDurationS: 60,
    pricePerToken: PRICE,
    log: () => undefined,
    ...options.miner,
  });
  await miner.start();
  const gateway = await startGateway({
    publicClient,
    walletClient: createWalletClient({ account: market.agentKey.address as Address, chain: hardhat, transport }), // prettier-ignore
    contracts,
    agentWallet: market.wallet,
    pricePerToken: PRICE,
    batch: { topUp: 100n * AITBC },
    models: FAKE_MODELS.map((m) => ({ name: m.name, digest: `0x${m.digest}` as const })),
    pollingIntervalMs: 50,
    offerRefreshMs: 100,
    log: () => undefined,
    ...(options.x402
      ? {
          x402: {
            facilitator: createX402Facilitator({
              publicClient,
              walletClient: createWalletClient({ account: market.deployer.address as Address, chain: hardhat, transport }), // prettier-ignore
            }),
          },
        }
      : {}),
    ...options.gateway,
  });
  const model = FAKE_MODELS[0]!.name;
  // the miner's offer reached the gateway: its model is listed
  for (;;) {
    const tags = (await (await fetch(`${gateway.url}/api/tags`)).json()) as { models: { name: string }[] }; // prettier-ignore
    if (tags.models.some((m) => m.name === model)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    market,
    contracts,
    publicClient,
    ollama,
    miner,
    gateway,
    url: gateway.url,
    model,
    dir,
    close: async () => {
      await gateway.close();
      await miner.stop();
      await ollama.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
