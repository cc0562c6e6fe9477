/**
 * The coordinator's off-chain relay (HTTP, JSON): prompts by hash, outputs by job id, served
 * models by provider, providers' offers, matching, quote requests, and the coordinator's metrics.
 *
 * - `POST /v1/prompts` payload → `{ promptHash }`;  `GET /v1/prompts/<hash>` → payload
 * - `POST /v1/results/<jobId>` `{ output, provider }`;  `GET /v1/results/<jobId>?wait=<ms>` → `{ output }`
 * - `POST /v1/models` `{ provider, models: [{ name, digest }] }`;  `GET /v1/models`
 * - `POST /v1/offers` `{ provider, models, pricePerToken, capacity }` (the miner's heartbeat; also
 *   registers the models);  `GET /v1/offers` → `{ offers, ttlMs }` (fresh ones only)
 * - `POST /v1/match` `{ consumer, modelDigest, maxTokens, maxPricePerToken }` → `{ offers }` ranked
 *   best first, from the fresh offers; 501 when the relay has no matcher (a plain relay: callers
 *   fall back to an open job)
 * - `POST /v1/quote-requests` `{ provider, consumer, modelDigest, promptHash, maxTokens, pricePerToken,
 *   duration }` → `{ id }` (the prompt should be posted first, so the provider can check it);
 *   `GET /v1/quote-requests?provider=<address>&wait=<ms>` → `{ requests }` (each handed out once);
 *   `POST /v1/quote-requests/<id>` `{ quote, signature }` or `{ refused }`;
 *   `GET /v1/quote-requests/<id>?wait=<ms>` → `{ status: "pending" | "quoted" | "refused", … }`
 * - `POST /v1/batch-requests` `{ request, signature, requestDigest }` → `{ id }`: a consumer's signed
 *   `BatchJobRequest` for one provider (the prompt posted first under `request.promptHash`);
 *   `GET /v1/batch-requests?provider=<address>&wait=<ms>` → `{ requests }` (each handed out once);
 *   `POST /v1/batch-requests/<id>` `{ accepted: true }` or `{ refused }`;
 *   `GET /v1/batch-requests/<id>?wait=<ms>` → `{ status: "pending" | "accepted" | "refused", … }`.
 *   The answer of a batch job is posted to `/v1/results/<requestDigest>` (added by the node engineer
 *   for issue 14: carries the signed requests of batch settlement; nothing here is trusted — the miner
 *   checks the signature and the digest, the consumer checks the output against `BatchJobSettled`)
 * - `GET /v1/metrics`
 *
 * Amounts are decimal strings of wei. Payloads are checked against their hash on the way in;
 * nothing here is trusted by the chain (a quote is checked by the consumer with `verifyQuote` and
 * by the escrow).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { getAddress, isAddress, type Address } from "viem";

import { type BatchJobRequest, type Quote, type Hex } from "@aitbc/sdk";
import { payloadHash, type JobPayload } from "../shared/protocol.js";
import { retry } from "../shared/retry.js";
import { listen } from "../shared/listen.js";

export interface ServedModel {
  name: string;
  digest: Hex;
  providers: string[];
}

/** A provider's offer as the miner announces it (its heartbeat). */
export interface Offer {
  provider: Address;
  /** Models served, with their digests. */
  models: { name: string; digest: Hex }[];
  /** Asked price, wei of AITBC per token. */
  pricePerToken: bigint;
  /** Spare capacity: jobs the miner would take now (free inference slots). */
  capacity: number;
}

/** An offer as the relay keeps it: with the time of its last heartbeat (ms since the epoch). */
export interface StoredOffer extends Offer {
  seenAt: number;
}

/** What a consumer asks `/v1/match` for. */
export interface MatchRequest {
  /** Who will open the job (the quote's consumer). */
  consumer: Address;
  modelDigest: Hex;
  /** Tokens the job pays for at most. */
  maxTokens: number;
  /** The most the consumer pays, wei per token. */
  maxPricePerToken: bigint;
}

