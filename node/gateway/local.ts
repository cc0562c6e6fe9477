/**
 * The gateway's local Ollama (`--local-ollama <url>`): its models as `/api/tags` lists them (name,
 * sha256 digest, size in bytes), and a generation run on it through the official `ollama` client,
 * streamed into the same {@link TokenSink} as a network answer. No job, nothing paid.
 *
 * Sizes: Ollama's `/api/tags` `size` is the model's weights in bytes; the 8 GB rule of the SDK's
 * `routeInference` takes decimal gigabytes, so `sizeGB = size / 1e9` (the unit `ollama list` shows:
 * 1_321_098_329 bytes is "1.3 GB").
 */
import { Ollama, type ChatResponse, type GenerateResponse, type Message, type Tool } from "ollama";
import type { Hex } from "viem";

import type { ToolCall } from "../backends/backend.js";
import { encodeOutput } from "../shared/output.js";
import type { TokenSink } from "./answer.js";
import { LocalGenerationError } from "./errors.js";
import type { GenerationRequest } from "./generation.js";

/** Options of {@link LocalOllama}. */
export interface LocalOllamaOptions {
  /** The local Ollama's base URL, e.g. `http://127.0.0.1:11434`. */
  host: string;
  /** The most a local generation may take, ms (default 300 000, the seed's local timeout). */
  timeoutMs?: number;
  /** How long the model list is reused before `/api/tags` is asked again, ms (default 5 000). */
  modelsTtlMs?: number;
  /** Tokens per second assumed for a model before one of its local answers is measured (default 10). */
  defaultTokensPerSecond?: number;
  /** The largest model run locally, decimal GB (default 8: the seed's 8 GB rule). */
  maxModelSizeGB?: number;
  /**
   * What a local token costs (energy, opportunity), wei-equivalent of AITBC; when set, a model the
   * network serves for less than 80% of it goes to the network (the router's cost rule). Default: unset.
   */
  costPerTokenWei?: bigint;
}

/** A model the local Ollama has pulled. */
export interface LocalModel {
  /** `name:tag` as `/api/tags` lists it. */
  name: string;
  /** bytes32: `0x` + the sha256 hex `/api/tags` gives. */
  digest: Hex;
  /** The weights' size, bytes. */
  sizeBytes: number;
}

/** What a local generation answered. */
export interface LocalAnswer {
  /**
   * The output in a job's form (`node/shared/output.ts`): the text as streamed to the sink, or, when
   * the request asked for tools or thinking, the JSON `{content, thinking?, tool_calls?}`.
   */
  output: string;
  /** The model's thinking (`think`), when it streamed some; not streamed to the sink. */
  thinking?: string;
  /** The tools the model called (chat with `tools`). */
  toolCalls?: ToolCall[];
  /** Tokens generated (`eval_count`). */
  tokenCount: number;
  /** Prompt tokens (`prompt_eval_count`). */
  promptTokens: number;
  /** ms from the request's arrival to the first token (undefined when none was streamed). */
  firstTokenMs?: number;
}

/** See the module's description. */
export class LocalOllama {
  readonly host: string;
  private readonly client: Ollama;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly defaultRate: number;
  /** The largest model run locally, decimal GB. */
  readonly maxModelSizeGB: number;
  /** A local token's cost, wei-equivalent (undefined: no cost rule). */
  readonly costPerTokenWei: bigint | undefined;
  private cached: { at: number; models: Promise<LocalModel[]> } | undefined;
  /** Measured tokens per second, by model name. */
  private readonly rates = new Map<string, number>();

