/**
 * The gateway: an HTTP server that speaks Ollama's API (`/api/version`, `/api/tags`, `/api/show`,
 * `/api/generate`, `/api/chat`; NDJSON streaming and `stream: false`) and turns each inference
 * request into a job on the network, paid from a configured agent wallet (or a plain account).
 * Answers are Ollama's shapes plus an `aitbc` field: job id, fee, provider, receipt, and how the
 * job was matched.
 *
 * Matching, per request: the gateway asks the coordinator's relay for ranked offers (`/v1/match`,
 * the SDK's `rankOffers` over the miners' offers and trust scores), requests a signed quote from the
 * best provider (then the next, while time is left) through the relay — for the prompt it has just
 * posted (its hash) and the job's duration (`deadlineS`) — checks it (fields, then the SDK's
 * `verifyQuote`) and opens the job with `openJobWithQuote` with a deadline the quote allows
 * (`minDuration` after the latest block plus a margin) — assigned to that provider, no claim. Without a match or a valid quote within `matchTimeoutMs` (or if the quoted open reverts),
 * it opens a plain job that any eligible miner may claim (`matched: "open"`). Each path is logged.
 *
 * The consumer's archive: for every job it pays for, the gateway keeps the exact payload bytes (the
 * `promptHash` preimage), the output and, for a batch job, the signed request in a {@link JobArchive}
 * keyed by the job key (`bytes32(jobId)`, or the request digest), and serves them on its own HTTP server
 * (`GET /v1/jobs/<jobKey>/payload|output|request`, before the Ollama routes), so any watcher can fetch
 * them from the consumer as well as from the provider during the challenge window.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { encodeFunctionData, type Address, type Hex, type TransactionReceipt } from "viem";

import {
  agentWalletAbi,
  depositThroughAgentWallet,
  depositToBatchEscrow,
  findBatchJobSettlement,
  getBatchDeposit,
  hashBatchJobRequest,
  jobEscrowAbi,
  jobKeyOfJobId,
  openJobWithQuote,
  QUOTE_DEADLINE_MARGIN_S,
  signBatchJobRequest,
  verifyQuote,
  type BatchJobRequest,
  type Quote,
} from "@aitbc/sdk";
import { revertName, type ChainAdapter } from "../shared/chain.js";
import { RelayClient, type MatchedOffer, type ServedModel } from "../coordinator/relay.js";
import type { ChatMessage } from "../backends/backend.js";
import { canonicalPayload, outputHash, type JobPayload } from "../shared/protocol.js";
import { listen } from "../shared/listen.js";
import { handleArchiveRequest, JobArchive } from "../archive/archive.js";

export interface GatewayOptions {
  chain: ChainAdapter;
  relayUrl: string;
  /** Pay from this AgentWallet (the chain account must be its agent key); default: the account itself. */
  agentWallet?: Address;
  /**
   * Price per token paid for an open job, and the most a quote may ask (wei of AITBC).
   */
  pricePerToken: bigint;
  /**
   * Time for matching and a provider's quote per request (ms, default 1 500); after it, an open
   * job. 0 = never match (always an open job).
   */
  matchTimeoutMs?: number;
  /** Where the path of each job is logged (default: console, prefixed `[gateway]`). */
  log?: (line: string) => void;
  /** `num_predict` when the request has none (default 256). */
  defaultMaxTokens?: number;
  /**
   * Job duration, seconds (default 1 day): an open job's deadline is now + this; a quote is
   * requested for this duration and opened with a deadline of its `minDuration` after the latest
   * block plus {@link QUOTE_DEADLINE_MARGIN_S}.
   */
  deadlineS?: number;
  /** How long to wait for a miner's answer (ms, default 120 s). */
  resultTimeoutMs?: number;
  /**
   * Batch settlement (needs the chain adapter's `BatchEscrow`): each job is a signed
   * `BatchJobRequest` to the matched provider, paid from the consumer's deposit in the escrow, which
   * the gateway tops up by `topUp` wei (through the agent wallet's `payInto`, so its spending limit
   * applies) whenever it would not cover the jobs in flight. The request's deadline is `deadlineS`
   * ahead. Without an accepting provider within `matchTimeoutMs`, the job takes the per-job path.
   * Absent: every job is a `JobEscrow` job (quote, or open).
   */
  batch?: { topUp: bigint };
  /**
   * The consumer's job archive (SQLite file; default `":memory:"`, kept only while the gateway runs):
   * payload, output and signed request of every job paid for, served on the gateway's port.
   */
  archivePath?: string;
  host?: string;
  port?: number;
}

