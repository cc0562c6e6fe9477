/**
 * End to end on the in-process chain: the official `ollama` client → gateway → job on JobEscrow →
 * miners (one on the built-in model, one on the local Ollama-API server) → receipt proof →
 * submitResult → challenge window → finalize. Every job settles exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama } from "ollama";
import type { Address, EIP1193Provider } from "viem";

import { ChainAdapter, type MarketAddresses } from "../../node/shared/chain.js";
import { startRelay, type Relay } from "../../node/coordinator/relay.js";
import { startGateway, type Gateway } from "../../node/gateway/server.js";
import { Miner } from "../../node/miner/miner.js";
import { BUILTIN_MODEL_NAME, BuiltinBackend, OllamaBackend } from "../../node/backends/backend.js";
import { sleep } from "../../node/shared/retry.js";
import {
  deployMarket,
  DAY,
  PRICE,
  SECRET_1,
  SECRET_2,
  Status,
  type Market,
  marketAddresses,
} from "../helpers/market.js";
import { deployBatchMarket, mockBatchProver, type BatchMarket } from "../helpers/batch-node.js";
import { startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

const GPU = { model: "test GPU", vramGb: 8, throughput: 10, source: "flags" as const };

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5 * 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("miner: end to end through the gateway", function () {
  let market: Market;
  let addresses: MarketAddresses;
  let ollama: FakeOllama;
  let relay: Relay;
  let gateway: Gateway;
  let miners: Miner[] = [];
  let dir: string;
  let rpc: EIP1193Provider;

  const adapter = (account: string) =>
    new ChainAdapter({
      rpc: rpc,
      account: account as Address,
      addresses,
      pollingIntervalMs: 20,
    });

  before(async () => {
    const connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    market = await deployMarket(connection);
    addresses = await marketAddresses(market);
    dir = mkdtempSync(join(tmpdir(), "aitbc-e2e-"));
    ollama = await startFakeOllama();
    relay = await startRelay();
    miners = [
      new Miner({ chain: adapter(market.provider1.address), backend: new BuiltinBackend(), relayUrl: relay.url, secret: SECRET_1, journalPath: join(dir, "m1.jsonl"), gpu: GPU, pollMs: 50, log: () => undefined }),
      new Miner({ chain: adapter(market.provider2.address), backend: new OllamaBackend({ host: ollama.url, retry: { attempts: 3, baseDelayMs: 20 } }), relayUrl: relay.url, secret: SECRET_2, journalPath: join(dir, "m2.jsonl"), gpu: GPU, pollMs: 50, log: () => undefined }),
    ]; // prettier-ignore
    for (const m of miners) await m.start();
    gateway = await startGateway({
      chain: adapter(market.consumer.address),
      relayUrl: relay.url,
      pricePerToken: PRICE,
      resultTimeoutMs: 180_000,
      log: () => undefined,
    });
  });

  after(async () => {
    for (const m of miners) await m.stop();
    await gateway?.close();
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the network's models through /api/tags and /api/show", async () => {
    const client = new Ollama({ host: gateway.url });
    const { models } = await client.list();
    expect(models.map((m) => m.name)).to.include.members([BUILTIN_MODEL_NAME, "llama3.2:1b", "qwen2.5:0.5b"]);
    expect((await client.show({ model: "llama3.2:1b" })).model_info).to.have.property("aitbc.model_digest");
    expect((await client.version()).version).to.be.a("string");
    const error = await client.show({ model: "nope" }).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/model 'nope' not found/);
  });

  it("answers generate (stream and not) and chat, each as a proved job, and settles them all", async () => {
    const client = new Ollama({ host: gateway.url });
    const whole = await client.generate({
      model: BUILTIN_MODEL_NAME,
      prompt: "who won the football match last night",
      stream: false,
    });
    expect(whole.response).to.equal("sports");
    const aitbc = (
      whole as unknown as { aitbc: { job_id: string; fee: string; receipt: { nullifier: string } } }
    ).aitbc;
    expect(BigInt(aitbc.fee)).to.equal(PRICE);
    let text = "";
    let last: Record<string, unknown> = {};
    for await (const part of await client.generate({
      model: "llama3.2:1b",
      prompt: "Explain staking.",
      stream: true,
      options: { seed: 7 },
    })) {
      text += part.response;
      last = part as unknown as Record<string, unknown>;
    }
    expect(text.length).to.be.greaterThan(0);
    expect(last.aitbc).to.have.property("job_id");
    const chat = await client.chat({
      model: "qwen2.5:0.5b",
      messages: [{ role: "user", content: "hello" }],
      stream: false,
    });
    expect(chat.message.content.length).to.be.greaterThan(0);
    expect(gateway.jobs).to.have.length(3);

    await market.networkHelpers.time.increase(DAY + 1);
    await waitFor("every job to settle", async () => {
      for (const j of gateway.jobs)
        if (Number((await market.escrow.jobOf(j.jobId)).status) !== Status.Settled) return false;
      return true;
    });
    const finalized = miners.flatMap((m) =>
      m.journal
        .all()
        .filter((e) => e.state === "finalized")
        .map((e) => e.jobId),
    );
    expect(new Set(finalized).size).to.equal(finalized.length);
    expect(finalized.sort()).to.deep.equal(gateway.jobs.map((j) => j.jobId.toString()).sort());
  });

  it("an unknown model answers 404 like Ollama, and no job is opened", async () => {
    const before = await market.escrow.lastJobId();
    const error = await new Ollama({ host: gateway.url })
      .generate({ model: "ghost:70b", prompt: "x", stream: false })
      .catch((e: unknown) => e);
    expect((error as Error).message).to.match(/model 'ghost:70b' not found/);
    expect(await market.escrow.lastJobId()).to.equal(before);
  });

  it("Ollama down while a job runs: the miner retries with a clear error and the job is answered when it is back", async () => {
    const client = new Ollama({ host: gateway.url });
    const errorsBefore = miners[1]!.errors.length;
    ollama.faults.down = true;
    const answer = client.generate({ model: "llama3.2:1b", prompt: "Is the runtime up?", stream: false });
    await waitFor(
      "the miner to report the outage",
      async () => miners[1]!.errors.length > errorsBefore,
      30_000,
    );
    expect(miners[1]!.errors.slice(errorsBefore).join("\n")).to.match(
      /Ollama runtime is unavailable.*will retry/,
    );
    ollama.faults.down = false;
    const result = await answer;
    expect(result.response).to.be.a("string");
  });

  it("50 concurrent requests from the ollama client: every answer arrives and every job settles", async () => {
    const client = new Ollama({ host: gateway.url });
    const topics = [
      "will it snow tomorrow",
      "who won the match",
      "should i buy stocks",
      "which laptop is fastest",
    ];
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const prompt = `${topics[i % 4]} ${i}`;
        if (i % 2 === 0) {
          const whole = await client.generate({ model: BUILTIN_MODEL_NAME, prompt, stream: false });
          return BigInt((whole as unknown as { aitbc: { job_id: string } }).aitbc.job_id);
        }
        let last: Record<string, unknown> = {};
        for await (const part of await client.generate({ model: BUILTIN_MODEL_NAME, prompt, stream: true })) {
          last = part as unknown as Record<string, unknown>;
        }
        return BigInt((last.aitbc as { job_id: string }).job_id);
      }),
    );
    const ms = performance.now() - started;
    expect(new Set(ids).size).to.equal(50);
    console.log(
      `      50 concurrent requests answered in ${(ms / 1000).toFixed(1)} s (${(50 / (ms / 60_000)).toFixed(0)} jobs/min)`,
    );
    await market.networkHelpers.time.increase(DAY + 1);
    await waitFor(
      "all 50 jobs to settle",
      async () => {
        for (const id of ids)
          if (Number((await market.escrow.jobOf(id)).status) !== Status.Settled) return false;
        return true;
      },
      120_000,
    );
  });
});

describe("miner: batch settlement end to end (gateway → signed requests → batches → finalize → withdraw)", function () {
  let m: BatchMarket;
  let addresses: MarketAddresses;
  let ollama: FakeOllama;
  let relay: Relay;
  let gateway: Gateway;
  let miners: Miner[] = [];
  let dir: string;
  let rpc: EIP1193Provider;
  const adapter = (account: string) =>
    new ChainAdapter({ rpc, account: account as Address, addresses, pollingIntervalMs: 20 });

  before(async () => {
    const connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    m = await deployBatchMarket(connection);
    addresses = { ...(await marketAddresses(m)), batchEscrow: m.contracts.BatchEscrow, policy: m.contracts.MarketPolicy }; // prettier-ignore
    dir = mkdtempSync(join(tmpdir(), "aitbc-batch-e2e-"));
    ollama = await startFakeOllama();
    // A matcher that ranks the fresh offers for the model at or below the asked price, cheapest first.
    relay = await startRelay({
      match: async (request, offers) =>
        offers
          .filter((o) => o.pricePerToken <= request.maxPricePerToken && o.models.some((x) => x.digest.toLowerCase() === request.modelDigest.toLowerCase())) // prettier-ignore
          .sort((a, b) => (a.pricePerToken < b.pricePerToken ? -1 : 1))
          .map((o) => ({ provider: o.provider, pricePerToken: o.pricePerToken, capacity: o.capacity, trustScore: 500, score: 1 })), // prettier-ignore
    });
    const backend = () => new OllamaBackend({ host: ollama.url, retry: { attempts: 3, baseDelayMs: 20 } });
    miners = [
      new Miner({ chain: adapter(m.provider1.address), backend: backend(), models: ["llama3.2:1b"], relayUrl: relay.url, secret: SECRET_1, journalPath: join(dir, "b1.jsonl"), gpu: GPU, pollMs: 50, concurrency: 4, pricePerToken: PRICE, offerEveryMs: 500, batch: { size: 4, maxWaitMs: 1_500 }, batchProver: mockBatchProver, log: () => undefined }), // prettier-ignore
      new Miner({ chain: adapter(m.provider2.address), backend: backend(), models: ["llama3.2:1b"], relayUrl: relay.url, secret: SECRET_2, journalPath: join(dir, "b2.jsonl"), gpu: GPU, pollMs: 50, concurrency: 4, pricePerToken: PRICE, offerEveryMs: 500, batch: { size: 4, maxWaitMs: 1_500 }, batchProver: mockBatchProver, log: () => undefined }), // prettier-ignore
    ];
    for (const x of miners) await x.start();
    await waitFor("both offers", async () => relay.state.offers.size === 2);
    gateway = await startGateway({
      chain: adapter(m.agentKey.address),
      agentWallet: m.wallet,
      relayUrl: relay.url,
      pricePerToken: PRICE,
      matchTimeoutMs: 5_000,
      resultTimeoutMs: 180_000,
      batch: { topUp: 50n * 10n ** 18n },
      log: () => undefined,
    });
  });

  after(async () => {
    for (const x of miners) await x.stop();
    await gateway?.close();
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("12 concurrent requests settle in batches, each once, paid from the wallet's deposit; finalized and withdrawn per batch", async () => {
    const client = new Ollama({ host: gateway.url });
    const walletBefore = (await m.token.balanceOf(m.wallet)) as bigint;
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const r = await client.generate({ model: "llama3.2:1b", prompt: `batch question ${i}`, stream: false, options: { num_predict: 40 } }); // prettier-ignore
        return (r as unknown as { aitbc: { matched: string; fee: string; token_count: number; batch: { batch_id: string; request_digest: string; nonce: string } } }).aitbc; // prettier-ignore
      }),
    );
    expect(answers.map((a) => a.matched)).to.deep.equal(new Array(12).fill("batch"));
    const digests = answers.map((a) => a.batch.request_digest);
    expect(new Set(digests).size).to.equal(12);
    // every request settled exactly once on-chain (one BatchJobSettled per digest), in batches of ≤ 4
    const events = await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchJobSettled());
    expect(events.map((e) => e.args.requestDigest).sort()).to.deep.equal([...digests].sort());
    const settled = await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchSettled());
    const sizes = settled.map((e) => Number(e.args.jobCount));
    expect(sizes.reduce((s, n) => s + n, 0)).to.equal(12);
    expect(Math.max(...sizes)).to.be.at.most(4);
    expect(
      sizes.some((n) => n > 1),
      `sizes ${sizes.join(",")}`,
    ).to.equal(true);
    for (const a of answers)
      expect(await m.batchEscrow.nonceUsed(m.wallet, BigInt(a.batch.nonce))).to.equal(true);
    // the wallet paid only through its deposits (payInto, within the spending limit)
    const deposited = gateway.deposits.reduce((s, x) => s + x, 0n);
    expect(deposited > 0n).to.equal(true);
    expect(walletBefore - ((await m.token.balanceOf(m.wallet)) as bigint)).to.equal(deposited);
    const fees = answers.reduce((s, a) => s + BigInt(a.fee), 0n);
    expect((await m.batchEscrow.depositOf(m.wallet)).balance).to.equal(deposited - fees);
    for (const a of answers) expect(BigInt(a.fee)).to.equal(BigInt(a.token_count) * PRICE);

    // the window passes: each miner finalizes its batches and withdraws its earnings
    const before = await Promise.all(miners.map(async (x) => (await m.token.balanceOf(x.address)) as bigint));
    await m.networkHelpers.time.increase(DAY + 1);
    await waitFor("every batch finalized and withdrawn", async () => {
      for (const e of settled)
        if (Number((await m.batchEscrow.batchOf(e.args.batchId)).status) !== 2) return false;
      for (const x of miners)
        if (((await m.batchEscrow.withdrawable(x.address)) as bigint) !== 0n) return false;
      return miners.every((x) => x.journal.all().every((j) => j.state === "finalized"));
    });
    for (const [i, x] of miners.entries()) {
      const mine = settled.filter((e) => e.args.provider === x.address);
      const total = mine.reduce((s, e) => s + (e.args.totalFee as bigint), 0n);
      const net = mine.reduce((s, e) => s + (e.args.totalFee as bigint) - ((e.args.totalFee as bigint) * 250n) / 10_000n, 0n); // prettier-ignore
      expect(((await m.token.balanceOf(x.address)) as bigint) - before[i]!).to.equal(net);
      expect(x.batcher!.earningsWithdrawn).to.equal(net);
      expect(total >= net).to.equal(true);
      const journaled = x.journal
        .all()
        .filter((j) => j.kind === "batch")
        .map((j) => j.jobId);
      expect(new Set(journaled).size).to.equal(journaled.length);
    }
  });
});
