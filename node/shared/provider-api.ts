/**
 * The provider API: what a miner serves at the service URI it publishes in the `ServiceRegistry`, and
 * the client gateways and coordinators use to talk to it directly (there is no relay).
 *
 * | route | body → answer |
 * | --- | --- |
 * | `GET /health` | → {@link ProviderHealth} |
 * | `GET /metrics` | → Prometheus text |
 * | `GET /v1/offers` | → `{ offers: SignedOffer[] }` (EIP-712 `Offer`s, one per served model) |
 * | `POST /v1/quotes` | {@link QuoteRequestBody} → `{ quote, signature }`, or 409 `{ error: "refused", reason }` |
 * | `POST /v1/jobs/<jobId>/prompt` | the payload (canonical JSON) → 200 NDJSON {@link StreamEvent}s |
 * | `POST /v1/batch-requests` | `{ request, signature, payload }` → 200 NDJSON {@link StreamEvent}s |
 * | `GET /v1/jobs/<jobKey>/result?wait=<ms>` | → {@link JobResult}, 202 while running, 404 unknown |
 * | `GET /v1/jobs/<jobKey>/payload\|output\|request` | → the archive (for challengers) |
 *
 * Amounts and integers travel as decimal strings; errors as `{ error, reason?, details? }` with a 4xx
 * status for a refusal (nothing was accepted, nobody paid) and 5xx for the miner's own failure. A stream
 * is one JSON object per line: `token` events as the backend generates them, then one `done` (the
 * receipt proof and the settlement follow it) or one `error`.
 *
 * Nothing here is trusted: offers and quotes are EIP-712 signatures checked by the consumer (and the
 * escrow), payloads are checked against on-chain prompt hashes, outputs against output hashes.
 */
import { getAddress, isAddress, isHex, type Address } from "viem";

import type { BatchJobRequest, Hex, Offer, Quote, SignedOffer } from "@aitbc/sdk";

import type { ModelDescription } from "../backends/types.js";
import { canonicalPayload, type AnyPayload } from "./protocol.js";

export type { Offer, SignedOffer };

/** `GET /health`. */
export interface ProviderHealth {
  /** `degraded` when the miner takes no new work (resource limit reached, backend down). */
  status: "ok" | "degraded";
  provider: Address;
  chainId: number;
  /** Jobs accepted and not yet answered. */
  inFlight: number;
  /** Free job slots now. */
  capacity: number;
  maxConcurrency: number;
  uptimeS: number;
  /** Why it is degraded, when it is. */
  reasons?: string[];
}

/** `POST /v1/quotes`: a consumer asks for a signed `JobEscrow` quote for one prompt. */
export interface QuoteRequestBody {
  /** Who will open the job. */
  consumer: Address;
  modelDigest: Hex;
  /** keccak256 of the canonical payload the job will carry. */
  promptHash: Hex;
  maxTokens: bigint;
  /** The price asked to be quoted, wei per token. */
  pricePerToken: bigint;
  /** Seconds from the opening to the deadline the consumer will give (the quote's `minDuration`). */
  duration: bigint;
}

/** `POST /v1/batch-requests`. */
export interface BatchRequestBody {
  request: BatchJobRequest;
  /** The consumer's EIP-712 signature of `request`. */
  signature: Hex;
  /** The payload (generation or embedding) whose keccak256 of its canonical JSON is `request.promptHash`. */
  payload: AnyPayload;
}

/** An answer as `GET /v1/jobs/<jobKey>/result` gives it. */
export interface JobResult {
  /** `bytes32(jobId)` for a `JobEscrow` job, the request digest for a batch job. */
  jobKey: Hex;
  output: string;
  /** keccak256 of the output's UTF-8 bytes. */
  outputHash: Hex;
  tokenCount: number;
}

/** One line of a token stream. */
export type StreamEvent =
  { type: "token"; text: string } | ({ type: "done" } & JobResult) | { type: "error"; error: string };

