/**
 * The seller program's skeleton (node/agents/seller.ts) over real HTTP: `POST /skills/<name>` routed
 * by the SDK's skill router and recorded in the ledger, with the payment step injected.
 *
 * The payment step here is a TEST DOUBLE (`fakePaywall`): it answers 402 without a test header, and
 * with one returns fixed payment facts as if an x402 facilitator had settled them. The lead replaces
 * it with the x402 paywall; what is tested is what the seller does with the step's answer: nothing
 * runs or is recorded without a payment, an underpaid or replayed payment does not buy a call, a
 * call that cannot run is refused before the payment step, and each paid call is recorded once.
 */
import { expect } from "chai";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Address, Hex } from "viem";

import { SkillRouter, type PaymentFacts, type SkillDefinition } from "../../sdk/src/index.js";
import { CallLedger } from "../../node/agents/ledger.js";
import { startSeller, type PaymentStep, type SellerServer } from "../../node/agents/seller.js";
import { gatewayOffload } from "../../node/agents/offload.js";
import { sendJson } from "../../node/shared/http.js";
import { outputHash } from "../../node/shared/protocol.js";
import { openStore, type Store } from "../../node/shared/store.js";
import { gatewayFixture, type GatewayFixture } from "../gateway/fixture.js";
import { fakeAnswer } from "../helpers/ollama-server.js";

const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const PRICE = 10n ** 15n;
const JOB_KEY = `0x${"33".repeat(32)}` as Hex;
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

/**
 * TEST DOUBLE of the x402 paywall: `x-test-payment: <n>` → facts of settlement `tx(n)` for the skill's
 * price (or `x-test-amount` wei); no header → answers 402 itself and returns undefined.
 */
function fakePaywall(calls: string[], override?: (facts: PaymentFacts) => PaymentFacts): PaymentStep {
  return async (req: IncomingMessage, res: ServerResponse, skill: SkillDefinition) => {
    calls.push(skill.name);
    const n = req.headers["x-test-payment"];
    if (typeof n !== "string") {
      sendJson(res, 402, { error: "payment_required", accepts: [{ amount: skill.priceWei.toString() }] });
      return undefined;
    }
    const amount = req.headers["x-test-amount"];
    const facts: PaymentFacts = {
      payer: PAYER,
      amountWei: typeof amount === "string" ? BigInt(amount) : skill.priceWei,
      transaction: tx(Number(n)),
      network: "eip155:31337",
    };
    return override ? override(facts) : facts;
  };
}

interface Harness {
  seller: SellerServer;
  store: Store;
  ledger: CallLedger;
  paid: string[];
  ran: { skill: string; route: string; input: unknown; payment?: PaymentFacts }[];
  gate?: { entered: Promise<void>; release: () => void };
}

async function harness(
  options: { override?: (f: PaymentFacts) => PaymentFacts; gated?: boolean; extra?: SkillDefinition[] } = {},
): Promise<Harness> {
  const store = openStore(":memory:");
  const ledger = new CallLedger(store, () => 1_760_000_000_000);
  const paid: string[] = [];
  const ran: Harness["ran"] = [];
  let entered: () => void = () => undefined;
  let release: () => void = () => undefined;
  const enteredP = new Promise<void>((r) => (entered = r));
  const releaseP = new Promise<void>((r) => (release = r));
  const gate = options.gated === true ? { entered: enteredP, release } : undefined;
  const router = new SkillRouter({ fallbackToNetwork: false });
  router.register({
    name: "summarize",
    priceWei: PRICE,
    model: "llama3.2:3b",
    description: "three-line summary",
    modelSizeGB: 2,
    computeIntensity: 0.3,
    expectedDurationSec: 20,
    assess: (input) => {
      if (typeof (input as { text?: unknown }).text !== "string")
        throw new Error("expected { text: string }");
      return {};
    },
    local: async (input, ctx) => {
      if (gate !== undefined) {
        entered();
        await releaseP;
      }
      ran.push({
        skill: "summarize",
        route: "local",
        input,
        ...(ctx.payment ? { payment: ctx.payment } : {}),
      });
      return { summary: (input as { text: string }).text.slice(0, 5) };
    },
  });
  router.register({
    name: "analyze",
    priceWei: 3n * PRICE,
    model: "llama3.1:70b",
    modelSizeGB: 40,
    computeIntensity: 0.9,
    expectedDurationSec: 300,
    // Has a local handler too: the rule (40 GB > 4 GB) sends it to the network.
    local: async (input) => {
      ran.push({ skill: "analyze", route: "local", input });
      return "shallow";
    },
    offload: async (input, ctx) => {
      ran.push({
        skill: "analyze",
        route: "network",
        input,
        ...(ctx.payment ? { payment: ctx.payment } : {}),
      });
      return { output: "deep", job: { jobKey: JOB_KEY, jobId: 12n, feeWei: 5000n, tokenCount: 100 } };
    },
  });
  router.register({
    name: "broken",
    priceWei: PRICE,
    model: "m",
    modelSizeGB: 1,
    computeIntensity: 0,
    expectedDurationSec: 1,
    local: async () => {
      throw new Error("GPU fell off");
    },
  });
  router.register({
    name: "offline",
    priceWei: PRICE,
    model: "m",
    modelSizeGB: 1,
    computeIntensity: 0,
    expectedDurationSec: 1,
    localAvailable: () => false,
    local: async () => "never",
  });
  for (const s of options.extra ?? []) router.register(s);
  const seller = await startSeller({ router, ledger, pay: fakePaywall(paid, options.override) });
  return { seller, store, ledger, paid, ran, ...(gate ? { gate } : {}) };
}

