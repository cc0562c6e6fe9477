/**
 * The miner's batch settlement (`BatchEscrow`): consumers' signed `BatchJobRequest`s arrive through
 * the coordinator's relay; the miner checks each one before it works on it (addressed to it, a model
 * it serves, at least its ask, a deadline it can meet with the batch wait, the prompt on the relay
 * under the request's prompt hash, the signature as the escrow will check it, the nonce unused and not
 * already pending, the consumer's deposit covering the most its pending requests can cost), accepts
 * it on the relay, answers it in an inference slot, publishes the output under the request digest,
 * and settles the answered jobs in batches: as soon as `size` jobs wait, or when the oldest has
 * waited `maxWaitMs`. Before proving, the batch is checked again as `settleBatch` will check it (the
 * SDK's `checkBatchJobs`: nonce, deadline, signature, deposit against the real fees); one
 * batch-receipt proof binds the provider's identity to the jobs' Merkle root; `settleBatch` sends it.
 * After the batch's challenge window the miner finalizes it and withdraws its earnings.
 *
 * Crash safety: every step is journaled (fsync) before the next (see `journal.ts`: `claimed` →
 * `inferred` → `proved` (in batch attempt `batchKey`, sent or about to be) → `submitted` (settled in
 * `batchId`) → `finalized`). On start, and after a failed send, each unfinished job is reconciled with
 * the chain: a nonce the escrow has used means the job was settled (its `BatchJobSettled` event gives
 * the batch, adopted if ours); an unused nonce of a job in a sent batch means the transaction is not
 * on-chain, and the job goes back to be batched again. The escrow's nonce bitmap refuses a second
 * settlement of any request, so no job is lost and none is settled twice.
 *
 * Disputes: every job's payload, output and signed request are archived (`JobArchive`, served over HTTP by
 * the miner) before it is journaled as answered. The settler follows `BatchJobDisputed` from the blocks of
 * its batches still inside their challenge + reveal windows (chunks of at most `MAX_LOG_RANGE` blocks); a
 * dispute of one of its jobs is journaled (`dispute: "open"`) and answered with the SDK's `revealBatchJob`
 * (request from the journal, prompt bytes from the archive — else the relay, checked against the
 * `promptHash` —, output from the journal), then journaled `revealed`. A restarted miner rescans those
 * blocks and reveals every journaled `open` dispute: an honest miner never loses a dispute by withholding.
 */
import { randomBytes } from "node:crypto";

import { keccak256, toHex, type Address, type Hex } from "viem";

import {
  batchEscrowAbi,
  inferenceEvidence,
  marketPolicyAbi,
  batchCommitment,
  batchJobKey,
  batchJobsRoot,
  batchLeaves,
  checkBatchJobs,
  finalizeBatch,
  findBatchJobSettlement,
  getBatch,
  getBatchDeposit,
  getBatchWithdrawable,
  hashBatchJobRequest,
  identityCommitment,
  isBatchNonceUsed,
  proveBatchReceipt,
  revealBatchJob,
  settleBatch,
  verifyBatchJobRequest,
  withdrawBatchEarnings,
  type BatchJobInput,
  type BatchJobRequest,
  type BatchLeaf,
  type BatchRevealRequest,
} from "@aitbc/sdk";
import type { JobArchive } from "../archive/archive.js";
import { revertName, type ChainAdapter } from "../shared/chain.js";
import { RelayClient, batchRequestFromJson, type BatchRequestMessage } from "../coordinator/relay.js";
import { BackendError, type InferenceBackend, type InferenceResult } from "../backends/backend.js";
import { canonicalPayload, outputHash, payloadHash, type JobPayload } from "../shared/protocol.js";
import { sleep, type limiter } from "../shared/retry.js";
import { MAX_LOG_RANGE } from "../watcher/watcher.js";
import type { JobJournal, JournalEntry } from "./journal.js";

/** How the miner batches its settlements. */
export interface BatchSettings {
  /** Jobs per batch, 1–256: a batch is sent as soon as this many answered jobs wait. */
  size: number;
  /** Longest time an answered job waits for its batch to fill, milliseconds. */
  maxWaitMs: number;
  /** Least seconds a request must have left before its deadline when its batch is sent (default 120). */
  deadlineMarginS?: number;
}

/** What a batch-receipt prover is given. */
export interface BatchProofInput {
  /** The provider's identity secret. */
  secret: bigint;
  /** Poseidon(secret), as registered in staking. */
  identityCommitment: bigint;
  /** `batchCommitment(chainId, escrow, provider, jobsRoot, jobCount)`: the proof's public signal. */
  commitment: bigint;
  provider: Address;
  jobsRoot: Hex;
  leaves: BatchLeaf[];
}

