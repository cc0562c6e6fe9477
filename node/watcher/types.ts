/** The watcher's data: a settled job as it sees it, and what it concluded. */
import type { Address, Hex } from "viem";

import type { BatchLeaf } from "@aitbc/sdk";

/** A job whose result is on-chain, as the watcher sees it. */
export interface WatchedJob {
  kind: "job" | "batch";
  /** The sampling rule's job key: bytes32(jobId), or the batch request's digest. */
  jobKey: Hex;
  /** JobEscrow id (kind "job"). */
  jobId?: bigint;
  /** BatchEscrow batch and index (kind "batch"). */
  batchId?: bigint;
  index?: bigint;
  leaf?: BatchLeaf;
  provider: Address;
  consumer: Address;
  modelDigest: Hex;
  promptHash: Hex;
  outputHash: Hex;
  tokenCount: number;
  /**
   * The most tokens the job allowed: JobEscrow's `maxTokens`; for a batch job its request's `maxTokens`
   * when an archive serves the request (checked against the request digest), else the claimed count.
   */
  maxTokens: number;
  /** Hash of the block that included the result: the sampling seed. */
  seed: Hex;
  blockNumber: bigint;
}

/** What the watcher concluded about one job. */
export type CheckOutcome =
  "not-sampled" | "proven" | "match" | "mismatch" | "withheld" | "no-backend" | "closed" | "failed";

/** One job's check. */
export interface WatchCheck {
  job: WatchedJob;
  outcome: CheckOutcome;
  /** The re-executed output's hash and token count (outcomes "match", "mismatch"). */
  expected?: { outputHash: Hex; tokenCount: number };
  /** Why ("output hash differs", "token count 37 ≠ 100 claimed", "payload not served", an error). */
  reason?: string;
  /** The dispute transaction, if this watcher filed one. */
  dispute?: Hex;
  /**
   * Why no dispute was filed although one was due: the escrow's custom error when another watcher was
   * first (`EscrowWrongStatus`, `BatchWrongDisputeStatus`, ...), or the failure's message.
   */
  disputeError?: string;
}
