/**
 * The official `ollama` client against the gateway, every method it has: version, list, show (with
 * capabilities), ps, generate and chat (streamed and not, `format` "json" and a schema, `options`,
 * `think`, `tools` → `tool_calls`), and the management calls (pull, push, create, copy, delete,
 * blobs) refused with 501 and no job. Answers are compared with what the Ollama-API test server
 * answers for the same prompt (`fakeAnswer`), and the runtime's last request shows what reached it.
 */
import { expect } from "chai";
import { Ollama } from "ollama";

import { OLLAMA_API_VERSION } from "../../node/gateway/ollama-api.js";
import { fakeAnswer, FAKE_MODELS } from "../helpers/ollama-server.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

const MODEL = FAKE_MODELS[0]!;

describe("gateway: the official ollama client", function () {
  let f: GatewayFixture;
  let client: Ollama;
  before(async function () {
    f = await gatewayFixture(); // capabilities as the miner's runtime reports them
    client = new Ollama({ host: f.url });
  });
  after(async () => f?.close());

  // every job the gateway placed, whatever its state (an earlier job may settle meanwhile), and the runtime's requests
  const snapshot = () => ({ jobs: Object.values(f.gateway.context.state.counts()).reduce((a, b) => a + b, 0), runtime: f.ollama.requests }); // prettier-ignore
  const answered = () => f.gateway.context.state.counts().answered ?? 0;
  const words = (prompt: string) => fakeAnswer(MODEL.name, prompt, 0);
  const weather = { type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] } } }; // prettier-ignore

  it("GET and HEAD / answer 200 'Ollama is running' as text", async function () {
    const get = await fetch(`${f.url}/`);
    expect([get.status, get.headers.get("content-type"), await get.text()]).to.deep.equal([200, "text/plain; charset=utf-8", "Ollama is running"]); // prettier-ignore
    const head = await fetch(`${f.url}/`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length"), await head.text()]).to.deep.equal([200, "17", ""]); // prettier-ignore
  });

  it("version", async function () {
    expect(await client.version()).to.deep.equal({ version: OLLAMA_API_VERSION });
  });

  it("list: the models the providers serve, with digest, size, date and details from their runtime", async function () {
    const { models } = await client.list();
    expect(models.map((m) => [m.name, m.model, m.digest, m.size, new Date(m.modified_at).toISOString()])).to.deep.equal(FAKE_MODELS.map((m) => [m.name, m.name, m.digest, 1_321_098_329, "2026-01-01T00:00:00.000Z"])); // prettier-ignore
    expect(models[0]!.details).to.deep.equal({ parent_model: "", format: "gguf", family: "llama", families: ["llama"], parameter_size: "1.2B", quantization_level: "Q8_0" }); // prettier-ignore
    expect((models[0] as unknown as { aitbc: unknown }).aitbc).to.deep.equal({ providers: 1 });
  });

  it("show: capabilities as the provider's runtime reports them, details and model_info; an unknown model is 404", async function () {
    const shown = await client.show({ model: MODEL.name });
    expect(shown.capabilities).to.deep.equal(["completion", "tools", "thinking", "vision"]);
    expect(shown.details).to.deep.include({ format: "gguf", family: "llama", parameter_size: "1.2B" });
    expect(shown.model_info).to.deep.equal({ "general.architecture": "llama", "aitbc.model_digest": `0x${MODEL.digest}`, "aitbc.providers": 1 }); // prettier-ignore
    expect((await client.show({ model: "qwen2.5:0.5b" })).capabilities).to.deep.equal(["completion"]);
    try {
      await client.show({ model: "nope" });
      expect.fail("show of an unknown model succeeded");
    } catch (error) {
      expect(error).to.include({ name: "ResponseError", status_code: 404, error: "model 'nope' not found" });
    }
  });

  it("ps: the models served now, until their offers expire", async function () {
    const { models } = await client.ps();
    expect(models.map((m) => [m.name, m.model, m.digest, m.size, m.size_vram])).to.deep.equal(FAKE_MODELS.map((m) => [m.name, m.name, m.digest, 1_321_098_329, 0])); // prettier-ignore
    for (const m of models) expect(new Date(m.expires_at).getTime()).to.be.greaterThan(Date.now());
  });

  it("generate, not streamed: the runtime's answer, counters, an empty context and the job", async function () {
    const before = answered();
    const r = await client.generate({ model: MODEL.name, prompt: "why is the sky blue?", options: { top_k: 5, num_predict: 50, temperature: 0.9 }, keep_alive: "5m" }); // prettier-ignore
    const expected = words("why is the sky blue?");
    expect(r).to.deep.include({ model: MODEL.name, response: expected.join(""), done: true, done_reason: "stop", context: [], eval_count: expected.length }); // prettier-ignore
    const aitbc = (r as unknown as { aitbc: { job_key: string; token_count: number } }).aitbc;
    expect(aitbc.job_key).to.match(/^0x[0-9a-f]{64}$/);
    expect(aitbc.token_count).to.equal(expected.length);
    expect(answered()).to.equal(before + 1);
    // the runtime got the options, under the job's seed, temperature 0 and token limit
    expect(f.ollama.lastRequest?.options).to.deep.equal({
      top_k: 5,
      seed: 0,
      temperature: 0,
      num_predict: 50,
    });
  });

  it("generate, streamed: the pieces make the answer, the last part is done with the job", async function () {
    const parts = [];
    for await (const p of await client.generate({ model: MODEL.name, prompt: "tell me more", stream: true })) parts.push(p); // prettier-ignore
    expect(parts.map((p) => p.response).join("")).to.equal(words("tell me more").join(""));
    expect(parts.length).to.be.greaterThan(2);
    expect(parts.slice(0, -1).every((p) => !p.done)).to.equal(true);
    expect(parts.at(-1)).to.deep.include({ done: true, done_reason: "stop", response: "" });
  });

  it("generate with format json and with a JSON schema: the runtime is asked for it and answers JSON", async function () {
    const text = words("list the colours").join("");
    const json = await client.generate({ model: MODEL.name, prompt: "list the colours", format: "json" });
    expect(JSON.parse(json.response ?? "")).to.deep.equal({ answer: text });
    expect(f.ollama.lastRequest?.format).to.equal("json");
    const schema = { type: "object", properties: { name: { type: "string" }, count: { type: "integer" } }, required: ["name", "count"] }; // prettier-ignore
    const structured = await client.generate({
      model: MODEL.name,
      prompt: "list the colours",
      format: schema,
    });
    expect(JSON.parse(structured.response ?? "")).to.deep.equal({
      name: text,
      count: words("list the colours").length,
    });
    expect(f.ollama.lastRequest?.format).to.deep.equal(schema);
  });

  it("chat, not streamed and streamed", async function () {
    const messages = [
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ];
    const expected = words("system: be brief\nuser: hi").join("");
    const r = await client.chat({ model: MODEL.name, messages });
    expect(r).to.deep.include({ model: MODEL.name, message: { role: "assistant", content: expected }, done: true, done_reason: "stop" }); // prettier-ignore
    const parts = [];
    for await (const p of await client.chat({ model: MODEL.name, messages, stream: true })) parts.push(p);
    expect(parts.map((p) => p.message.content).join("")).to.equal(expected);
    expect(parts.at(-1)).to.deep.include({ done: true, done_reason: "stop" });
  });

  it("chat with tools: the model's tool call comes back as message.tool_calls, streamed or not", async function () {
    const messages = [{ role: "user", content: "weather in Paris?" }];
    const call = { function: { name: "get_weather", arguments: { city: words("user: weather in Paris?")[0], days: 1 } } }; // prettier-ignore
    const r = await client.chat({ model: MODEL.name, messages, tools: [weather] });
    expect(r.message).to.deep.equal({ role: "assistant", content: "", tool_calls: [call] });
    expect(f.ollama.lastRequest?.tools).to.deep.equal([weather]);
    const parts = [];
    for await (const p of await client.chat({ model: MODEL.name, messages, tools: [weather], stream: true })) parts.push(p); // prettier-ignore
    expect(parts.flatMap((p) => p.message.tool_calls ?? [])).to.deep.equal([call]);
    // the tool's result sent back: the model answers in text
    const followUp = [
      ...messages,
      r.message,
      { role: "tool", content: "sunny, 21°C", tool_name: "get_weather" },
    ];
    const answer = await client.chat({ model: MODEL.name, messages: followUp, tools: [weather] });
    expect(answer.message.tool_calls).to.equal(undefined);
    expect(answer.message.content).to.equal(words(followUp.map((m) => `${m.role}: ${m.content}`).join("\n")).join("")); // prettier-ignore
  });

  it("chat and generate with think: the thinking comes back apart from the answer", async function () {
    const messages = [{ role: "user", content: "2+2?" }];
    const expected = words("user: 2+2?");
    const r = await client.chat({ model: MODEL.name, messages, think: true });
    expect(r.message).to.deep.equal({ role: "assistant", content: expected.join(""), thinking: `Let me think about${expected[0]}.` }); // prettier-ignore
    expect(f.ollama.lastRequest?.think).to.equal(true);
    const g = await client.generate({ model: MODEL.name, prompt: "2+2?", think: true });
    expect([g.response, g.thinking]).to.deep.equal([words("2+2?").join(""), `Let me think about${words("2+2?")[0]}.`]); // prettier-ignore
  });

  it("the management calls answer 501 with Ollama's error shape, and place no job", async function () {
    const before = snapshot();
    const refused = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        return (error as { status_code: number }).status_code;
      }
      return 200;
    };
    expect(await refused(() => client.pull({ model: "llama3.2" }))).to.equal(501);
    expect(await refused(() => client.push({ model: "me/llama3.2" }))).to.equal(501);
    expect(await refused(() => client.create({ model: "mine", from: "llama3.2:1b" }))).to.equal(501);
    expect(await refused(() => client.copy({ source: "llama3.2:1b", destination: "mine" }))).to.equal(501);
    expect(await refused(() => client.delete({ model: "llama3.2:1b" }))).to.equal(501);
    const res = await fetch(`${f.url}/api/pull`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2" }),
    });
    expect(await res.json()).to.deep.equal({ error: "pulling a model is not supported: the AITBC network serves only its providers' models (see GET /api/tags)" }); // prettier-ignore
    for (const method of ["HEAD", "POST"]) {
      const blob = await fetch(`${f.url}/api/blobs/sha256:${"0".repeat(64)}`, { method, ...(method === "POST" ? { body: "x" } : {}) }); // prettier-ignore
      expect(blob.status).to.equal(501);
    }
    expect(snapshot()).to.deep.equal(before);
  });
});
