/** Handlers of OpenClawGovernor, ProposalBondEscrow and OpenClawTimelock events. */
import { eq } from "ponder";
import { ponder, type Context } from "ponder:registry";
import { challenge, councilApproval, proposal, proposalBond, timelockCall, vote } from "ponder:schema";

import { eventId } from "./ids.js";

/** `IOpenClawGovernor.ProposalType` names, by their enum number. */
export const PROPOSAL_TYPES = ["Protocol", "Resource", "Community", "Emergency"] as const;

ponder.on("OpenClawGovernor:ProposalCreated", async ({ event, context }) => {
  const a = event.args;
  const ts = event.block.timestamp;
  // Votes open after the challenge period: the governor's own answer, read at this block.
  const votingOpensAt = await context.client.readContract({
    abi: context.contracts.OpenClawGovernor.abi,
    address: event.log.address,
    functionName: "proposalVoteStart",
    args: [a.proposalId],
  });
  await context.db.insert(proposal).values({
    id: a.proposalId,
    proposer: a.proposer,
    description: a.description,
    targets: [...a.targets],
    voteStart: a.voteStart,
    voteEnd: a.voteEnd,
    votingOpensAt,
    status: "created",
    createdBlock: event.block.number,
    createdAt: ts,
    updatedAt: ts,
  });
});

ponder.on("OpenClawGovernor:ProposalTyped", async ({ event, context }) => {
  const a = event.args;
  await context.db.update(proposal, { id: a.proposalId }).set({
    proposalType: PROPOSAL_TYPES[a.proposalType] ?? String(a.proposalType),
    critical: a.critical,
    bond: a.bond,
  });
});

async function countVote(
  args: { voter: `0x${string}`; proposalId: bigint; support: number; weight: bigint; reason: string },
  event: { block: { number: bigint; timestamp: bigint }; id: string },
  ctx: Context<"OpenClawGovernor:VoteCast">,
) {
  const id = args.proposalId;
  await ctx.db.insert(vote).values({
    id: event.id,
    proposalId: id.toString(),
    voter: args.voter,
    support: args.support,
    weight: args.weight,
    reason: args.reason,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
  });
  const row = await ctx.db.find(proposal, { id: args.proposalId });
  // Quorum is fixed at voteStart and readable once voting has opened (as it has, a vote was cast).
  const quorum =
    row?.quorum ??
    (await ctx.client.readContract({
      abi: ctx.contracts.OpenClawGovernor.abi,
      address: ctx.contracts.OpenClawGovernor.address as `0x${string}`,
      functionName: "quorum",
      args: [row?.voteStart ?? 0n],
    }));
  await ctx.db.update(proposal, { id: args.proposalId }).set((p) => ({
    forVotes: p.forVotes + (args.support === 1 ? args.weight : 0n),
    againstVotes: p.againstVotes + (args.support === 0 ? args.weight : 0n),
    abstainVotes: p.abstainVotes + (args.support === 2 ? args.weight : 0n),
    voters: p.voters + 1,
    quorum,
    updatedAt: event.block.timestamp,
  }));
}

ponder.on("OpenClawGovernor:VoteCast", async ({ event, context }) => {
  await countVote(event.args, event, context);
});
ponder.on("OpenClawGovernor:VoteCastWithParams", async ({ event, context }) => {
  await countVote(event.args, event, context);
});

ponder.on("OpenClawGovernor:ProposalApprovedByCouncil", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(councilApproval).values({
    id: eventId(event),
    proposalId: a.proposalId.toString(),
    council: a.council,
    proposer: a.proposer,
    timestamp: event.block.timestamp,
  });
  await context.db
    .update(proposal, { id: a.proposalId })
    .set((p) => ({ councilApprovals: p.councilApprovals + 1, updatedAt: event.block.timestamp }));
});