/** One ranked offer of a match: a provider for the model at its asked price. */
export interface MatchedOffer {
  provider: Address;
  /** wei per token. */
  pricePerToken: bigint;
  capacity: number;
  /** On-chain trust score 0–1000. */
  trustScore: number;
  /** The matcher's score in [0, 1]. */
  score: number;
}

/** The matching function a relay may be given (the coordinator's, over the SDK's `rankOffers`). */
export type Matcher = (request: MatchRequest, offers: readonly Offer[]) => Promise<MatchedOffer[]>;

/** A consumer's request for a signed quote from one provider, for one prompt. */
export interface QuoteRequest {
  id: string;
  provider: Address;
  consumer: Address;
  modelDigest: Hex;
  /** Hash of the job's prompt payload (bytes32), already on the relay: the quote is for this prompt only. */
  promptHash: Hex;
  maxTokens: number;
  /** The price asked to be quoted, wei per token. */
  pricePerToken: bigint;
  /**
   * Time the consumer will give from the opening to the deadline, seconds: the quote's
   * `minDuration` (the provider refuses if it cannot answer and settle within it).
   */
  duration: number;
}

/** A provider's answer to a quote request. */
export type QuoteAnswer =
  | { status: "pending" }
  | { status: "quoted"; quote: Quote; signature: Hex }
  | { status: "refused"; reason: string };

/** A consumer's signed batch-job request as the relay carries it (amounts as bigints). */
export interface BatchRequestMessage {
  id: string;
  request: BatchJobRequest;
  signature: Hex;
  /** The consumer's claim of the request's EIP-712 digest (the miner recomputes it). */
  requestDigest: Hex;
}

/** A provider's answer to a batch-job request. */
export type BatchRequestAnswer =
  { status: "pending" } | { status: "accepted" } | { status: "refused"; reason: string };

export interface RelayState {
  prompts: Map<string, JobPayload>;
  results: Map<string, { output: string; provider: string }>;
  models: Map<string, ServedModel>;
  /** Offers by provider (lower-case). */
  offers: Map<string, StoredOffer>;
  quoteRequests: Map<string, QuoteRequest & { createdAt: number; delivered: boolean; answer: QuoteAnswer }>;
  batchRequests: Map<string, BatchRequestMessage & { createdAt: number; delivered: boolean; answer: BatchRequestAnswer }>; // prettier-ignore
  metrics: () => unknown;
}

/** Options of {@link startRelay}. */
export interface RelayOptions {
  host?: string;
  port?: number;
  metrics?: () => unknown;
  /** Ranks offers for `/v1/match`; without it `/v1/match` answers 501 (no matching here). */
  match?: Matcher;
  /** Offers without a heartbeat for this long are not matched (ms, default 10 000). */
  offerTtlMs?: number;
  /** Quote requests are forgotten after this long (ms, default 60 000). */
  quoteRequestTtlMs?: number;
}

const big = (v: unknown, what: string): bigint => {
  if (typeof v !== "string" && typeof v !== "number" && typeof v !== "bigint")
    throw new Error(`${what} must be a decimal string`);
  return BigInt(v);
};
const addr = (v: unknown, what: string): Address => {
  if (typeof v !== "string" || !isAddress(v)) throw new Error(`${what} must be an address`);
  return getAddress(v);
};

/** A batch-job request as JSON carries it (amounts as decimal strings) → the SDK's `BatchJobRequest`. */
export function batchRequestFromJson(v: Record<string, unknown>): BatchJobRequest {
  return {
    consumer: addr(v.consumer, "request.consumer"),
    provider: addr(v.provider, "request.provider"),
    modelDigest: v.modelDigest as Hex,
    promptHash: v.promptHash as Hex,
    pricePerToken: big(v.pricePerToken, "request.pricePerToken"),
    maxTokens: big(v.maxTokens, "request.maxTokens"),
    deadline: big(v.deadline, "request.deadline"),
    nonce: big(v.nonce, "request.nonce"),
  };
}

