/**
 * One generation, whichever API it came in by: Ollama's `/api/generate` and `/api/chat`
 * (`ollama-api.ts`), OpenAI's `/v1/completions` and `/v1/chat/completions` (`openai-api.ts`). Each
 * API turns its body into a {@link GenerationRequest}; {@link runGeneration} decides where it runs
 * (the hybrid router, {@link planRoute}), and either runs it on the gateway's local Ollama
 * (`--local-ollama`, no job, nothing paid) or resolves the model, builds the job's payload, places it
 * on the network and relays the miner's tokens to a sink; the API then shapes the answer as its
 * clients expect.
 *
 * Routing: without a local Ollama, everything goes to the network. With one, the SDK's
 * `routeInference` decides (the seed's rule): a model the local Ollama has pulled, of at most 8 GB
 * (`/api/tags` `size` bytes / 1e9), whose expected time (`maxTokens` / its measured tokens per
 * second) fits the local timeout, and (when a local cost is configured) for which the network is not
 * below 80% of the local cost, runs locally; any other goes to the network. A local run that fails
 * before its first token reached the client falls back to the network (when the network serves the
 * model); after the first token, the failure is the answer (the client already has part of it).
 */
import { randomBytes } from "node:crypto";

import { keccak256, stringToHex, type Hex } from "viem";

import { routeInference, type RouteDecision } from "@aitbc/sdk";

import type { ChatMessage, GenerationOptions } from "../backends/backend.js";
import { canonicalPayload, type JobPayload } from "../shared/protocol.js";
import { relayAnswer, type Answer, type TokenSink } from "./answer.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { placeJob } from "./dispatch.js";
import { LocalGenerationError, UnknownModelError } from "./errors.js";
import type { LocalAnswer, LocalModel } from "./local.js";
import type { ModelCatalog, NamedModel } from "./models.js";
import type { JobRow } from "./state.js";

/** Defaults of a generation request. */
export interface GenerationDefaults {
  /** `num_predict` when the request has none. */
  maxTokens: number;
}

/**
 * A generation request, API-neutral (already validated by the API that received it). The
 * {@link GenerationOptions} (`format`, `options`, `think`, `tools`, `images`) go into the job's payload
 * as given, and the miner passes them to its runtime.
 */
export interface GenerationRequest extends GenerationOptions {
  /** The model's name, `name:tag`, or bytes32 digest. */
  model: string;
  /** A plain prompt (`/api/generate`, `/v1/completions`) ... */
  prompt?: string;
  /** ... or chat messages (`/api/chat`, `/v1/chat/completions`). */
  messages?: ChatMessage[];
  /** Sampling seed (default 0; temperature is always 0, so a re-execution reproduces the answer). */
  seed?: number;
  /** Most tokens to generate (`num_predict`, `max_tokens`); the gateway's default when absent. */
  maxTokens?: number;
}

/** Where a generation runs: the gateway's local Ollama or the AITBC network. */
export type GenerationRoute = "local" | "network";

/** Why a generation went where it did: the router's reason, or `local_failed` after a fallback. */
export type RouteReason = RouteDecision["reason"] | "local_failed";

/** A generation the network answered (a job, paid). */
export interface NetworkGeneration {
  route: "network";
  /** Why the network (absent when the gateway has no local Ollama). */
  reason?: RouteReason;
  /** The job as the network saw it (payload, prompt hash, model digest, tokens paid for). */
  intent: JobIntent;
  /** The checked answer (output, its hash, token count, provider, path). */
  answer: Answer;
  /** The job's row in the gateway's state (job id, max fee). */
  row: JobRow;
  /** Nanoseconds from the request's arrival to the checked answer. */
  totalNs: number;
}

/** A generation the local Ollama answered (no job, nothing paid). */
export interface LocalGeneration {
  route: "local";
  reason: RouteReason;
  /** The local model (name, digest, size). */
  model: LocalModel;
  answer: LocalAnswer;
  /** Nanoseconds from the request's arrival to the answer's end. */
  totalNs: number;
}

/** A generation that was answered, locally or on the network. */
export type GenerationResult = NetworkGeneration | LocalGeneration;

/**
 * The job a request asks for: the model resolved, the canonical payload (random nonce, so two equal
 * requests are two jobs) and its keccak256, the tokens paid for.
 *
 * @throws {UnknownModelError} when the gateway knows no such model name or digest (HTTP 404).
 */