/** Proves a batch receipt: the proof as the 8 words `settleBatch` takes. */
export type BatchProver = (input: BatchProofInput) => Promise<bigint[]>;

/**
 * The batch-receipt prover of the SDK (`batch_receipt.circom`: knowledge of the identity secret bound
 * to the batch commitment).
 */
export const defaultBatchProver: BatchProver = async ({ secret, commitment }) => [
  ...(await proveBatchReceipt(secret, { commitment })).calldata,
];

/**
 * Builds the proof-of-inference evidence of one batch job of a model with a checker (or undefined
 * when the model has none): `abi.encode(bytes prompt, uint256[8] proof)` bound to `jobKey`.
 */
export type InferenceEvidenceBuilder = (job: {
  payload: JobPayload;
  modelDigest: Hex;
  jobKey: bigint;
  output: string;
}) => Promise<Hex | undefined>;

/** What the batcher needs from its miner. */
export interface BatchContext {
  chain: ChainAdapter;
  backend: InferenceBackend;
  relayUrl: string;
  secret: bigint;
  journal: JobJournal;
  /**
   * The provider's archive: each accepted job's payload, output and signed request are put there (keyed
   * by the request digest) before the job is journaled as answered, and served to watchers.
   */
  archive: JobArchive;
  /** Served models: digest (lower-case) → name. */
  models: ReadonlyMap<string, string>;
  /** The asking price, wei per token. */
  ask: bigint;
  /** Seconds the miner needs for a job of `maxTokens` tokens (before the batch wait). */
  requiredDuration(maxTokens: number): number;
  /** Whether the miner takes more work now. */
  hasCapacity(): boolean;
  /** The miner's inference slots. */
  inferLimit: ReturnType<typeof limiter>;
  stopping(): boolean;
  signal: AbortSignal;
  log(line: string): void;
  note(line: string): void;
}

/** One batch this miner settled. */
export interface SettledBatchRecord {
  batchId: string;
  jobs: number;
  /** Batch-receipt proving time, ms. */
  proveMs: number;
  /** Gas of the `settleBatch` transaction. */
  gas: bigint;
  txHash: Hex;
}

const requestToJson = (r: BatchJobRequest): Record<string, string> => ({
  consumer: r.consumer,
  provider: r.provider,
  modelDigest: r.modelDigest,
  promptHash: r.promptHash,
  pricePerToken: r.pricePerToken.toString(),
  maxTokens: r.maxTokens.toString(),
  deadline: r.deadline.toString(),
  nonce: r.nonce.toString(),
});

/** `IBatchEscrow.DisputeStatus`: Open and ProviderAtFault. */
const DISPUTE_OPEN = 1;
const DISPUTE_PROVIDER_AT_FAULT = 3;

const archiveText = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder("utf-8").decode(bytes);

/** Not yet working on it, answered, or in a batch being sent: what the consumer may still be charged. */
const PENDING = new Set(["claimed", "inferred", "proved"]);

export class BatchSettler {
  readonly batches: SettledBatchRecord[] = [];
  readonly requests = { accepted: 0, refused: 0 };
  finalized = 0;
  earningsWithdrawn = 0n;
  /** Disputed jobs of this miner revealed on-chain by it. */
  revealed = 0;
  /** Next block to scan for `BatchJobDisputed` (set at the first scan). */
  private disputeCursor?: bigint;
  /** Disputed jobs whose data could not be found yet (reported once). */
  private readonly unrevealable = new Set<string>();
  private readonly inflight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private settling?: Promise<void>;
  private chainId?: number;
  private lastRequestError?: string;
  /** The MarketPolicy the BatchEscrow reads (which models need a proof of inference). */
  private policy?: Address;

  constructor(
    readonly ctx: BatchContext,
    readonly settings: BatchSettings,
    private readonly prover: BatchProver,
    private readonly evidence?: InferenceEvidenceBuilder,
  ) {
    if (!Number.isInteger(settings.size) || settings.size < 1 || settings.size > 256)
      throw new Error(`batch size must be an integer in [1, 256], got ${settings.size}`);
  }

  private get address(): Address {
    return this.ctx.chain.address;
  }

  private async id(): Promise<number> {
    this.chainId ??= await this.ctx.chain.public.getChainId();
    return this.chainId;
  }

  /** Batch jobs of the journal that are not finished. */
  open(): JournalEntry[] {
    return this.ctx.journal.open().filter((e) => e.kind === "batch");
  }

