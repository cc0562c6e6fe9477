/**
 * One embedding job, whichever API it came in by (`/api/embed`, `/api/embeddings`, `/v1/embeddings`,
 * see `embed-api.ts`): the payload is an {@link EmbedPayload} (`kind: "embed"`), placed on the network
 * like a generation (batch path, else quote path; nothing is paid if no provider accepts), and the
 * answer is the vectors' JSON, checked against its `outputHash` as any answer, then parsed.
 *
 * What the job pays for: the runtime's input tokens (`prompt_eval_count`, the receipt's `tokenCount`),
 * at most `maxTokens` = {@link embedMaxTokens} (the UTF-8 bytes of each input plus 2, summed), which
 * bounds what is reserved (`maxTokens × pricePerToken`): every tokenizer Ollama runs (byte-level BPE,
 * SentencePiece with byte fallback, WordPiece) makes at most one token per byte, plus BOS/EOS
 * (or CLS/SEP).
 *
 * A request larger than one job may be ({@link embedGroups}: the largest `maxTokens` of the model's
 * offers at or below the gateway's price) is split into several jobs of consecutive inputs, run one
 * after another; the answer joins their vectors in order and its `aitbc.jobs` names each. A job that
 * fails fails the request; the jobs before it were answered and are paid for (the protocol committed
 * them), those after it are never placed. A single input larger than every offer's `maxTokens` is
 * refused before any job (503 {@link NoProviderError}, nothing paid).
 */
import { randomBytes } from "node:crypto";

import { keccak256, stringToHex } from "viem";

import { canonicalPayload, type EmbedPayload } from "../shared/protocol.js";
import type { Answer } from "./answer.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { NoProviderError, ProviderAnswerError } from "./errors.js";
import { jobField, runNetworkJob } from "./generation.js";
import type { ModelCatalog } from "./models.js";
import type { JobRow } from "./state.js";

/** An embedding request, API-neutral (validated by the API that received it; `input` not empty). */
export interface EmbedJobRequest {
  /** The model's name, `name:tag`, or bytes32 digest. */
  model: string;
  /** The texts, one vector each. */
  input: string[];
  /** Ollama's `truncate` (absent: the runtime's default, `true`). */
  truncate?: boolean;
  /** Vectors cut to this many values and re-normalized (Ollama's and OpenAI's `dimensions`). */
  dimensions?: number;
  /** Runtime options (Ollama's `options`). */
  options?: Record<string, unknown>;
}

/** One answered embedding job of a request. */
export interface EmbedJob {
  /** The job as the network saw it (payload, prompt hash, model digest, tokens reserved). */
  intent: JobIntent;
  /** The checked answer: `output` is the vectors' JSON, `tokenCount` the input tokens paid for. */
  answer: Answer;
  /** The job's row in the gateway's state (job id, max fee). */
  row: JobRow;
  /** The request's inputs this job embedded: `[start, end)`. */
  inputs: [number, number];
}

/** An embedding request that was answered (by one job, or several for a large input). */
export interface EmbedJobResult {
  /** The jobs, in input order. */
  jobs: EmbedJob[];
  /** One vector per input, in order. */
  embeddings: number[][];
  /** Input tokens paid for, all jobs together. */
  tokenCount: number;
  /** Nanoseconds from the request's arrival to the last checked answer. */
  totalNs: number;
}

/** The most input tokens an embedding job of `input` pays for: Σ (UTF-8 bytes + 2). See the module. */
export function embedMaxTokens(input: readonly string[]): number {
  return input.reduce((n, s) => n + Buffer.byteLength(s, "utf8") + 2, 0);
}

/**
 * Splits `input` into groups of consecutive inputs of at most `limit` tokens each ({@link embedMaxTokens}).
 *
 * @returns The groups' `[start, end)` ranges, in order.
 * @throws {NoProviderError} when one input alone exceeds `limit`.
 */
export function embedGroups(input: readonly string[], limit: number): [number, number][] {
  const groups: [number, number][] = [];
  let start = 0;
  let tokens = 0;
  input.forEach((s, i) => {
    const n = embedMaxTokens([s]);
    if (n > limit) throw new NoProviderError([`input ${i} needs up to ${n} tokens (its UTF-8 bytes + 2), more than the ${limit} of the largest offer`]); // prettier-ignore
    if (tokens + n > limit) {
      groups.push([start, i]);
      start = i;
      tokens = 0;
    }
    tokens += n;
  });
  groups.push([start, input.length]);
  return groups;
}

/** The largest `maxTokens` of the model's offers at or below the gateway's price (undefined: none). */
async function largestJob(
  ctx: GatewayContext,
  modelDigest: JobIntent["modelDigest"],
): Promise<number | undefined> {
  const offers = (await ctx.offers.candidates(modelDigest)).filter((c) => c.offer.pricePerToken <= ctx.policy.maxPricePerToken); // prettier-ignore
  return offers.length === 0 ? undefined : Math.max(...offers.map((c) => Number(c.offer.maxTokens)));
}

