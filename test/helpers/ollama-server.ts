/**
 * A local HTTP server that implements the documented parts of Ollama's API that the miner and the
 * gateway use (https://github.com/ollama/ollama/blob/main/docs/api.md):
 *
 * - `GET  /api/version` → `{ version }`
 * - `GET  /api/tags` → `{ models: [{ name, model, modified_at, size, digest, details }] }`
 * - `POST /api/show` `{ model }` → `{ modelfile, parameters, template, details, model_info, capabilities, modified_at }`
 * - `POST /api/generate` `{ model, prompt, stream?, options: { seed, temperature }, format?, think? }`
 * - `POST /api/chat` `{ model, messages, stream?, options, format?, think?, tools? }`
 *
 * Deterministically, as a model that follows them would: `format: "json"` answers a JSON object
 * `{"answer": "<words>"}`, a JSON-schema `format` an object with each of its `properties` (strings:
 * the words, numbers: their count, booleans: true, arrays: the words); `tools` (chat, unless the last
 * message is a tool's result) answer one call of the first tool, each of its parameters' properties
 * set (strings: the first word, numbers: 1), with empty content; a truthy `think` streams a
 * `thinking` text first (`message.thinking` in chat, `thinking` in generate).
 *
 * Streaming answers are NDJSON (one JSON object per line, the last with `done: true` and the
 * counters `prompt_eval_count`, `eval_count`, durations in nanoseconds); `stream: false` returns
 * one object. Outputs are deterministic in (model, prompt, seed). Unknown models answer 404
 * `{"error":"model 'x' not found"}` as Ollama does.
 *
 * Faults (settable at any time through `server.faults`) imitate a broken runtime: `down` (the
 * socket is destroyed: the client sees a connection reset), `delayMs` (slow), `malformed` (the
 * body is not JSON), `failNext` (the next n inference requests fail with 500), `cutAfterTokens` (a
 * streamed answer's connection is destroyed after n tokens). Timing settings make it
 * behave like a runtime generating tokens: `delayMs` (prompt evaluation, before the first token),
 * `tokenDelayMs` (per token), `answerTokens` (answer length); {@link REALISTIC_TIMING} sets all three.
 *
 * The GPU runtime is not available on development machines; this server stands in for it in tests
 * and in the pipeline benchmark. It binds to 127.0.0.1 on a free port only.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { fakeEmbed, float32Text } from "./fake-embeddings.js";

export interface FakeModel {
  name: string;
  /** sha256 hex (64 chars), as in `/api/tags`. */
  digest: string;
  family: string;
  parameterSize: string;
  /** The weights' size in bytes, as `/api/tags` lists it (default 1_321_098_329). */
  size?: number;
  /** `/api/show`'s `capabilities` (default `["completion"]`). */
  capabilities?: string[];
}

export interface OllamaFaults {
  /** Destroy every connection without answering. */
  down: boolean;
  /** Delay before answering inference requests (ms). */
  delayMs: number;
  /**
   * Delay per generated token (ms): between streamed tokens, and `tokens × tokenDelayMs` before a
   * `stream: false` answer (the runtime generates the whole answer before it sends it).
   */
  tokenDelayMs: number;
  /** Answer length in tokens (the last one is "."); undefined: 9–16 tokens chosen by the hash. */
  answerTokens?: number;
  /** Answer inference requests with a body that is not JSON. */
  malformed: boolean;
  /** Number of upcoming inference requests that fail with HTTP 500. */
  failNext: number;
  /** Streamed answers: destroy the connection after this many tokens (a runtime that dies mid-answer). */
  cutAfterTokens?: number;
}

export interface FakeOllama {
  url: string;
  port: number;
  models: FakeModel[];
  faults: OllamaFaults;
  /** Inference requests received (generate + chat), including failed ones. */
  requests: number;
  /** The body of the last inference request (what the runtime was asked). */
  lastRequest?: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Timing close to a small model on a consumer GPU, for benchmarks: 40 ms of prompt evaluation
 * before the first token, 15 ms per token (~67 tokens/s), 64-token answers.
 */
export const REALISTIC_TIMING: Pick<OllamaFaults, "delayMs" | "tokenDelayMs" | "answerTokens"> = {
  delayMs: 40,
  tokenDelayMs: 15,
  answerTokens: 64,
};

export const FAKE_MODELS: FakeModel[] = [
  {
    name: "llama3.2:1b",
    digest: createHash("sha256").update("fake llama3.2:1b weights").digest("hex"),
    family: "llama",
    parameterSize: "1.2B",
    capabilities: ["completion", "tools", "thinking", "vision"],
  },
  {
    name: "qwen2.5:0.5b",
    digest: createHash("sha256").update("fake qwen2.5:0.5b weights").digest("hex"),
    family: "qwen2",
    parameterSize: "494M",
  },
];

const WORDS = [
  "the", "answer", "depends", "on", "context", "and", "data", "so", "consider", "each", "factor",
  "carefully", "before", "deciding", "what", "matters", "most", "here", "today", "overall",
]; // prettier-ignore

/**
 * The deterministic answer of the fake runtime: words chosen by sha256(model, prompt, seed).
 *
 * @param length tokens in the answer, the final "." included (default: 9–16, from the hash).
 */
export function fakeAnswer(model: string, prompt: string, seed: number, length?: number): string[] {
  const h = createHash("sha256").update(`${model}\n${seed}\n${prompt}`).digest();
  const n = length === undefined ? 8 + (h[0]! % 8) : Math.max(0, length - 1);
  const tokens: string[] = [];
  for (let i = 0; i < n; i++)
    tokens.push((i === 0 ? "" : " ") + WORDS[h[(i + 1) % h.length]! % WORDS.length]!);
  tokens.push(".");
  return tokens;
}

/** A tool as Ollama's `tools[]` gives it. */
interface FakeTool {
  function: { name: string; parameters?: { properties?: Record<string, { type?: string }> } };
}

/** The fake model's call of `tool`: each parameter set (strings: the first word, numbers: 1, booleans: true). */
function toolCall(tool: FakeTool, words: string[]) {
  const args: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(tool.function.parameters?.properties ?? {}))
    args[name] = p.type === "number" || p.type === "integer" ? 1 : p.type === "boolean" ? true : (words[0] ?? "").trim(); // prettier-ignore
  return { function: { name: tool.function.name, arguments: args } };
}

