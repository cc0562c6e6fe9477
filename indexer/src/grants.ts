/** Handlers of MilestoneGrants events and the governor's `ResourceCallSet`. */
import { ponder } from "ponder:registry";
import { grant, grantApprover, milestone, resourceCall } from "ponder:schema";

const mid = (grantId: bigint, index: bigint) => `${grantId}-${index}`;

ponder.on("MilestoneGrants:GrantCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(grant).values({
    id: a.grantId,
    grantee: a.grantee,
    total: a.total,
    milestoneCount: Number(a.milestoneCount),
    createdAt: event.block.timestamp,
  });
});
ponder.on("MilestoneGrants:MilestoneScheduled", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(milestone).values({
    id: mid(a.grantId, a.index),
    grantId: a.grantId.toString(),
    index: Number(a.index),
    amount: a.amount,
    dueDate: BigInt(a.dueDate),
    deliverableHash: a.deliverableHash,
    status: "scheduled",
    updatedAt: event.block.timestamp,
  });
});
ponder.on("MilestoneGrants:MilestoneSubmitted", async ({ event, context }) => {
  await context.db
    .update(milestone, { id: mid(event.args.grantId, event.args.index) })
    .set({ status: "submitted", updatedAt: event.block.timestamp });
});
ponder.on("MilestoneGrants:MilestoneApproved", async ({ event, context }) => {
  await context.db
    .update(milestone, { id: mid(event.args.grantId, event.args.index) })
    .set({ status: "approved", approver: event.args.approver, updatedAt: event.block.timestamp });
});
ponder.on("MilestoneGrants:MilestoneReleased", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(milestone, { id: mid(a.grantId, a.index) })
    .set({ status: "released", updatedAt: event.block.timestamp });
  await context.db.update(grant, { id: a.grantId }).set((g) => ({ released: g.released + a.amount }));
});
ponder.on("MilestoneGrants:MilestoneCancelled", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .update(milestone, { id: mid(a.grantId, a.index) })
    .set({ status: "cancelled", updatedAt: event.block.timestamp });
  await context.db.update(grant, { id: a.grantId }).set((g) => ({ returned: g.returned + a.amount }));
});
ponder.on("MilestoneGrants:GrantClosed", async ({ event, context }) => {
  await context.db.update(grant, { id: event.args.grantId }).set({ closed: true });
});
ponder.on("MilestoneGrants:ApproverSet", async ({ event, context }) => {
  await context.db.insert(grantApprover).values({
    id: event.id,
    previousApprover: event.args.previousApprover,
    newApprover: event.args.newApprover,
    timestamp: event.block.timestamp,
  });
});

ponder.on("OpenClawGovernor:ResourceCallSet", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(resourceCall)
    .values({
      id: `${a.target.toLowerCase()}-${a.selector}`,
      target: a.target,
      selector: a.selector,
      registered: a.registered,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate({ registered: a.registered, updatedAt: event.block.timestamp });
});
