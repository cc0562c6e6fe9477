/** Inference backends against the local Ollama-API server (every fault) and the built-in model. */
import { expect } from "chai";
import { Ollama } from "ollama";

import {
  BUILTIN_DIGEST,
  BUILTIN_MODEL_NAME,
  BuiltinBackend,
  MalformedResponseError,
  OllamaBackend,
  RuntimeUnavailableError,
  UnknownModelError,
} from "../../node/backends/backend.js";
import { verifyInference } from "../../sdk/src/zk/inference.js";
import { FAKE_MODELS, fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

describe("miner: inference backends", function () {
  let server: FakeOllama;
  beforeEach(async () => {
    server = await startFakeOllama();
  });
  afterEach(async () => {
    await server.close();
  });

  const fast = { attempts: 3, baseDelayMs: 10 };

  it("the test server speaks Ollama's API to the official client (stream and non-stream)", async () => {
    const client = new Ollama({ host: server.url });
    expect((await client.version()).version).to.be.a("string");
    const { models } = await client.list();
    expect(models.map((m) => m.name)).to.deep.equal(FAKE_MODELS.map((m) => m.name));
    expect((await client.show({ model: "llama3.2:1b" })).details.family).to.equal("llama");
    const whole = await client.generate({
      model: "llama3.2:1b",
      prompt: "hi",
      stream: false,
      options: { seed: 1 },
    });
    expect(whole.response).to.equal(fakeAnswer("llama3.2:1b", "hi", 1).join(""));
    let streamed = "";
    let last;
    for await (const part of await client.generate({
      model: "llama3.2:1b",
      prompt: "hi",
      stream: true,
      options: { seed: 1 },
    })) {
      streamed += part.response;
      last = part;
    }
    expect(streamed).to.equal(whole.response);
    expect(last!.eval_count).to.equal(whole.eval_count);
    const chat = await client.chat({
      model: "qwen2.5:0.5b",
      messages: [{ role: "user", content: "hi" }],
      stream: false,
    });
    expect(chat.message.content.length).to.be.greaterThan(0);
  });

  it("OllamaBackend: models with sha256 digests, deterministic generate and chat with token counts", async () => {
    const backend = new OllamaBackend({ host: server.url, retry: fast });
    const models = await backend.listModels();
    expect(models[0]!.digest).to.equal(`0x${FAKE_MODELS[0]!.digest}`);
    expect(await backend.modelDigest("qwen2.5:0.5b")).to.equal(`0x${FAKE_MODELS[1]!.digest}`);
    const a = await backend.infer({
      model: "llama3.2:1b",
      prompt: "What is a ZK proof?",
      seed: 42,
      maxTokens: 64,
    });
    const b = await backend.infer({
      model: "llama3.2:1b",
      prompt: "What is a ZK proof?",
      seed: 42,
      maxTokens: 64,
    });
    expect(a.output).to.equal(b.output);
    expect(a.tokenCount).to.equal(fakeAnswer("llama3.2:1b", "What is a ZK proof?", 42).length);
    expect(a.promptTokens).to.be.greaterThan(0);
    const c = await backend.infer({
      model: "llama3.2:1b",
      messages: [{ role: "user", content: "hello" }],
      seed: 1,
      maxTokens: 64,
    });
    expect(c.output.length).to.be.greaterThan(0);
  });

  it("streams: onToken gets each piece as the runtime sends it, before infer resolves", async () => {
    server.faults.tokenDelayMs = 5;
    const backend = new OllamaBackend({ host: server.url, retry: fast });
    const pieces: { text: string; settled: boolean }[] = [];
    let settled = false;
    const expected = fakeAnswer("llama3.2:1b", "stream me", 2);
    const result = await backend
      .infer({
        model: "llama3.2:1b",
        prompt: "stream me",
        seed: 2,
        maxTokens: 64,
        onToken: (text) => pieces.push({ text, settled }),
      }) // prettier-ignore
      .finally(() => (settled = true));
    expect(pieces.map((p) => p.text)).to.deep.equal(expected);
    expect(pieces.every((p) => !p.settled)).to.equal(true);
    expect(result.output).to.equal(expected.join(""));
    expect(result.tokenCount).to.equal(expected.length);
    const chat: string[] = [];
    const answer = await backend.infer({ model: "llama3.2:1b", messages: [{ role: "user", content: "hi" }], seed: 2, maxTokens: 64, onToken: (t) => chat.push(t) }); // prettier-ignore
    expect(chat.join("")).to.equal(answer.output);
    expect(chat.length).to.be.greaterThan(1);
  });

  it("unknown model: a clear UnknownModelError, not retried", async () => {
    const backend = new OllamaBackend({ host: server.url, retry: fast });
    const before = server.requests;
    const error = await backend
      .infer({ model: "nope:7b", prompt: "x", seed: 0, maxTokens: 8 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UnknownModelError);
    expect((error as Error).message).to.match(/model 'nope:7b' not found/);
    expect(server.requests).to.equal(before);
  });

  it("down: retried with backoff, then RuntimeUnavailableError; recovers when the runtime is back", async () => {
    const backend = new OllamaBackend({ host: server.url, retry: fast });
    await backend.listModels();
    server.faults.down = true;
    const error = await backend
      .infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 8 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RuntimeUnavailableError);
    server.faults.down = false;
    expect(
      (await backend.infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 8 })).output,
    ).to.be.a("string");
  });

  it("connection refused (nothing listening): RuntimeUnavailableError", async () => {
    const url = server.url;
    await server.close();
    const backend = new OllamaBackend({ host: url, retry: fast });
    const error = await backend.listModels().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RuntimeUnavailableError);
    expect((error as Error).message).to.match(/unavailable/);
    server = await startFakeOllama(); // for afterEach
  });

  it("slow: times out, retries, and succeeds when the delay fits the timeout", async () => {
    server.faults.delayMs = 400;
    const impatient = new OllamaBackend({
      host: server.url,
      timeoutMs: 100,
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    await impatient.listModels();
    const error = await impatient
      .infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 8 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RuntimeUnavailableError);
    expect((error as Error).message).to.match(/no answer in time|abort/i);
    const patient = new OllamaBackend({ host: server.url, timeoutMs: 2_000, retry: fast });
    expect(
      (await patient.infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 8 })).tokenCount,
    ).to.be.greaterThan(0);
  });

  it("malformed JSON: MalformedResponseError after retries; transient 500s are retried to success", async () => {
    const backend = new OllamaBackend({ host: server.url, retry: fast });
    await backend.listModels();
    server.faults.malformed = true;
    const before = server.requests;
    const error = await backend
      .infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 8 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MalformedResponseError);
    expect(server.requests - before).to.equal(3);
    server.faults.malformed = false;
    server.faults.failNext = 2;
    expect(
      (await backend.infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 8 })).output,
    ).to.be.a("string");
  });

  it("probe: the version of a live runtime, undefined when nothing answers", async () => {
    expect(await OllamaBackend.probe(server.url)).to.be.a("string");
    expect(await OllamaBackend.probe("http://127.0.0.1:1", 300)).to.equal(undefined);
  });

  it("BuiltinBackend: topic label with a valid proof of inference bound to the model digest", async () => {
    const backend = new BuiltinBackend();
    const streamed: string[] = [];
    expect(await backend.listModels()).to.deep.equal([{ name: BUILTIN_MODEL_NAME, digest: BUILTIN_DIGEST }]);
    const result = await backend.infer({
      model: BUILTIN_MODEL_NAME,
      prompt: "will it rain in paris tomorrow",
      seed: 0,
      maxTokens: 4,
      jobKey: 5n,
      onToken: (t) => streamed.push(t),
    });
    expect(streamed).to.deep.equal(["weather"]);
    expect(result.output).to.equal("weather");
    expect(result.tokenCount).to.equal(1);
    expect(BigInt(result.modelDigest)).to.equal(result.inferenceProof!.publicSignals[1]);
    expect(
      await verifyInference(result.inferenceProof!, {
        prompt: "will it rain in paris tomorrow",
        modelDigest: result.modelDigest,
        jobKey: 5n,
      }),
    ).to.equal(true);
    const error = await backend
      .infer({ model: "llama3.2:1b", prompt: "x", seed: 0, maxTokens: 1 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UnknownModelError);
  });
});
