/**
 * The indexer's HTTP API (Ponder serves it beside its own `/health`, `/ready`, `/status`, `/metrics`):
 *
 * - `/graphql`: Ponder's GraphQL over every table (filters, sorting, pagination);
 * - `/sql/*`: Ponder's SQL-over-HTTP for `@ponder/client` (read-only queries, live queries);
 * - `/aitbc/governance`, `/aitbc/market`, `/aitbc/agents`: the dashboard's views, aggregated in SQL,
 *   JSON with amounts as decimal strings of wei and times as unix seconds.
 */
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, count, desc, eq, graphql, sql, sum } from "ponder";

import { aitbcTokenAbi, openClawGovernorAbi } from "../../../sdk/src/abis/index.js";
import { readSources } from "../../sources.js";

const app = new Hono();
const sources = readSources();

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

/** JSON with bigints as decimal strings. */
function json(value: unknown): Response {
  return new Response(
    JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : (v as unknown))),
    {
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    },
  );
}

/** `IGovernor.ProposalState` names, by their enum number. */
const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

app.get("/aitbc/governance", async () => {
  const proposals = await db
    .select()
    .from(schema.proposal)
    .orderBy(desc(schema.proposal.createdAt))
    .limit(100);
  const chain = publicClients.aitbc;
  const head = await chain.getBlock();
  // The live state is the governor's own (it depends on the clock, not only on events).
  const states = await Promise.all(
    proposals.map((p) =>
      chain
        .readContract({
          abi: openClawGovernorAbi,
          address: sources.addresses.OpenClawGovernor,
          functionName: "state",
          args: [BigInt(p.id)],
        })
        .then((s) => STATES[Number(s)] ?? String(s))
        .catch(() => (p.status === "struckDown" ? "StruckDown" : "Unknown")),
    ),
  );
  const wallets = db.select({ address: schema.agentWallet.address }).from(schema.agentWallet);
  const byRole = await db
    .select({
      proposalId: schema.vote.proposalId,
      role: sql<string>`case when ${schema.vote.voter} in (${wallets}) then 'agent' else 'holder' end`,
      voters: count(),
      weight: sum(schema.vote.weight),
    })
    .from(schema.vote)
    .groupBy(sql`1`, sql`2`);
  const votes = await db.select().from(schema.vote).orderBy(desc(schema.vote.timestamp)).limit(200);
  const participation = await db
    .select({
      day: sql<number>`floor(${schema.vote.timestamp} / 86400) * 86400`.mapWith(Number),
      votes: count(),
      weight: sum(schema.vote.weight),
    })
    .from(schema.vote)
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  return json({
    head: { number: head.number, timestamp: head.timestamp },
    challengePeriodS: 48 * 3600,
    proposals: proposals.map((p, i) => ({ ...p, state: states[i] })),
    votesByRole: byRole,
    votes,
    participation,
    councilApprovals: await db.select().from(schema.councilApproval),
    bonds: await db.select().from(schema.proposalBond),
    challenges: await db.select().from(schema.challenge),
    timelock: await db
      .select()
      .from(schema.timelockCall)
      .orderBy(desc(schema.timelockCall.scheduledAt))
      .limit(100),
    grants: await db.select().from(schema.grant).orderBy(desc(schema.grant.createdAt)).limit(100),
    milestones: await db.select().from(schema.milestone),
    resourceCalls: await db.select().from(schema.resourceCall),
    rewards: {
      // The pool's balance is the token's (transfers are not indexed); releases are indexed.
      poolBalance: await chain
        .readContract({
          abi: aitbcTokenAbi,
          address: sources.token,
          functionName: "balanceOf",
          args: [sources.addresses.EcosystemPool],
        })
        .catch(() => null),
      streams: await db.select().from(schema.poolStream),
      claims: await db
        .select()
        .from(schema.rewardClaim)
        .orderBy(desc(schema.rewardClaim.timestamp))
        .limit(200),
      funding: await db.select().from(schema.rewardFunding),
    },
  });
});

app.get("/aitbc/market", async () => {
  const hour = (col: typeof schema.job.openedAt | typeof schema.batchJob.timestamp) =>
    sql<number>`floor(${col} / 3600) * 3600`.mapWith(Number);
  const jobsPerHour = await db
    .select({
      hour: hour(schema.job.openedAt),
      jobs: count(),
      tokens: sum(schema.job.tokenCount),
      fees: sum(sql`coalesce(${schema.job.providerAmount}, 0) + coalesce(${schema.job.protocolFee}, 0)`),
      demandTokens: sum(schema.job.maxTokens),
    })
    .from(schema.job)
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const batchJobsPerHour = await db
    .select({
      hour: hour(schema.batchJob.timestamp),
      jobs: count(),
      tokens: sum(schema.batchJob.tokenCount),
      fees: sum(schema.batchJob.fee),
    })
    .from(schema.batchJob)
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const [jobTotals] = await db
    .select({
      jobs: count(),
      settled: sum(sql`case when ${schema.job.status} = 'settled' then 1 else 0 end`),
    })
    .from(schema.job);
  const [batchTotals] = await db
    .select({ jobs: count(), fees: sum(schema.batchJob.fee) })
    .from(schema.batchJob);
  return json({
    jobsPerHour,
    batchJobsPerHour,
    totals: {
      jobs: jobTotals?.jobs ?? 0,
      jobsSettled: Number(jobTotals?.settled ?? 0),
      batchJobs: batchTotals?.jobs ?? 0,
      batchFees: batchTotals?.fees ?? "0",
      batches: (await db.select({ n: count() }).from(schema.batch))[0]?.n ?? 0,
    },
    providers: await db.select().from(schema.provider).orderBy(desc(schema.provider.staked)).limit(200),
    batches: await db.select().from(schema.batch).orderBy(desc(schema.batch.settledAt)).limit(50),
    recentJobs: await db.select().from(schema.job).orderBy(desc(schema.job.openedAt)).limit(50),
    disputes: await db.select().from(schema.dispute).orderBy(desc(schema.dispute.openedAt)).limit(100),
    slashes: await db.select().from(schema.slash).orderBy(desc(schema.slash.timestamp)).limit(100),
  });
});

app.get("/aitbc/agents", async () => {
  const wallets = await db
    .select()
    .from(schema.agentWallet)
    .orderBy(desc(schema.agentWallet.createdAt))
    .limit(200);
  const limits = await db.select().from(schema.spendingLimit);
  const votes = await db
    .select({ voter: schema.vote.voter, votes: count(), weight: sum(schema.vote.weight) })
    .from(schema.vote)
    .innerJoin(schema.agentWallet, eq(schema.vote.voter, schema.agentWallet.address))
    .groupBy(schema.vote.voter);
  const spends = await db.select().from(schema.spend).orderBy(desc(schema.spend.timestamp)).limit(100);
  return json({ wallets, limits, votes, spends });
});

export default app;