/** A quote as JSON carries it (amounts as decimal strings) → the SDK's `Quote`. */
export function quoteFromJson(v: Record<string, unknown>): Quote {
  return {
    provider: addr(v.provider, "quote.provider"),
    consumer: addr(v.consumer, "quote.consumer"),
    modelDigest: v.modelDigest as Hex,
    promptHash: v.promptHash as Hex,
    pricePerToken: big(v.pricePerToken, "quote.pricePerToken"),
    maxTokens: big(v.maxTokens, "quote.maxTokens"),
    minDuration: big(v.minDuration, "quote.minDuration"),
    expiry: big(v.expiry, "quote.expiry"),
    nonce: big(v.nonce, "quote.nonce"),
  };
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as unknown;
}

function send(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : (v as unknown))));
}

export interface Relay {
  url: string;
  state: RelayState;
  close(): Promise<void>;
}

/** Starts the relay on `host:port` (default 127.0.0.1, a free port). See {@link RelayOptions}. */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const state: RelayState = {
    prompts: new Map(),
    results: new Map(),
    models: new Map(),
    offers: new Map(),
    quoteRequests: new Map(),
    batchRequests: new Map(),
    metrics: options.metrics ?? (() => ({})),
  };
  const offerTtlMs = options.offerTtlMs ?? 10_000;
  const quoteRequestTtlMs = options.quoteRequestTtlMs ?? 60_000;
  const waiters = new Map<string, (() => void)[]>();
  /** Parks a long-poll until `key` is woken or `ms` passed. */
  const park = (key: string, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const list = waiters.get(key) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      waiters.set(key, list);
    });
  const wakeAll = (key: string) => {
    for (const wake of waiters.get(key) ?? []) wake();
    waiters.delete(key);
  };
  const registerModels = (provider: string, models: { name: string; digest: Hex }[]) => {
    for (const m of models) {
      const served = state.models.get(m.name) ?? { name: m.name, digest: m.digest, providers: [] };
      if (!served.providers.includes(provider)) served.providers.push(provider);
      state.models.set(m.name, served);
    }
  };
  const freshOffers = () => [...state.offers.values()].filter((o) => Date.now() - o.seenAt <= offerTtlMs);
  const pendingFor = (provider: string) => {
    for (const [id, r] of state.quoteRequests)
      if (Date.now() - r.createdAt > quoteRequestTtlMs) state.quoteRequests.delete(id);
    return [...state.quoteRequests.values()].filter(
      (r) => !r.delivered && r.provider.toLowerCase() === provider && r.answer.status === "pending",
    );
  };
  const requestView = (r: QuoteRequest) => ({
    id: r.id,
    provider: r.provider,
    consumer: r.consumer,
    modelDigest: r.modelDigest,
    promptHash: r.promptHash,
    maxTokens: r.maxTokens,
    pricePerToken: r.pricePerToken,
    duration: r.duration,
  });
  const pendingBatchFor = (provider: string) => {
    for (const [id, r] of state.batchRequests)
      if (Date.now() - r.createdAt > quoteRequestTtlMs && r.answer.status === "pending") state.batchRequests.delete(id); // prettier-ignore
    return [...state.batchRequests.values()].filter(
      (r) => !r.delivered && r.request.provider.toLowerCase() === provider && r.answer.status === "pending",
    );
  };
  /** The batch-request routes; false when none matched. */
  const batchRequestRoute = async (
    req: IncomingMessage,
    res: ServerResponse,
    id: string | undefined,
    url: URL,
    wait: number,
  ): Promise<boolean> => {
    if (req.method === "POST" && !id) {
      const v = (await body(req)) as Record<string, unknown>;
      const message: BatchRequestMessage = {
        id: randomUUID(),
        request: batchRequestFromJson((v.request ?? {}) as Record<string, unknown>),
        signature: String(v.signature) as Hex,
        requestDigest: String(v.requestDigest) as Hex,
      };
      state.batchRequests.set(message.id, { ...message, createdAt: Date.now(), delivered: false, answer: { status: "pending" } }); // prettier-ignore
      wakeAll(`batch:${message.request.provider.toLowerCase()}`);
      send(res, 200, { id: message.id });
      return true;
    }
    if (req.method === "GET" && !id) {
      const provider = addr(url.searchParams.get("provider"), "provider").toLowerCase();
      if (pendingBatchFor(provider).length === 0 && wait > 0) await park(`batch:${provider}`, wait);
      const requests = pendingBatchFor(provider);
      for (const r of requests) r.delivered = true;
      send(res, 200, { requests: requests.map(({ id: i, request, signature, requestDigest }) => ({ id: i, request, signature, requestDigest })) }); // prettier-ignore
      return true;
    }
    const stored = id ? state.batchRequests.get(id) : undefined;
    if (!id || (req.method !== "POST" && req.method !== "GET")) return false;
    if (!stored) {
      send(res, 404, { error: `no batch request ${id}` });
      return true;
    }
    if (req.method === "POST") {
      const v = (await body(req)) as Record<string, unknown>;
      if (typeof v.refused === "string") stored.answer = { status: "refused", reason: v.refused };
      else if (v.accepted === true) stored.answer = { status: "accepted" };
      else {
        send(res, 400, { error: "expected { accepted: true } or { refused }" });
        return true;
      }
      wakeAll(`batch-answer:${id}`);
      send(res, 200, { ok: true });
      return true;
    }
    if (stored.answer.status === "pending" && wait > 0) await park(`batch-answer:${id}`, wait);
    send(res, 200, stored.answer);
    return true;
  };
  const server: Server = createServer((req, res) => {
    (async () => {
      const url = new URL(req.url ?? "/", "http://relay");
      const parts = url.pathname.split("/").filter(Boolean); // v1, kind, id
      if (parts[0] !== "v1") return send(res, 404, { error: "not found" });
      if (req.method === "POST" && parts[1] === "prompts") {
        const payload = (await body(req)) as JobPayload;
        const hash = payloadHash(payload);
        state.prompts.set(hash, payload);
        return send(res, 200, { promptHash: hash });
      }
      if (req.method === "GET" && parts[1] === "prompts" && parts[2]) {
        const payload = state.prompts.get(parts[2].toLowerCase());
        return payload ? send(res, 200, payload) : send(res, 404, { error: `no prompt ${parts[2]}` });
      }
      if (req.method === "POST" && parts[1] === "results" && parts[2]) {
        const { output, provider } = (await body(req)) as { output: string; provider: string };
        if (typeof output !== "string") return send(res, 400, { error: "output must be a string" });
        state.results.set(parts[2], { output, provider });
        wakeAll(parts[2]);
        return send(res, 200, { ok: true });
      }
      const wait = Math.min(Number(url.searchParams.get("wait") ?? 0) || 0, 60_000);
      if (req.method === "GET" && parts[1] === "results" && parts[2]) {
        const id = parts[2];
        if (!state.results.has(id) && wait > 0) await park(id, wait);
        const result = state.results.get(id);
        return result ? send(res, 200, result) : send(res, 404, { error: `no result for job ${id} yet` });
      }
      if (req.method === "POST" && parts[1] === "models") {
        const { provider, models } = (await body(req)) as {
          provider: string;
          models: { name: string; digest: Hex }[];
        };
        registerModels(provider, models);
        return send(res, 200, { ok: true });
      }
      if (req.method === "POST" && parts[1] === "offers") {
        const v = (await body(req)) as Record<string, unknown>;
        const models = v.models as { name: string; digest: Hex }[];
        if (!Array.isArray(models)) return send(res, 400, { error: "models must be an array" });
        const capacity = Number(v.capacity);
        if (!Number.isFinite(capacity) || capacity < 0)
          return send(res, 400, { error: "capacity must be a number ≥ 0" });
        const offer: StoredOffer = {
          provider: addr(v.provider, "provider"),
          models: models.map((m) => ({ name: String(m.name), digest: m.digest })),
          pricePerToken: big(v.pricePerToken, "pricePerToken"),
          capacity,
          seenAt: Date.now(),
        };
        state.offers.set(offer.provider.toLowerCase(), offer);
        registerModels(offer.provider, offer.models);
        return send(res, 200, { ok: true, ttlMs: offerTtlMs });
      }
      if (req.method === "GET" && parts[1] === "offers")
        return send(res, 200, { offers: freshOffers(), ttlMs: offerTtlMs });
      if (req.method === "POST" && parts[1] === "match") {
        if (!options.match) return send(res, 501, { error: "this relay does no matching" });
        const v = (await body(req)) as Record<string, unknown>;
        const request: MatchRequest = {
          consumer: addr(v.consumer, "consumer"),
          modelDigest: v.modelDigest as Hex,
          maxTokens: Number(v.maxTokens),
          maxPricePerToken: big(v.maxPricePerToken, "maxPricePerToken"),
        };
        return send(res, 200, { offers: await options.match(request, freshOffers()) });
      }
      if (req.method === "POST" && parts[1] === "quote-requests" && !parts[2]) {
        const v = (await body(req)) as Record<string, unknown>;
        const request: QuoteRequest = {
          id: randomUUID(),
          provider: addr(v.provider, "provider"),
          consumer: addr(v.consumer, "consumer"),
          modelDigest: v.modelDigest as Hex,
          promptHash: v.promptHash as Hex,
          maxTokens: Number(v.maxTokens),
          pricePerToken: big(v.pricePerToken, "pricePerToken"),
          duration: Number(v.duration),
        };
        state.quoteRequests.set(request.id, {
          ...request,
          createdAt: Date.now(),
          delivered: false,
          answer: { status: "pending" },
        });
        wakeAll(`quotes:${request.provider.toLowerCase()}`);
        return send(res, 200, { id: request.id });
      }
      if (req.method === "GET" && parts[1] === "quote-requests" && !parts[2]) {
        const provider = addr(url.searchParams.get("provider"), "provider").toLowerCase();
        if (pendingFor(provider).length === 0 && wait > 0) await park(`quotes:${provider}`, wait);
        const requests = pendingFor(provider);
        for (const r of requests) r.delivered = true;
        return send(res, 200, { requests: requests.map(requestView) });
      }
      if (req.method === "POST" && parts[1] === "quote-requests" && parts[2]) {
        const request = state.quoteRequests.get(parts[2]);
        if (!request) return send(res, 404, { error: `no quote request ${parts[2]}` });
        const v = (await body(req)) as Record<string, unknown>;
        if (typeof v.refused === "string") request.answer = { status: "refused", reason: v.refused };
        else if (v.quote && typeof v.signature === "string")
          request.answer = {
            status: "quoted",
            quote: quoteFromJson(v.quote as Record<string, unknown>),
            signature: v.signature as Hex,
          };
        else return send(res, 400, { error: "expected { quote, signature } or { refused }" });
        wakeAll(`quote:${request.id}`);
        return send(res, 200, { ok: true });
      }
      if (req.method === "GET" && parts[1] === "quote-requests" && parts[2]) {
        const request = state.quoteRequests.get(parts[2]);
        if (!request) return send(res, 404, { error: `no quote request ${parts[2]}` });
        if (request.answer.status === "pending" && wait > 0) await park(`quote:${request.id}`, wait);
        return send(res, 200, request.answer);
      }
      if (parts[1] === "batch-requests") {
        const handled = await batchRequestRoute(req, res, parts[2], url, wait);
        if (handled) return;
      }
      if (req.method === "GET" && parts[1] === "models")
        return send(res, 200, { models: [...state.models.values()] });
      if (req.method === "GET" && parts[1] === "metrics") return send(res, 200, state.metrics());
      return send(res, 404, { error: "not found" });
    })().catch((error: unknown) => send(res, 400, { error: String(error) }));
  });
  await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const list of waiters.values()) for (const wake of list) wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Transport options of one relay call. */