  /** Batch jobs accepted but not yet answered (the miner's capacity counts them). */
  get awaitingInference(): number {
    return this.open().filter((e) => e.state === "claimed").length;
  }

  /** The request of a journaled batch job. */
  static request(entry: JournalEntry): BatchJobRequest {
    return batchRequestFromJson(entry.request ?? {});
  }

  // ---------------------------------------------------------------- requests

  /** Long-polls this miner's batch requests on the relay and answers each (until stopped). */
  async runRequests(): Promise<void> {
    const relay = new RelayClient(this.ctx.relayUrl);
    while (!this.ctx.stopping()) {
      try {
        const messages = await relay.batchRequests(this.address, 2_000, {
          attempts: 1,
          signal: this.ctx.signal,
        });
        for (const m of messages) await this.answer(m);
      } catch (error) {
        if (this.ctx.stopping()) return;
        const message = (error as Error).message;
        if (message !== this.lastRequestError) this.ctx.log(`batch requests: ${message}`); // once per cause
        this.lastRequestError = message;
        await sleep(1_000);
      }
    }
  }

  /** Why a signed request must be refused, or undefined. */
  async refusal(m: BatchRequestMessage, relay: RelayClient): Promise<string | undefined> {
    const r = m.request;
    const { chain } = this.ctx;
    if (r.provider.toLowerCase() !== this.address.toLowerCase()) return "not addressed to this provider";
    if (!this.ctx.models.has(r.modelDigest.toLowerCase())) return `model ${r.modelDigest} is not served here`;
    if (r.pricePerToken < this.ctx.ask) return `price ${r.pricePerToken} wei/token is below the ask of ${this.ctx.ask}`; // prettier-ignore
    if (r.maxTokens < 1n || r.maxTokens > 0xffffffffn)
      return `maxTokens ${r.maxTokens} is not a uint32 above 0`;
    if (this.ctx.stopping() || !this.ctx.hasCapacity()) return "no spare capacity";
    let digest: Hex;
    try {
      digest = hashBatchJobRequest({
        chainId: await this.id(),
        escrow: chain.addressOf("batchEscrow"),
        request: r,
      });
    } catch (error) {
      return `malformed request: ${(error as Error).message.split("\n")[0]}`;
    }
    if (digest.toLowerCase() !== String(m.requestDigest).toLowerCase())
      return `the request digest is ${digest}, not ${m.requestDigest}`;
    if (this.ctx.journal.get(digest.toLowerCase())) return "this request was already accepted";
    const needed = this.ctx.requiredDuration(Number(r.maxTokens)) + Math.ceil(this.settings.maxWaitMs / 1000);
    const now = await chain.now();
    if (r.deadline < BigInt(now + needed))
      return `a job of ${r.maxTokens} tokens batched within ${this.settings.maxWaitMs} ms needs a deadline at least ${needed} s ahead, the request gives ${Number(r.deadline) - now} s`; // prettier-ignore
    const pending = this.open().filter((e) => PENDING.has(e.state));
    const sameConsumer = pending.filter(
      (e) => e.request?.consumer?.toLowerCase() === r.consumer.toLowerCase(),
    );
    if (sameConsumer.some((e) => e.request?.nonce === r.nonce.toString()))
      return `nonce ${r.nonce} is already in a pending request of ${r.consumer}`;
    const { contracts } = chain;
    if (await isBatchNonceUsed(chain.public, { contracts, consumer: r.consumer, nonce: r.nonce }))
      return `nonce ${r.nonce} of ${r.consumer} is already settled`;
    if (!(await verifyBatchJobRequest(chain.public, { contracts, request: r, signature: m.signature })))
      return `the signature is not ${r.consumer}'s for this request and escrow`;
    const reserved = sameConsumer.reduce((s, e) => s + BigInt(e.request!.maxTokens!) * BigInt(e.request!.pricePerToken!), 0n); // prettier-ignore
    const { balance } = await getBatchDeposit(chain.public, { contracts, account: r.consumer });
    const most = r.maxTokens * r.pricePerToken;
    if (balance < reserved + most)
      return `the deposit of ${r.consumer} (${balance} wei) does not cover its pending requests (${reserved} wei) and this one (${most} wei)`; // prettier-ignore
    const payload = await relay.getPrompt(r.promptHash).catch(() => undefined);
    if (!payload || payloadHash(payload).toLowerCase() !== r.promptHash.toLowerCase())
      return `the prompt ${r.promptHash} is not on the relay`;
    return undefined;
  }

