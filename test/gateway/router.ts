/**
 * The gateway's hybrid router (`--local-ollama`, `node/gateway/local.ts`, `planRoute` in
 * `generation.ts`): two Ollama-API test servers, one as the gateway's local Ollama and one as the
 * miner's runtime, with models on one side only. Local answers place no job and move no deposit;
 * the answer says its route (`aitbc.route`, header `x-aitbc-route`); `/health` and `/metrics` count
 * both routes.
 */
import { expect } from "chai";
import { Ollama } from "ollama";
import { erc20Abi, type Address } from "viem";

import { getBatchDeposit } from "@aitbc/sdk";
import { gatewayCommand, type GatewayFlags } from "../../scripts/gateway.js";
import { FAKE_MODELS, fakeAnswer, startFakeOllama, type FakeModel, type FakeOllama } from "../helpers/ollama-server.js"; // prettier-ignore
import { LocalGenerationError } from "../../node/gateway/errors.js";
import { planRoute, runGeneration } from "../../node/gateway/generation.js";
import { LocalOllama } from "../../node/gateway/local.js";
import { ModelCatalog } from "../../node/gateway/models.js";
import { PRICE } from "../helpers/market.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

const [LLAMA, QWEN] = FAKE_MODELS as [FakeModel, FakeModel];
/** Exactly 8 GB (decimal): the largest model the 8 GB rule runs locally. */
const LLAMA_8GB: FakeModel = { ...LLAMA, size: 8_000_000_000 };
/** 8.5 GB = 7.9 GiB: too large under decimal GB (it would fit if GB meant GiB). */
const QWEN_8_5GB: FakeModel = { ...QWEN, size: 8_500_000_000 };
/** Only on the local Ollama. */
const PHI: FakeModel = { name: "phi3:mini", digest: "ab".repeat(32), family: "phi3", parameterSize: "3.8B", size: 2_176_178_913 }; // prettier-ignore
/** Only on the local Ollama, and too large for it. */
const BIG: FakeModel = { name: "llama3.1:70b", digest: "cd".repeat(32), family: "llama", parameterSize: "70.6B", size: 42_520_413_916 }; // prettier-ignore

interface Aitbc {
  route: "local" | "network";
  route_reason?: string;
  job_key?: string;
  model?: string;
  size?: number;
  token_count: number;
}