export function intentOf(
  request: GenerationRequest,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
): JobIntent {
  const model = catalog.resolve(request.model);
  const payload: JobPayload = {
    model: model.name,
    ...(request.messages !== undefined ? { messages: request.messages } : { prompt: request.prompt ?? "" }), // prettier-ignore
    seed: request.seed ?? 0,
    nonce: randomBytes(8).toString("hex"),
    ...(request.images !== undefined ? { images: request.images } : {}),
    ...(request.format !== undefined ? { format: request.format } : {}),
    ...(request.options !== undefined ? { options: request.options } : {}),
    ...(request.think !== undefined ? { think: request.think } : {}),
    ...(request.tools !== undefined ? { tools: request.tools } : {}),
  };
  const maxTokens = request.maxTokens ?? defaults.maxTokens;
  const text = canonicalPayload(payload);
  return { model: model.name, modelDigest: model.digest, payload: text, promptHash: keccak256(stringToHex(text)), maxTokens }; // prettier-ignore
}

/**
 * The network's model a request names, or `undefined` when only the local Ollama of the hybrid router
 * has it (the local runtime then checks the request itself, and nothing is paid either way).
 *
 * @throws {UnknownModelError} (404) when neither the network nor the local Ollama serves it.
 */
export async function servedOrLocal(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  model: string,
): Promise<NamedModel | undefined> {
  try {
    return catalog.servedModel(model);
  } catch (error) {
    if (error instanceof UnknownModelError && ctx.local && (await ctx.local.find(model))) return undefined;
    throw error;
  }
}

/** Where a request goes, and the local model when it goes local. */
export type RoutePlan =
  { route: "local"; reason: RouteReason; model: LocalModel } | { route: "network"; reason?: RouteReason };

/**
 * The hybrid router's decision for one request (see the module's description): `routeInference`
 * with the local model's size (bytes / 1e9 = GB), availability, expected duration and, when the
 * local Ollama has a cost per token, the network's cost (`maxTokens` × the cheapest offer's price).
 */
export async function planRoute(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  request: GenerationRequest,
  maxTokens: number,
): Promise<RoutePlan> {
  const local = ctx.local;
  if (!local) return { route: "network" };
  let digest: Hex | undefined;
  try {
    digest = catalog.resolve(request.model).digest;
  } catch (error) {
    if (!(error instanceof UnknownModelError)) throw error;
  }
  const model = (await local.find(request.model)) ?? (digest ? await local.find(digest) : undefined);
  let networkCostWei: bigint | undefined;
  if (model && digest && local.costPerTokenWei !== undefined) {
    const prices = (await ctx.offers.candidates(digest)).map((c) => c.offer.pricePerToken);
    if (prices.length > 0) networkCostWei = BigInt(maxTokens) * prices.reduce((a, b) => (b < a ? b : a)); // prettier-ignore
  }
  const decision = routeInference({
    modelSizeGB: model ? model.sizeBytes / 1e9 : 0,
    localAvailable: model !== undefined,
    expectedDurationSec: model ? local.expectedSeconds(model.name, maxTokens) : 0,
    localTimeoutSec: local.timeoutSec,
    maxLocalModelSizeGB: local.maxModelSizeGB,
    ...(networkCostWei !== undefined ? { networkCostWei, localCostWei: BigInt(maxTokens) * local.costPerTokenWei! } : {}), // prettier-ignore
  });
  if (decision.route === "local" && model) return { route: "local", reason: decision.reason, model };
  return { route: "network", reason: decision.reason };
}

/**
 * Runs one generation where {@link planRoute} says: on the local Ollama (nothing paid), or on the
 * network: places the job (nothing is paid if no provider accepts) and streams its tokens into
 * `sink` as the miner generates them, then checks the answer. `sink.route` hears the route before
 * the first token (twice, `local` then `network`, when a local run falls back). Each request counts
 * once in `aitbc_gateway_requests_total{route}`, by the route that answered or failed it.
 *
 * @param startedAt `performance.now()` when the client's request arrived.
 * @param signal Aborted when the client left: no job is placed after that (see {@link placeJob}), and
 *   a local run is stopped (and not retried on the network).
 * @throws {UnknownModelError} | {NoProviderError} | {ClientGoneError} before anything is paid;
 *   {ProviderAnswerError} when the miner's answer fails its checks;
 *   {LocalGenerationError} when the local run failed after its first token, or before it for a
 *   model the network does not serve.
 */
