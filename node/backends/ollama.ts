/**
 * {@link OllamaBackend}: a real Ollama runtime through its HTTP API and the official `ollama` npm client
 * (models and sha256 digests from `/api/tags`, `/api/show`; `/api/generate` or `/api/chat` with
 * `stream: true`, `seed` and `temperature: 0`; token counts from `eval_count`), with timeouts and
 * retries with exponential backoff on transient errors, and typed errors otherwise.
 *
 * Streaming: each piece the runtime sends is passed to `request.onToken` as it arrives. A transient
 * failure mid-stream is retried; since the answer is deterministic (fixed seed, temperature 0), the
 * retry's first characters repeat what was already passed on and are not passed on again.
 *
 * A job's {@link GenerationOptions} reach the runtime as Ollama takes them: `format`, `think`,
 * `images` (generate), `tools` (chat), and `options` merged under the job's own `seed`,
 * `temperature: 0` and `num_predict`. Only the text (`response` / `message.content`) is streamed to
 * `onToken`; the thinking and tool calls are gathered, and with the text make the result's `output`
 * as `node/shared/output.ts` defines it (plain text unless the job asked for tools or thinking).
 */
import { Ollama, type ChatResponse, type GenerateResponse, type Message, type Tool } from "ollama";

import type { Hex } from "@aitbc/sdk";
import { encodeOutput } from "../shared/output.js";
import { retry, type RetryOptions } from "../shared/retry.js";
import {
  BackendError,
  MalformedResponseError,
  RuntimeUnavailableError,
  UnknownModelError,
} from "./errors.js";
import type { EmbeddingRequest, EmbeddingResult, InferenceBackend, InferenceRequest, InferenceResult, ModelDetails, ModelInfo, ToolCall } from "./types.js"; // prettier-ignore

/** Options of {@link OllamaBackend}. */
export interface OllamaBackendOptions {
  /** e.g. http://127.0.0.1:11434 (default `OLLAMA_HOST` or that). */
  host?: string;
  /** Per-request timeout (ms, default 120 s). */
  timeoutMs?: number;
  /** Retries on transient errors (default 3 attempts, 250 ms base backoff). */
  retry?: Partial<RetryOptions>;
}

function classify(error: unknown, host: string, model: string): BackendError {
  if (error instanceof BackendError) return error;
  const e = error as { name?: string; status_code?: number; message?: string; cause?: { code?: string } };
  const message = e.message ?? String(error);
  if (e.name === "ResponseError") {
    if (e.status_code === 404 && /not found/i.test(message)) return new UnknownModelError(model, host);
    if ((e.status_code ?? 500) >= 500)
      return new RuntimeUnavailableError(`HTTP ${e.status_code}: ${message}`, { cause: error });
    return new BackendError(`the Ollama runtime refused the request: HTTP ${e.status_code}: ${message}`, false, { cause: error }); // prettier-ignore
  }
  // the client drops lines that are not JSON and then finds no final part
  if (error instanceof SyntaxError || /JSON|did not receive done/i.test(message))
    return new MalformedResponseError(message, { cause: error });
  if (e.name === "TimeoutError" || e.name === "AbortError") return new RuntimeUnavailableError(`no answer in time (${message})`, { cause: error }); // prettier-ignore
  return new RuntimeUnavailableError(`${message}${e.cause?.code ? ` (${e.cause.code})` : ""} at ${host}`, { cause: error }); // prettier-ignore
}

/** A real Ollama runtime through the official client. */
export class OllamaBackend implements InferenceBackend {
  readonly kind = "ollama" as const;
  readonly host: string;
  private readonly client: Ollama;
  private readonly retryOptions: Partial<RetryOptions>;
  private digests = new Map<string, Hex>();