/** Base of the client's errors. */
export class ProviderApiError extends Error {
  override readonly name: string = "ProviderApiError";
  constructor(
    message: string,
    readonly details: { url: string; status?: number; reason?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The provider refused (4xx): nothing was accepted and nobody paid. */
export class ProviderRefusedError extends ProviderApiError {
  override readonly name = "ProviderRefusedError";
  /** HTTP status. */
  get status(): number {
    return this.details.status ?? 400;
  }
  /** The provider's one-line reason. */
  get reason(): string {
    return this.details.reason ?? "refused";
  }
}

/** The provider is unreachable, timed out, answered 5xx, or broke the protocol. */
export class ProviderUnavailableError extends ProviderApiError {
  override readonly name = "ProviderUnavailableError";
}

// ---------------------------------------------------------------------------------------------
// JSON codecs (bigints as decimal strings)

const bigOf = (v: unknown, what: string): bigint => {
  if (typeof v === "bigint") return v;
  if (
    (typeof v === "string" && /^\d+$/.test(v)) ||
    (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)
  )
    return BigInt(v);
  throw new TypeError(`${what} must be a non-negative integer as a decimal string`);
};
const addressOf = (v: unknown, what: string): Address => {
  if (typeof v !== "string" || !isAddress(v)) throw new TypeError(`${what} must be an address`);
  return getAddress(v);
};
const bytes32Of = (v: unknown, what: string): Hex => {
  if (typeof v !== "string" || !isHex(v) || v.length !== 66)
    throw new TypeError(`${what} must be bytes32 hex`);
  return v.toLowerCase() as Hex;
};
const hexOf = (v: unknown, what: string): Hex => {
  if (typeof v !== "string" || !isHex(v)) throw new TypeError(`${what} must be hex`);
  return v as Hex;
};
const objectOf = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new TypeError(`${what} must be an object`);
  return v as Record<string, unknown>;
};

/** JSON → {@link Offer}. @throws {TypeError} naming the bad field. */
export function offerFromJson(value: unknown): Offer {
  const v = objectOf(value, "offer");
  return {
    provider: addressOf(v.provider, "offer.provider"),
    modelDigest: bytes32Of(v.modelDigest, "offer.modelDigest"),
    pricePerToken: bigOf(v.pricePerToken, "offer.pricePerToken"),
    maxTokens: bigOf(v.maxTokens, "offer.maxTokens"),
    capacity: bigOf(v.capacity, "offer.capacity"),
    maxConcurrency: bigOf(v.maxConcurrency, "offer.maxConcurrency"),
    issuedAt: bigOf(v.issuedAt, "offer.issuedAt"),
    expiry: bigOf(v.expiry, "offer.expiry"),
  };
}

/** JSON → `Quote` (the SDK's). @throws {TypeError} naming the bad field. */
export function quoteFromJson(value: unknown): Quote {
  const v = objectOf(value, "quote");
  return {
    provider: addressOf(v.provider, "quote.provider"),
    consumer: addressOf(v.consumer, "quote.consumer"),
    modelDigest: bytes32Of(v.modelDigest, "quote.modelDigest"),
    promptHash: bytes32Of(v.promptHash, "quote.promptHash"),
    pricePerToken: bigOf(v.pricePerToken, "quote.pricePerToken"),
    maxTokens: bigOf(v.maxTokens, "quote.maxTokens"),
    minDuration: bigOf(v.minDuration, "quote.minDuration"),
    expiry: bigOf(v.expiry, "quote.expiry"),
    nonce: bigOf(v.nonce, "quote.nonce"),
  };
}

/** JSON → `BatchJobRequest` (the SDK's). @throws {TypeError} naming the bad field. */
export function batchRequestFromJson(value: unknown): BatchJobRequest {
  const v = objectOf(value, "request");
  return {
    consumer: addressOf(v.consumer, "request.consumer"),
    provider: addressOf(v.provider, "request.provider"),
    modelDigest: bytes32Of(v.modelDigest, "request.modelDigest"),
    promptHash: bytes32Of(v.promptHash, "request.promptHash"),
    pricePerToken: bigOf(v.pricePerToken, "request.pricePerToken"),
    maxTokens: bigOf(v.maxTokens, "request.maxTokens"),
    deadline: bigOf(v.deadline, "request.deadline"),
    nonce: bigOf(v.nonce, "request.nonce"),
  };
}

/** JSON → {@link QuoteRequestBody}. @throws {TypeError} naming the bad field. */
export function quoteRequestFromJson(value: unknown): QuoteRequestBody {
  const v = objectOf(value, "quote request");
  return {
    consumer: addressOf(v.consumer, "consumer"),
    modelDigest: bytes32Of(v.modelDigest, "modelDigest"),
    promptHash: bytes32Of(v.promptHash, "promptHash"),
    maxTokens: bigOf(v.maxTokens, "maxTokens"),
    pricePerToken: bigOf(v.pricePerToken, "pricePerToken"),
    duration: bigOf(v.duration, "duration"),
  };
}

/**
 * A signed offer as `GET /v1/offers` lists it, with (unsigned, a provider's own claim) the model's
 * name and what its runtime says of the model (size, date, details, capabilities).
 */
export interface PublishedOffer extends SignedOffer {
  model?: string;
  modelInfo?: ModelDescription;
}

/**
 * JSON → {@link PublishedOffer}: the signed part checked; `model` kept when a string, `modelInfo`
 * when an object (its fields kept only when of the right type). @throws {TypeError}.
 */
export function signedOfferFromJson(value: unknown): PublishedOffer {
  const v = objectOf(value, "signed offer");
  const info = typeof v.modelInfo === "object" && v.modelInfo !== null ? (v.modelInfo as Record<string, unknown>) : undefined; // prettier-ignore
  const caps = info?.capabilities;
  const modelInfo: ModelDescription | undefined = info && {
    ...(typeof info.size === "number" ? { size: info.size } : {}),
    ...(typeof info.modified_at === "string" ? { modified_at: info.modified_at } : {}),
    ...(typeof info.details === "object" && info.details !== null ? { details: info.details as ModelDescription["details"] } : {}), // prettier-ignore
    ...(Array.isArray(caps) && caps.every((c) => typeof c === "string") ? { capabilities: caps as string[] } : {}), // prettier-ignore
  };
  return {
    offer: offerFromJson(v.offer),
    signature: hexOf(v.signature, "signature"),
    ...(typeof v.model === "string" ? { model: v.model } : {}),
    ...(modelInfo ? { modelInfo } : {}),
  };
}

/** JSON → {@link StreamEvent}. @throws {TypeError} on an unknown or malformed event. */
export function streamEventFromJson(value: unknown): StreamEvent {
  const v = objectOf(value, "stream event");
  if (v.type === "token" && typeof v.text === "string") return { type: "token", text: v.text };
  if (v.type === "error" && typeof v.error === "string") return { type: "error", error: v.error };
  if (v.type === "done" && typeof v.output === "string" && typeof v.tokenCount === "number")
    return {
      type: "done",
      jobKey: bytes32Of(v.jobKey, "jobKey"),
      output: v.output,
      outputHash: bytes32Of(v.outputHash, "outputHash"),
      tokenCount: v.tokenCount,
    };
  throw new TypeError(`malformed stream event: ${JSON.stringify(value).slice(0, 120)}`);
}

// ---------------------------------------------------------------------------------------------
// NDJSON

/**
 * Parses an NDJSON body into {@link StreamEvent}s, yielding each line as soon as it has arrived.
 *
 * @throws {TypeError} on a malformed line.
 */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") yield streamEventFromJson(JSON.parse(line));
    }
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest !== "") yield streamEventFromJson(JSON.parse(rest));
}