export async function runGeneration(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
  request: GenerationRequest,
  sink: TokenSink,
  startedAt: number,
  signal?: AbortSignal,
): Promise<GenerationResult> {
  const maxTokens = request.maxTokens ?? defaults.maxTokens;
  const plan = await planRoute(ctx, catalog, request, maxTokens);
  if (plan.route === "network") return runOnNetwork(ctx, catalog, defaults, request, sink, startedAt, plan.reason, signal); // prettier-ignore
  sink.route?.("local");
  try {
    const answer = await ctx.local!.generate(plan.model, request, maxTokens, sink, startedAt, signal);
    const totalNs = Math.round((performance.now() - startedAt) * 1e6);
    ctx.metrics.requests.inc({ route: "local" });
    return { route: "local", reason: plan.reason, model: plan.model, answer, totalNs };
  } catch (error) {
    if (!(error instanceof LocalGenerationError) || error.tokensWritten || signal?.aborted) {
      ctx.metrics.requests.inc({ route: "local" });
      throw error;
    }
    ctx.metrics.errors.inc({ kind: "local" });
    ctx.log(`local ${plan.model.name}: ${error.shortMessage}; trying the network`);
    try {
      return await runOnNetwork(ctx, catalog, defaults, request, sink, startedAt, "local_failed", signal);
    } catch (networkError) {
      if (networkError instanceof UnknownModelError) throw error; // the network does not serve it
      throw networkError;
    }
  }
}

/** The network half of {@link runGeneration}. */
async function runOnNetwork(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
  request: GenerationRequest,
  sink: TokenSink,
  startedAt: number,
  reason: RouteReason | undefined,
  signal: AbortSignal | undefined,
): Promise<NetworkGeneration> {
  const intent = intentOf(request, catalog, defaults);
  sink.route?.("network");
  ctx.metrics.requests.inc({ route: "network" });
  const { answer, row, totalNs } = await runNetworkJob(ctx, intent, sink, startedAt, signal);
  return { route: "network", ...(reason ? { reason } : {}), intent, answer, row, totalNs };
}

/**
 * One job on the network, whatever its kind (a generation, an embedding): placed (nothing is paid if
 * no provider accepts, nor after `signal` aborted), its events relayed into `sink` and its answer
 * checked, counted in the job metrics (`outcome` answered/failed, duration, in flight).
 *
 * @param startedAt `performance.now()` when the client's request arrived.
 * @returns The checked answer, the job's row, and nanoseconds from arrival to the answer.
 * @throws {NoProviderError} | {ClientGoneError} before anything is paid; {ProviderAnswerError}.
 */
export async function runNetworkJob(
  ctx: GatewayContext,
  intent: JobIntent,
  sink: TokenSink,
  startedAt: number,
  signal: AbortSignal | undefined,
): Promise<{ answer: Answer; row: JobRow; totalNs: number }> {
  const placed = await placeJob(ctx, intent, signal);
  ctx.metrics.inFlight.inc();
  try {
    const answer = await relayAnswer(ctx, placed, intent.maxTokens, sink, startedAt);
    const totalNs = Math.round((performance.now() - startedAt) * 1e6);
    ctx.metrics.jobs.inc({ outcome: "answered" });
    ctx.metrics.jobDuration.observe(totalNs / 1e9);
    return { answer, row: placed.row, totalNs };
  } catch (error) {
    ctx.metrics.jobs.inc({ outcome: "failed" });
    throw error;
  } finally {
    placed.endLoad();
    ctx.metrics.inFlight.dec();
  }
}

/**
 * The `aitbc` field an answer carries (both APIs): where it ran, and for a network answer which job,
 * where, for how much. Local: `{ route: "local", route_reason, model, model_digest, size, token_count }`
 * (`size` in bytes); network: `{ route: "network", route_reason?, job_key, job_id?, path, provider,
 * model_digest, prompt_hash, output_hash, token_count, max_fee }` (`max_fee` in wei of AITBC).
 */
export function aitbcField(result: GenerationResult) {
  if (result.route === "local") {
    const { model, answer, reason } = result;
    return { route: "local" as const, route_reason: reason, model: model.name, model_digest: model.digest, size: model.sizeBytes, token_count: answer.tokenCount }; // prettier-ignore
  }
  return { route: "network" as const, ...(result.reason ? { route_reason: result.reason } : {}), ...jobField(result) }; // prettier-ignore
}

/**
 * One network job as the `aitbc` fields name it (generations and embeddings alike): `job_key`,
 * `job_id?` (quote path), `path`, `provider`, `model_digest`, `prompt_hash`, `output_hash`,
 * `token_count`, `max_fee` (wei of AITBC).
 */
export function jobField({ intent, answer, row }: Pick<NetworkGeneration, "intent" | "answer" | "row">) {
  return {
    job_key: answer.jobKey,
    ...(row.jobId ? { job_id: row.jobId } : {}),
    path: answer.path,
    provider: answer.provider,
    model_digest: intent.modelDigest,
    prompt_hash: intent.promptHash,
    output_hash: answer.outputHash,
    token_count: answer.tokenCount,
    max_fee: row.maxFee,
  };
}