describe("gateway: hybrid router (local Ollama and the network)", function () {
  let local: FakeOllama;
  let f: GatewayFixture;
  let client: Ollama;

  before(async function () {
    local = await startFakeOllama({ models: [LLAMA_8GB, PHI, BIG], faults: { tokenDelayMs: 2 } });
    // expected durations: 1000 tokens/s until measured; the timeout is 5 s
    f = await gatewayFixture({ gateway: { localOllama: { host: local.url, modelsTtlMs: 0, timeoutMs: 5_000, defaultTokensPerSecond: 1_000 } } }); // prettier-ignore
    client = new Ollama({ host: f.url });
  });
  after(async function () {
    await f?.close();
    await local?.close();
  });
  beforeEach(function () {
    local.models = [LLAMA_8GB, PHI, BIG];
    local.faults = { ...local.faults, delayMs: 0, failNext: 0, down: false, cutAfterTokens: undefined };
  });

  /**
   * What is paid: the gateway's jobs by state, the BatchEscrow deposit, the wallet's tokens; first
   * waits until the earlier tests' network jobs are all settled, so nothing moves but this test.
   */
  async function paid() {
    for (;;) {
      const states = Object.keys(f.gateway.context.state.counts());
      if (states.every((state) => state === "settled")) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const wallet = f.market.wallet as Address;
    const { balance } = await getBatchDeposit(f.publicClient, { contracts: f.contracts, account: wallet });
    const tokens = await f.publicClient.readContract({ address: f.contracts.AITBCToken!, abi: erc20Abi, functionName: "balanceOf", args: [wallet] }); // prettier-ignore
    return { jobs: f.gateway.context.state.counts(), deposit: balance, tokens };
  }

  /** POST /api/generate with stream false through fetch (for the header). */
  async function generate(model: string, prompt: string, extra: Record<string, unknown> = {}) {
    const res = await fetch(`${f.url}/api/generate`, { method: "POST", body: JSON.stringify({ model, prompt, stream: false, ...extra }) }); // prettier-ignore
    return { status: res.status, route: res.headers.get("x-aitbc-route"), body: (await res.json()) as Record<string, unknown> }; // prettier-ignore
  }

  it("runs a model present locally at exactly 8 GB on the local Ollama: no job, nothing paid", async function () {
    const before = await paid();
    const [localCalls, networkCalls] = [local.requests, f.ollama.requests];
    const { status, route, body } = await generate(LLAMA.name, "why is the sky blue");
    expect(status).to.equal(200);
    expect(route).to.equal("local");
    expect(body.response).to.equal(fakeAnswer(LLAMA.name, "why is the sky blue", 0).join(""));
    expect(body.aitbc).to.deep.equal({ route: "local", route_reason: "optimal_local", model: LLAMA.name, model_digest: `0x${LLAMA.digest}`, size: 8_000_000_000, token_count: body.eval_count }); // prettier-ignore
    expect(local.requests).to.equal(localCalls + 1);
    expect(f.ollama.requests).to.equal(networkCalls);
    expect(await paid()).to.deep.equal(before);
  });

  it("streams a local chat through the ollama client, tokens as the local Ollama sends them", async function () {
    const before = await paid();
    const messages = [{ role: "user", content: "hello there" }];
    const parts = [];
    for await (const part of await client.chat({ model: PHI.name, messages, stream: true })) parts.push(part);
    const tokens = fakeAnswer(PHI.name, "user: hello there", 0);
    expect(parts.slice(0, -1).map((p) => p.message.content)).to.deep.equal(tokens);
    const last = parts.at(-1)! as unknown as { done: boolean; eval_count: number; aitbc: Aitbc };
    expect(last.done).to.equal(true);
    expect(last.eval_count).to.equal(tokens.length);
    expect(last.aitbc).to.include({ route: "local", model: PHI.name, token_count: tokens.length });
    expect(await paid()).to.deep.equal(before);
  });

  it("a local chat with tools answers the local Ollama's tool call as message.tool_calls, nothing paid", async function () {
    const before = await paid();
    const tools = [{ type: "function", function: { name: "get_weather", description: "the weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }]; // prettier-ignore
    const messages = [{ role: "user", content: "weather in Paris?" }];
    const direct = await new Ollama({ host: local.url }).chat({
      model: PHI.name,
      messages,
      tools,
      stream: false,
    });
    expect(direct.message.tool_calls).to.have.length(1); // the test server calls the first tool
    const answer = await client.chat({ model: PHI.name, messages, tools, stream: false });
    expect(answer.message.tool_calls).to.deep.equal(direct.message.tool_calls);
    expect(answer.message.content).to.equal(direct.message.content);
    expect((answer as unknown as { aitbc: Aitbc }).aitbc.route).to.equal("local");
    expect(await paid()).to.deep.equal(before);
  });

  it("sends a model the local Ollama lacks to the network: a paid job, route network", async function () {
    const before = await paid();
    const localCalls = local.requests;
    const { status, route, body } = await generate(QWEN.name, "what is a receipt");
    expect(status).to.equal(200);
    expect(route).to.equal("network");
    expect(body.response).to.equal(fakeAnswer(QWEN.name, "what is a receipt", 0).join(""));
    const aitbc = body.aitbc as Aitbc;
    expect(aitbc.route).to.equal("network");
    expect(aitbc.route_reason).to.equal("model_not_available_locally");
    expect(aitbc.job_key).to.match(/^0x[0-9a-f]{64}$/);
    expect(local.requests).to.equal(localCalls);
    const jobs = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    expect(jobs(f.gateway.context.state.counts())).to.equal(jobs(before.jobs) + 1); // one job more
  });

  it("sends a local model above 8 GB (8.5 GB = 7.9 GiB: decimal GB) to the network", async function () {
    local.models = [LLAMA_8GB, QWEN_8_5GB];
    const localCalls = local.requests;
    const { status, route, body } = await generate(QWEN.name, "too big here");
    expect([status, route]).to.deep.equal([200, "network"]);
    expect((body.aitbc as Aitbc).route_reason).to.equal("model_too_large");
    expect(local.requests).to.equal(localCalls);
  });

  it("sends a request whose expected time exceeds the local timeout to the network", async function () {
    // the local rate measured so far is 1000/2 = 500 tokens/s: 3000 tokens take 6 s > 5 s
    const { status, route, body } = await generate(LLAMA.name, "a long one", {
      options: { num_predict: 3_000 },
    });
    expect([status, route]).to.deep.equal([200, "network"]);
    expect((body.aitbc as Aitbc).route_reason).to.equal("exceeds_local_timeout");
  });

  it("refuses a local-only model above 8 GB as unknown (404) and pays nothing", async function () {
    const before = await paid();
    const { status, body } = await generate(BIG.name, "hi");
    expect(status).to.equal(404);
    expect(body.error).to.equal(`model '${BIG.name}' not found`);
    expect(await paid()).to.deep.equal(before);
  });

  it("falls back to the network when the local Ollama fails before its first token", async function () {
    local.faults.failNext = 1;
    const localCalls = local.requests;
    const { status, route, body } = await generate(LLAMA.name, "fall back please");
    expect([status, route]).to.deep.equal([200, "network"]);
    expect(body.response).to.equal(fakeAnswer(LLAMA.name, "fall back please", 0).join(""));
    expect((body.aitbc as Aitbc).route_reason).to.equal("local_failed");
    expect(local.requests).to.equal(localCalls + 1);
  });

  it("falls back to the network when the local Ollama does not answer within its timeout", async function () {
    local.faults.delayMs = 20_000;
    const { status, route, body } = await generate(LLAMA.name, "slow local");
    expect([status, route]).to.deep.equal([200, "network"]);
    expect((body.aitbc as Aitbc).route_reason).to.equal("local_failed");
  });

  it("sends everything to the network while the local Ollama is down", async function () {
    local.faults.down = true;
    const { status, route, body } = await generate(LLAMA.name, "local is down");
    expect([status, route]).to.deep.equal([200, "network"]);
    expect((body.aitbc as Aitbc).route_reason).to.equal("model_not_available_locally");
  });

  it("answers 502 for a local-only model the local Ollama fails, and pays nothing", async function () {
    local.faults.failNext = 1;
    const before = await paid();
    const { status, route, body } = await generate(PHI.name, "no fallback");
    expect([status, route]).to.deep.equal([502, "local"]);
    expect(body.error).to.equal("the local Ollama failed: llama runner process has terminated");
    expect(await paid()).to.deep.equal(before);
  });

  it("ends a stream with an error line when the local Ollama dies after its first tokens (no job)", async function () {
    local.faults.cutAfterTokens = 3;
    const before = await paid();
    const res = await fetch(`${f.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: LLAMA.name, prompt: "cut me off" }) }); // prettier-ignore
    expect(res.status).to.equal(200);
    expect(res.headers.get("x-aitbc-route")).to.equal("local");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const tokens = fakeAnswer(LLAMA.name, "cut me off", 0);
    expect(lines.slice(0, 3).map((l) => l.response)).to.deep.equal(tokens.slice(0, 3));
    expect(lines).to.have.length(4);
    expect(lines[3]!.error)
      .to.be.a("string")
      .and.match(/^the local Ollama failed: /);
    expect(await paid()).to.deep.equal(before);
  });

  it("stops a local run when the client leaves, and does not retry it on the network", async function () {
    local.faults.delayMs = 20_000; // the local Ollama holds the request
    const before = await paid();
    const [localCalls, networkCalls] = [local.requests, f.ollama.requests];
    const names = FAKE_MODELS.map((m) => ({ name: m.name, digest: `0x${m.digest}` as const }));
    const catalog = new ModelCatalog(f.gateway.context.offers, names);
    const left = new AbortController();
    const tokens: string[] = [];
    const run = runGeneration(f.gateway.context, catalog, { maxTokens: 64 }, { model: LLAMA.name, prompt: "i will leave" }, { token: (t) => tokens.push(t) }, performance.now(), left.signal); // prettier-ignore
    while (local.requests === localCalls) await new Promise((r) => setTimeout(r, 10)); // it reached the local Ollama
    left.abort();
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(LocalGenerationError);
    expect((error as LocalGenerationError).shortMessage).to.equal("the local Ollama failed: the client left");
    expect(tokens).to.deep.equal([]);
    expect(f.ollama.requests).to.equal(networkCalls);
    expect(await paid()).to.deep.equal(before);
  });

  it("applies the cost rule when the local Ollama has a cost per token: network below 80% of it", async function () {
    const names = FAKE_MODELS.map((m) => ({ name: m.name, digest: `0x${m.digest}` as const }));
    const catalog = new ModelCatalog(f.gateway.context.offers, names);
    const plan = (costPerTokenWei: bigint) => {
      const ctx = { ...f.gateway.context, local: new LocalOllama({ host: local.url, costPerTokenWei }) };
      return planRoute(ctx, catalog, { model: LLAMA.name, prompt: "x" }, 100);
    };
    // the miner asks PRICE per token: 100 × PRICE vs 100 × local cost
    expect(await plan(PRICE * 2n)).to.deep.equal({ route: "network", reason: "network_cost_effective" });
    expect(await plan((PRICE * 10n) / 8n)).to.include({ route: "local", reason: "optimal_local" }); // exactly 80%: not below
    expect(await plan((PRICE * 10n) / 8n + 1n)).to.deep.equal({ route: "network", reason: "network_cost_effective" }); // prettier-ignore
  });

  it("counts both routes in /health and aitbc_gateway_requests_total{route}", async function () {
    const health = async () => ((await (await fetch(`${f.url}/health`)).json()) as { requests: { local: number; network: number } }).requests; // prettier-ignore
    const start = await health();
    await generate(LLAMA.name, "count me local");
    await generate(QWEN.name, "count me network");
    expect(await health()).to.deep.equal({ local: start.local + 1, network: start.network + 1 });
    const text = await (await fetch(`${f.url}/metrics`)).text();
    expect(text).to.include(
      `aitbc_gateway_requests_total{route="local",program="gateway"} ${start.local + 1}`,
    );
    expect(text).to.include(`aitbc_gateway_requests_total{route="network",program="gateway"} ${start.network + 1}`); // prettier-ignore
  });
});

describe("gateway program: --local-ollama", function () {
  const parse = (args: string[], env: Record<string, string> = {}) => {
    const saved = process.env.AITBC_LOCAL_OLLAMA;
    delete process.env.AITBC_LOCAL_OLLAMA;
    Object.assign(process.env, env);
    try {
      const command = gatewayCommand()
        .exitOverride()
        .configureOutput({ writeErr: () => undefined });
      return command.parse(args, { from: "user" }).opts<GatewayFlags>();
    } finally {
      if (saved === undefined) delete process.env.AITBC_LOCAL_OLLAMA;
      else process.env.AITBC_LOCAL_OLLAMA = saved;
    }
  };

  it("takes the local Ollama's URL from the flag or AITBC_LOCAL_OLLAMA, absent by default", function () {
    expect(parse(["--local-ollama", "http://127.0.0.1:11434"]).localOllama).to.equal("http://127.0.0.1:11434"); // prettier-ignore
    expect(parse([], { AITBC_LOCAL_OLLAMA: "https://gpu.lan:11434" }).localOllama).to.equal("https://gpu.lan:11434"); // prettier-ignore
    expect(parse([]).localOllama).to.equal(undefined);
  });

  it("refuses a value that is not an http(s) URL", function () {
    expect(() => parse(["--local-ollama", "127.0.0.1:11434"])).to.throw(/option '--local-ollama <url>' argument '127.0.0.1:11434' is invalid/); // prettier-ignore
    expect(() => parse(["--local-ollama", "ftp://x"])).to.throw(/expected an http:\/\/ or https:\/\/ URL/);
  });
});
