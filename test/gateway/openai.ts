/**
 * The gateway's OpenAI-compatible API at `/v1` (`node/gateway/openai-api.ts`) with the official
 * `openai` client: models, chat completions and completions (plain and streamed), the job in the
 * `aitbc` field and headers, the request's fields in the job's payload, and bad requests refused
 * with OpenAI's error body before any job is placed.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import OpenAI, { APIError, BadRequestError, InternalServerError, NotFoundError } from "openai";

import { ProviderAnswerError } from "../../node/gateway/errors.js";
import { ownerOf } from "../../node/gateway/openai-models.js";
import { sendOpenAIError } from "../../node/gateway/openai-errors.js";
import { Frame, type Outcome } from "../../node/gateway/openai-shape.js";
import { sseData, sseDone, startSse } from "../../node/gateway/openai-sse.js";
import { FAKE_MODELS, fakeAnswer } from "../helpers/ollama-server.js";
import { TEST_MODELS } from "./test-models.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

/** What the test runtime answers a chat (it reads `role: content` lines). */
function chatAnswer(model: string, messages: { role: string; content: string }[], seed = 0): string {
  return fakeAnswer(model, messages.map((m) => `${m.role}: ${m.content}`).join("\n"), seed).join("");
}

describe("gateway: OpenAI API at /v1 (openai client)", function () {
  let f: GatewayFixture;
  let client: OpenAI;

  before(async function () {
    // a second name for the first model, with a namespace: `/` in a model's name
    const models = [...TEST_MODELS, { ...TEST_MODELS[0]!, name: "acme/llama:1b" }];
    f = await gatewayFixture({ gateway: { models } });
    client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  after(async () => f?.close());

  /** The job's payload as the network hashed it (from the gateway's archive). */
  async function payloadOf(jobKey: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${f.url}/v1/jobs/${jobKey}/payload`);
    expect(res.status).to.equal(200);
    return JSON.parse(await res.text()) as Record<string, unknown>;
  }

  /** How many jobs the gateway has placed (all states: earlier jobs settle meanwhile). */
  const jobs = () => Object.values(f.gateway.context.state.counts()).reduce((a, n) => a + (n ?? 0), 0);
  /** Jobs placed and inference requests the runtime got: neither moves for a refused request. */
  const snapshot = () => ({ jobs: jobs(), runtime: f.ollama.requests });

  /** Runs `call`, expects it to throw `type`, and that no job was placed meanwhile. */
  async function refused<E extends APIError>(
    type: new (...a: never[]) => E,
    call: () => Promise<unknown>,
  ): Promise<E> {
    const before = snapshot();
    let caught: unknown;
    try {
      await call();
    } catch (error) {
      caught = error;
    }
    expect(caught, "the call was refused").to.be.instanceOf(type);
    expect(snapshot()).to.deep.equal(before);
    return caught as E;
  }

  describe("models", function () {
    /** `created` as Ollama answers it: the model's `modified_at` in `/api/tags`, Unix seconds. */
    async function createdOf(): Promise<Map<string, number>> {
      const tags = (await (await fetch(`${f.url}/api/tags`)).json()) as { models: { name: string; modified_at: string }[] }; // prettier-ignore
      return new Map(tags.models.map((m) => [m.name, Math.floor(Date.parse(m.modified_at) / 1000)]));
    }

    it("models.list lists the served models as Ollama's /v1 does (owned_by: the name's namespace)", async function () {
      const created = await createdOf();
      const page = await client.models.list();
      expect(page.data).to.deep.equal([
        { id: "llama3.2:1b", object: "model", created: created.get("llama3.2:1b"), owned_by: "library" },
        { id: "qwen2.5:0.5b", object: "model", created: created.get("qwen2.5:0.5b"), owned_by: "library" },
        { id: "acme/llama:1b", object: "model", created: created.get("acme/llama:1b"), owned_by: "acme" },
      ]);
      expect([...created.values()].every(Number.isInteger)).to.equal(true);
    });

    it("models.retrieve answers one model (names with ':' and '/'); an unknown one is NotFoundError", async function () {
      const created = await createdOf();
      expect(await client.models.retrieve(f.model)).to.deep.equal({ id: f.model, object: "model", created: created.get(f.model), owned_by: "library" }); // prettier-ignore
      expect(await client.models.retrieve("acme/llama:1b")).to.deep.equal({ id: "acme/llama:1b", object: "model", created: created.get("acme/llama:1b"), owned_by: "acme" }); // prettier-ignore
      const e = await refused(NotFoundError, () => client.models.retrieve("nope/x:7b"));
      expect(e.status).to.equal(404);
      expect(e.error).to.deep.equal({ message: "model 'nope/x:7b' not found", type: "not_found_error", param: "model", code: "model_not_found" }); // prettier-ignore
    });

    it("owned_by is the namespace as Ollama parses names ([host/][namespace/]model[:tag])", function () {
      expect(["llama3.2:1b", "acme/llama:1b", "hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M"].map(ownerOf)).to.deep.equal(["library", "acme", "bartowski"]); // prettier-ignore
    });
  });

  describe("chat.completions", function () {
    it("answers a chat.completion with the job in `aitbc` and the x-aitbc-* headers", async function () {
      const messages = [
        { role: "system" as const, content: "be brief" },
        { role: "user" as const, content: "why is the sky blue?" },
      ];
      const { data, response } = await client.chat.completions.create({ model: f.model, messages, seed: 7 }).withResponse(); // prettier-ignore
      const text = chatAnswer(f.model, messages, 7);
      expect(data.id).to.match(/^chatcmpl-[0-9a-f]{24}$/);
      expect(data.object).to.equal("chat.completion");
      expect(data.model).to.equal(f.model);
      expect(data.system_fingerprint).to.equal("fp_aitbc");
      expect(data.choices).to.deep.equal([{ index: 0, message: { role: "assistant", content: text }, logprobs: null, finish_reason: "stop" }]); // prettier-ignore
      const aitbc = (data as unknown as { aitbc: Record<string, unknown> }).aitbc;
      expect(data.usage).to.deep.equal({ prompt_tokens: 0, completion_tokens: aitbc.token_count, total_tokens: aitbc.token_count }); // prettier-ignore
      expect(aitbc.token_count).to.equal(fakeAnswer(f.model, "system: be brief\nuser: why is the sky blue?", 7).length); // prettier-ignore
      expect(aitbc.path).to.equal("batch");
      expect(response.headers.get("x-aitbc-job-key")).to.equal(aitbc.job_key);
      expect(response.headers.get("x-aitbc-provider")).to.equal(aitbc.provider);
      expect(response.headers.get("x-aitbc-path")).to.equal("batch");
      const payload = await payloadOf(aitbc.job_key as string);
      expect(payload.messages).to.deep.equal(messages);
      expect(payload.seed).to.equal(7);
      expect(payload).to.not.have.any.keys("options", "format", "tools");
    });

    it("puts stop, top_p and the penalties in the job's options and the runtime's, json_object as format json", async function () {
      const data = await client.chat.completions.create({
        model: f.model,
        messages: [{ role: "developer", content: "answer in JSON" }, { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }], // prettier-ignore
        stop: "\n\n",
        top_p: 0.5,
        frequency_penalty: 0.25,
        presence_penalty: -1,
        temperature: 0.7,
        max_tokens: 64,
        response_format: { type: "json_object" },
      });
      const payload = await payloadOf((data as unknown as { aitbc: { job_key: string } }).aitbc.job_key);
      expect(payload.messages).to.deep.equal([{ role: "system", content: "answer in JSON" }, { role: "user", content: "a\nb" }]); // prettier-ignore
      expect(payload.options).to.deep.equal({ stop: ["\n\n"], top_p: 0.5, frequency_penalty: 0.25, presence_penalty: -1 }); // prettier-ignore
      expect(payload.format).to.equal("json");
      expect(JSON.parse(data.choices[0]!.message.content!)).to.deep.equal({ answer: chatAnswer(f.model, [{ role: "system", content: "answer in JSON" }, { role: "user", content: "a\nb" }]) }); // prettier-ignore
      // the runtime got them, and temperature 0 whatever the request said (a re-execution reproduces it)
      expect(f.ollama.lastRequest!.options).to.deep.include({ stop: ["\n\n"], top_p: 0.5, frequency_penalty: 0.25, presence_penalty: -1, temperature: 0, num_predict: 64 }); // prettier-ignore
      expect(f.ollama.lastRequest!.format).to.equal("json");
    });

    it("passes a json_schema response_format, tools, images and tool results into the job", async function () {
      const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
      const tool = { type: "function" as const, function: { name: "weather", description: "the weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }; // prettier-ignore
      const data = await client.chat.completions.create({
        model: f.model,
        messages: [
          { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] }, // prettier-ignore
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] }, // prettier-ignore
          { role: "tool", tool_call_id: "call_1", content: "sunny" },
        ],
        tools: [tool],
        response_format: { type: "json_schema", json_schema: { name: "city", schema } },
        reasoning_effort: "low",
      });
      const payload = await payloadOf((data as unknown as { aitbc: { job_key: string } }).aitbc.job_key);
      expect(payload.messages).to.deep.equal([
        { role: "user", content: "what is this?", images: ["iVBORw0KGgo="] },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "weather", arguments: { city: "Paris" } } }] }, // prettier-ignore
        { role: "tool", content: "sunny", tool_name: "weather" },
      ]);
      expect(payload.format).to.deep.equal(schema);
      expect(payload.tools).to.deep.equal([tool]);
      expect(payload.think).to.equal("low");
    });

    it("finish_reason is length when the answer used every token paid for", async function () {
      f.ollama.faults.answerTokens = 5;
      try {
        const data = await client.chat.completions.create({ model: f.model, messages: [{ role: "user", content: "count" }], max_completion_tokens: 5 }); // prettier-ignore
        expect(data.choices[0]!.finish_reason).to.equal("length");
        expect(data.usage!.completion_tokens).to.equal(5);
      } finally {
        f.ollama.faults.answerTokens = undefined;
      }
    });
  });

  describe("tools, thinking and JSON answers (the runtime follows them)", function () {
    const weather = { type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } } } } }; // prettier-ignore
    const messages = [{ role: "user" as const, content: "weather in Paris?" }];
    const first = fakeAnswer("llama3.2:1b", "user: weather in Paris?", 0)[0]!;

    it("a tool call: message.tool_calls with the arguments as a JSON string, finish_reason tool_calls", async function () {
      const data = await client.chat.completions.create({ model: f.model, messages, tools: [weather] });
      const choice = data.choices[0]!;
      expect(choice.finish_reason).to.equal("tool_calls");
      expect(choice.message.content).to.equal("");
      const calls = choice.message.tool_calls!;
      expect(calls.length).to.equal(1);
      expect(calls[0]!.id).to.match(/^call_[0-9a-f]{24}$/);
      expect(calls[0]!.type === "function" && calls[0]!.function).to.deep.equal({ name: "weather", arguments: JSON.stringify({ city: first, days: 1 }) }); // prettier-ignore
    });

    it("a streamed tool call accumulates in the client's stream helper", async function () {
      const done = await client.chat.completions.stream({ model: f.model, messages, tools: [weather] }).finalChatCompletion(); // prettier-ignore
      expect(done.choices[0]!.finish_reason).to.equal("tool_calls");
      const fn = done.choices[0]!.message.tool_calls!.map((c) =>
        c.type === "function" ? c.function : undefined,
      );
      expect(fn).to.deep.equal([{ name: "weather", arguments: JSON.stringify({ city: first, days: 1 }) }]);
    });

    it("reasoning_effort: the thinking in message.reasoning, the text in content", async function () {
      const data = await client.chat.completions.create({
        model: f.model,
        messages,
        reasoning_effort: "low",
      });
      const message = data.choices[0]!.message as (typeof data.choices)[0]["message"] & {
        reasoning?: string;
      };
      expect(message.reasoning).to.equal(`Let me think about${first}.`);
      expect(message.content).to.equal(fakeAnswer("llama3.2:1b", "user: weather in Paris?", 0).join(""));
    });

    it("response_format json_object and json_schema: the content is JSON as asked", async function () {
      const text = fakeAnswer("llama3.2:1b", "user: weather in Paris?", 0).join("");
      const json = await client.chat.completions.create({ model: f.model, messages, response_format: { type: "json_object" } }); // prettier-ignore
      expect(JSON.parse(json.choices[0]!.message.content!)).to.deep.equal({ answer: text });
      const schema = { type: "object", properties: { city: { type: "string" }, n: { type: "integer" } } };
      const stream = await client.chat.completions.create({ model: f.model, messages, stream: true, response_format: { type: "json_schema", json_schema: { name: "w", schema } } }); // prettier-ignore
      let content = "";
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
      expect(JSON.parse(content)).to.deep.equal({ city: text, n: fakeAnswer("llama3.2:1b", "user: weather in Paris?", 0).length }); // prettier-ignore
    });

    it("a model without the capability is refused as Ollama refuses it (400), no job", async function () {
      const other = "qwen2.5:0.5b"; // completion only
      const tools = await refused(BadRequestError, () => client.chat.completions.create({ model: other, messages, tools: [weather] })); // prettier-ignore
      expect(tools.error).to.deep.equal({ message: `"${other}" does not support tools`, type: "invalid_request_error", param: "tools", code: "unsupported_capability" }); // prettier-ignore
      const image = [
        { type: "image_url" as const, image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      ];
      const vision = await refused(BadRequestError, () => client.chat.completions.create({ model: other, messages: [{ role: "user", content: image }], reasoning_effort: "high" })); // prettier-ignore
      expect(vision.error).to.deep.equal({ message: `"${other}" does not support vision thinking`, type: "invalid_request_error", param: "messages", code: "unsupported_capability" }); // prettier-ignore
    });
  });

  describe("bad requests: OpenAI's error body, no job placed", function () {
    const chat = (body: Record<string, unknown>) => () => client.chat.completions.create(body as never);
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ["no model", { messages: [{ role: "user", content: "hi" }] }, { message: "model is required", param: "model", code: "missing_required_parameter" }], // prettier-ignore
      ["no messages", { model: "llama3.2:1b" }, { message: "Missing required parameter: 'messages'.", param: "messages", code: "missing_required_parameter" }], // prettier-ignore
      ["empty messages", { model: "llama3.2:1b", messages: [] }, { message: "[] is too short - 'messages'", param: "messages", code: "empty_array" }], // prettier-ignore
      ["a number as content", { model: "llama3.2:1b", messages: [{ role: "user", content: 12345 }] }, { message: "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead.", param: "messages[0].content", code: "invalid_type" }], // prettier-ignore
      ["an unknown role", { model: "llama3.2:1b", messages: [{ role: "robot", content: "hi" }] }, { message: "Invalid value: 'robot'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.", param: "messages[0].role", code: "invalid_value" }], // prettier-ignore
      ["a string seed", { model: "llama3.2:1b", messages: [{ role: "user", content: "hi" }], seed: "7" }, { message: "Invalid type for 'seed': expected an integer, but got a string instead.", param: "seed", code: "invalid_type" }], // prettier-ignore
      ["max_tokens 0", { model: "llama3.2:1b", messages: [{ role: "user", content: "hi" }], max_tokens: 0 }, { message: "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.", param: "max_tokens", code: "integer_below_min_value" }], // prettier-ignore
      ["temperature 3", { model: "llama3.2:1b", messages: [{ role: "user", content: "hi" }], temperature: 3 }, { message: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.", param: "temperature", code: "decimal_above_max_value" }], // prettier-ignore
      ["n 2", { model: "llama3.2:1b", messages: [{ role: "user", content: "hi" }], n: 2 }, { message: "Unsupported parameter: 'n' above 1: the network answers one choice per job.", param: "n", code: "unsupported_parameter" }], // prettier-ignore
      ["a remote image", { model: "llama3.2:1b", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] }] }, { message: "invalid image input: only base64 data URLs (data:image/png;base64,...) are taken", param: "messages[0].content[0].image_url.url", code: "invalid_value" }], // prettier-ignore
      ["bad tool call arguments", { model: "llama3.2:1b", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }] }] }, { message: "invalid tool call arguments", param: "messages[0].tool_calls[0].function.arguments", code: "invalid_value" }], // prettier-ignore
      ["an unknown response_format", { model: "llama3.2:1b", messages: [{ role: "user", content: "hi" }], response_format: { type: "xml" } }, { message: "Invalid value: 'xml'. Supported values are: 'text', 'json_object' and 'json_schema'.", param: "response_format.type", code: "invalid_value" }], // prettier-ignore
    ];
    for (const [name, body, error] of cases)
      it(`${name}: BadRequestError`, async function () {
        const e = await refused(BadRequestError, chat(body));
        expect(e.status).to.equal(400);
        expect(e.message).to.equal(`400 ${error.message as string}`);
        expect(e.error).to.deep.equal({ type: "invalid_request_error", ...error });
      });

    it("a token limit above every offer's (4096): BadRequestError in OpenAI's words", async function () {
      const e = await refused(BadRequestError, chat({ model: f.model, messages: [{ role: "user", content: "hi" }], max_completion_tokens: 5000 })); // prettier-ignore
      expect(e.error).to.deep.equal({ message: "max_completion_tokens is too large: 5000. This model supports at most 4096 completion tokens, whereas you provided 5000.", type: "invalid_request_error", param: "max_completion_tokens", code: "invalid_value" }); // prettier-ignore
      const text = await refused(BadRequestError, () => client.completions.create({ model: f.model, prompt: "hi", max_tokens: 4097 })); // prettier-ignore
      expect(text.error).to.deep.include({ param: "max_tokens", code: "invalid_value" });
    });

    it("an unknown model: NotFoundError 404 model_not_found", async function () {
      const e = await refused(
        NotFoundError,
        chat({ model: "nope:1b", messages: [{ role: "user", content: "hi" }] }),
      );
      expect(e.error).to.deep.equal({ message: "model 'nope:1b' not found", type: "not_found_error", param: "model", code: "model_not_found" }); // prettier-ignore
    });

    it("a body that is not JSON: 400; one over 1 MiB: 413; both OpenAI-shaped", async function () {
      const before = snapshot();
      const post = (body: string) => fetch(`${f.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body }); // prettier-ignore
      const bad = await post("{not json");
      expect(bad.status).to.equal(400);
      expect(await bad.json()).to.deep.equal({ error: { message: "We could not parse the JSON body of your request.", type: "invalid_request_error", param: null, code: null } }); // prettier-ignore
      const big = await post(JSON.stringify({ model: f.model, messages: [{ role: "user", content: "x".repeat(1 << 20) }] })); // prettier-ignore
      expect(big.status).to.equal(413);
      expect(await big.json()).to.deep.equal({ error: { message: "the body exceeds 1048576 bytes", type: "invalid_request_error", param: null, code: "request_too_large" } }); // prettier-ignore
      expect(snapshot()).to.deep.equal(before);
    });
  });

  describe("chat.completions stream", function () {
    const messages = [{ role: "user" as const, content: "stream me a story" }];

    it("streams chat.completion.chunk events, the job in the last one and in the headers", async function () {
      const { data: stream, response } = await client.chat.completions.create({ model: f.model, messages, stream: true }).withResponse(); // prettier-ignore
      expect(response.headers.get("content-type")).to.equal("text/event-stream");
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const tokens = fakeAnswer(f.model, "user: stream me a story", 0);
      expect(chunks.length).to.equal(tokens.length + 1);
      expect(new Set(chunks.map((c) => c.id)).size).to.equal(1);
      expect(chunks[0]!.id).to.match(/^chatcmpl-[0-9a-f]{24}$/);
      expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === f.model && c.system_fingerprint === "fp_aitbc")).to.equal(true); // prettier-ignore
      expect(chunks.slice(0, -1).map((c) => c.choices[0]!.delta.content)).to.deep.equal(tokens);
      expect(chunks.slice(0, -1).every((c) => c.choices[0]!.finish_reason === null)).to.equal(true);
      const last = chunks.at(-1)! as unknown as { choices: unknown[]; usage?: unknown; aitbc: Record<string, unknown> }; // prettier-ignore
      expect(last.choices).to.deep.equal([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
      expect(last.usage).to.equal(undefined);
      expect(last.aitbc.token_count).to.equal(tokens.length);
      expect(response.headers.get("x-aitbc-job-key")).to.equal(last.aitbc.job_key);
      expect(response.headers.get("x-aitbc-provider")).to.equal(last.aitbc.provider);
      expect(response.headers.get("x-aitbc-path")).to.equal("batch");
    });

    it("stream_options.include_usage: a last chunk with usage and no choices", async function () {
      const stream = await client.chat.completions.create({ model: f.model, messages, stream: true, stream_options: { include_usage: true } }); // prettier-ignore
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const n = fakeAnswer(f.model, "user: stream me a story", 0).length;
      expect(chunks.length).to.equal(n + 2);
      expect(chunks.at(-2)!.choices[0]!.finish_reason).to.equal("stop");
      expect(chunks.at(-1)!.choices).to.deep.equal([]);
      expect(chunks.at(-1)!.usage).to.deep.equal({ prompt_tokens: 0, completion_tokens: n, total_tokens: n });
      expect(chunks.slice(0, -1).every((c) => c.usage === undefined)).to.equal(true);
    });

    it("the client's stream helper accumulates the same message", async function () {
      const runner = client.chat.completions.stream({ model: f.model, messages, seed: 3 });
      const done = await runner.finalChatCompletion();
      expect(done.choices[0]!.message.content).to.equal(chatAnswer(f.model, messages, 3));
      expect(done.choices[0]!.finish_reason).to.equal("stop");
    });
  });

  describe("completions", function () {
    it("answers a text_completion for a prompt (and for a list of one prompt)", async function () {
      const { data, response } = await client.completions.create({ model: f.model, prompt: "Once upon a time", seed: 5, max_tokens: 100 }).withResponse(); // prettier-ignore
      const tokens = fakeAnswer(f.model, "Once upon a time", 5);
      const aitbc = (data as unknown as { aitbc: Record<string, unknown> }).aitbc;
      expect(data.id).to.match(/^cmpl-[0-9a-f]{24}$/);
      expect(data.object).to.equal("text_completion");
      expect(data.model).to.equal(f.model);
      expect(data.system_fingerprint).to.equal("fp_aitbc");
      expect(data.choices).to.deep.equal([{ text: tokens.join(""), index: 0, logprobs: null, finish_reason: "stop" }]); // prettier-ignore
      expect(data.usage).to.deep.equal({ prompt_tokens: 0, completion_tokens: tokens.length, total_tokens: tokens.length }); // prettier-ignore
      expect(response.headers.get("x-aitbc-job-key")).to.equal(aitbc.job_key);
      const payload = await payloadOf(aitbc.job_key as string);
      expect(payload.prompt).to.equal("Once upon a time");
      expect(payload).to.not.have.property("messages");
      const listed = await client.completions.create({
        model: f.model,
        prompt: ["Once upon a time"],
        seed: 5,
      });
      expect(listed.choices[0]!.text).to.equal(tokens.join(""));
    });

    it("streams text_completion chunks, with include_usage a usage chunk last", async function () {
      const stream = await client.completions.create({ model: f.model, prompt: "Tell me", stream: true, stream_options: { include_usage: true } }); // prettier-ignore
      const chunks: OpenAI.Completions.Completion[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const tokens = fakeAnswer(f.model, "Tell me", 0);
      expect(chunks.length).to.equal(tokens.length + 2);
      expect(chunks.every((c) => c.object === "text_completion" && c.id === chunks[0]!.id)).to.equal(true);
      expect(chunks.slice(0, -2).map((c) => c.choices[0]!.text)).to.deep.equal(tokens);
      expect(chunks.at(-2)!.choices).to.deep.equal([
        { text: "", index: 0, logprobs: null, finish_reason: "stop" },
      ]);
      expect(chunks.at(-1)!.choices).to.deep.equal([]);
      expect(chunks.at(-1)!.usage).to.deep.equal({ prompt_tokens: 0, completion_tokens: tokens.length, total_tokens: tokens.length }); // prettier-ignore
      expect((chunks.at(-1) as unknown as { aitbc: { token_count: number } }).aitbc.token_count).to.equal(tokens.length); // prettier-ignore
    });

    it("an empty prompt answers an empty text, as Ollama does, and places no job", async function () {
      const before = snapshot();
      const { data, response } = await client.completions
        .create({ model: f.model, prompt: "" })
        .withResponse();
      expect(data.choices).to.deep.equal([{ text: "", index: 0, logprobs: null, finish_reason: "stop" }]);
      expect(data.usage).to.deep.equal({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
      expect(data).to.not.have.property("aitbc");
      expect(response.headers.get("x-aitbc-job-key")).to.equal(null);
      expect(snapshot()).to.deep.equal(before);
      const e = await refused(NotFoundError, () =>
        client.completions.create({ model: "nope:1b", prompt: "" }),
      );
      expect(e.error).to.deep.equal({ message: "model 'nope:1b' not found", type: "not_found_error", param: "model", code: "model_not_found" }); // prettier-ignore
    });

    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ["a number as prompt", { model: "llama3.2:1b", prompt: 12345 }, { message: "Invalid type for 'prompt': expected a string, but got an integer instead.", param: "prompt", code: "invalid_type" }], // prettier-ignore
      ["token ids as prompt", { model: "llama3.2:1b", prompt: [1, 2] }, { message: "Unsupported parameter: 'prompt' as a list of more than one prompt: send one request per prompt.", param: "prompt", code: "unsupported_parameter" }], // prettier-ignore
      ["a list of one token id", { model: "llama3.2:1b", prompt: [7] }, { message: "Invalid type for 'prompt[0]': expected a string, but got an integer instead.", param: "prompt[0]", code: "invalid_type" }], // prettier-ignore
      ["a suffix", { model: "llama3.2:1b", prompt: "def f(", suffix: "return x" }, { message: "Unsupported parameter: 'suffix' is not served: the network's jobs take one prompt.", param: "suffix", code: "unsupported_parameter" }], // prettier-ignore
      ["echo", { model: "llama3.2:1b", prompt: "hi", echo: true }, { message: "Unsupported parameter: 'echo' is not served.", param: "echo", code: "unsupported_parameter" }], // prettier-ignore
      ["a list as stop", { model: "llama3.2:1b", prompt: "hi", stop: ["a", 1] }, { message: "Invalid type for 'stop[1]': expected a string, but got an integer instead.", param: "stop[1]", code: "invalid_type" }], // prettier-ignore
      ["a string stream", { model: "llama3.2:1b", prompt: "hi", stream: "yes" }, { message: "Invalid type for 'stream': expected a boolean, but got a string instead.", param: "stream", code: "invalid_type" }], // prettier-ignore
    ];
    for (const [name, body, error] of cases)
      it(`${name}: BadRequestError, no job`, async function () {
        const e = await refused(BadRequestError, () => client.completions.create(body as never));
        expect(e.message).to.equal(`400 ${error.message as string}`);
        expect(e.error).to.deep.equal({ type: "invalid_request_error", ...error });
      });
  });

  describe("failures", function () {
    it("a client that hangs up before its job is placed opens none", async function () {
      const before = snapshot();
      const offers = f.gateway.context.offers;
      const candidates = offers.candidates.bind(offers);
      let reached!: () => void;
      const placing = new Promise<void>((r) => (reached = r));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      offers.candidates = (digest) => {
        reached();
        return released.then(() => candidates(digest));
      };
      const log = f.gateway.context.log;
      let noticed!: () => void;
      const gone = new Promise<void>((r) => (noticed = r));
      let stopped!: () => void;
      const placementStopped = new Promise<void>((r) => (stopped = r));
      f.gateway.context.log = (line) => {
        if (/\/v1\/chat\/completions: the client disconnected before the answer/.test(line)) noticed();
        if (/client disconnected before job .* was placed; nothing was paid/.test(line)) stopped();
      };
      try {
        const hangUp = new AbortController();
        const request = client.chat.completions.create({ model: f.model, messages: [{ role: "user", content: "hello there" }], stream: true }, { signal: hangUp.signal }); // prettier-ignore
        await placing; // the gateway is choosing a provider
        hangUp.abort();
        await request.catch(() => undefined);
        await gone; // the gateway saw the client leave
        release();
        await placementStopped; // the placement stopped before trying any provider
        expect(snapshot()).to.deep.equal(before);
      } finally {
        offers.candidates = candidates;
        f.gateway.context.log = log;
        release();
      }
      const after = await client.chat.completions.create({ model: f.model, messages: [{ role: "user", content: "still here?" }] }); // prettier-ignore
      expect(after.choices[0]!.finish_reason).to.equal("stop");
    });

    it("no provider for the model: InternalServerError 503 no_provider, nothing paid", async function () {
      const policy = f.gateway.context.policy;
      const { placementTimeoutMs, maxPricePerToken } = policy;
      Object.assign(policy, { placementTimeoutMs: 0, maxPricePerToken: 0n }); // every offer costs more than the gateway pays
      const e = await refused(InternalServerError, () => client.chat.completions.create({ model: f.model, messages: [{ role: "user", content: "hi" }] })).finally(() => Object.assign(policy, { placementTimeoutMs, maxPricePerToken })); // prettier-ignore
      expect(e.status).to.equal(503);
      expect(e.error).to.deep.equal({ message: `no provider accepted the job: no valid offer for model 0x${FAKE_MODELS[0]!.digest} at or below 0 wei/token`, type: "server_error", param: null, code: "no_provider" }); // prettier-ignore
    });

    it("a digest no provider serves: NotFoundError 404, nothing paid", async function () {
      const digest = `0x${"11".repeat(32)}`;
      const e = await refused(NotFoundError, () => client.chat.completions.create({ model: digest, messages: [{ role: "user", content: "hi" }] })); // prettier-ignore
      expect(e.error).to.deep.equal({ message: `model '${digest}' not found`, type: "not_found_error", param: "model", code: "model_not_found" }); // prettier-ignore
    });

    it("the provider fails before its first token: 502 provider_error as JSON, stream or not", async function () {
      const models = f.ollama.models;
      f.ollama.models = models.filter((m) => m.name !== f.model); // the runtime lost the model: the miner's job fails
      try {
        for (const stream of [false, true]) {
          let caught: unknown;
          try {
            const answer = await client.chat.completions.create({ model: f.model, messages: [{ role: "user", content: `fail ${stream}` }], stream }); // prettier-ignore
            if (stream) for await (const _ of answer as AsyncIterable<unknown>) void _;
          } catch (error) {
            caught = error;
          }
          expect(caught).to.be.instanceOf(InternalServerError);
          const e = caught as InternalServerError;
          expect(e.status).to.equal(502);
          expect(e.error).to.deep.include({ type: "server_error", param: null, code: "provider_error" });
          expect((e.error as { message: string }).message).to.match(
            /^job 0x[0-9a-f]{64}: the miner failed: /,
          );
        }
      } finally {
        f.ollama.models = models;
      }
    });
  });
});