/** The answer for a `format` ("json" or a schema), as pieces of at most 8 characters. */
function formatted(format: unknown, words: string[]): string[] {
  const text = words.join("");
  let value: unknown = { answer: text };
  const properties = (format as { properties?: Record<string, { type?: string }> }).properties;
  if (typeof format === "object" && format !== null && properties) {
    const out: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(properties))
      out[name] = p.type === "number" || p.type === "integer" ? words.length : p.type === "boolean" ? true : p.type === "array" ? words.map((w) => w.trim()) : text; // prettier-ignore
    value = out;
  }
  return JSON.stringify(value).match(/[\s\S]{1,8}/g) ?? [];
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the fake Ollama runtime on 127.0.0.1 and a free port.
 *
 * @param options.models served models (default {@link FAKE_MODELS}); faults to start with.
 */
export async function startFakeOllama(
  options: { models?: FakeModel[]; faults?: Partial<OllamaFaults> } = {},
): Promise<FakeOllama> {
  const state: FakeOllama = {
    url: "",
    port: 0,
    models: options.models ?? FAKE_MODELS,
    faults: { down: false, delayMs: 0, tokenDelayMs: 0, malformed: false, failNext: 0, ...options.faults },
    requests: 0,
    close: async () => undefined,
  };
  const sockets = new Set<import("node:net").Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (state.faults.down) {
      req.socket.destroy();
      return;
    }
    const url = req.url ?? "/";
    if (req.method === "GET" && url === "/api/version") return json(res, 200, { version: "0.6.8-fake" });
    if (req.method === "GET" && url === "/api/tags") {
      return json(res, 200, {
        models: state.models.map((m) => ({
          name: m.name,
          model: m.name,
          modified_at: "2026-01-01T00:00:00Z",
          size: m.size ?? 1_321_098_329,
          digest: m.digest,
          details: {
            parent_model: "",
            format: "gguf",
            family: m.family,
            families: [m.family],
            parameter_size: m.parameterSize,
            quantization_level: "Q8_0",
          },
        })),
      });
    }
    if (req.method !== "POST") return json(res, 404, { error: "not found" });
    let body: Record<string, unknown>;
    try {
      body = (await readBody(req)) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: "invalid JSON body" });
    }
    const name = String(body.model ?? body.name ?? "");
    const model = state.models.find((m) => m.name === name || `${m.name}:latest` === name);
    if (url === "/api/show") {
      if (!model) return json(res, 404, { error: `model '${name}' not found` });
      return json(res, 200, {
        modelfile: `FROM ${model.name}`,
        parameters: "temperature 0.8",
        template: "{{ .Prompt }}",
        details: { parent_model: "", format: "gguf", family: model.family, families: [model.family], parameter_size: model.parameterSize, quantization_level: "Q8_0" }, // prettier-ignore
        model_info: { "general.architecture": model.family },
        capabilities: model.capabilities ?? ["completion"],
        modified_at: "2026-01-01T00:00:00Z",
      });
    }
    // --- embeddings (/api/embed, legacy /api/embeddings) as Ollama's server/routes.go answers them: see fake-embeddings.ts
    if (url === "/api/embed" || url === "/api/embeddings") {
      const legacy = url === "/api/embeddings";
      if (name.trim() === "") return legacy ? json(res, 400, { error: "model is required" }) : json(res, 404, { error: `model '${name}' not found` }); // prettier-ignore
      const raw = legacy ? body.prompt : body.input;
      const texts = typeof raw === "string" ? (raw === "" ? [] : [raw]) : raw === undefined || raw === null ? [] : raw; // prettier-ignore
      if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) return json(res, 400, { error: "invalid input type" }); // prettier-ignore
      if (!model) return json(res, 404, { error: legacy ? `model "${name}" not found, try pulling it first` : `model '${name}' not found` }); // prettier-ignore
      if (texts.length === 0)
        return json(res, 200, legacy ? { embedding: [] } : { model: name, embeddings: [] });
      if (state.faults.delayMs > 0) await sleep(state.faults.delayMs);
      if (state.faults.failNext > 0) {
        state.faults.failNext--;
        return json(res, 500, { error: "llama runner process has terminated" });
      }
      const numCtx = (body.options as { num_ctx?: number } | undefined)?.num_ctx;
      const dimensions = legacy ? undefined : (body.dimensions as number | undefined);
      const answers = (texts as string[]).map((t) => fakeEmbed(model.name, t, { ...(numCtx ? { numCtx } : {}), ...(dimensions ? { dimensions } : {}) })); // prettier-ignore
      if (!legacy && body.truncate === false && answers.some((a) => a.overflow)) return json(res, 400, { error: "the input length exceeds the context length" }); // prettier-ignore
      const encode = (v: number[]) => `[${v.map(float32Text).join(",")}]`;
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      if (legacy) return void res.end(`{"embedding":${encode(answers[0]!.embedding)}}`);
      const tokens = answers.reduce((n, a) => n + a.tokens, 0);
      return void res.end(`{"model":${JSON.stringify(name)},"embeddings":[${answers.map((a) => encode(a.embedding)).join(",")}],"total_duration":${1_000_000 * texts.length},"load_duration":100000,"prompt_eval_count":${tokens}}`); // prettier-ignore
    }
    if (url !== "/api/generate" && url !== "/api/chat") return json(res, 404, { error: "not found" });
    state.requests++;
    state.lastRequest = body;
    if (state.faults.delayMs > 0) await sleep(state.faults.delayMs);
    if (state.faults.failNext > 0) {
      state.faults.failNext--;
      return json(res, 500, { error: "llama runner process has terminated" });
    }
    if (!model) return json(res, 404, { error: `model '${name}' not found` });
    if (state.faults.malformed) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"model": "' + model.name + '", "response": <html>oops');
      return;
    }
    const options = (body.options ?? {}) as { seed?: number };
    const chat = url === "/api/chat";
    const prompt = chat
      ? ((body.messages ?? []) as { role: string; content: string }[])
          .map((m) => `${m.role}: ${m.content}`)
          .join("\n")
      : String(body.prompt ?? "");
    const words = fakeAnswer(model.name, prompt, options.seed ?? 0, state.faults.answerTokens);
    const tokens = body.format ? formatted(body.format, words) : words;
    const tools =
      chat && Array.isArray(body.tools) && body.tools.length > 0 ? (body.tools as FakeTool[]) : [];
    const messages = (body.messages ?? []) as { role: string }[];
    const toolCalls = tools.length > 0 && messages.at(-1)?.role !== "tool" ? [toolCall(tools[0]!, words)] : undefined; // prettier-ignore
    const thinking = body.think !== undefined && body.think !== false ? ["Let", " me", " think", " about", words[0] ?? "", "."] : []; // prettier-ignore
    if (toolCalls) tokens.length = 0;
    const promptEvalCount = Math.max(1, prompt.split(/\s+/).filter(Boolean).length);
    const base = { model: model.name, created_at: new Date().toISOString() };
    const final = {
      done: true,
      done_reason: "stop",
      total_duration: 1_000_000 * (1 + tokens.length),
      load_duration: 100_000,
      prompt_eval_count: promptEvalCount,
      prompt_eval_duration: state.faults.delayMs > 0 ? 1_000_000 * state.faults.delayMs : 200_000,
      eval_count: Math.max(1, tokens.length + thinking.length),
      eval_duration: 1_000_000 * tokens.length * Math.max(1, state.faults.tokenDelayMs),
    };
    const piece = (text: string, extra: { thinking?: string; tool_calls?: unknown[] } = {}) =>
      chat ? { message: { role: "assistant", content: text, ...extra } } : { response: text, ...extra };
    if (body.stream === false) {
      if (state.faults.tokenDelayMs > 0) await sleep(state.faults.tokenDelayMs * tokens.length);
      const extra = { ...(thinking.length > 0 ? { thinking: thinking.join("") } : {}), ...(toolCalls ? { tool_calls: toolCalls } : {}) }; // prettier-ignore
      return json(res, 200, {
        ...base,
        ...piece(tokens.join(""), extra),
        ...final,
        ...(chat ? {} : { context: [1, 2, 3] }),
      });
    }
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const parts = [
      ...thinking.map((t) => piece("", { thinking: t })),
      ...(toolCalls ? [piece("", { tool_calls: toolCalls })] : []),
      ...tokens.map((t) => piece(t)),
    ];
    for (const [i, part] of parts.entries()) {
      if (i === state.faults.cutAfterTokens) return void res.destroy();
      res.write(JSON.stringify({ ...base, ...part, done: false }) + "\n");
      if (state.faults.tokenDelayMs > 0) await sleep(state.faults.tokenDelayMs);
    }
    res.end(JSON.stringify({ ...base, ...piece(""), ...final }) + "\n");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.port = port;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