/**
 * The job an embedding request asks for: the model resolved, the canonical payload (random nonce)
 * and its keccak256, the tokens reserved ({@link embedMaxTokens}).
 *
 * @throws {UnknownModelError} when the gateway knows no such model (HTTP 404).
 */
export function embedIntentOf(request: EmbedJobRequest, catalog: ModelCatalog): JobIntent {
  const model = catalog.resolve(request.model);
  const payload: EmbedPayload = {
    kind: "embed",
    model: model.name,
    input: request.input,
    ...(request.truncate !== undefined ? { truncate: request.truncate } : {}),
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.options !== undefined ? { options: request.options } : {}),
    nonce: randomBytes(8).toString("hex"),
  };
  const text = canonicalPayload(payload);
  return { model: model.name, modelDigest: model.digest, payload: text, promptHash: keccak256(stringToHex(text)), maxTokens: embedMaxTokens(request.input) }; // prettier-ignore
}

/** The vectors of a checked answer. @throws {ProviderAnswerError} unless one list of finite numbers per input. */
function vectorsOf(answer: Answer, count: number): number[][] {
  let value: unknown;
  try {
    value = JSON.parse(answer.output);
  } catch {
    value = undefined;
  }
  const ok = Array.isArray(value) && value.length === count && value.every((v) => Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x))); // prettier-ignore
  if (!ok) throw new ProviderAnswerError(answer.jobKey, `the answer is not ${count} embedding(s)`);
  return value as number[][];
}

/**
 * Runs one embedding job on the network: places it (nothing is paid if no provider accepts), reads
 * the miner's `done` event and checks it (output hash, token count within `maxTokens`), then parses
 * the vectors.
 *
 * @throws {NoProviderError} | {ClientGoneError} before anything is paid; {ProviderAnswerError} when the miner's answer
 *   fails its checks or is not one vector per input.
 */
async function runOne(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  request: EmbedJobRequest,
  startedAt: number,
  signal: AbortSignal | undefined,
): Promise<{ intent: JobIntent; answer: Answer; row: JobRow; embeddings: number[][] }> {
  const intent = embedIntentOf(request, catalog);
  const { answer, row } = await runNetworkJob(ctx, intent, { token: () => undefined }, startedAt, signal);
  return { intent, answer, row, embeddings: vectorsOf(answer, request.input.length) };
}

/**
 * Runs an embedding request on the network: one job, or several one after another when the input
 * is larger than one job may be (see the module).
 *
 * @param startedAt `performance.now()` when the client's request arrived.
 * @param signal Aborted when the client hangs up: no further job is placed.
 * @throws {ClientGoneError} (499) when `signal` was aborted before a job was placed (none is from then on);
 *   {UnknownModelError} | {NoProviderError} before anything is paid (for a later job of a
 *   split request: after the earlier ones were); {ProviderAnswerError} when a miner's answer fails
 *   its checks or is not one vector per input.
 */
export async function runEmbedding(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  request: EmbedJobRequest,
  startedAt: number,
  signal?: AbortSignal,
): Promise<EmbedJobResult> {
  const limit = await largestJob(ctx, catalog.resolve(request.model).digest);
  const groups = limit === undefined ? [[0, request.input.length] as [number, number]] : embedGroups(request.input, limit); // prettier-ignore
  const jobs: EmbedJob[] = [];
  const embeddings: number[][] = [];
  for (const [start, end] of groups) {
    const one = await runOne(ctx, catalog, { ...request, input: request.input.slice(start, end) }, startedAt, signal); // prettier-ignore
    jobs.push({ intent: one.intent, answer: one.answer, row: one.row, inputs: [start, end] });
    embeddings.push(...one.embeddings);
  }
  const tokenCount = jobs.reduce((n, j) => n + j.answer.tokenCount, 0);
  return { jobs, embeddings, tokenCount, totalNs: Math.round((performance.now() - startedAt) * 1e6) };
}

/**
 * The `aitbc` field of an embedding answer (all three APIs): `token_count` (input tokens paid for)
 * and `max_fee` (wei reserved) of the request, and each job: which, where, for how much, over which
 * inputs; `output_hash` is keccak256 of that job's vectors' JSON.
 */
export function embedAitbcField(result: EmbedJobResult) {
  return {
    kind: "embed" as const,
    token_count: result.tokenCount,
    max_fee: result.jobs.reduce((n, j) => n + BigInt(j.row.maxFee), 0n).toString(),
    jobs: result.jobs.map((job) => ({ ...jobField(job), inputs: job.inputs })),
  };
}

/** Response headers naming the jobs (`x-aitbc-job-key`, `x-aitbc-provider`, `x-aitbc-path`; comma-separated for several). */
export function embedHeaders(result: EmbedJobResult): Record<string, string> {
  const list = (f: (j: EmbedJob) => string) => result.jobs.map(f).join(", ");
  return {
    "x-aitbc-job-key": list((j) => j.answer.jobKey),
    "x-aitbc-provider": list((j) => j.answer.provider),
    "x-aitbc-path": list((j) => j.answer.path),
  };
}