/** Writes one event as a line of an NDJSON answer (the server side). */
export function ndjsonLine(event: StreamEvent): string {
  return JSON.stringify(event) + "\n";
}

// ---------------------------------------------------------------------------------------------
// The client

/** Options of {@link ProviderClient}. */
export interface ProviderClientOptions {
  /** Timeout of a request without a stream, and until a stream's headers, ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * Talks to one miner's provider API.
 *
 * @example
 * ```ts
 * const miner = new ProviderClient("http://127.0.0.1:8601");
 * const offers = await miner.offers();
 * for await (const event of miner.sendBatchRequest({ request, signature, payload })) {
 *   if (event.type === "token") process.stdout.write(event.text);
 * }
 * ```
 */
export class ProviderClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: ProviderClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `GET /health`. @throws {ProviderUnavailableError}. */
  async health(): Promise<ProviderHealth> {
    return (await this.json("GET", "/health")) as ProviderHealth;
  }

  /** `GET /v1/offers`, decoded (signatures not yet checked: use the SDK's `verifyOffer`). */
  async offers(): Promise<PublishedOffer[]> {
    const body = objectOf(await this.json("GET", "/v1/offers"), "offers answer");
    if (!Array.isArray(body.offers)) throw this.broken("/v1/offers", "offers is not a list");
    return body.offers.map(signedOfferFromJson);
  }