export interface GatewayJobRecord {
  jobId: bigint;
  model: string;
  tokens: number;
  fee: bigint;
  provider: string;
  /**
   * How the job found its provider: a signed quote (assigned at open), an open job (claimed), or a
   * signed batch request (settled in a batch; `jobId` is then 0 and `batch` says where).
   */
  matched: "quote" | "open" | "batch";
  /** For a batch job: its batch, position and request digest. */
  batch?: { batchId: bigint; index: bigint; requestDigest: Hex };
  /** Price paid, wei per token. */
  pricePerToken: bigint;
  openedAt: number;
  answeredAt: number;
}

export interface Gateway {
  url: string;
  jobs: GatewayJobRecord[];
  /** Deposits made into BatchEscrow (wei each), in order. */
  deposits: bigint[];
  /** The consumer's archive (also served at `url`). */
  archive: JobArchive;
  /** Stops serving and closes the archive. */
  close(): Promise<void>;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "invalid JSON body");
  }
}

/** A provider's quote that the gateway will not use (checked before any transaction). */
export class QuoteRejectedError extends Error {
  override name = "QuoteRejectedError";
  constructor(readonly reason: string) {
    super(`quote rejected: ${reason}`);
  }
}

/** What the gateway asked a provider to quote. */
export interface ExpectedQuote {
  provider: Address;
  /** Who opens the job (the agent wallet, or the gateway's account). */
  consumer: Address;
  modelDigest: Hex;
  /** The prompt the quote must be for (bytes32). */
  promptHash: Hex;
  maxTokens: number;
  /** The most the gateway pays, wei per token. */
  maxPricePerToken: bigint;
  /** The longest `minDuration` the gateway gives (the duration it asked for), seconds. */
  maxDuration: number;
  /** The quote must be valid at least until this time, Unix seconds of chain time. */
  minExpiry: bigint;
}

/**
 * Checks a provider's signed quote before any transaction: every field against what was asked
 * for, then the signature against `quote.provider` with the SDK's `verifyQuote` (EIP-712 domain of
 * this escrow and chain; ERC-1271 for contract providers).
 *
 * @returns The quote, when it can be opened.
 * @throws {QuoteRejectedError} with the reason otherwise.
 */
export async function acceptQuote(
  chain: ChainAdapter,
  signed: { quote: Quote; signature: Hex },
  expected: ExpectedQuote,
): Promise<Quote> {
  const { quote } = signed;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(quote.provider, expected.provider))
    throw new QuoteRejectedError(`it is from ${quote.provider}, not ${expected.provider}`);
  if (!same(quote.consumer, expected.consumer))
    throw new QuoteRejectedError(`it is for consumer ${quote.consumer}, not ${expected.consumer}`);
  if (!same(quote.modelDigest, expected.modelDigest))
    throw new QuoteRejectedError(`it is for model ${quote.modelDigest}, not ${expected.modelDigest}`);
  if (!same(quote.promptHash, expected.promptHash))
    throw new QuoteRejectedError(`it is for prompt ${quote.promptHash}, not ${expected.promptHash}`);
  if (quote.minDuration > BigInt(expected.maxDuration))
    throw new QuoteRejectedError(`it needs ${quote.minDuration} s, more than the ${expected.maxDuration} s asked for`); // prettier-ignore
  if (quote.maxTokens !== BigInt(expected.maxTokens))
    throw new QuoteRejectedError(`it covers ${quote.maxTokens} tokens, not ${expected.maxTokens}`);
  if (quote.pricePerToken > expected.maxPricePerToken)
    throw new QuoteRejectedError(`its price ${quote.pricePerToken} wei/token is above ${expected.maxPricePerToken}`); // prettier-ignore
  if (quote.expiry < expected.minExpiry)
    throw new QuoteRejectedError(`it expires at ${quote.expiry}, before ${expected.minExpiry}`);
  if (!(await verifyQuote(chain.public, { contracts: chain.contracts, quote, signature: signed.signature })))
    throw new QuoteRejectedError(`the signature is not ${quote.provider}'s (verifyQuote)`);
  return quote;
}

