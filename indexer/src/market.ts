/** Handlers of JobEscrow and BatchEscrow events: jobs, batches, settlements, disputes. */
import { ponder } from "ponder:registry";
import { batch, batchJob, dispute, job } from "ponder:schema";

ponder.on("JobEscrow:JobOpened", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(job).values({
    id: a.jobId,
    consumer: a.consumer,
    modelDigest: a.modelDigest,
    maxTokens: a.maxTokens,
    pricePerToken: a.pricePerToken,
    status: "open",
    openedAt: event.block.timestamp,
  });
});
ponder.on("JobEscrow:JobClaimed", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(job, { id: a.jobId })
    .set({ provider: a.provider, byQuote: a.byQuote, status: "claimed" });
});
ponder.on("JobEscrow:JobCancelled", async ({ event, context }) => {
  await context.db.update(job, { id: event.args.jobId }).set({ status: "cancelled" });
});
ponder.on("JobEscrow:ResultSubmitted", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(job, { id: a.jobId })
    .set({ provider: a.provider, tokenCount: a.tokenCount, status: "submitted" });
});
ponder.on("JobEscrow:JobSettled", async ({ event, context }) => {
  const a = event.args;
  await context.db.update(job, { id: a.jobId }).set({
    providerAmount: a.providerAmount,
    protocolFee: a.protocolFee,
    refund: a.refund,
    status: "settled",
    settledAt: event.block.timestamp,
  });
});
ponder.on("JobEscrow:JobExpired", async ({ event, context }) => {
  await context.db.update(job, { id: event.args.jobId }).set({ status: "expired" });
});
ponder.on("JobEscrow:JobDisputed", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(dispute).values({
    id: `job-${a.jobId}`,
    kind: "job",
    ref: a.jobId.toString(),
    disputer: a.disputer,
    bond: a.bond,
    openedAt: event.block.timestamp,
  });
  await context.db.update(job, { id: a.jobId }).set({ status: "disputed" });
});
ponder.on("JobEscrow:DisputeResolved", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(dispute, { id: `job-${a.jobId}` })
    .set({ resolved: true, providerAtFault: a.providerAtFault, slashed: a.slashed });
});

ponder.on("BatchEscrow:BatchSettled", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(batch).values({
    id: a.batchId,
    provider: a.provider,
    jobCount: Number(a.jobCount),
    totalFee: a.totalFee,
    challengeEnds: a.challengeEnds,
    status: "settled",
    settledAt: event.block.timestamp,
  });
});
ponder.on("BatchEscrow:BatchJobSettled", async ({ event, context }) => {
  const a = event.args;
  // BatchSettled is emitted after its jobs in the same transaction, so the provider is the sender's.
  await context.db.insert(batchJob).values({
    id: `${a.batchId}-${a.index}`,
    batchId: a.batchId.toString(),
    consumer: a.consumer,
    provider: event.transaction.from,
    modelDigest: a.modelDigest,
    tokenCount: a.tokenCount,
    fee: a.fee,
    timestamp: event.block.timestamp,
  });
});
ponder.on("BatchEscrow:BatchFinalized", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(batch, { id: a.batchId })
    .set({ providerAmount: a.providerAmount, protocolFee: a.protocolFee, status: "finalized" });
});
ponder.on("BatchEscrow:BatchJobDisputed", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(dispute).values({
    id: `batch-${a.batchId}-${a.index}`,
    kind: "batchJob",
    ref: `${a.batchId}-${a.index}`,
    disputer: a.disputer,
    bond: a.bond,
    openedAt: event.block.timestamp,
  });
});
ponder.on("BatchEscrow:BatchDisputeResolved", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(dispute, { id: `batch-${a.batchId}-${a.index}` })
    .set({ resolved: true, providerAtFault: a.providerAtFault, slashed: a.slashed });
});
