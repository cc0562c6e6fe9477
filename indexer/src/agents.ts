/** Handlers of AgentWalletFactory and AgentWallet events: wallets, spending limits and spends. */
import { ponder } from "ponder:registry";
import { agentWallet, spend, spendingLimit } from "ponder:schema";

ponder.on("AgentWalletFactory:AgentWalletCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(agentWallet)
    .values({
      address: a.wallet,
      owner: a.owner,
      agentKey: a.agentKey,
      role: a.role,
      createdAt: event.block.timestamp,
    })
    .onConflictDoNothing();
});
ponder.on("AgentWallet:OwnerSet", async ({ event, context }) => {
  await context.db.update(agentWallet, { address: event.log.address }).set({ owner: event.args.newOwner });
});
ponder.on("AgentWallet:AgentKeySet", async ({ event, context }) => {
  await context.db
    .update(agentWallet, { address: event.log.address })
    .set({ agentKey: event.args.newAgentKey });
});
ponder.on("AgentWallet:RoleSet", async ({ event, context }) => {
  await context.db.update(agentWallet, { address: event.log.address }).set({ role: event.args.newRole });
});
ponder.on("AgentWallet:FrozenSet", async ({ event, context }) => {
  await context.db.update(agentWallet, { address: event.log.address }).set({ frozen: event.args.newFrozen });
});
ponder.on("AgentWallet:SpendingLimitSet", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(spendingLimit)
    .values({ wallet: event.log.address, token: a.token, amount: a.newAmount, period: a.period })
    .onConflictDoUpdate({ amount: a.newAmount, period: a.period });
});
ponder.on("AgentWallet:Spent", async ({ event, context }) => {
  const a = event.args;
  const wallet = event.log.address;
  await context.db.insert(spend).values({
    id: event.id,
    wallet,
    token: a.token,
    key: a.key,
    kind: "spent",
    amount: a.amount,
    timestamp: event.block.timestamp,
  });
  await context.db
    .insert(spendingLimit)
    .values({
      wallet,
      token: a.token,
      amount: 0n,
      period: 0n,
      spentInPeriod: a.spentInPeriod,
      lastSpentAt: event.block.timestamp,
    })
    .onConflictDoUpdate({ spentInPeriod: a.spentInPeriod, lastSpentAt: event.block.timestamp });
  await context.db
    .update(agentWallet, { address: wallet })
    .set((w) => ({ totalSpent: w.totalSpent + a.amount }));
});
ponder.on("AgentWallet:PaidInto", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(spend).values({
    id: event.id,
    wallet: event.log.address,
    token: a.token,
    key: a.escrow,
    kind: "paidInto",
    amount: a.amount,
    timestamp: event.block.timestamp,
  });
});
