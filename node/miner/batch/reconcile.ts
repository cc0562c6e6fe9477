/**
 * Brings a journaled batch job in line with the chain (at start, and after a failed `settleBatch`): a
 * nonce the escrow has used means the job was settled — its `BatchJobSettled` event gives the batch,
 * adopted if it is ours, else the job is released; an unused nonce of a job in a sent batch attempt
 * means that transaction is not on-chain, and the job goes back to be batched again; a deadline too
 * close means the job is released. The escrow's nonce bitmap refuses any second settlement.
 */
import type { Hex } from "viem";

import { findBatchJobSettlement, getBatch, isBatchNonceUsed } from "@aitbc/sdk";
import { batchRequestFromJson } from "../../shared/provider-api.js";
import type { MinerContext } from "../context.js";
import type { JournalEntry } from "../journal.js";

/** The request of a journaled batch job. */
export const requestOf = (entry: JournalEntry) => batchRequestFromJson(entry.request ?? {});

/** See the module. @param deadlineMarginS Least seconds left before a request's deadline to batch it. */
export async function reconcileBatchEntry(
  ctx: MinerContext,
  entry: JournalEntry,
  deadlineMarginS: number,
): Promise<void> {
  const { journal, account } = ctx;
  const { contracts, public: client } = account;
  if (["submitted", "finalized", "released"].includes(entry.state)) return;
  const r = requestOf(entry);
  if (await isBatchNonceUsed(client, { contracts, consumer: r.consumer, nonce: r.nonce })) {
    const s = await findBatchJobSettlement(client, { contracts, consumer: r.consumer, requestDigest: entry.jobId as Hex }); // prettier-ignore
    const batch = s ? await getBatch(client, { contracts, batchId: s.batchId }) : undefined;
    if (s && batch && batch.provider.toLowerCase() === account.address.toLowerCase()) {
      journal.record(entry.jobId, "submitted", {
        batchId: s.batchId.toString(),
        batchIndex: s.index.toString(),
        settledBlock: s.blockNumber.toString(),
        txHash: s.transactionHash,
        challengeEnds: Number(batch.challengeEnds),
        reason: "settlement found on-chain (the batch landed before a crash or a lost receipt)",
      });
      ctx.log(`batch job ${entry.jobId.slice(0, 10)}: settled on-chain in batch ${s.batchId}; not settling again`); // prettier-ignore
    } else journal.record(entry.jobId, "released", { reason: `nonce ${r.nonce} of ${r.consumer} used by another request` }); // prettier-ignore
    return;
  }
  if (r.deadline < BigInt((await account.now()) + deadlineMarginS)) {
    journal.record(entry.jobId, "released", { reason: `deadline ${r.deadline} too close or passed` });
    return;
  }
  if (entry.state === "proved")
    journal.record(entry.jobId, "inferred", { reason: `batch attempt ${entry.batchKey} is not on-chain; batching again` }); // prettier-ignore
}