function send(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(value));
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { chain } = options;
  const relay = new RelayClient(options.relayUrl);
  const jobs: GatewayJobRecord[] = [];
  const log = options.log ?? ((line: string) => console.log(`[gateway] ${line}`));
  const consumer = options.agentWallet ?? chain.address;
  const archive = new JobArchive({ path: options.archivePath ?? ":memory:" });

  /**
   * Match, then a quote from the best provider that gives one in time; else the reason why not.
   */
  async function findQuote(
    modelDigest: Hex,
    maxTokens: number,
    promptHash: Hex,
    duration: number,
  ): Promise<{ quote: Quote; signature: Hex } | { reason: string }> {
    const budget = options.matchTimeoutMs ?? 1_500;
    if (budget <= 0) return { reason: "matching is off" };
    const end = Date.now() + budget;
    const left = () => Math.max(0, end - Date.now());
    const call = () => ({ attempts: 1, timeoutMs: Math.max(1, left()) });
    let ranked;
    try {
      ranked = await relay.match(
        { consumer, modelDigest, maxTokens, maxPricePerToken: options.pricePerToken },
        call(),
      );
    } catch (error) {
      return { reason: `match failed: ${(error as Error).message}` };
    }
    if (ranked === undefined) return { reason: "the relay does no matching" };
    if (ranked.length === 0) return { reason: "no offer matches" };
    const reasons: string[] = [];
    for (const offer of ranked) {
      if (left() <= 0) break;
      const who = offer.provider.slice(0, 10);
      try {
        const id = await relay.requestQuote(
          { provider: offer.provider, consumer, modelDigest, promptHash, maxTokens, pricePerToken: offer.pricePerToken, duration }, // prettier-ignore
          call(),
        );
        let answer = await relay.quoteAnswer(id, left(), { attempts: 1, timeoutMs: left() + 1_000 });
        while (answer.status === "pending" && left() > 0)
          answer = await relay.quoteAnswer(id, left(), { attempts: 1, timeoutMs: left() + 1_000 });
        if (answer.status === "pending") {
          reasons.push(`${who}: no quote within ${budget} ms`);
          break;
        }
        if (answer.status === "refused") {
          reasons.push(`${who} refused: ${answer.reason}`);
          continue;
        }
        const quote = await acceptQuote(chain, answer, {
          provider: offer.provider,
          consumer,
          modelDigest,
          promptHash,
          maxTokens,
          maxPricePerToken: options.pricePerToken,
          maxDuration: duration,
          minExpiry: BigInt((await chain.now()) + 5),
        });
        return { quote, signature: answer.signature };
      } catch (error) {
        reasons.push(`${who}: ${(error as Error).message}`);
      }
    }
    return { reason: reasons.join("; ") || `no quote within ${budget} ms` };
  }

  /**
   * Opens the job with a quote (through the agent wallet when configured), for the quote's prompt
   * hash, with a deadline of `quote.minDuration` after the latest block plus a margin for the time
   * until inclusion: never sooner than the provider agreed to.
   */
  async function openQuoted(signed: { quote: Quote; signature: Hex }) {
    const { quote, signature } = signed;
    const deadline = BigInt(await chain.now()) + quote.minDuration + QUOTE_DEADLINE_MARGIN_S;
    if (!options.agentWallet)
      return chain
        .send("openJobWithQuote", (client) =>
          openJobWithQuote(client, { contracts: chain.contracts, quote, signature, deadline }),
        )
        .then(({ receipt }) => receipt);
    const args = [
      {
        ...quote,
        maxTokens: Number(quote.maxTokens),
        minDuration: Number(quote.minDuration),
        expiry: Number(quote.expiry),
      },
      signature,
      Number(deadline),
    ] as const;
    return chain.writeTo(options.agentWallet, agentWalletAbi, "execute", [
      chain.config.addresses.escrow,
      0n,
      encodeFunctionData({ abi: jobEscrowAbi, functionName: "openJobWithQuote", args }),
    ], "openJobWithQuote (agent wallet)"); // prettier-ignore
  }
  // ---------------------------------------------------------------- batch settlement
  /** Max fees (wei) of batch jobs in flight: the deposit must cover them all. */
  let reserved = 0n;
  let topUpQueue: Promise<unknown> = Promise.resolve();
  /** Deposits into BatchEscrow wei: the tops-ups made, for the reports. */
  const deposits: bigint[] = [];

  /** Reserves `amount` wei of the deposit for one job, topping it up first if needed (serialized). */
  function reserve(amount: bigint): Promise<void> {
    const step = topUpQueue.then(async () => {
      const { balance } = await getBatchDeposit(chain.public, {
        contracts: chain.contracts,
        account: consumer,
      });
      if (balance < reserved + amount) {
        const topUp = options.batch!.topUp > reserved + amount - balance ? options.batch!.topUp : reserved + amount - balance; // prettier-ignore
        if (options.agentWallet) {
          const agentWallet = options.agentWallet;
          await chain.send("deposit (agent wallet payInto)", (client) => depositThroughAgentWallet(client, { contracts: chain.contracts, agentWallet, amount: topUp })); // prettier-ignore
        } else {
          await chain.send("deposit", (client) => depositToBatchEscrow(client, { contracts: chain.contracts, amount: topUp })); // prettier-ignore
        }
        deposits.push(topUp);
        log(`deposited ${topUp} wei into BatchEscrow for ${consumer}`);
      }
      reserved += amount;
    });
    topUpQueue = step.catch(() => undefined);
    return step;
  }

  /**
   * Signs one batch request per ranked offer (the same nonce for all: at most one of them can ever
   * settle) until a provider accepts it; the accepted request and its digest, or why none did.
   */
  async function findBatchProvider(
    modelDigest: Hex,
    maxTokens: number,
    promptHash: Hex,
    duration: number,
  ): Promise<
    { request: BatchJobRequest; digest: Hex; signature: Hex; fromBlock: bigint } | { reason: string }
  > {
    const budget = options.matchTimeoutMs ?? 1_500;
    if (budget <= 0) return { reason: "matching is off" };
    const end = Date.now() + budget;
    const left = () => Math.max(0, end - Date.now());
    let ranked: MatchedOffer[] | undefined;
    try {
      ranked = await relay.match({ consumer, modelDigest, maxTokens, maxPricePerToken: options.pricePerToken }, { attempts: 1, timeoutMs: Math.max(1, left()) }); // prettier-ignore
    } catch (error) {
      return { reason: `match failed: ${(error as Error).message}` };
    }
    if (ranked === undefined) return { reason: "the relay does no matching" };
    if (ranked.length === 0) return { reason: "no offer matches" };
    const nonce = BigInt(`0x${randomBytes(32).toString("hex")}`);
    const chainId = await chain.public.getChainId();
    const fromBlock = await chain.public.getBlockNumber();
    const reasons: string[] = [];
    for (const offer of ranked) {
      if (left() <= 0) break;
      const who = offer.provider.slice(0, 10);
      const request: BatchJobRequest = {
        consumer,
        provider: offer.provider,
        modelDigest,
        promptHash,
        pricePerToken: offer.pricePerToken,
        maxTokens: BigInt(maxTokens),
        deadline: BigInt((await chain.now()) + duration),
        nonce,
      };
      try {
        const signature = await signBatchJobRequest(chain.wallet, { contracts: chain.contracts, request, ...(options.agentWallet ? { agentWallet: options.agentWallet } : {}) }); // prettier-ignore
        const digest = hashBatchJobRequest({ chainId, escrow: chain.addressOf("batchEscrow"), request });
        const id = await relay.postBatchRequest({ request, signature, requestDigest: digest }, { attempts: 1, timeoutMs: Math.max(1, left()) }); // prettier-ignore
        let answer = await relay.batchRequestAnswer(id, left(), { attempts: 1, timeoutMs: left() + 1_000 });
        while (answer.status === "pending" && left() > 0)
          answer = await relay.batchRequestAnswer(id, left(), { attempts: 1, timeoutMs: left() + 1_000 });
        if (answer.status === "accepted") return { request, digest, signature, fromBlock };
        reasons.push(answer.status === "refused" ? `${who} refused: ${answer.reason}` : `${who}: no answer within ${budget} ms`); // prettier-ignore
      } catch (error) {
        reasons.push(`${who}: ${(error as Error).message}`);
      }
    }
    return { reason: reasons.join("; ") || `no provider accepted within ${budget} ms` };
  }

  /** Waits for the batch job's output (relay) and settlement (`BatchJobSettled`), checked against each other. */
  async function awaitBatchResult(accepted: { request: BatchJobRequest; digest: Hex; fromBlock: bigint }) {
    const waitUntil = Date.now() + (options.resultTimeoutMs ?? 120_000);
    let output: string | undefined;
    while (Date.now() < waitUntil) {
      output ??= await relay.getBatchResult(
        accepted.digest,
        Math.min(2_000, Math.max(1, waitUntil - Date.now())),
      );
      if (output === undefined) continue;
      const settled = await findBatchJobSettlement(chain.public, { contracts: chain.contracts, consumer, requestDigest: accepted.digest, fromBlock: accepted.fromBlock }); // prettier-ignore
      if (!settled) {
        await sleepMs(100);
        continue;
      }
      if (settled.outputHash.toLowerCase() !== outputHash(output).toLowerCase())
        throw new HttpError(502, `batch job ${accepted.digest}: the relayed output does not match the settled output hash`); // prettier-ignore
      return { output, settled };
    }
    throw new HttpError(504, `batch job ${accepted.digest}: not settled within ${options.resultTimeoutMs ?? 120_000} ms`); // prettier-ignore
  }

  let modelCache: { at: number; models: ServedModel[] } | undefined;
  const models = async () => {
    if (!modelCache || Date.now() - modelCache.at > 2_000)
      modelCache = { at: Date.now(), models: await relay.models() };
    return modelCache.models;
  };
  const findModel = async (name: string) => {
    const all = await models();
    const m = all.find((x) => x.name === name || x.name === `${name}:latest`);
    if (!m) throw new HttpError(404, `model '${name}' not found`);
    return m;
  };

  /** Opens the job, waits for the miner's checked answer. */
  async function runJob(body: Record<string, unknown>, chat: boolean) {
    const model = await findModel(String(body.model ?? ""));
    const opts = (body.options ?? {}) as { seed?: number; num_predict?: number };
    const payload: JobPayload = {
      model: model.name,
      ...(chat
        ? {
            messages: ((body.messages ?? []) as ChatMessage[]).map((m) => ({
              role: m.role,
              content: m.content,
            })),
          }
        : { prompt: String(body.prompt ?? "") }),
      seed: opts.seed ?? 0,
      nonce: randomBytes(8).toString("hex"),
    };
    const maxTokens =
      opts.num_predict && opts.num_predict > 0 ? opts.num_predict : (options.defaultMaxTokens ?? 256);
    const promptHash = await relay.putPrompt(payload);
    const openedAt = performance.now();
    const duration = options.deadlineS ?? 86_400; // of the job, seconds of chain time
    let why = "";
    if (options.batch && chain.config.addresses.batchEscrow) {
      const most = BigInt(maxTokens) * options.pricePerToken;
      await reserve(most);
      try {
        const accepted = await findBatchProvider(model.digest, maxTokens, promptHash, duration);
        if ("request" in accepted) {
          log(`batch request ${accepted.digest.slice(0, 10)}: accepted by ${accepted.request.provider}`);
          const r = accepted.request;
          archive.put(accepted.digest, {
            payload: canonicalPayload(payload),
            request: { consumer: r.consumer, provider: r.provider, modelDigest: r.modelDigest, promptHash: r.promptHash, pricePerToken: r.pricePerToken.toString(), maxTokens: r.maxTokens.toString(), deadline: r.deadline.toString(), nonce: r.nonce.toString(), signature: accepted.signature }, // prettier-ignore
          });
          const { output, settled } = await awaitBatchResult(accepted);
          archive.put(accepted.digest, { output });
          const price = accepted.request.pricePerToken;
          const record: GatewayJobRecord = {
            jobId: 0n,
            model: model.name,
            tokens: Number(settled.tokenCount),
            fee: settled.fee,
            provider: accepted.request.provider,
            matched: "batch",
            pricePerToken: price,
            openedAt,
            answeredAt: performance.now(),
            batch: { batchId: settled.batchId, index: settled.index, requestDigest: accepted.digest },
          };
          jobs.push(record);
          return {
            output,
            record,
            aitbc: {
              job_id: `batch-${settled.batchId}-${settled.index}`,
              fee: settled.fee.toString(),
              price_per_token: price.toString(),
              matched: "batch" as const,
              token_count: record.tokens,
              provider: accepted.request.provider,
              model_digest: model.digest,
              batch: { batch_id: settled.batchId.toString(), index: Number(settled.index), request_digest: accepted.digest, nonce: accepted.request.nonce.toString() }, // prettier-ignore
              receipt: {
                prompt_hash: promptHash,
                output_hash: settled.outputHash,
                tx: settled.transactionHash,
              },
            },
          };
        }
        why = `batch: ${accepted.reason}; `;
      } finally {
        reserved -= most;
      }
    }
    let receipt: TransactionReceipt | undefined;
    let matched: "quote" | "open" = "open";
    let price = options.pricePerToken;
    const signed = await findQuote(model.digest, maxTokens, promptHash, duration);
    const deadline = (await chain.now()) + duration;
    if ("quote" in signed) {
      try {
        receipt = await openQuoted(signed);
        matched = "quote";
        price = signed.quote.pricePerToken;
      } catch (error) {
        why += `openJobWithQuote failed: ${revertName(error) ?? (error as Error).message.split("\n")[0]}`;
      }
    } else why += signed.reason;
    if (!receipt) {
      const request = {
        modelDigest: model.digest,
        promptHash,
        maxTokens,
        pricePerToken: price,
        deadline,
        minTier: 0,
      };
      receipt = options.agentWallet
        ? await chain.writeTo(options.agentWallet, agentWalletAbi, "execute", [
            chain.config.addresses.escrow,
            0n,
            encodeFunctionData({ abi: jobEscrowAbi, functionName: "openJob", args: [request] }),
          ], "openJob (agent wallet)") // prettier-ignore
        : await chain.write("escrow", "openJob", [request]);
    }
    const jobId = chain.openedJobId(receipt);
    archive.put(jobKeyOfJobId(jobId), { payload: canonicalPayload(payload) });
    if (matched === "quote" && "quote" in signed)
      log(`job ${jobId}: matched by quote to ${signed.quote.provider} at ${price} wei/token`);
    else log(`job ${jobId}: open job, any miner may claim it (${why})`);
    const waitUntil = Date.now() + (options.resultTimeoutMs ?? 120_000);
    while (Date.now() < waitUntil) {
      const output = await relay.getResult(jobId, Math.min(5_000, Math.max(1, waitUntil - Date.now())));
      if (output === undefined) continue;
      const sub = await chain.submission(jobId);
      if (!sub) continue; // not mined yet
      if (sub.outputHash.toLowerCase() !== outputHash(output).toLowerCase()) {
        throw new HttpError(502, `job ${jobId}: the relayed output does not match the on-chain output hash`);
      }
      archive.put(jobKeyOfJobId(jobId), { output });
      const tokens = Number(sub.tokenCount);
      const fee = sub.tokenCount * price;
      const record = {
        jobId,
        model: model.name,
        tokens,
        fee,
        provider: sub.provider,
        matched,
        pricePerToken: price,
        openedAt,
        answeredAt: performance.now(),
      };
      jobs.push(record);
      return {
        output,
        record,
        aitbc: {
          job_id: jobId.toString(),
          fee: fee.toString(),
          price_per_token: price.toString(),
          matched,
          token_count: tokens,
          provider: sub.provider,
          model_digest: model.digest,
          receipt: {
            prompt_hash: promptHash,
            output_hash: sub.outputHash,
            nullifier: sub.nullifier.toString(),
            challenge_ends: sub.challengeEnds.toString(),
            tx: sub.txHash,
          },
        },
      };
    }
    throw new HttpError(
      504,
      `job ${jobId}: no miner answered within ${options.resultTimeoutMs ?? 120_000} ms`,
    );
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://gw").pathname;
    if (req.method === "GET" && path === "/api/version") return send(res, 200, { version: "0.6.8-aitbc" });
    if (req.method === "GET" && path === "/api/tags") {
      return send(res, 200, {
        models: (await models()).map((m) => ({
          name: m.name,
          model: m.name,
          modified_at: new Date(0).toISOString(),
          size: 0,
          digest: m.digest.slice(2),
          details: { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }, // prettier-ignore
          aitbc: { providers: m.providers },
        })),
      });
    }
    if (req.method !== "POST") throw new HttpError(404, "not found");
    const body = await readJson(req);
    if (path === "/api/show") {
      const m = await findModel(String(body.model ?? body.name ?? ""));
      return send(res, 200, {
        modelfile: `# served by the AITBC network\nFROM ${m.name}`,
        parameters: "temperature 0",
        template: "{{ .Prompt }}",
        details: { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }, // prettier-ignore
        model_info: { "aitbc.model_digest": m.digest, "aitbc.providers": m.providers.length },
        modified_at: new Date(0).toISOString(),
      });
    }
    if (path !== "/api/generate" && path !== "/api/chat") throw new HttpError(404, "not found");
    const chat = path === "/api/chat";
    const started = process.hrtime.bigint();
    const stream = body.stream !== false;
    // validate the model before committing to a streamed 200
    await findModel(String(body.model ?? ""));
    const result = await runJob(body, chat);
    const base = { model: String(body.model), created_at: new Date().toISOString() };
    const piece = (text: string) =>
      chat ? { message: { role: "assistant", content: text } } : { response: text };
    const final = {
      done: true,
      done_reason: "stop",
      total_duration: Number(process.hrtime.bigint() - started),
      load_duration: 0,
      prompt_eval_count: 0,
      prompt_eval_duration: 0,
      eval_count: result.record.tokens,
      eval_duration: Math.round((result.record.answeredAt - result.record.openedAt) * 1e6),
      aitbc: result.aitbc,
    };
    if (!stream) return send(res, 200, { ...base, ...piece(result.output), ...final });
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const word of result.output.match(/\S+\s*|\s+/g) ?? [])
      res.write(JSON.stringify({ ...base, ...piece(word), done: false }) + "\n");
    res.end(JSON.stringify({ ...base, ...piece(""), ...final }) + "\n");
  };

  const server: Server = createServer((req, res) => {
    if (handleArchiveRequest(archive, req, res)) return;
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) send(res, status, { error: (error as Error).message });
      else res.end(JSON.stringify({ error: (error as Error).message }) + "\n");
    });
  });
  try {
    await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  } catch (error) {
    archive.close(); // a port in use: nothing was served
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    jobs,
    deposits,
    archive,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          archive.close();
          resolve();
        });
      }),
  };
}