  /**
   * `POST /v1/quotes`.
   *
   * @throws {ProviderRefusedError} when the miner refuses; {@link ProviderUnavailableError}.
   */
  async requestQuote(request: QuoteRequestBody): Promise<{ quote: Quote; signature: Hex }> {
    const body = objectOf(await this.json("POST", "/v1/quotes", request), "quote answer");
    return { quote: quoteFromJson(body.quote), signature: hexOf(body.signature, "signature") };
  }

  /**
   * `POST /v1/jobs/<jobId>/prompt`: delivers the prompt of a job opened on-chain for this miner and
   * yields its tokens as they are generated. A refusal throws at the first iteration, before any token.
   */
  uploadPrompt(jobId: bigint, payload: AnyPayload): AsyncGenerator<StreamEvent> {
    return this.stream(`/v1/jobs/${jobId}/prompt`, canonicalPayload(payload));
  }

  /** `POST /v1/batch-requests`: a signed batch-job request with its payload; yields the tokens. */
  sendBatchRequest(body: BatchRequestBody): AsyncGenerator<StreamEvent> {
    return this.stream("/v1/batch-requests", JSON.stringify(body, bigintsAsStrings));
  }

  /**
   * `GET /v1/jobs/<jobKey>/result?wait=<ms>`: the answer once the miner has it.
   *
   * @returns undefined while it is running (202) or unknown (404).
   */
  async result(jobKey: Hex, waitMs = 0): Promise<JobResult | undefined> {
    const path = `/v1/jobs/${jobKey}/result?wait=${waitMs}`;
    const res = await this.fetch("GET", path, undefined, this.timeoutMs + waitMs);
    if (res.status === 404 || res.status === 202) return undefined;
    const body = objectOf(await this.parse(res, path), "result");
    const event = streamEventFromJson({ ...body, type: "done" });
    return event.type === "done" ? { jobKey: event.jobKey, output: event.output, outputHash: event.outputHash, tokenCount: event.tokenCount } : undefined; // prettier-ignore
  }

  private async *stream(path: string, body: string): AsyncGenerator<StreamEvent> {
    const res = await this.fetch("POST", path, body, this.timeoutMs, true);
    if (res.status !== 200) {
      await this.parse(res, path);
      throw this.broken(path, `unexpected status ${res.status}`);
    }
    if (res.body === null) throw this.broken(path, "the stream has no body");
    try {
      yield* readNdjson(res.body);
    } catch (cause) {
      if (cause instanceof ProviderApiError) throw cause;
      throw new ProviderUnavailableError(
        `the stream from ${this.baseUrl}${path} broke: ${(cause as Error).message}`,
        { url: this.baseUrl + path },
        { cause },
      );
    }
  }

  private async json(method: "GET" | "POST", path: string, value?: unknown): Promise<unknown> {
    const body = value === undefined ? undefined : JSON.stringify(value, bigintsAsStrings);
    return this.parse(await this.fetch(method, path, body, this.timeoutMs), path);
  }

  private async fetch(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    timeoutMs: number,
    streaming = false,
  ): Promise<Response> {
    // A plain request's whole answer is bounded by the timeout; a stream's only until its headers.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await fetch(this.baseUrl + path, {
        method,
        body,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        signal: streaming ? controller.signal : AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new ProviderUnavailableError(
        `${this.baseUrl} did not answer ${method} ${path}: ${(cause as Error).message}`,
        { url: this.baseUrl + path },
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** The JSON of a 2xx answer; throws the typed error of any other. */
  private async parse(res: Response, path: string): Promise<unknown> {
    const text = await res.text().catch(() => "");
    let value: unknown = undefined;
    try {
      value = text === "" ? {} : (JSON.parse(text) as unknown);
    } catch {
      if (res.ok) throw this.broken(path, "the answer is not JSON");
    }
    if (res.ok) return value;
    const reason = typeof value === "object" && value !== null ? String((value as { reason?: unknown; error?: unknown }).reason ?? (value as { error?: unknown }).error ?? "") : text.slice(0, 200); // prettier-ignore
    const details = { url: this.baseUrl + path, status: res.status, reason };
    if (res.status >= 400 && res.status < 500)
      throw new ProviderRefusedError(`${this.baseUrl} refused ${path}: ${reason}`, details);
    throw new ProviderUnavailableError(`${this.baseUrl} failed ${path} (${res.status}): ${reason}`, details);
  }

  private broken(path: string, why: string): ProviderUnavailableError {
    return new ProviderUnavailableError(`${this.baseUrl}${path}: ${why}`, { url: this.baseUrl + path });
  }
}

function bigintsAsStrings(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