  constructor(options: LocalOllamaOptions) {
    this.host = options.host.replace(/\/$/, "");
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.ttlMs = options.modelsTtlMs ?? 5_000;
    this.defaultRate = options.defaultTokensPerSecond ?? 10;
    this.maxModelSizeGB = options.maxModelSizeGB ?? 8;
    this.costPerTokenWei = options.costPerTokenWei;
    // `/api/tags` within 2 s, or the local Ollama counts as down for this request
    this.client = new Ollama({ host: this.host, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(2_000) }) }); // prettier-ignore
  }

  /** The local timeout, seconds (the router's `localTimeoutSec`). */
  get timeoutSec(): number {
    return this.timeoutMs / 1000;
  }

  /**
   * The models `/api/tags` lists (cached for `modelsTtlMs`); empty when the local Ollama does not
   * answer within 2 s, so a local runtime that is down routes everything to the network (and is
   * asked again after `modelsTtlMs`).
   */
  async models(): Promise<LocalModel[]> {
    if (this.cached && performance.now() - this.cached.at < this.ttlMs) return this.cached.models;
    const models = this.client.list().then(
      ({ models }) =>
        models
          .filter((m) => /^[0-9a-f]{64}$/.test(m.digest) && Number.isFinite(m.size))
          .map((m) => ({ name: m.name, digest: `0x${m.digest}` as Hex, sizeBytes: m.size })),
      () => [] as LocalModel[], // down: kept for `modelsTtlMs` too, so requests do not each wait 2 s
    );
    this.cached = { at: performance.now(), models };
    return models;
  }

  /** The local model a request names (`name`, `name:latest`, or its `0x` digest), if pulled. */
  async find(model: string): Promise<LocalModel | undefined> {
    const m = model.toLowerCase();
    return (await this.models()).find(
      (l) => l.name === model || l.name === `${model}:latest` || l.digest === m,
    );
  }

  /** Expected seconds for `maxTokens` tokens of `model` (its last measured rate, or the default). */
  expectedSeconds(model: string, maxTokens: number): number {
    return maxTokens / (this.rates.get(model) ?? this.defaultRate);
  }

  /**
   * Runs `request` on the local Ollama (streamed; seed, `num_predict` and temperature 0 as a network
   * job has them; `format`, `options`, `think`, `tools`, `images` passed on), handing each piece to
   * `sink` as it arrives.
   *
   * @param model The local model (from {@link find}).
   * @param maxTokens `num_predict`.
   * @param startedAt `performance.now()` when the client's request arrived.
   * @param signal Aborted when the client left: the local run is stopped.
   * @throws {LocalGenerationError} on an error answer, a broken stream, the timeout or `signal`;
   *   `tokensWritten` says whether the sink already got text.
   */
  async generate(
    model: LocalModel,
    request: GenerationRequest,
    maxTokens: number,
    sink: TokenSink,
    startedAt: number,
    signal?: AbortSignal,
  ): Promise<LocalAnswer> {
    let output = "";
    let thinking = "";
    const toolCalls: ToolCall[] = [];
    let firstTokenMs: number | undefined;
    let last: GenerateResponse | ChatResponse | undefined;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const abort = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
      for await (const part of await this.open(abort, model.name, request, maxTokens)) {
        const message = "message" in part ? part.message : undefined;
        const piece = message ? message.content : (part as GenerateResponse).response;
        thinking += (message ? message.thinking : (part as GenerateResponse).thinking) ?? "";
        toolCalls.push(...((message?.tool_calls ?? []) as ToolCall[]));
        if (typeof piece === "string" && piece !== "") {
          firstTokenMs ??= performance.now() - startedAt;
          output += piece;
          sink.token(piece);
        }
        last = part;
      }
    } catch (cause) {
      const why = timedOut ? `no answer within ${this.timeoutMs} ms` : signal?.aborted ? "the client left" : (cause as Error).message; // prettier-ignore
      throw new LocalGenerationError(`the local Ollama failed: ${why}`, output !== "", { cause });
    } finally {
      clearTimeout(timer);
    }
    if (!last?.done) throw new LocalGenerationError("the local Ollama's stream ended before its last part", output !== ""); // prettier-ignore
    const tokenCount = last.eval_count ?? 0;
    if (tokenCount > 0 && last.eval_duration > 0) this.rates.set(model.name, tokenCount / (last.eval_duration / 1e9)); // prettier-ignore
    const parts = {
      content: output,
      ...(thinking ? { thinking } : {}),
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    };
    // the same output form a job has (node/shared/output.ts), so the APIs decode both routes alike
    return { output: encodeOutput(parts, request), ...(thinking ? { thinking } : {}), ...(toolCalls.length > 0 ? { toolCalls } : {}), tokenCount, promptTokens: last.prompt_eval_count ?? 0, ...(firstTokenMs !== undefined ? { firstTokenMs } : {}) }; // prettier-ignore
  }

  /** Opens the stream (`/api/chat` for messages, else `/api/generate`), aborted by `signal`. */
  private open(signal: AbortSignal, model: string, request: GenerationRequest, maxTokens: number) {
    const client = new Ollama({ host: this.host, fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }) }); // prettier-ignore
    const options = { ...request.options, seed: request.seed ?? 0, temperature: 0, num_predict: maxTokens }; // prettier-ignore
    const common = {
      model,
      stream: true as const,
      options,
      ...(request.format !== undefined ? { format: request.format } : {}),
      ...(request.think !== undefined ? { think: request.think } : {}),
    };
    if (request.messages)
      return client.chat({ ...common, messages: request.messages as Message[], ...(request.tools ? { tools: request.tools as Tool[] } : {}) }); // prettier-ignore
    return client.generate({ ...common, prompt: request.prompt ?? "", ...(request.images ? { images: request.images } : {}) }); // prettier-ignore
  }
}
