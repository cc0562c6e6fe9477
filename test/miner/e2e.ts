/**
 * End to end on the in-process chain, no relay and no coordinator: the official `ollama` client →
 * the gateway → two real miners (the miner program's `Miner`, each on the Ollama-API test server
 * with a per-token delay) found through their `ServiceRegistry` URIs → signed batch requests paid
 * from an AgentWallet's `BatchEscrow` deposit (ERC-1271 signatures of its agent key) → tokens
 * streamed → batches settled by the miners. Every answered request settles exactly once and the
 * wallet's deposit goes down by exactly the fees.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama } from "ollama";
import {
  createPublicClient,
  createWalletClient,
  custom,
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
} from "viem";
import { getContractEvents } from "viem/actions";
import { hardhat } from "viem/chains";

import { batchEscrowAbi, getBatchDeposit, type AitbcContracts } from "@aitbc/sdk";
import { OllamaBackend } from "../../node/backends/backend.js";
import { startGateway, type Gateway } from "../../node/gateway/server.js";
import { MinerAccount } from "../../node/miner/account.js";
import { Miner } from "../../node/miner/miner.js";
import { outputHash } from "../../node/shared/protocol.js";
import { deployBatchMarket, mockBatchProver, type BatchMarket } from "../helpers/batch-node.js";
import { AITBC, GPU, PRICE, SECRET_1, SECRET_2 } from "../helpers/market.js";
import { FAKE_MODELS, fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

const MODEL = FAKE_MODELS[0]!;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("end to end: ollama client → gateway → miners found on-chain → batches settled", function () {
  let market: BatchMarket;
  let contracts: AitbcContracts;
  let publicClient: PublicClient;
  let ollama: FakeOllama;
  let miners: Miner[];
  let gateway: Gateway;
  let dir: string;

  before(async function () {
    const connection = await network.create();
    market = await deployBatchMarket(connection);
    const registry = await connection.ethers.deployContract("ServiceRegistry", [await market.staking.getAddress()]); // prettier-ignore
    contracts = { ...market.contracts, ServiceRegistry: (await registry.getAddress()) as Address };
    const rpc = connection.provider as unknown as EIP1193Provider;
    const transport = custom(rpc, { retryCount: 0 });
    publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 });
    ollama = await startFakeOllama({ faults: { tokenDelayMs: 10 } });
    dir = mkdtempSync(join(tmpdir(), "aitbc-e2e-"));
    miners = [
      [market.provider1, SECRET_1],
      [market.provider2, SECRET_2],
    ].map(([p, secret], i) => {
      const account = MinerAccount.connect({ rpc, key: (p as { address: string }).address as Address, contracts, pollingIntervalMs: 20 }); // prettier-ignore
      return new Miner({ account, backend: new OllamaBackend({ host: ollama.url }), secret: secret as bigint, store: join(dir, `miner-${i}.sqlite`), gpu: { ...GPU, source: "flags" }, batch: { size: 4, maxWaitMs: 100 }, batchProver: mockBatchProver, pollMs: 50, rewardsEveryMs: 0, minJobDurationS: 60, pricePerToken: PRICE, log: () => undefined }); // prettier-ignore
    });
    for (const m of miners) await m.start();
    gateway = await startGateway({
      publicClient,
      walletClient: createWalletClient({
        account: market.agentKey.address as Address,
        chain: hardhat,
        transport,
      }),
      contracts,
      agentWallet: market.wallet,
      pricePerToken: PRICE,
      batch: { topUp: 100n * AITBC },
      models: [{ name: MODEL.name, digest: `0x${MODEL.digest}` }],
      pollingIntervalMs: 50,
      offerRefreshMs: 100,
      log: () => undefined,
    });
    // Both miners published their URIs at start; the gateway saw them.
    expect(gateway.directory.list()).to.have.length(2);
  });

  after(async function () {
    await gateway?.close();
    for (const m of miners ?? []) await m.stop();
    await ollama?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the model, answers 404 for an unknown one without signing anything", async function () {
    const client = new Ollama({ host: gateway.url });
    expect((await client.list()).models.map((m) => m.name)).to.include(MODEL.name);
    expect((await client.show({ model: MODEL.name })).model_info).to.have.property("aitbc.model_digest");
    const error = await client
      .generate({ model: "ghost:70b", prompt: "x", stream: false })
      .catch((e: unknown) => e);
    expect((error as Error).message).to.match(/model 'ghost:70b' not found/);
    expect(gateway.context.state.counts()).to.deep.equal({});
  });

  it("streams generate and answers chat and stream:false, each the backend's answer", async function () {
    const client = new Ollama({ host: gateway.url });
    const parts: string[] = [];
    for await (const part of await client.generate({
      model: MODEL.name,
      prompt: "Explain staking.",
      stream: true,
      options: { seed: 7 },
    }))
      // prettier-ignore
      if (!part.done) parts.push(part.response ?? "");
    const expected = fakeAnswer(MODEL.name, "Explain staking.", 7);
    expect(parts.join("")).to.equal(expected.join(""));
    expect(parts.length, "one line per token, as the backend generated them").to.equal(expected.length);
    const whole = await client.generate({ model: MODEL.name, prompt: "once", stream: false });
    expect(whole.response).to.equal(fakeAnswer(MODEL.name, "once", 0).join(""));
    const chat = await client.chat({ model: MODEL.name, messages: [{ role: "user", content: "hello" }], stream: false }); // prettier-ignore
    expect(chat.message.content.length).to.be.greaterThan(0);
  });

  it("16 concurrent requests: both miners serve, every answer settles once, the wallet pays exactly the fees", async function () {
    const client = new Ollama({ host: gateway.url });
    const answers = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        let text = "";
        let key: Hex | undefined;
        for await (const part of await client.generate({
          model: MODEL.name,
          prompt: `question ${i}`,
          stream: true,
        })) {
          text += part.response;
          if (part.done) key = (part as unknown as { aitbc: { job_key: Hex } }).aitbc.job_key;
        }
        return { text, key: key! };
      }),
    );
    for (const [i, a] of answers.entries()) expect(a.text).to.equal(fakeAnswer(MODEL.name, `question ${i}`, 0).join("")); // prettier-ignore
    const providers = new Set(answers.map((a) => gateway.context.state.byJobKey(a.key)!.provider));
    expect(providers.size, "load spread over both miners").to.equal(2);

    // A request every miner refused for capacity on the batch path may take the quote path once one
    // frees a slot (a JobEscrow job, paid there): the batch settlements are checked for the batch jobs.
    const all = gateway.context.state.inStates(["answered", "settled"]);
    for (const a of answers) expect(all.map((r) => r.jobKey)).to.include(a.key.toLowerCase());
    const answered = all.filter((r) => r.path === "batch");
    expect(answered.length).to.be.greaterThan(0);
    const logs = async () => getContractEvents(publicClient, { address: contracts.BatchEscrow!, abi: batchEscrowAbi, eventName: "BatchJobSettled", args: { consumer: market.wallet }, fromBlock: 0n }); // prettier-ignore
    while ((await logs()).length < answered.length) await new Promise((r) => setTimeout(r, 50));
    const settled = await logs();
    expect(settled.map((l) => l.args.requestDigest!.toLowerCase()).sort()).to.deep.equal(answered.map((r) => r.jobKey!).sort()); // prettier-ignore
    for (const l of settled) {
      const row = gateway.context.state.byJobKey(l.args.requestDigest!.toLowerCase())!;
      expect(l.args.outputHash).to.equal(outputHash(row.output!));
    }
    const fees = settled.reduce((s, l) => s + l.args.fee!, 0n);
    const deposited = gateway.context.deposit!.deposits.reduce((s, d) => s + d, 0n);
    const { balance } = await getBatchDeposit(publicClient, { contracts, account: market.wallet });
    expect(deposited - balance).to.equal(fees);
    // The gateway saw each settlement (its follower) and marks the job settled.
    while (gateway.context.state.inStates(["settled"]).length < answered.length) await new Promise((r) => setTimeout(r, 50)); // prettier-ignore
  });

  it("time to first token through the gateway beside the backend's own (recorded, concurrency 1)", async function () {
    const direct = new Ollama({ host: ollama.url });
    const through = new Ollama({ host: gateway.url });
    const firstToken = async (client: Ollama, prompt: string) => {
      const t0 = performance.now();
      for await (const part of await client.generate({ model: MODEL.name, prompt, stream: true })) {
        void part;
        return performance.now() - t0;
      }
      throw new Error("no token");
    };
    const backend: number[] = [];
    const gatewayMs: number[] = [];
    for (let i = 0; i < 7; i++) {
      backend.push(await firstToken(direct, `ttft ${i}`));
      gatewayMs.push(await firstToken(through, `ttft ${i}`));
    }
    console.log(`      first token: backend ${median(backend).toFixed(1)} ms, through gateway + miner ${median(gatewayMs).toFixed(1)} ms (medians of 7)`); // prettier-ignore
    expect(gatewayMs.every((ms) => ms > 0)).to.equal(true);
  });
});
