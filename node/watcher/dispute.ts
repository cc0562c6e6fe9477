/**
 * Filing disputes and claiming withheld batch jobs through the SDK's actions: JobEscrow `disputeJob`;
 * BatchEscrow `disputeBatchJob` with the leaf from the batch's events and a Merkle proof, after checking the
 * events rebuild the batch's on-chain `jobsRoot` (no bond is spent on a proof the escrow would refuse);
 * `claimWithheld` once a dispute's reveal window passed without a reveal. A dispute another watcher filed
 * first comes back as the escrow's custom error, recorded, never retried.
 */
import type { Hex } from "viem";

import {
  batchJobsRoot,
  batchMerkleProof,
  claimWithheld,
  disputeBatchJob,
  disputeJob,
  getBatchDispute,
  getSettledBatchJobs,
  type AitbcContracts,
} from "@aitbc/sdk";
import { describeError, isLostRace } from "./errors.js";
import { batchOf } from "./results.js";
import type { ChainSigner } from "./signer.js";
import type { WatcherState } from "./state.js";
import type { WatchedJob } from "./types.js";

/** What became of a dispute this watcher wanted to file. */
export interface DisputeResult {
  /** The transaction, if filed. */
  dispute?: Hex;
  /** The revert's name (another watcher was first: {@link isLostRace}) or the failure. */
  disputeError?: string;
  /** Whether not filing is final (lost the race) rather than worth retrying. */
  final: boolean;
}

/**
 * Disputes one job.
 * @param signer The disputer (its account pays the bond: the SDK approves it first if needed).
 * @param contracts `JobEscrow` / `BatchEscrow`, `MarketPolicy`, `AITBCToken`.
 * @param job The job.
 * @returns The transaction, or the reason none was filed.
 */
export async function fileDispute(
  signer: ChainSigner,
  contracts: AitbcContracts,
  job: WatchedJob,
): Promise<DisputeResult> {
  try {
    if (job.kind === "job") {
      const { hash } = await signer.send("dispute", (c) => disputeJob(c, { contracts, jobId: job.jobId! }));
      return { dispute: hash, final: true };
    }
    const jobs = await getSettledBatchJobs(signer.public, { contracts, batchId: job.batchId!, fromBlock: job.blockNumber }); // prettier-ignore
    const batch = await batchOf(signer.public, contracts, job.batchId!);
    if (batchJobsRoot(jobs).toLowerCase() !== batch.jobsRoot.toLowerCase())
      return {
        disputeError: `the batch's events do not rebuild its jobsRoot ${batch.jobsRoot}`,
        final: true,
      };
    const proof = batchMerkleProof(jobs, Number(job.index!));
    const { hash } = await signer.send("disputeBatchJob", (c) => disputeBatchJob(c, { contracts, batchId: job.batchId!, leaf: job.leaf!, proof })); // prettier-ignore
    return { dispute: hash, final: true };
  } catch (error) {
    return { disputeError: describeError(error), final: isLostRace(error) };
  }
}

/**
 * Claims the batch disputes this watcher filed whose reveal window passed without a reveal; forgets the
 * ones revealed or resolved (the council decides those).
 * @param signer The disputer.
 * @param contracts `BatchEscrow`.
 * @param state Where the watcher keeps its pending claims.
 * @param log Progress lines.
 */
export async function claimDue(
  signer: ChainSigner,
  contracts: AitbcContracts,
  state: WatcherState,
  log: (line: string) => void,
): Promise<void> {
  const pending = state.claims();
  if (pending.length === 0 || !contracts.BatchEscrow) return;
  const now = (await signer.public.getBlock()).timestamp;
  for (const claim of pending) {
    const d = await getBatchDispute(signer.public, { contracts, ...claim });
    if (d.status !== "Open") state.dropClaim(claim.batchId, claim.index);
    else if (now > d.revealDeadline) {
      try {
        await signer.send("claimWithheld", (c) => claimWithheld(c, { contracts, ...claim }));
        log(`batch ${claim.batchId} job ${claim.index}: nobody revealed the data; claimed as withheld`);
        state.dropClaim(claim.batchId, claim.index);
      } catch (error) {
        log(`batch ${claim.batchId} job ${claim.index}: claimWithheld failed (${describeError(error)})`);
        if (isLostRace(error)) state.dropClaim(claim.batchId, claim.index);
      }
    }
  }
}