describe("gateway: /v1 wire format read by the openai client (tool calls, an error mid-stream)", function () {
  let server: Server;
  let client: OpenAI;
  /** What the stand-in server answers next. */
  let answer: (frame: Frame, res: import("node:http").ServerResponse, stream: boolean) => void;
  const calls: Outcome = { output: "", tokenCount: 3, finish: "tool_calls", toolCalls: [{ function: { name: "weather", arguments: { city: "Paris" } } }, { function: { name: "time", arguments: {} } }] }; // prettier-ignore

  before(async function () {
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(text) as { model: string; stream?: boolean };
        answer(new Frame("chat", body.model), res, body.stream === true);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: "unused", maxRetries: 0 }); // prettier-ignore
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("tool calls: arguments as a JSON string, finish_reason tool_calls", async function () {
    answer = (frame, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(frame.completion(calls)));
    };
    const data = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "weather?" }] }); // prettier-ignore
    const choice = data.choices[0]!;
    expect(choice.finish_reason).to.equal("tool_calls");
    const got = choice.message.tool_calls!.map((c) => (c.type === "function" ? [c.id.slice(0, 5), c.function.name, c.function.arguments] : [])); // prettier-ignore
    expect(got).to.deep.equal([
      ["call_", "weather", '{"city":"Paris"}'],
      ["call_", "time", "{}"],
    ]);
  });

  it("streamed tool calls accumulate in the client's stream helper", async function () {
    answer = (frame, res) => {
      startSse(res);
      for (const chunk of frame.finalChunks(calls, false)) sseData(res, chunk);
      sseDone(res);
    };
    const done = await client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "weather?" }] }).finalChatCompletion(); // prettier-ignore
    expect(done.choices[0]!.finish_reason).to.equal("tool_calls");
    const fns = done.choices[0]!.message.tool_calls!.map((c) =>
      c.type === "function" ? c.function : undefined,
    );
    expect(fns).to.deep.equal([{ name: "weather", arguments: '{"city":"Paris"}' }, { name: "time", arguments: "{}" }]); // prettier-ignore
  });

  it("an error after the stream started is one data: {error} event; the client raises APIError with it", async function () {
    answer = (frame, res) => {
      startSse(res);
      sseData(res, frame.chunk("Hello"));
      sendOpenAIError(res, new ProviderAnswerError(`0x${"ab".repeat(32)}`, "the miner failed: boom"));
    };
    const got: string[] = [];
    let caught: unknown;
    try {
      const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }); // prettier-ignore
      for await (const chunk of stream) got.push(chunk.choices[0]!.delta.content!);
    } catch (error) {
      caught = error;
    }
    expect(got).to.deep.equal(["Hello"]);
    expect(caught).to.be.instanceOf(APIError);
    expect((caught as APIError).error).to.deep.equal({ message: `job 0x${"ab".repeat(32)}: the miner failed: boom`, type: "server_error", param: null, code: "provider_error" }); // prettier-ignore
  });
});