  /** Accepts (journals first, then answers) or refuses one signed request. */
  async answer(m: BatchRequestMessage): Promise<{ accepted: true } | { refused: string }> {
    const relay = new RelayClient(this.ctx.relayUrl);
    const reason = await this.refusal(m, relay).catch((e: unknown) => `could not check it: ${(e as Error).message.split("\n")[0]}`); // prettier-ignore
    if (reason) {
      this.requests.refused++;
      this.ctx.log(`batch request ${m.id.slice(0, 8)}: refused (${reason})`);
      await relay.answerBatchRequest(m.id, { refused: reason }).catch(() => undefined);
      return { refused: reason };
    }
    const key = m.requestDigest.toLowerCase();
    this.ctx.journal.record(key, "claimed", {
      kind: "batch",
      request: requestToJson(m.request),
      signature: m.signature,
      model: this.ctx.models.get(m.request.modelDigest.toLowerCase()),
      promptHash: m.request.promptHash,
      timings: { acceptedAt: Date.now() },
    });
    this.requests.accepted++;
    await relay.answerBatchRequest(m.id, { accepted: true }).catch(() => undefined);
    this.schedule(key);
    return { accepted: true };
  }

  // ---------------------------------------------------------------- inference

  private schedule(key: string): void {
    if (this.inflight.has(key) || this.ctx.stopping()) return;
    this.inflight.add(key);
    void this.ctx
      .inferLimit(() => this.infer(key))
      .catch((error: unknown) => {
        const transient = !(error instanceof BackendError) || error.transient;
        const attempt = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, attempt);
        const delay = Math.min(30_000, 500 * 2 ** (attempt - 1));
        this.ctx.note(`batch job ${key.slice(0, 10)}: ${(error as Error).message}${transient ? ` — will retry in ${(delay / 1000).toFixed(1)} s` : " — released"}`); // prettier-ignore
        if (!transient) this.ctx.journal.record(key, "released", { reason: (error as Error).message });
        else this.retryAt.set(key, Date.now() + delay);
      })
      .finally(() => this.inflight.delete(key));
  }

  /** Answers one accepted request: prompt from the relay (checked), backend, evidence, journal, publish. */
  private async infer(key: string): Promise<void> {
    if (this.ctx.stopping()) return;
    const entry = this.ctx.journal.get(key);
    if (entry?.state !== "claimed") return;
    const r = BatchSettler.request(entry);
    const relay = new RelayClient(this.ctx.relayUrl);
    const payload = await relay.getPrompt(r.promptHash);
    if (!payload) throw new Error(`the prompt ${r.promptHash} is not on the relay`);
    if (payloadHash(payload).toLowerCase() !== r.promptHash.toLowerCase())
      throw new BackendError(`the relay's prompt does not match the request's prompt hash`, false);
    const model = this.ctx.models.get(r.modelDigest.toLowerCase());
    if (!model) throw new BackendError(`model ${r.modelDigest} is not served here`, false);
    const jobKey = batchJobKey(key as Hex);
    const result = await this.ctx.backend.infer({
      model,
      ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
      seed: payload.seed,
      maxTokens: Number(r.maxTokens),
      payload: canonicalPayload(payload),
      jobKey,
    });
    const tokens = Math.max(1, Math.min(result.tokenCount, Number(r.maxTokens)));
    const evidence = this.evidence
      ? await this.evidence({ payload, modelDigest: r.modelDigest, jobKey, output: result.output })
      : await this.checkerEvidence(r.modelDigest, payload, result.inferenceProof);
    // archived before it is journaled as answered: whatever is settled can be served (and revealed)
    this.ctx.archive.put(key as Hex, {
      payload: canonicalPayload(payload),
      output: result.output,
      request: { ...requestToJson(r), signature: entry.signature },
    });
    this.ctx.journal.record(key, "inferred", {
      output: result.output,
      outputHash: outputHash(result.output),
      tokenCount: tokens,
      ...(evidence ? { inference: evidence } : {}),
      timings: { inferenceMs: result.durationMs, inferredAt: Date.now() },
    });
    await relay
      .putBatchResult(key as Hex, result.output, this.address)
      .catch((e: unknown) =>
        this.ctx.log(
          `batch job ${key.slice(0, 10)}: could not publish the output yet (${(e as Error).message})`,
        ),
      );
  }

  /**
   * The evidence `settleBatch` passes to the model's checker, when the policy names one for the
   * model: `abi.encode(bytes prompt, uint256[8] proof)` of the backend's proof of inference (bound to
   * the job key); undefined for a model settled by receipt and challenge.
   */
  private async checkerEvidence(
    modelDigest: Hex,
    payload: JobPayload,
    proof: InferenceResult["inferenceProof"],
  ) {
    const { chain } = this.ctx;
    this.policy ??= (await chain.public.readContract({ address: chain.addressOf("batchEscrow"), abi: batchEscrowAbi, functionName: "policy" })) as Address; // prettier-ignore
    const checker = await chain.public.readContract({ address: this.policy, abi: marketPolicyAbi, functionName: "checkerOf", args: [modelDigest] }); // prettier-ignore
    if (/^0x0{40}$/i.test(checker)) return undefined;
    if (!proof) throw new BackendError(`model ${modelDigest} needs a proof of inference and the backend gave none`, false); // prettier-ignore
    return inferenceEvidence(canonicalPayload(payload), proof.calldata);
  }

  // ---------------------------------------------------------------- batches

  /** One poll: retries, batches that are due, finalization, withdrawal. */
  async tick(now: number): Promise<void> {
    for (const e of this.open()) {
      if (
        e.state === "claimed" &&
        !this.inflight.has(e.jobId) &&
        (this.retryAt.get(e.jobId) ?? 0) <= Date.now()
      )
        this.schedule(e.jobId);
    }
    if (this.due()) this.settling ??= this.settleDue().finally(() => (this.settling = undefined));
    await this.revealDisputes(now);
    await this.finalizeDue(now);
    const { chain } = this.ctx;
    const credit = await getBatchWithdrawable(chain.public, {
      contracts: chain.contracts,
      account: this.address,
    });
    if (credit > 0n && !this.ctx.stopping()) {
      const { amount } = await chain.send("withdraw (batch)", (client) =>
        withdrawBatchEarnings(client, { contracts: chain.contracts }),
      );
      this.earningsWithdrawn += amount;
    }
  }

  /** Whether a batch should be sent now: `size` answered jobs, or the oldest waited `maxWaitMs`. */
  private due(): boolean {
    const ready = this.open().filter((e) => e.state === "inferred");
    if (ready.length === 0) return false;
    if (ready.length >= this.settings.size) return true;
    const oldest = Math.min(...ready.map((e) => e.timings?.inferredAt ?? 0));
    return Date.now() - oldest >= this.settings.maxWaitMs;
  }

  /** Waits for the batch being sent, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.settling) await this.settling;
  }

  /** Sends batches while one is due. */
  private async settleDue(): Promise<void> {
    while (!this.ctx.stopping() && this.due()) {
      const ready = this.open()
        .filter((e) => e.state === "inferred")
        .sort((a, b) => (a.timings?.inferredAt ?? 0) - (b.timings?.inferredAt ?? 0))
        .slice(0, this.settings.size);
      try {
        await this.settleOne(ready);
      } catch (error) {
        this.ctx.note(
          `batch of ${ready.length}: ${revertName(error) ?? (error as Error).message.split("\n")[0]}`,
        );
        for (const e of ready) await this.reconcileEntry(this.ctx.journal.get(e.jobId)!);
        await sleep(1_000);
        return;
      }
    }
  }

  /** Checks, proves and settles one batch of answered jobs. */
  private async settleOne(entries: JournalEntry[]): Promise<void> {
    const { chain, journal } = this.ctx;
    const { contracts } = chain;
    const input = (e: JournalEntry): BatchJobInput => ({
      request: BatchSettler.request(e),
      signature: e.signature as Hex,
      outputHash: e.outputHash as Hex,
      tokenCount: BigInt(e.tokenCount!),
      ...(e.inference ? { inference: e.inference as Hex } : {}),
    });
    const margin = this.settings.deadlineMarginS ?? 120;
    const all = entries.map(input);
    const { accepted, problems } = await checkBatchJobs(chain.public, {
      contracts,
      provider: this.address,
      jobs: all,
      minDeadline: BigInt((await chain.now()) + margin),
    });
    for (const p of problems) {
      const e = entries[p.index]!;
      if (p.problem === "nonce-used") await this.reconcileEntry(e);
      else journal.record(e.jobId, "released", { reason: `refused before proving: ${p.details}` });
      this.ctx.log(`batch job ${e.jobId.slice(0, 10)}: not batched (${p.problem}: ${p.details})`);
    }
    if (accepted.length === 0) return;
    const batch = accepted.map((i) => entries[i]!);
    const jobs = accepted.map((i) => all[i]!);
    const escrow = chain.addressOf("batchEscrow");
    const chainId = await this.id();
    const leaves = batchLeaves({ chainId, escrow, jobs });
    const jobsRoot = batchJobsRoot(leaves);
    const commitment = batchCommitment({ chainId: BigInt(chainId), escrow, provider: this.address, jobsRoot, jobCount: BigInt(jobs.length) }); // prettier-ignore
    const t = performance.now();
    const proof = await this.prover({
      secret: this.ctx.secret,
      identityCommitment: identityCommitment(this.ctx.secret),
      commitment,
      provider: this.address,
      jobsRoot,
      leaves,
    });
    const proveMs = performance.now() - t;
    const batchKey = randomBytes(8).toString("hex");
    for (const e of batch)
      journal.record(e.jobId, "proved", { batchKey, timings: { batchProveMs: proveMs } });
    const result = await chain.send("settleBatch", (client) =>
      settleBatch(client, { contracts, jobs, proof }),
    );
    const batchId = result.batchId.toString();
    for (const [i, e] of batch.entries())
      journal.record(e.jobId, "submitted", {
        batchId,
        batchIndex: i.toString(),
        settledBlock: result.receipt.blockNumber.toString(),
        txHash: result.hash,
        challengeEnds: Number(result.challengeEnds),
        timings: { settledAt: Date.now() },
      });
    this.batches.push({
      batchId,
      jobs: batch.length,
      proveMs,
      gas: result.receipt.gasUsed,
      txHash: result.hash,
    });
    this.ctx.log(`batch ${batchId}: ${batch.length} job(s) settled (${result.receipt.gasUsed} gas, proof ${Math.round(proveMs)} ms)`); // prettier-ignore
  }

  /** Finalizes every settled batch of ours whose challenge window has passed. */
  private async finalizeDue(now: number): Promise<void> {
    const { chain, journal } = this.ctx;
    const byBatch = new Map<string, JournalEntry[]>();
    for (const e of this.open())
      if (e.state === "submitted" && e.batchId)
        byBatch.set(e.batchId, [...(byBatch.get(e.batchId) ?? []), e]);
    for (const [batchId, entries] of byBatch) {
      if (this.ctx.stopping()) return;
      if ((entries[0]!.challengeEnds ?? 0) > now) continue;
      const id = BigInt(batchId);
      const before = await getBatch(chain.public, { contracts: chain.contracts, batchId: id });
      let txHash: Hex | undefined;
      if (before.status === "Submitted") {
        if (Number(before.challengeEnds) > now) continue;
        try {
          ({ hash: txHash } = await chain.send("finalizeBatch", (client) =>
            finalizeBatch(client, { contracts: chain.contracts, batchId: id }),
          ));
        } catch (error) {
          const after = await getBatch(chain.public, { contracts: chain.contracts, batchId: id });
          if (after.status !== "Finalized") {
            this.ctx.note(
              `batch ${batchId}: finalize failed: ${revertName(error) ?? (error as Error).message}`,
            );
            continue;
          }
        }
      }
      for (const e of entries)
        journal.record(e.jobId, "finalized", {
          ...(txHash ? { txHash } : { reason: "finalized by someone else" }),
          timings: { finalizedAt: Date.now() },
        });
      this.finalized++;
      this.ctx.log(`batch ${batchId}: finalized (${entries.length} job(s))`);
    }
  }

  // ---------------------------------------------------------------- disputes

  /**
   * Follows `BatchJobDisputed` for this miner's batches and reveals each disputed job of its own (see the
   * module's description). At the first call (start, restart) the scan begins at the earliest block of a
   * journaled batch whose challenge window plus the policy's reveal window has not passed; then from the
   * last block scanned. A failure is noted and retried at the next poll.
   *
   * @param now Chain time, Unix seconds.
   */
  async revealDisputes(now: number): Promise<void> {
    const { chain, journal } = this.ctx;
    try {
      const head = await chain.public.getBlockNumber();
      let cursor = (this.disputeCursor ??= await this.disputeScanStart(now, head));
      while (cursor <= head && !this.ctx.stopping()) {
        const toBlock: bigint = head < cursor + MAX_LOG_RANGE - 1n ? head : cursor + MAX_LOG_RANGE - 1n;
        const logs = await chain.public.getContractEvents({
          address: chain.addressOf("batchEscrow"),
          abi: batchEscrowAbi,
          eventName: "BatchJobDisputed",
          fromBlock: cursor,
          toBlock,
        });
        for (const { args } of logs) await this.noteDispute(args.batchId!, args.index!, args.disputer!);
        cursor = this.disputeCursor = toBlock + 1n;
      }
      for (const e of journal.all())
        if (e.kind === "batch" && e.dispute === "open" && !this.ctx.stopping()) await this.reveal(e, now);
    } catch (error) {
      this.ctx.note(`batch disputes: ${revertName(error) ?? (error as Error).message.split("\n")[0]}`);
    }
  }

  /** First block to scan for disputes: the earliest batch of ours that can still be disputed or revealed. */
  private async disputeScanStart(now: number, head: bigint): Promise<bigint> {
    const { chain, journal } = this.ctx;
    const { revealWindow } = await chain.public.readContract({ address: await this.policyAddress(), abi: marketPolicyAbi, functionName: "parameters" }); // prettier-ignore
    let start = head + 1n;
    const seen = new Set<string>();
    for (const e of journal.all()) {
      if (e.kind !== "batch" || !e.batchId || seen.has(e.batchId) || e.dispute === "revealed" || e.dispute === "lost") continue; // prettier-ignore
      seen.add(e.batchId);
      if ((e.challengeEnds ?? Number.MAX_SAFE_INTEGER) + Number(revealWindow) < now) continue;
      const block = e.settledBlock
        ? BigInt(e.settledBlock)
        : (await getBatch(chain.public, { contracts: chain.contracts, batchId: BigInt(e.batchId) })).settledBlock; // prettier-ignore
      if (block < start) start = block;
    }
    return start;
  }

  /** Journals a dispute of one of our batch jobs (`dispute: "open"`), once. */
  private async noteDispute(batchId: bigint, index: bigint, disputer: Address): Promise<void> {
    const { chain, journal } = this.ctx;
    const ours = journal.all().some((e) => e.kind === "batch" && e.batchId === batchId.toString());
    if (!ours) return;
    const dispute = await chain.public.readContract({ address: chain.addressOf("batchEscrow"), abi: batchEscrowAbi, functionName: "disputeOf", args: [batchId, index] }); // prettier-ignore
    const entry = journal.get(dispute.requestDigest.toLowerCase());
    if (!entry || entry.kind !== "batch" || entry.batchId !== batchId.toString() || entry.dispute) return;
    journal.record(entry.jobId, entry.state, {
      dispute: "open",
      batchIndex: index.toString(),
      reason: `job ${index} of batch ${batchId} disputed by ${disputer}`,
    });
    this.ctx.log(`batch ${batchId} job ${index}: disputed by ${disputer}; revealing its data`);
  }

  /**
   * Reveals one disputed job on-chain (request from the journal, payload from the archive or the relay,
   * output from the journal or the archive, each checked against its hash first), unless its dispute is
   * no longer open; journals the outcome.
   */
  private async reveal(entry: JournalEntry, now: number): Promise<void> {
    const { chain, journal, archive } = this.ctx;
    const { contracts } = chain;
    const batchId = BigInt(entry.batchId!);
    const index = BigInt(entry.batchIndex!);
    const dispute = await chain.public.readContract({ address: chain.addressOf("batchEscrow"), abi: batchEscrowAbi, functionName: "disputeOf", args: [batchId, index] }); // prettier-ignore
    const status = Number(dispute.status);
    if (status !== DISPUTE_OPEN) {
      const lost = status === DISPUTE_PROVIDER_AT_FAULT;
      journal.record(entry.jobId, entry.state, { dispute: lost ? "lost" : "revealed", reason: `dispute status ${status} on-chain` }); // prettier-ignore
      return;
    }
    if (Number(dispute.revealDeadline) < now) {
      journal.record(entry.jobId, entry.state, { dispute: "lost", reason: `reveal window closed at ${dispute.revealDeadline}` }); // prettier-ignore
      this.ctx.note(`batch ${batchId} job ${index}: the reveal window closed before the miner could reveal`);
      return;
    }
    const r = BatchSettler.request(entry);
    const prompt = await this.promptBytes(entry.jobId as Hex, r.promptHash);
    const outputText = entry.output ?? archiveText(archive.bytes(entry.jobId as Hex, "output"));
    if (
      prompt === undefined ||
      outputText === undefined ||
      keccak256(toHex(outputText)).toLowerCase() !== dispute.outputHash.toLowerCase()
    ) {
      // said once per job; retried at every poll (the relay may serve the prompt again)
      if (!this.unrevealable.has(entry.jobId)) this.ctx.note(`batch ${batchId} job ${index}: disputed, but the ${prompt === undefined ? "prompt" : "output"} matching its hash is neither journaled nor archived; will retry`); // prettier-ignore
      this.unrevealable.add(entry.jobId);
      return;
    }
    const request: BatchRevealRequest = {
      ...r,
      maxTokens: Number(r.maxTokens),
      deadline: Number(r.deadline),
    };
    try {
      const { hash } = await chain.send("revealBatchJob", (client) =>
        revealBatchJob(client, { contracts, batchId, index, request, prompt, output: toHex(outputText) }),
      );
      journal.record(entry.jobId, entry.state, { dispute: "revealed", revealTx: hash });
      this.revealed++;
      this.ctx.log(`batch ${batchId} job ${index}: revealed on-chain (${hash})`);
    } catch (error) {
      const name = revertName(error);
      if (name === "BatchRevealWindowClosed")
        journal.record(entry.jobId, entry.state, { dispute: "lost", reason: "reveal window closed" });
      // BatchWrongDisputeStatus: someone revealed or resolved it meanwhile; the next poll reads the status
      if (name !== "BatchWrongDisputeStatus")
        this.ctx.note(`batch ${batchId} job ${index}: reveal failed: ${name ?? (error as Error).message.split("\n")[0]}`); // prettier-ignore
    }
  }

  /** The exact payload bytes of a job (hex) whose keccak256 is `promptHash`: archived, else from the relay. */
  private async promptBytes(jobKey: Hex, promptHash: Hex): Promise<Hex | undefined> {
    const archived = this.ctx.archive.bytes(jobKey, "payload");
    if (archived && keccak256(archived).toLowerCase() === promptHash.toLowerCase()) return toHex(archived);
    const payload = await new RelayClient(this.ctx.relayUrl).getPrompt(promptHash).catch(() => undefined);
    if (!payload) return undefined;
    const text = canonicalPayload(payload);
    if (payloadHash(payload).toLowerCase() !== promptHash.toLowerCase()) return undefined;
    this.ctx.archive.put(jobKey, { payload: text });
    return toHex(text);
  }

  /** The MarketPolicy the BatchEscrow reads. */
  private async policyAddress(): Promise<Address> {
    const { chain } = this.ctx;
    this.policy ??= (await chain.public.readContract({ address: chain.addressOf("batchEscrow"), abi: batchEscrowAbi, functionName: "policy" })) as Address; // prettier-ignore
    return this.policy;
  }

  // ---------------------------------------------------------------- crash recovery

  /** Reconciles every unfinished batch job with the chain (at start). */
  async reconcile(): Promise<void> {
    for (const e of this.open()) await this.reconcileEntry(e);
  }

  /**
   * Brings one journaled batch job in line with the chain: settled (its nonce used) → adopted with
   * its batch if the batch is ours, else released; in a batch attempt that is not on-chain → answered
   * again (to be batched anew); past its deadline → released.
   */
  async reconcileEntry(entry: JournalEntry): Promise<void> {
    const { chain, journal } = this.ctx;
    const { contracts } = chain;
    if (entry.state === "submitted" || entry.state === "finalized" || entry.state === "released") return;
    const r = BatchSettler.request(entry);
    if (await isBatchNonceUsed(chain.public, { contracts, consumer: r.consumer, nonce: r.nonce })) {
      const s = await findBatchJobSettlement(chain.public, { contracts, consumer: r.consumer, requestDigest: entry.jobId as Hex }); // prettier-ignore
      const batch = s ? await getBatch(chain.public, { contracts, batchId: s.batchId }) : undefined;
      if (s && batch && batch.provider.toLowerCase() === this.address.toLowerCase()) {
        journal.record(entry.jobId, "submitted", {
          batchId: s.batchId.toString(),
          batchIndex: s.index.toString(),
          settledBlock: s.blockNumber.toString(),
          txHash: s.transactionHash,
          challengeEnds: Number(batch.challengeEnds),
          reason: "settlement found on-chain (the batch landed before a crash or a lost receipt)",
        });
        this.ctx.log(`batch job ${entry.jobId.slice(0, 10)}: settled on-chain in batch ${s.batchId}; not settling again`); // prettier-ignore
      } else {
        journal.record(entry.jobId, "released", { reason: `nonce ${r.nonce} of ${r.consumer} used by another request` }); // prettier-ignore
      }
      return;
    }
    const now = await chain.now();
    if (r.deadline < BigInt(now + (this.settings.deadlineMarginS ?? 120))) {
      journal.record(entry.jobId, "released", { reason: `deadline ${r.deadline} too close or passed` });
      return;
    }
    if (entry.state === "proved") {
      journal.record(entry.jobId, "inferred", { reason: `batch attempt ${entry.batchKey} is not on-chain; batching again` }); // prettier-ignore
    }
  }
}
