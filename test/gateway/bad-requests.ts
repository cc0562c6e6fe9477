/**
 * Bad requests on the gateway's Ollama API are refused before anyone pays: each gets Ollama's status
 * and `{"error": ...}` wording, and no job is placed (the gateway's job counts and the runtime's
 * request count do not move). Also: Ollama's "load" requests (empty prompt, no messages) answered
 * without a job, the 1 MiB body limit (413, readable by the client), and a client that hangs up
 * before its job is placed.
 */
import { expect } from "chai";
import { Ollama } from "ollama";

import { gatewayFixture, type GatewayFixture } from "./fixture.js";
import { TEST_MODELS } from "./test-models.js";

describe("gateway: bad Ollama requests are refused before anyone pays", function () {
  let f: GatewayFixture;
  let client: Ollama;
  before(async function () {
    f = await gatewayFixture({ gateway: { models: TEST_MODELS } });
    client = new Ollama({ host: f.url });
  });
  after(async () => f?.close());

  /** What must not move: the gateway's jobs by state and the requests the runtime received. */
  // every job the gateway placed, whatever its state (an earlier job may settle meanwhile), and the runtime's requests
  const snapshot = () => ({ jobs: Object.values(f.gateway.context.state.counts()).reduce((a, b) => a + b, 0), runtime: f.ollama.requests }); // prettier-ignore

  /** Posts a raw body; returns the status and the parsed answer. */
  async function post(path: string, body: unknown) {
    const res = await fetch(`${f.url}${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) }); // prettier-ignore
    return { status: res.status, body: (await res.json()) as unknown };
  }

  /** The ResponseError the official client throws for `call`. */
  async function refusal(call: () => Promise<unknown>) {
    try {
      await call();
    } catch (error) {
      const e = error as { name: string; status_code: number; error: string };
      return { name: e.name, status: e.status_code, error: e.error };
    }
    throw new Error("the request was not refused");
  }

  const cases: { what: string; path: string; body: unknown; status: number; error: string }[] = [
    { what: "generate without a model", path: "/api/generate", body: { prompt: "hi" }, status: 400, error: "model is required" }, // prettier-ignore
    { what: "chat without a model", path: "/api/chat", body: { messages: [{ role: "user", content: "hi" }] }, status: 400, error: "model is required" }, // prettier-ignore
    { what: "an unknown model", path: "/api/generate", body: { model: "nope:1b", prompt: "hi" }, status: 404, error: "model 'nope:1b' not found" }, // prettier-ignore
    { what: "a prompt that is a number", path: "/api/generate", body: { model: "llama3.2:1b", prompt: 12345 }, status: 400, error: "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string" }, // prettier-ignore
    { what: "messages that are not a list", path: "/api/chat", body: { model: "llama3.2:1b", messages: "hi" }, status: 400, error: "json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message" }, // prettier-ignore
    { what: "a message with a bad role", path: "/api/chat", body: { model: "llama3.2:1b", messages: [{ role: "wizard", content: "hi" }] }, status: 400, error: 'invalid role "wizard" in message 0: must be one of system, user, assistant, tool' }, // prettier-ignore
    { what: "a message whose content is a number", path: "/api/chat", body: { model: "llama3.2:1b", messages: [{ role: "user", content: 7 }] }, status: 400, error: "json: cannot unmarshal number into Go struct field Message.messages.content of type string" }, // prettier-ignore
    { what: "num_predict that is not a number", path: "/api/generate", body: { model: "llama3.2:1b", prompt: "hi", options: { num_predict: "many" } }, status: 400, error: 'option "num_predict" must be of type integer' }, // prettier-ignore
    { what: "a format neither json nor a schema", path: "/api/generate", body: { model: "llama3.2:1b", prompt: "hi", format: "xml" }, status: 400, error: 'invalid format: "xml"; expected "json" or a valid JSON Schema object' }, // prettier-ignore
    { what: "images for a model without vision", path: "/api/generate", body: { model: "qwen2.5:0.5b", prompt: "what is this?", images: ["aGVsbG8="] }, status: 400, error: '"qwen2.5:0.5b" does not support vision' }, // prettier-ignore
    { what: "images in a chat for a model without vision", path: "/api/chat", body: { model: "qwen2.5:0.5b", messages: [{ role: "user", content: "what is this?", images: ["aGVsbG8="] }] }, status: 400, error: '"qwen2.5:0.5b" does not support vision' }, // prettier-ignore
    { what: "tools for a model without tools", path: "/api/chat", body: { model: "qwen2.5:0.5b", messages: [{ role: "user", content: "weather?" }], tools: [{ type: "function", function: { name: "weather" } }] }, status: 400, error: '"qwen2.5:0.5b" does not support tools' }, // prettier-ignore
    { what: "think for a model without thinking", path: "/api/chat", body: { model: "qwen2.5:0.5b", messages: [{ role: "user", content: "hi" }], think: true }, status: 400, error: '"qwen2.5:0.5b" does not support thinking' }, // prettier-ignore
    { what: "a body that is not JSON", path: "/api/generate", body: "{not json", status: 400, error: "the body is not JSON" }, // prettier-ignore
    { what: "stream that is not a boolean", path: "/api/generate", body: { model: "llama3.2:1b", prompt: "hi", stream: "yes" }, status: 400, error: "json: cannot unmarshal string into Go struct field GenerateRequest.stream of type bool" }, // prettier-ignore
  ];
  for (const c of cases)
    it(`refuses ${c.what} with ${c.status}, and places no job`, async function () {
      const before = snapshot();
      expect(await post(c.path, c.body)).to.deep.equal({ status: c.status, body: { error: c.error } });
      expect(snapshot()).to.deep.equal(before);
    });

  it("the official client sees each refusal as a ResponseError with Ollama's status and message", async function () {
    const before = snapshot();
    expect(await refusal(() => client.generate({ model: "", prompt: "hi" }))).to.deep.equal({ name: "ResponseError", status: 400, error: "model is required" }); // prettier-ignore
    expect(await refusal(() => client.chat({ model: "nope", messages: [{ role: "user", content: "hi" }] }))).to.deep.equal({ name: "ResponseError", status: 404, error: "model 'nope' not found" }); // prettier-ignore
    expect(await refusal(() => client.generate({ model: f.model, prompt: 12345 as unknown as string }))).to.deep.equal({ name: "ResponseError", status: 400, error: "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string" }); // prettier-ignore
    expect(await refusal(() => client.generate({ model: f.model, prompt: "hi", format: "yaml" }))).to.deep.equal({ name: "ResponseError", status: 400, error: 'invalid format: "yaml"; expected "json" or a valid JSON Schema object' }); // prettier-ignore
    expect(await refusal(() => client.generate({ model: "qwen2.5:0.5b", prompt: "hi", images: [new Uint8Array([1, 2, 3])] }))).to.deep.equal({ name: "ResponseError", status: 400, error: '"qwen2.5:0.5b" does not support vision' }); // prettier-ignore
    expect(await refusal(() => client.generate({ model: f.model, prompt: "hi", stream: true, options: { num_predict: "x" as unknown as number } }))).to.deep.equal({ name: "ResponseError", status: 400, error: 'option "num_predict" must be of type integer' }); // prettier-ignore
    expect(snapshot()).to.deep.equal(before);
  });

  it("answers an empty prompt as Ollama's load request: done_reason load, no job", async function () {
    const before = snapshot();
    const answer = await client.generate({ model: f.model, prompt: "" });
    expect(answer).to.include({ model: f.model, response: "", done: true, done_reason: "load" });
    expect(Date.parse(answer.created_at as unknown as string)).to.be.a("number").and.not.NaN;
    // streamed too: one object
    const parts = [];
    for await (const part of await client.generate({ model: f.model, prompt: "", stream: true }))
      parts.push(part);
    expect(parts.map((p) => [p.response, p.done, p.done_reason])).to.deep.equal([["", true, "load"]]);
    expect(snapshot()).to.deep.equal(before);
  });

  it("answers a chat with no messages as a load request: done_reason load, no job", async function () {
    const before = snapshot();
    const answer = await client.chat({ model: f.model, messages: [] });
    expect(answer).to.deep.include({ model: f.model, message: { role: "assistant", content: "" }, done: true, done_reason: "load" }); // prettier-ignore
    expect(await post("/api/chat", { model: f.model })).to.deep.nested.include({ status: 200, "body.done_reason": "load" }); // prettier-ignore
    expect(snapshot()).to.deep.equal(before);
  });

  it("refuses a body over 1 MiB with 413 that the client reads, and the server stays usable", async function () {
    const before = snapshot();
    const prompt = "x".repeat(2 << 20);
    const res = await fetch(`${f.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: f.model, prompt }) }); // prettier-ignore
    expect(res.status).to.equal(413);
    expect(await res.json()).to.deep.equal({ error: "the body exceeds 1048576 bytes" });
    expect(await refusal(() => client.generate({ model: f.model, prompt }))).to.deep.equal({ name: "ResponseError", status: 413, error: "the body exceeds 1048576 bytes" }); // prettier-ignore
    expect(snapshot()).to.deep.equal(before);
    expect((await client.version()).version).to.be.a("string");
  });

  it("opens no job for a client that hangs up before its job is placed", async function () {
    const before = snapshot();
    const offers = f.gateway.context.offers;
    const candidates = offers.candidates.bind(offers);
    let reached!: () => void;
    const placing = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const results: Promise<unknown>[] = [];
    offers.candidates = (digest) => {
      reached();
      const result = released.then(() => candidates(digest));
      results.push(result);
      return result as ReturnType<typeof candidates>;
    };
    const lines: string[] = [];
    const log = f.gateway.context.log;
    let noticed!: () => void;
    const gone = new Promise<void>((r) => (noticed = r));
    let stopped!: () => void;
    const placementStopped = new Promise<void>((r) => (stopped = r));
    f.gateway.context.log = (line) => {
      lines.push(line);
      if (/client disconnected before the answer/.test(line)) noticed();
      if (/client disconnected before job .* was placed; nothing was paid/.test(line)) stopped();
    };
    try {
      const hangUp = new AbortController();
      const request = fetch(`${f.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: f.model, prompt: "hello there" }), signal: hangUp.signal }); // prettier-ignore
      await placing; // the gateway is choosing a provider
      hangUp.abort();
      await request.catch(() => undefined);
      await gone; // the gateway saw the client leave
      release();
      await Promise.all(results);
      await placementStopped; // the placement stopped before trying any provider
      expect(snapshot()).to.deep.equal(before);
    } finally {
      offers.candidates = candidates;
      f.gateway.context.log = log;
      release();
    }
    // the gateway still serves
    expect((await client.generate({ model: f.model, prompt: "still here?" })).done_reason).to.equal("stop");
  });
});