interface CallOptions {
  /** Per-attempt timeout (ms, default 10 000). */
  timeoutMs?: number;
  /** Attempts on transport errors (default 4). */
  attempts?: number;
  /** Aborts the call (no retry after an abort). */
  signal?: AbortSignal;
}

/** A client of the relay, with retries on transport errors. */
export class RelayClient {
  constructor(readonly url: string) {}

  private async req<T>(
    method: string,
    path: string,
    value?: unknown,
    options: CallOptions = {},
  ): Promise<{ status: number; body: T }> {
    const { timeoutMs = 10_000, attempts = 4, signal } = options;
    return retry(
      async () => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const res = await fetch(`${this.url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body:
            value === undefined
              ? undefined
              : JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : (v as unknown))),
          signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
        });
        return { status: res.status, body: (await res.json()) as T };
      },
      { attempts, baseDelayMs: 200, retryIf: () => !signal?.aborted },
    );
  }

  async putPrompt(payload: JobPayload): Promise<Hex> {
    return (await this.req<{ promptHash: Hex }>("POST", "/v1/prompts", payload)).body.promptHash;
  }
  async getPrompt(hash: Hex): Promise<JobPayload | undefined> {
    const r = await this.req<JobPayload>("GET", `/v1/prompts/${hash.toLowerCase()}`);
    return r.status === 200 ? r.body : undefined;
  }
  async putResult(jobId: bigint, output: string, provider: string): Promise<void> {
    await this.req("POST", `/v1/results/${jobId}`, { output, provider });
  }
  async getResult(jobId: bigint, waitMs = 0): Promise<string | undefined> {
    const r = await this.req<{ output: string }>("GET", `/v1/results/${jobId}?wait=${waitMs}`, undefined, {
      timeoutMs: waitMs + 10_000,
    });
    return r.status === 200 ? r.body.output : undefined;
  }
  async announce(provider: string, models: { name: string; digest: Hex }[]): Promise<void> {
    await this.req("POST", "/v1/models", { provider, models });
  }
  async models(): Promise<ServedModel[]> {
    return (await this.req<{ models: ServedModel[] }>("GET", "/v1/models")).body.models;
  }

  /** Announces (or refreshes) a provider's offer: the heartbeat that keeps it matchable. */
  async offer(offer: Offer, options: CallOptions = {}): Promise<void> {
    const r = await this.req<{ error?: string }>("POST", "/v1/offers", offer, options);
    if (r.status !== 200) throw new Error(`the relay refused the offer: ${r.body.error ?? r.status}`);
  }
  /** The fresh offers (heartbeat within the relay's TTL). */
  async offers(): Promise<Offer[]> {
    const r = await this.req<{ offers: (Offer & { pricePerToken: string })[] }>("GET", "/v1/offers");
    return r.body.offers.map((o) => ({ ...o, pricePerToken: BigInt(o.pricePerToken) }));
  }
  /**
   * Ranked offers for a request, best first; `undefined` when the relay does no matching (a
   * plain relay without a coordinator's matcher: 404/501).
   */
  async match(request: MatchRequest, options: CallOptions = {}): Promise<MatchedOffer[] | undefined> {
    const r = await this.req<{ offers?: (MatchedOffer & { pricePerToken: string })[]; error?: string }>(
      "POST",
      "/v1/match",
      request,
      options,
    );
    if (r.status === 404 || r.status === 501) return undefined;
    if (r.status !== 200 || !r.body.offers) throw new Error(`match failed: ${r.body.error ?? r.status}`);
    return r.body.offers.map((o) => ({ ...o, pricePerToken: BigInt(o.pricePerToken) }));
  }
  /** Asks one provider for a signed quote; returns the request id. */
  async requestQuote(request: Omit<QuoteRequest, "id">, options: CallOptions = {}): Promise<string> {
    const r = await this.req<{ id?: string; error?: string }>("POST", "/v1/quote-requests", request, options);
    if (r.status !== 200 || !r.body.id) throw new Error(`quote request failed: ${r.body.error ?? r.status}`);
    return r.body.id;
  }
  /** The provider's pending quote requests, waiting up to `waitMs` for one (each is handed out once). */
  async quoteRequests(provider: Address, waitMs = 0, options: CallOptions = {}): Promise<QuoteRequest[]> {
    const r = await this.req<{ requests?: (QuoteRequest & { pricePerToken: string })[] }>(
      "GET",
      `/v1/quote-requests?provider=${provider}&wait=${waitMs}`,
      undefined,
      { timeoutMs: waitMs + 10_000, ...options },
    );
    return (r.body.requests ?? []).map((q) => ({ ...q, pricePerToken: BigInt(q.pricePerToken) }));
  }
  /** Answers a quote request with a signed quote, or refuses it with a reason. */
  async answerQuote(
    id: string,
    answer: { quote: Quote; signature: Hex } | { refused: string },
    options: CallOptions = {},
  ): Promise<void> {
    await this.req("POST", `/v1/quote-requests/${id}`, answer, options);
  }
  /** Hands a signed batch-job request to its provider; returns the request id. */
  async postBatchRequest(
    message: Omit<BatchRequestMessage, "id">,
    options: CallOptions = {},
  ): Promise<string> {
    const r = await this.req<{ id?: string; error?: string }>("POST", "/v1/batch-requests", message, options);
    if (r.status !== 200 || !r.body.id) throw new Error(`batch request failed: ${r.body.error ?? r.status}`);
    return r.body.id;
  }
  /** The provider's pending batch-job requests, waiting up to `waitMs` for one (each handed out once). */
  async batchRequests(
    provider: Address,
    waitMs = 0,
    options: CallOptions = {},
  ): Promise<BatchRequestMessage[]> {
    const r =
      await this.req<{ requests?: { id: string; request: Record<string, unknown>; signature: Hex; requestDigest: Hex }[] }>( // prettier-ignore
        "GET",
        `/v1/batch-requests?provider=${provider}&wait=${waitMs}`,
        undefined,
        { timeoutMs: waitMs + 10_000, ...options },
      );
    if (r.status !== 200) throw new Error(`the relay does not carry batch requests (HTTP ${r.status})`);
    return (r.body.requests ?? []).map((m) => ({ ...m, request: batchRequestFromJson(m.request) }));
  }
  /** Answers a batch-job request: accepted (the provider will answer and settle it) or refused. */
  async answerBatchRequest(
    id: string,
    answer: { accepted: true } | { refused: string },
    options: CallOptions = {},
  ) {
    // prettier-ignore
    await this.req("POST", `/v1/batch-requests/${id}`, answer, options);
  }
  /** The answer to a batch-job request, waiting up to `waitMs` while it is pending. */
  async batchRequestAnswer(id: string, waitMs = 0, options: CallOptions = {}): Promise<BatchRequestAnswer> {
    const r = await this.req<Record<string, unknown>>(
      "GET",
      `/v1/batch-requests/${id}?wait=${waitMs}`,
      undefined,
      {
        timeoutMs: waitMs + 10_000,
        ...options,
      },
    );
    if (r.status !== 200) return { status: "refused", reason: String(r.body.error ?? r.status) };
    if (r.body.status === "accepted") return { status: "accepted" };
    if (r.body.status === "refused") return { status: "refused", reason: String(r.body.reason) };
    return { status: "pending" };
  }
  /** Publishes a batch job's output under its request digest. */
  async putBatchResult(requestDigest: Hex, output: string, provider: string): Promise<void> {
    await this.req("POST", `/v1/results/${requestDigest.toLowerCase()}`, { output, provider });
  }
  /** A batch job's output by request digest, waiting up to `waitMs`. */
  async getBatchResult(requestDigest: Hex, waitMs = 0): Promise<string | undefined> {
    const r = await this.req<{ output: string }>("GET", `/v1/results/${requestDigest.toLowerCase()}?wait=${waitMs}`, undefined, { timeoutMs: waitMs + 10_000 }); // prettier-ignore
    return r.status === 200 ? r.body.output : undefined;
  }

  /** The answer to a quote request, waiting up to `waitMs` while it is pending. */
  async quoteAnswer(id: string, waitMs = 0, options: CallOptions = {}): Promise<QuoteAnswer> {
    const r = await this.req<Record<string, unknown>>(
      "GET",
      `/v1/quote-requests/${id}?wait=${waitMs}`,
      undefined,
      { timeoutMs: waitMs + 10_000, ...options },
    );
    if (r.status !== 200) return { status: "refused", reason: String(r.body.error ?? r.status) };
    if (r.body.status === "quoted")
      return {
        status: "quoted",
        quote: quoteFromJson(r.body.quote as Record<string, unknown>),
        signature: r.body.signature as Hex,
      };
    if (r.body.status === "refused") return { status: "refused", reason: String(r.body.reason) };
    return { status: "pending" };
  }
}
