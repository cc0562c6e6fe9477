/**
 * Inference backends behind one interface:
 * - {@link OllamaBackend}: a real Ollama runtime through its HTTP API and the official `ollama`
 *   npm client (models and sha256 digests from `/api/tags`, `/api/show`; `/api/generate` or
 *   `/api/chat` with `seed` and `temperature: 0`; token counts from `eval_count`), with timeouts
 *   and retries with exponential backoff on transient errors, and typed errors otherwise;
 * - {@link BuiltinBackend}: the SDK's built-in topic classifier, which needs no GPU and comes with
 *   a full Groth16 proof of inference.
 */
import { keccak256, stringToHex } from "viem";
import { Ollama, type ChatResponse, type GenerateResponse, type Message } from "ollama";

import {
  BUILTIN_MODEL,
  modelDigest as builtinDigest,
  buildInferenceInput,
  proveInference,
  type InferenceProof,
  type Hex,
} from "@aitbc/sdk";
import { retry, type RetryOptions } from "../shared/retry.js";

/** The name under which the built-in model is served. */
export const BUILTIN_MODEL_NAME = "aitbc-topic:builtin";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What a job asks the runtime for (the prompt travels off-chain; its hash is on-chain). */
export interface InferenceRequest {
  /** Model name as the backend knows it, e.g. "llama3.2:1b". */
  model: string;
  /** A plain prompt (`/api/generate`) ... */
  prompt?: string;
  /** ... or chat messages (`/api/chat`). */
  messages?: ChatMessage[];
  /** Sampling seed; temperature is always 0 (reproducible re-execution). */
  seed: number;
  /** Most tokens to produce (`num_predict`). */
  maxTokens: number;
  /**
   * The job a proof of inference is bound to (built-in model): the job id, or the batch job key of
   * the request digest. Without it the built-in backend proves for job key 0, which no escrow accepts.
   */
  jobKey?: bigint;
  /**
   * The exact prompt payload whose keccak256 is the job's prompt hash (canonical JSON, see
   * `protocol.ts`): the built-in model's input (its bag of words), as the on-chain checker tokenizes
   * it. Without it the built-in backend reads the prompt or the user messages.
   */
  payload?: string;
}

export interface InferenceResult {
  output: string;
  /** Tokens produced (`eval_count`; 1 for the built-in classifier). */
  tokenCount: number;
  /** Prompt tokens (`prompt_eval_count`). */
  promptTokens: number;
  /** bytes32 model digest (sha256 of the Ollama model, or the built-in Poseidon digest). */
  modelDigest: Hex;
  /** Wall time of the inference (ms). */
  durationMs: number;
  /** Full proof of inference (built-in backend only). */
  inferenceProof?: InferenceProof;
}

export interface ModelInfo {
  name: string;
  digest: Hex;
}

export interface InferenceBackend {
  readonly kind: "ollama" | "builtin";
  listModels(): Promise<ModelInfo[]>;
  /** The bytes32 digest of a model. @throws {UnknownModelError} */
  modelDigest(model: string): Promise<Hex>;
  infer(request: InferenceRequest): Promise<InferenceResult>;
}

/** Base class of backend errors; `transient` errors are worth retrying. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BackendError";
  }
}
/** The runtime does not have the model (HTTP 404 `model 'x' not found`). Not retried. */
export class UnknownModelError extends BackendError {
  constructor(
    readonly model: string,
    host: string,
  ) {
    super(
      `model '${model}' not found on the Ollama runtime at ${host} (pull it first: ollama pull ${model})`,
      false,
    );
    this.name = "UnknownModelError";
  }
}
/** The runtime answered something that is not the documented JSON. Retried (may be transient). */
export class MalformedResponseError extends BackendError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the Ollama runtime returned a malformed answer: ${detail}`, true, options);
    this.name = "MalformedResponseError";
  }
}
/** The runtime is unreachable, timed out or failed (5xx). Retried. */
export class RuntimeUnavailableError extends BackendError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the Ollama runtime is unavailable: ${detail}`, true, options);
    this.name = "RuntimeUnavailableError";
  }
}

/** keccak256 of the UTF-8 text (prompt and output hashes of the protocol). */
export function textHash(text: string): Hex {
  return keccak256(stringToHex(text));
}

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
  if (error instanceof SyntaxError || /JSON/.test(message))
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
      return { name: m.name, digest };
    });
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

  async infer(request: InferenceRequest): Promise<InferenceResult> {
    const digest = await this.modelDigest(request.model);
    const options = { seed: request.seed, temperature: 0, num_predict: request.maxTokens };
    const started = performance.now();
    let output: string | undefined;
    let final: GenerateResponse | ChatResponse;
    if (request.messages) {
      final = await this.call("chat", request.model, () =>
        this.client.chat({
          model: request.model,
          messages: request.messages as Message[],
          stream: false,
          options,
        }),
      );
      output = (final as ChatResponse).message?.content as string;
    } else {
      final = await this.call("generate", request.model, () =>
        this.client.generate({ model: request.model, prompt: request.prompt ?? "", stream: false, options }),
      );
      output = (final as GenerateResponse).response;
    }
    if (typeof output !== "string" || typeof final.eval_count !== "number") {
      throw new MalformedResponseError("the answer lacks the text or eval_count");
    }
    return {
      output,
      tokenCount: final.eval_count,
      promptTokens: final.prompt_eval_count ?? 0,
      modelDigest: digest,
      durationMs: performance.now() - started,
    };
  }
}

/** bytes32 digest of the built-in model (the Poseidon field element, as the circuit binds it). */
export const BUILTIN_DIGEST: Hex = `0x${builtinDigest(BUILTIN_MODEL).toString(16).padStart(64, "0")}`;

/** The SDK's built-in topic classifier with its full proof of inference. */
export class BuiltinBackend implements InferenceBackend {
  readonly kind = "builtin" as const;
  constructor(private readonly options: { prove?: boolean } = {}) {}

  async listModels(): Promise<ModelInfo[]> {
    return [{ name: BUILTIN_MODEL_NAME, digest: BUILTIN_DIGEST }];
  }

  async modelDigest(model: string): Promise<Hex> {
    if (model !== BUILTIN_MODEL_NAME) throw new UnknownModelError(model, "builtin");
    return BUILTIN_DIGEST;
  }

  async infer(request: InferenceRequest): Promise<InferenceResult> {
    await this.modelDigest(request.model);
    const text = request.messages
      ? request.messages
          .filter((m) => m.role === "user")
          .map((m) => m.content)
          .join("\n")
      : (request.prompt ?? "");
    const input = request.payload ?? text;
    const started = performance.now();
    let label: string;
    let inferenceProof: InferenceProof | undefined;
    if (this.options.prove === false) {
      label = buildInferenceInput(input, { jobKey: request.jobKey ?? 0n }).label;
    } else {
      inferenceProof = await proveInference(input, { jobKey: request.jobKey ?? 0n });
      label = inferenceProof.label;
    }
    return {
      output: label,
      tokenCount: 1,
      promptTokens: text.split(/\s+/).filter(Boolean).length,
      modelDigest: BUILTIN_DIGEST,
      durationMs: performance.now() - started,
      ...(inferenceProof ? { inferenceProof } : {}),
    };
  }
}
