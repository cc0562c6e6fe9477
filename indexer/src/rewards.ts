/** Handlers of EcosystemPool, ParticipationRewards and ProposalRewards events. */
import { ponder } from "ponder:registry";
import { poolStream, rewardClaim, rewardFunding } from "ponder:schema";

ponder.on("EcosystemPool:StreamRateSet", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(poolStream)
    .values({ recipient: a.recipient, rate: a.newRate, updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ rate: a.newRate, updatedAt: event.block.timestamp });
});
ponder.on("EcosystemPool:StreamReleased", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(poolStream)
    .values({ recipient: a.recipient, rate: 0n, released: a.amount, updatedAt: event.block.timestamp })
    .onConflictDoUpdate((s) => ({ released: s.released + a.amount, updatedAt: event.block.timestamp }));
});

ponder.on("ParticipationRewards:ParticipationRewardClaimed", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(rewardClaim).values({
    id: event.id,
    kind: "participation",
    proposalId: a.proposalId.toString(),
    account: a.voter,
    caller: a.caller,
    weight: a.weight,
    amount: a.amount,
    timestamp: event.block.timestamp,
  });
});
ponder.on("ProposalRewards:ProposalRewardClaimed", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(rewardClaim).values({
    id: event.id,
    kind: "proposal",
    proposalId: a.proposalId.toString(),
    account: a.proposer,
    caller: a.caller,
    amount: a.amount,
    timestamp: event.block.timestamp,
  });
});
ponder.on("ParticipationRewards:RewardsFunded", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(rewardFunding).values({ id: event.id, contract: "participation", funder: a.funder, amount: a.amount, timestamp: event.block.timestamp }); // prettier-ignore
});
ponder.on("ProposalRewards:RewardsFunded", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(rewardFunding).values({ id: event.id, contract: "proposal", funder: a.funder, amount: a.amount, timestamp: event.block.timestamp }); // prettier-ignore
});