async function post(h: Harness, skill: string, body: unknown, payment?: number, amount?: bigint) {
  const res = await fetch(`${h.seller.url}/skills/${skill}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(payment !== undefined ? { "x-test-payment": String(payment) } : {}),
      ...(amount !== undefined ? { "x-test-amount": amount.toString() } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("agents: seller program", function () {
  let h: Harness;
  afterEach(async () => {
    await h.seller.close();
    h.store.close();
  });

  it("sells a local skill: paid, run with the payment's facts, recorded once", async function () {
    h = await harness();
    const res = await post(h, "summarize", { text: "hello world" }, 1);
    expect(res).to.deep.equal({
      status: 200,
      body: {
        skill: "summarize",
        output: { summary: "hello" },
        route: "local",
        reason: "optimal_local",
        priceWei: "1000000000000000",
        payment: { payer: PAYER, amountWei: "1000000000000000", transaction: tx(1), network: "eip155:31337" },
      },
    });
    expect(h.ran).to.deep.equal([
      {
        skill: "summarize",
        route: "local",
        input: { text: "hello world" },
        payment: { payer: PAYER, amountWei: PRICE, transaction: tx(1), network: "eip155:31337" },
      },
    ]);
    expect(h.ledger.all()).to.deep.equal([
      {
        payer: PAYER.toLowerCase(),
        paidWei: PRICE,
        transaction: tx(1),
        network: "eip155:31337",
        skill: "summarize",
        priceWei: PRICE,
        route: "local",
        reason: "optimal_local",
        status: "succeeded",
        createdAt: 1_760_000_000_000,
        completedAt: 1_760_000_000_000,
      },
    ]);
  });

  it("offloads a heavy skill to the network and records the job's receipt", async function () {
    h = await harness();
    const res = await post(h, "analyze", { q: "why" }, 2);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ output: "deep", route: "network", reason: "model_too_large", priceWei: "3000000000000000" }); // prettier-ignore
    expect(res.body.job).to.deep.equal({ jobKey: JOB_KEY, jobId: "12", feeWei: "5000", tokenCount: 100 });
    expect(h.ran.map((r) => [r.skill, r.route, r.payment?.transaction])).to.deep.equal([
      ["analyze", "network", tx(2)],
    ]);
    expect(h.ledger.get({ network: "eip155:31337", transaction: tx(2) })).to.deep.include({
      status: "succeeded",
      route: "network",
      reason: "model_too_large",
      paidWei: 3n * PRICE,
      job: { jobKey: JOB_KEY, jobId: 12n, feeWei: 5000n, tokenCount: 100 },
    });
  });

  it("runs and records nothing without a payment (the paywall's 402 stands)", async function () {
    h = await harness();
    const res = await post(h, "summarize", { text: "free?" });
    expect(res).to.deep.equal({ status: 402, body: { error: "payment_required", accepts: [{ amount: "1000000000000000" }] } }); // prettier-ignore
    expect(h.paid).to.deep.equal(["summarize"]);
    expect(h.ran).to.deep.equal([]);
    expect(h.ledger.all()).to.deep.equal([]);
  });

  it("does not sell a second call for a replayed payment, nor another skill for it", async function () {
    h = await harness();
    expect((await post(h, "summarize", { text: "first" }, 7)).status).to.equal(200);
    const replay = await post(h, "summarize", { text: "second" }, 7);
    expect(replay.status).to.equal(409);
    expect(replay.body).to.deep.equal({
      error: "payment_already_used",
      reason: "this payment already paid for a call",
      details: { transaction: tx(7), status: "succeeded" },
    });
    const other = await post(h, "analyze", { q: "x" }, 7, 3n * PRICE);
    expect(other.status).to.equal(409);
    expect(other.body.error).to.equal("payment_conflict");
    expect(h.ran.map((r) => (r.input as { text?: string }).text)).to.deep.equal(["first"]);
    expect(h.ledger.all()).to.have.length(1);
    expect(h.ledger.totals()).to.deep.include({ calls: 1, paidWei: PRICE });
  });

  it("runs a payment once when the same payment arrives twice at the same time", async function () {
    h = await harness({ gated: true });
    const first = post(h, "summarize", { text: "racing" }, 9);
    await h.gate!.entered; // the first call is recorded and running
    const second = await post(h, "summarize", { text: "racing" }, 9);
    expect(second.status).to.equal(409);
    expect((second.body.details as { status: string }).status).to.equal("running");
    h.gate!.release();
    expect((await first).status).to.equal(200);
    expect(h.ran).to.have.length(1);
    expect(h.ledger.totals().byStatus).to.deep.equal({ running: 0, succeeded: 1, failed: 0, refused: 0 });
  });

  it("refuses an underpaid call: recorded refused, not run", async function () {
    h = await harness();
    const res = await post(h, "summarize", { text: "cheap" }, 3, PRICE - 1n);
    expect(res).to.deep.equal({
      status: 402,
      body: {
        error: "underpaid",
        reason: "paid 999999999999999 wei, price 1000000000000000 wei",
        details: { priceWei: "1000000000000000", paidWei: "999999999999999" },
      },
    });
    expect(h.ran).to.deep.equal([]);
    expect(h.ledger.all().map((c) => [c.status, c.paidWei, c.error])).to.deep.equal([
      ["refused", PRICE - 1n, "paid 999999999999999 wei, price 1000000000000000 wei"],
    ]);
  });

  it("refuses before the payment step: unknown skill, bad JSON, input the skill refuses, a skill that cannot run", async function () {
    h = await harness();
    const unknown = await post(h, "translate", { text: "x" }, 4);
    expect(unknown.status).to.equal(404);
    expect(unknown.body).to.deep.include({ error: "unknown_skill", reason: "no skill named translate" });
    expect((await post(h, "summarize", "{not json", 4)).body.error).to.equal("bad_request");
    const badInput = await post(h, "summarize", { words: 3 }, 4);
    expect(badInput).to.deep.equal({
      status: 400,
      body: { error: "bad_input", reason: "expected { text: string }" },
    });
    const offline = await post(h, "offline", {}, 4);
    expect(offline).to.deep.equal({
      status: 503,
      body: {
        error: "skill_unavailable",
        reason: "its local handler is not available and it has no network path",
      },
    });
    expect(h.paid).to.deep.equal([]);
    expect(h.ledger.all()).to.deep.equal([]);
  });

  it("records a paid call whose skill failed as failed (502)", async function () {
    h = await harness();
    const res = await post(h, "broken", {}, 5);
    expect(res.status).to.equal(502);
    expect(res.body.error).to.equal("skill_failed");
    expect(h.ledger.all().map((c) => [c.status, c.error])).to.deep.equal([
      ["failed", 'Skill "broken" failed on its local path. (GPU fell off)'],
    ]);
  });

  it("runs nothing on malformed payment facts from the payment step", async function () {
    h = await harness({ override: (f) => ({ ...f, transaction: "0xdead" as Hex }) });
    const res = await post(h, "summarize", { text: "x" }, 6);
    expect(res.status).to.equal(500);
    expect(res.body.error).to.equal("payment_facts");
    expect(h.ran).to.deep.equal([]);
    expect(h.ledger.all()).to.deep.equal([]);
  });

  it("lists the skills for sale with their prices", async function () {
    h = await harness();
    const res = await fetch(`${h.seller.url}/skills`);
    const body = (await res.json()) as { skills: { name: string; priceWei: string }[] };
    expect(body.skills.map((s) => [s.name, s.priceWei])).to.deep.equal([
      ["summarize", "1000000000000000"],
      ["analyze", "3000000000000000"],
      ["broken", "1000000000000000"],
      ["offline", "1000000000000000"],
    ]);
    expect(body.skills[0]).to.deep.equal({
      name: "summarize",
      priceWei: "1000000000000000",
      model: "llama3.2:3b",
      description: "three-line summary",
    });
    const wrong = await fetch(`${h.seller.url}/skills/summarize`);
    expect(wrong.status).to.equal(405);
  });
});

describe("agents: seller program, offloading through a real gateway", function () {
  // In-process chain, batch market, one real miner on the Ollama-API test server, the gateway paying
  // from the fixture's AgentWallet: the skill's network path is a real inference job.
  let f: GatewayFixture;
  let seller: SellerServer;
  let store: Store;
  let ledger: CallLedger;
  before(async function () {
    f = await gatewayFixture();
    store = openStore(":memory:");
    ledger = new CallLedger(store, () => 1_760_000_000_000);
    const router = new SkillRouter();
    router.register({
      name: "summarize",
      priceWei: PRICE,
      model: f.model,
      modelSizeGB: 1.3,
      computeIntensity: 0.9, // > 0.8: the network
      expectedDurationSec: 20,
      local: async () => expect.fail("the rule sends this call to the network"),
      offload: gatewayOffload({
        gatewayUrl: f.url,
        model: f.model,
        maxTokens: 64,
        prompt: (input) => `Summarize: ${(input as { text: string }).text}`,
      }),
    });
    router.register({
      name: "unserved",
      priceWei: PRICE,
      model: "qwen3:235b",
      modelSizeGB: 140,
      computeIntensity: 0.5,
      expectedDurationSec: 20,
      offload: gatewayOffload({ gatewayUrl: f.url, model: "qwen3:235b", prompt: () => "x" }),
    });
    seller = await startSeller({ router, ledger, pay: fakePaywall([]) });
  });
  after(async () => {
    await seller?.close();
    store?.close();
    await f?.close();
  });

  it("runs the call as a job on the network and records the job's receipt with the payment", async function () {
    const answeredBefore = f.gateway.context.state.counts().answered ?? 0;
    const res = await fetch(`${seller.url}/skills/summarize`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-payment": "100" },
      body: JSON.stringify({ text: "the sky is blue because of Rayleigh scattering" }),
    });
    const body = (await res.json()) as {
      output: string;
      route: string;
      reason: string;
      job: Record<string, unknown>;
    };
    const words = fakeAnswer(f.model, "Summarize: the sky is blue because of Rayleigh scattering", 0);
    expect(res.status).to.equal(200);
    expect([body.output, body.route, body.reason]).to.deep.equal([
      words.join(""),
      "network",
      "high_complexity",
    ]);
    expect(body.job.jobKey).to.match(/^0x[0-9a-f]{64}$/);
    expect(body.job.outputHash).to.equal(outputHash(words.join("")));
    expect(body.job.tokenCount).to.equal(words.length);
    expect((body.job.provider as string).toLowerCase()).to.equal(f.market.provider1.address.toLowerCase());
    expect(f.gateway.context.state.counts().answered ?? 0).to.equal(answeredBefore + 1);
    const record = ledger.get({ network: "eip155:31337", transaction: tx(100) })!;
    expect(record).to.deep.include({
      status: "succeeded",
      route: "network",
      reason: "high_complexity",
      paidWei: PRICE,
    });
    expect(record.job?.jobKey).to.equal(body.job.jobKey);
    expect(record.job?.tokenCount).to.equal(words.length);
    expect(record.job?.feeWei).to.be.a("bigint");
  });

  it("records the paid call as failed when the network does not serve the model", async function () {
    const res = await fetch(`${seller.url}/skills/unserved`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-payment": "101" },
      body: "{}",
    });
    expect(res.status).to.equal(502);
    const record = ledger.get({ network: "eip155:31337", transaction: tx(101) })!;
    expect(record.status).to.equal("failed");
    expect(record.error).to.equal(
      `Skill "unserved" failed on its network path. (model 'qwen3:235b' not found)`,
    );
  });
});
