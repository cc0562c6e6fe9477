/** Handlers of GPUStaking and ReputationRegistry events: stakes, unbonding, rewards, slashes, scores, tiers. */
import { ponder, type Context } from "ponder:registry";
import { provider, reputationChange, slash, stakeEvent } from "ponder:schema";

/** `IReputationRegistry.Component` names, by their enum number. */
export const COMPONENTS = ["Performance", "Transactions", "Community", "Reliability", "Disputes"] as const;

/** The tier of a trust score, as `Tiers.tierOf` (600 / 750 / 900). */
export function tierOf(score: number): "Bronze" | "Silver" | "Gold" | "Platinum" {
  if (score >= 900) return "Platinum";
  if (score >= 750) return "Gold";
  if (score >= 600) return "Silver";
  return "Bronze";
}

/** Makes sure the provider's row exists (a score can be set before registration). */
async function ensure(context: Context<"GPUStaking:Staked">, address: `0x${string}`, ts: bigint) {
  await context.db.insert(provider).values({ address, updatedAt: ts }).onConflictDoNothing();
}

async function history(
  context: Context<"GPUStaking:Staked">,
  event: { id: string; block: { timestamp: bigint } },
  address: `0x${string}`,
  kind: string,
  amount: bigint,
) {
  await context.db
    .insert(stakeEvent)
    .values({ id: event.id, provider: address, kind, amount, timestamp: event.block.timestamp });
}

ponder.on("GPUStaking:ProviderRegistered", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(provider)
    .values({
      address: a.provider,
      registered: true,
      gpuModel: a.gpu.model,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate({ registered: true, gpuModel: a.gpu.model, updatedAt: event.block.timestamp });
});
ponder.on("GPUStaking:GpuUpdated", async ({ event, context }) => {
  await ensure(context, event.args.provider, event.block.timestamp);
  await context.db.update(provider, { address: event.args.provider }).set({ gpuModel: event.args.gpu.model });
});
ponder.on("GPUStaking:Staked", async ({ event, context }) => {
  const a = event.args;
  await ensure(context, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((p) => ({ staked: p.staked + a.amount, updatedAt: event.block.timestamp }));
  await history(context, event, a.provider, "staked", a.amount);
});
ponder.on("GPUStaking:UnbondingStarted", async ({ event, context }) => {
  const a = event.args;
  await ensure(context, a.provider, event.block.timestamp);
  await context.db.update(provider, { address: a.provider }).set((p) => ({
    staked: p.staked - a.amount,
    unbonding: p.unbonding + a.amount,
    unbondingEnds: a.unbondingEnds,
    updatedAt: event.block.timestamp,
  }));
  await history(context, event, a.provider, "unbonding", a.amount);
});
/**
 * `Withdrawn(provider, amount)`. Typed by hand: Ponder 0.16's `EventNames` type lists this event only
 * by its full signature (as if it were overloaded), while its runtime (`toSafeName`: GPUStaking has
 * one `Withdrawn`) names it `GPUStaking:Withdrawn`, the name registered below.
 */
async function onWithdrawn({
  event,
  context,
}: {
  event: { id: string; args: { provider: `0x${string}`; amount: bigint }; block: { timestamp: bigint } };
  context: Context<"GPUStaking:Staked">;
}) {
  const a = event.args;
  await ensure(context, a.provider, event.block.timestamp);
  await context.db.update(provider, { address: a.provider }).set((p) => ({
    unbonding: p.unbonding - a.amount > 0n ? p.unbonding - a.amount : 0n,
    withdrawn: p.withdrawn + a.amount,
    updatedAt: event.block.timestamp,
  }));
  await history(context, event, a.provider, "withdrawn", a.amount);
}
// @ts-expect-error Ponder 0.16's EventNames misses "GPUStaking:Withdrawn" (see onWithdrawn)
ponder.on("GPUStaking:Withdrawn", onWithdrawn);
ponder.on("GPUStaking:Slashed", async ({ event, context }) => {
  const a = event.args;
  await ensure(context, a.provider, event.block.timestamp);
  await context.db.update(provider, { address: a.provider }).set((p) => ({
    staked: p.staked - a.amount > 0n ? p.staked - a.amount : 0n,
    slashed: p.slashed + a.amount,
    updatedAt: event.block.timestamp,
  }));
  await context.db.insert(slash).values({
    id: event.id,
    provider: a.provider,
    amount: a.amount,
    bps: a.bps,
    by: a.by,
    timestamp: event.block.timestamp,
  });
  await history(context, event, a.provider, "slashed", a.amount);
});
ponder.on("GPUStaking:RewardsClaimed", async ({ event, context }) => {
  const a = event.args;
  await ensure(context, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((p) => ({ rewardsClaimed: p.rewardsClaimed + a.amount, updatedAt: event.block.timestamp }));
  await history(context, event, a.provider, "rewardsClaimed", a.amount);
});
ponder.on("GPUStaking:WeightUpdated", async ({ event, context }) => {
  const a = event.args;
  await ensure(context, a.provider, event.block.timestamp);
  await context.db.update(provider, { address: a.provider }).set({ weight: a.newWeight });
});

ponder.on("ReputationRegistry:ComponentChanged", async ({ event, context }) => {
  const a = event.args;
  const score = Number(a.newScore);
  await context.db
    .insert(provider)
    .values({ address: a.agent, score, tier: tierOf(score), updatedAt: event.block.timestamp })
    .onConflictDoUpdate({ score, tier: tierOf(score), updatedAt: event.block.timestamp });
  await context.db.insert(reputationChange).values({
    id: event.id,
    agent: a.agent,
    component: COMPONENTS[a.component] ?? String(a.component),
    oldValue: a.oldValue,
    newValue: a.newValue,
    newScore: score,
    timestamp: event.block.timestamp,
  });
});