  constructor(options: OllamaBackendOptions = {}) {
    this.host = (options.host ?? process.env.OLLAMA_HOST ?? "http://127.0.0.1:11434").replace(/\/$/, "");
    if (!/^https?:\/\//.test(this.host)) this.host = `http://${this.host}`;
    const timeoutMs = options.timeoutMs ?? 120_000;
    this.retryOptions = { attempts: 3, baseDelayMs: 250, ...options.retry };
    this.client = new Ollama({
      host: this.host,
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          signal: init?.signal
            ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
            : AbortSignal.timeout(timeoutMs),
        }),
    });
  }

  private call<T>(what: string, model: string, fn: () => Promise<T>): Promise<T> {
    return retry(
      async () => {
        try {
          return await fn();
        } catch (error) {
          throw classify(error, this.host, model);
        }
      },
      { ...this.retryOptions, retryIf: (e) => e instanceof BackendError && e.transient, what },
    );
  }

  /** `GET /api/version`: is a runtime answering? (one attempt, short timeout) */
  static async probe(host: string, timeoutMs = 1_500): Promise<string | undefined> {
    try {
      const base = (/^https?:\/\//.test(host) ? host : `http://${host}`).replace(/\/$/, "");
      const res = await fetch(`${base}/api/version`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return undefined;
      return ((await res.json()) as { version?: string }).version;
    } catch {
      return undefined;
    }
  }

  async listModels(): Promise<ModelInfo[]> {
    const { models } = await this.call("list models", "", () => this.client.list());
    if (!Array.isArray(models)) throw new MalformedResponseError("/api/tags has no models array");
    return models.map((m) => {
      if (!/^[0-9a-f]{64}$/.test(m.digest))
        throw new MalformedResponseError(`digest of ${m.name} is not sha256 hex`);
      const digest = `0x${m.digest}` as Hex;
      this.digests.set(m.name, digest);
      const modified = m.modified_at as unknown as string | Date | undefined;
      return {
        name: m.name,
        digest,
        ...(typeof m.size === "number" ? { size: m.size } : {}),
        ...(modified ? { modified_at: new Date(modified).toISOString() } : {}),
        ...(m.details ? { details: m.details as ModelDetails } : {}),
      };
    });
  }

  /** The model's `capabilities` as the runtime's `/api/show` reports them (undefined if it does not). */
  async capabilities(model: string): Promise<string[] | undefined> {
    const shown = await this.call("show model", model, () => this.client.show({ model }));
    const caps = (shown as { capabilities?: unknown }).capabilities;
    return Array.isArray(caps) && caps.every((c) => typeof c === "string") ? caps : undefined;
  }

  async modelDigest(model: string): Promise<Hex> {
    const known = this.digests.get(model) ?? this.digests.get(`${model}:latest`);
    if (known) return known;
    // /api/show says whether the runtime has it (404 otherwise); /api/tags carries the digest.
    await this.call("show model", model, () => this.client.show({ model }));
    const models = await this.listModels();
    const found = models.find((m) => m.name === model || m.name === `${model}:latest`);
    if (!found) throw new UnknownModelError(model, this.host);
    return found.digest;
  }

  /**
   * `POST /api/embed` through the client (retried on transient errors: an embedding is idempotent).
   * `truncate`, `dimensions` and `options` pass as given.
   *
   * @throws {UnknownModelError} | {MalformedResponseError} (not one vector of numbers per input) | {BackendError}
   */
  async embed(request: EmbeddingRequest): Promise<EmbeddingResult> {
    const digest = await this.modelDigest(request.model);
    const started = performance.now();
    const r = await this.call("embed", request.model, () =>
      this.client.embed({
        model: request.model,
        input: request.input,
        ...(request.truncate !== undefined ? { truncate: request.truncate } : {}),
        ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
        ...(request.options !== undefined ? { options: request.options } : {}),
      }),
    );
    const { embeddings } = r as { embeddings?: unknown };
    if (!Array.isArray(embeddings) || embeddings.length !== request.input.length)
      throw new MalformedResponseError(`/api/embed did not answer one embedding per input (${request.input.length})`); // prettier-ignore
    if (
      !embeddings.every(
        (v) => Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x)),
      )
    )
      throw new MalformedResponseError("an embedding is not a list of finite numbers");
    const count = (r as { prompt_eval_count?: unknown }).prompt_eval_count ?? 0; // omitted by Ollama when 0
    if (typeof count !== "number") throw new MalformedResponseError("prompt_eval_count is not a number");
    return { embeddings: embeddings as number[][], promptTokens: count, modelDigest: digest, durationMs: performance.now() - started }; // prettier-ignore
  }

  async infer(request: InferenceRequest): Promise<InferenceResult> {
    const digest = await this.modelDigest(request.model);
    const started = performance.now();
    let emitted = 0; // characters already passed to onToken (by an earlier attempt too)
    const final = await this.call(request.messages ? "chat" : "generate", request.model, async () => {
      let text = "";
      let thinking = "";
      const toolCalls: ToolCall[] = [];
      let last: GenerateResponse | ChatResponse | undefined;
      for await (const part of await this.open(request)) {
        const chat = "message" in part;
        const piece = chat ? part.message?.content : (part as GenerateResponse).response;
        if (typeof piece !== "string") throw new MalformedResponseError("a streamed part lacks its text");
        const thought = chat ? part.message?.thinking : (part as GenerateResponse).thinking;
        if (typeof thought === "string") thinking += thought;
        if (chat && Array.isArray(part.message?.tool_calls)) toolCalls.push(...(part.message.tool_calls as ToolCall[])); // prettier-ignore
        text += piece;
        if (text.length > emitted) {
          request.onToken?.(text.slice(emitted));
          emitted = text.length;
        }
        last = part;
      }
      if (!last) throw new MalformedResponseError("the stream carried no JSON part");
      if (!last.done) throw new RuntimeUnavailableError("the stream ended before its last part");
      return { text, thinking, toolCalls, last };
    });
    if (typeof final.last.eval_count !== "number")
      throw new MalformedResponseError("the answer lacks eval_count");
    return {
      output: encodeOutput({ content: final.text, thinking: final.thinking, tool_calls: final.toolCalls }, request.generation), // prettier-ignore
      tokenCount: final.last.eval_count,
      promptTokens: final.last.prompt_eval_count ?? 0,
      modelDigest: digest,
      durationMs: performance.now() - started,
    };
  }

  /** Opens the runtime's stream for one request (`/api/chat` for messages, else `/api/generate`). */
  private open(request: InferenceRequest): Promise<AsyncIterable<GenerateResponse | ChatResponse>> {
    const g = request.generation ?? {};
    const options = { ...g.options, seed: request.seed, temperature: 0, num_predict: request.maxTokens };
    const common = {
      model: request.model,
      stream: true as const,
      options,
      ...(g.format !== undefined ? { format: g.format } : {}),
      ...(g.think !== undefined ? { think: g.think } : {}),
    };
    if (request.messages)
      return this.client.chat({
        ...common,
        messages: request.messages as Message[],
        ...(g.tools !== undefined ? { tools: g.tools as Tool[] } : {}),
      });
    return this.client.generate({
      ...common,
      prompt: request.prompt ?? "",
      ...(g.images !== undefined ? { images: g.images } : {}),
    });
  }
}