const lifecycle = (status: string) =>
  async function ({
    event,
    context,
  }: {
    event: { args: { proposalId: bigint; etaSeconds?: bigint }; block: { timestamp: bigint } };
    context: Context<"OpenClawGovernor:ProposalQueued">;
  }) {
    await context.db.update(proposal, { id: event.args.proposalId }).set({
      status,
      ...(event.args.etaSeconds !== undefined ? { eta: event.args.etaSeconds } : {}),
      updatedAt: event.block.timestamp,
    });
  };

ponder.on("OpenClawGovernor:ProposalQueued", lifecycle("queued"));
ponder.on("OpenClawGovernor:ProposalExecuted", lifecycle("executed"));
ponder.on("OpenClawGovernor:ProposalCanceled", lifecycle("canceled"));
ponder.on("OpenClawGovernor:ProposalStruckDown", lifecycle("struckDown"));

ponder.on("ProposalBondEscrow:ProposalBondLocked", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(proposalBond).values({
    proposalId: a.proposalId,
    proposer: a.proposer,
    amount: a.amount,
    status: "locked",
    updatedAt: event.block.timestamp,
  });
});
ponder.on("ProposalBondEscrow:ProposalBondRefunded", async ({ event, context }) => {
  await context.db
    .update(proposalBond, { proposalId: event.args.proposalId })
    .set({ status: "refunded", updatedAt: event.block.timestamp });
});
ponder.on("ProposalBondEscrow:ProposalBondSlashed", async ({ event, context }) => {
  await context.db
    .update(proposalBond, { proposalId: event.args.proposalId })
    .set({ status: "slashed", updatedAt: event.block.timestamp });
});

const challengeId = (proposalId: bigint, challenger: string) => `${proposalId}-${challenger.toLowerCase()}`;

ponder.on("ProposalBondEscrow:ChallengeOpened", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(challenge).values({
    id: challengeId(a.proposalId, a.challenger),
    proposalId: a.proposalId.toString(),
    challenger: a.challenger,
    amount: a.amount,
    status: "open",
    openedAt: event.block.timestamp,
  });
  // The proposal's row exists: a challenge follows ProposalCreated in an earlier transaction.
  await context.db.update(proposal, { id: a.proposalId }).set({ challenged: true });
});
ponder.on("ProposalBondEscrow:ChallengeUpheld", async ({ event, context }) => {
  await context.db
    .update(challenge, { id: challengeId(event.args.proposalId, event.args.challenger) })
    .set({ status: "upheld" });
});
ponder.on("ProposalBondEscrow:ChallengeDismissed", async ({ event, context }) => {
  await context.db
    .update(challenge, { id: challengeId(event.args.proposalId, event.args.challenger) })
    .set({ status: "dismissed" });
});
ponder.on("ProposalBondEscrow:ChallengeBondRefunded", async ({ event, context }) => {
  await context.db
    .update(challenge, { id: challengeId(event.args.proposalId, event.args.challenger) })
    .set({ refunded: true });
});

ponder.on("OpenClawTimelock:CallScheduled", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(timelockCall).values({
    id: `${a.id}-${a.index}`,
    callId: a.id,
    target: a.target,
    value: a.value,
    delay: a.delay,
    scheduledAt: event.block.timestamp,
    readyAt: event.block.timestamp + a.delay,
    status: "scheduled",
  });
});
ponder.on("OpenClawTimelock:CallExecuted", async ({ event, context }) => {
  await context.db
    .insert(timelockCall)
    .values({
      // A call executed without being scheduled here (e.g. scheduled before the start block).
      id: `${event.args.id}-${event.args.index}`,
      callId: event.args.id,
      target: event.args.target,
      value: event.args.value,
      delay: 0n,
      scheduledAt: event.block.timestamp,
      readyAt: event.block.timestamp,
      status: "executed",
    })
    .onConflictDoUpdate({ status: "executed" });
});
ponder.on("OpenClawTimelock:Cancelled", async ({ event, context }) => {
  await context.db.sql
    .update(timelockCall)
    .set({ status: "cancelled" })
    .where(eq(timelockCall.callId, event.args.id));
});
