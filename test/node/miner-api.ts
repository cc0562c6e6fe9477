/**
 * The miner's own API (no relay), against the in-process chain and the Ollama-API test server: service
 * URI published on-chain, health, signed offers, the quote path (quote → openJobWithQuote → prompt
 * upload streaming tokens before `done`, idempotent, then submitted and finalized by the miner) and the
 * batch path (refusals before any token; a signed request streams, then settles in a batch).
 */
import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";

import {
  depositToBatchEscrow,
  getBatch,
  getJob,
  getServiceURI,
  openJobWithQuote,
  signBatchJobRequest,
  verifyOffer,
  type BatchJobRequest,
} from "@aitbc/sdk";
import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { canonicalPayload, payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { ProviderClient, ProviderRefusedError, type StreamEvent } from "../../node/shared/provider-api.js";
import { AITBC, DAY, openAndClaim } from "../helpers/market.js";
import { minerFixture, until, type MinerFixture } from "./miner-fixture.js";

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function refusal(
  events: AsyncIterable<StreamEvent>,
): Promise<{ error: ProviderRefusedError; seen: number }> {
  let seen = 0;
  try {
    for await (const _ of events) seen++;
  } catch (error) {
    if (error instanceof ProviderRefusedError) return { error, seen };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("node/miner: the miner's own API", function () {
  let f: MinerFixture;
  let client: ProviderClient;
  const payload = (nonce: string): JobPayload => ({ model: "llama3.2:1b", prompt: `say something ${nonce}`, seed: 7, nonce }); // prettier-ignore

  before(async () => {
    f = await minerFixture();
    client = new ProviderClient(f.miner.url!);
  });
  after(async () => {
    await f?.miner.stop();
    await f?.ollama.close();
  });

  it("publishes its URI in the ServiceRegistry and answers /health", async () => {
    const { uri } = await getServiceURI(f.publicClient, {
      contracts: f.contracts,
      provider: f.miner.address,
    });
    expect(uri).to.equal(f.miner.url);
    const health = await client.health();
    expect(health).to.include({ status: "ok", provider: f.miner.address, maxConcurrency: 2, capacity: 2 });
  });

  it("serves offers signed for the ServiceRegistry domain, one per served model", async () => {
    const offers = await client.offers();
    expect(offers).to.have.length(2);
    for (const o of offers) {
      const offer = await verifyOffer(f.publicClient, { contracts: f.contracts, ...o });
      expect(offer.provider).to.equal(f.miner.address);
      expect(offer.pricePerToken).to.equal(DEFAULT_ASK);
    }
    const tampered = { ...offers[0]!, offer: { ...offers[0]!.offer, capacity: 99n } };
    const error = await verifyOffer(f.publicClient, { contracts: f.contracts, ...tampered }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).name).to.equal("OfferSignatureError");
  });

  it("refuses a quote below its ask (409 refused)", async () => {
    const request = { consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(payload("x")), maxTokens: 64n, pricePerToken: DEFAULT_ASK - 1n, duration: 600n }; // prettier-ignore
    const error = await client.requestQuote(request).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ProviderRefusedError);
    expect((error as ProviderRefusedError).status).to.equal(409);
    expect((error as ProviderRefusedError).reason).to.match(/below the ask/);
  });

  it("quote path: tokens stream before done, a second upload runs no second inference, then the job settles", async () => {
    const p = payload("q1");
    const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p), maxTokens: 64n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
    expect(quote.promptHash).to.equal(payloadHash(p));
    const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
    const before = f.ollama.requests;
    const events = await collect(client.uploadPrompt(jobId, p));
    const tokens = events.filter((e) => e.type === "token");
    const done = events.at(-1)!;
    expect(tokens.length).to.be.greaterThan(1);
    expect(done.type).to.equal("done");
    if (done.type !== "done") return;
    expect(events.findIndex((e) => e.type === "done")).to.equal(events.length - 1);
    expect(tokens.map((t) => (t.type === "token" ? t.text : "")).join("")).to.equal(done.output);
    expect(done.outputHash).to.equal(keccak256(stringToHex(done.output)));
    const again = await collect(client.uploadPrompt(jobId, p));
    expect(again.at(-1)).to.deep.equal(done);
    expect(f.ollama.requests - before).to.equal(1);
    expect(await client.result(done.jobKey)).to.deep.include({
      output: done.output,
      tokenCount: done.tokenCount,
    });
    await until(
      async () => (await getJob(f.publicClient, { contracts: f.contracts, jobId })).status === "Submitted",
    );
    await f.market.networkHelpers.time.increase(8 * DAY);
    await until(
      async () => (await getJob(f.publicClient, { contracts: f.contracts, jobId })).status === "Settled",
    );
    await until(() => f.miner.journal.get(jobId)?.state === "finalized");
  });

  it("a client that disconnects after the first token: the miner finishes, the result stays fetchable, the job settles", async () => {
    const p = payload("gone");
    const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p), maxTokens: 64n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
    const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
    const abort = new AbortController();
    const res = await fetch(`${f.miner.url}/v1/jobs/${jobId}/prompt`, { method: "POST", body: canonicalPayload(p), signal: abort.signal }); // prettier-ignore
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.split("\n")[0]!)).to.have.property("type", "token");
    abort.abort();
    const key = `0x${jobId.toString(16).padStart(64, "0")}` as Hex;
    const result = await client.result(key, 30_000);
    expect(result?.outputHash).to.equal(keccak256(stringToHex(result!.output)));
    await until(
      async () => (await getJob(f.publicClient, { contracts: f.contracts, jobId })).status === "Submitted",
    );
  });

  it("a dispute is learned from the followed JobDisputed event: no finalization; the council's JobSettled pays it", async () => {
    const jobId = (await f.market.escrow.lastJobId()) as bigint; // the job of the test above, Submitted
    expect((await getJob(f.publicClient, { contracts: f.contracts, jobId })).status).to.equal("Submitted");
    await f.market.escrow.connect(f.market.challenger).dispute(jobId);
    await until(() => f.miner.journal.get(jobId)?.dispute === "open");
    await f.market.networkHelpers.time.increase(8 * DAY);
    const finalizes = f.miner.ctx.account.gas.get("finalize")?.count ?? 0;
    const ticks = f.miner.ticks;
    await until(() => f.miner.ticks >= ticks + 5);
    expect(f.miner.ctx.account.gas.get("finalize")?.count ?? 0).to.equal(finalizes); // not due while disputed
    await f.market.escrow.connect(f.market.arbiter).resolveDispute(jobId, false);
    await until(() => f.miner.journal.get(jobId)?.state === "finalized");
  });

  it("refuses uploads before any token: unknown job 404, another provider's job 403, wrong prompt 400", async () => {
    expect((await refusal(client.uploadPrompt(10_000n, payload("a")))).error.status).to.equal(404);
    const theirs = await openAndClaim(f.market, f.market.provider2);
    const r403 = await refusal(client.uploadPrompt(theirs, payload("b")));
    expect([r403.error.status, r403.seen]).to.deep.equal([403, 0]);
    const p = payload("q2");
    const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p), maxTokens: 64n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
    const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
    const r400 = await refusal(client.uploadPrompt(jobId, payload("not-q2")));
    expect([r400.error.status, r400.seen]).to.deep.equal([400, 0]);
    expect(f.miner.journal.get(jobId)).to.equal(undefined);
  });

  async function batchRequest(p: JobPayload, nonce: bigint): Promise<BatchJobRequest> {
    const now = BigInt(await f.market.networkHelpers.time.latest());
    return { consumer: f.consumer.account.address, provider: f.miner.address, modelDigest: f.model.digest, promptHash: payloadHash(p), pricePerToken: DEFAULT_ASK, maxTokens: 64n, deadline: now + 3_600n, nonce }; // prettier-ignore
  }

  it("batch path: a request signed by someone else is refused before any token", async () => {
    await depositToBatchEscrow(f.consumer, { contracts: f.contracts, amount: 100n * AITBC });
    const p = payload("b1");
    const request = await batchRequest(p, 1n);
    const forged = await signBatchJobRequest(f.challenger, { contracts: f.contracts, request });
    const r = await refusal(client.sendBatchRequest({ request, signature: forged as Hex, payload: p }));
    expect([r.error.status, r.seen]).to.deep.equal([400, 0]);
    expect(r.error.reason).to.match(/signature/);
  });

  it("batch path: a signed request streams its tokens, then joins a settled batch", async () => {
    const p = payload("b2");
    const request = await batchRequest(p, 2n);
    const signature = await signBatchJobRequest(f.consumer, { contracts: f.contracts, request });
    const events = await collect(
      client.sendBatchRequest({ request, signature: signature as Hex, payload: p }),
    );
    const done = events.at(-1)!;
    expect(events.filter((e) => e.type === "token").length).to.be.greaterThan(1);
    expect(done.type).to.equal("done");
    if (done.type !== "done") return;
    expect(f.miner.archive.bytes(done.jobKey, "payload")).to.deep.equal(
      new TextEncoder().encode(canonicalPayload(p)),
    );
    const again = await collect(
      client.sendBatchRequest({ request, signature: signature as Hex, payload: p }),
    );
    expect(again.at(-1)).to.deep.equal(done);
    await until(() => f.miner.journal.get(done.jobKey)?.state === "submitted");
    const batchId = BigInt(f.miner.journal.get(done.jobKey)!.batchId!);
    expect((await getBatch(f.publicClient, { contracts: f.contracts, batchId })).status).to.equal(
      "Submitted",
    );
  });

  it("serves Prometheus metrics with the jobs, first-token and proof figures", async () => {
    const text = await (await fetch(`${f.miner.url}/metrics`)).text();
    expect(text).to.match(/aitbc_jobs_total\{outcome="settled",program="miner"\} 2/);
    expect(text).to.match(/aitbc_first_token_seconds_count\{program="miner"\} [2-9]/);
    expect(text).to.match(/aitbc_proof_duration_seconds_count\{program="miner"\} [1-9]/);
    expect(text).to.match(/aitbc_jobs_total\{outcome="refused",program="miner"\} [1-9]/);
  });
});
