/**
 * One poll of the miner: a fixed number of RPC calls, whatever the number of jobs waiting out their
 * challenge window — the chain time, then only the jobs and batches *due* by their journaled
 * `challengeEnds` (finalized), open disputes (revealed), the escrows' withdrawable balances and, every
 * `rewardsEveryMs`, the staking rewards. Jobs not yet answered or proved are (re)scheduled.
 */
import type { BatchSettler } from "./batcher.js";
import type { MinerContext } from "./context.js";
import type { JobRunner } from "./jobs.js";
import { finalizeDueJobs } from "./settle.js";

/** See the module. `collect(now)` withdraws earnings and claims rewards. */
export async function tick(
  ctx: MinerContext,
  jobs: JobRunner,
  batcher: BatchSettler | undefined,
  collect: (now: number) => Promise<void>,
  state: { lastPrune: number },
): Promise<void> {
  const now = await ctx.account.now();
  jobs.tick();
  await finalizeDueJobs(ctx, now);
  if (ctx.stopping()) return;
  await batcher?.tick(now);
  if (ctx.stopping()) return;
  await collect(now);
  ctx.metrics.inFlight.set(ctx.journal.open().length);
  if (Date.now() - state.lastPrune >= 3_600_000) {
    state.lastPrune = Date.now();
    ctx.archive.prune();
  }
}
