/**
 * Seeing the gateway's jobs settle: the lead's `followLogs` over `BatchEscrow` (`BatchJobSettled`
 * of this consumer) and `JobEscrow` (`JobSettled`), cursors in the store. A settled batch job
 * lowers the deposit by its fee and ends its reservation; either kind of job becomes `settled`,
 * and its fee is counted in the gateway's `aitbc_earnings_wei_total` (here: wei paid).
 * Handlers are idempotent: a re-delivered log finds the job already settled.
 */
import type { Hex } from "viem";

import { batchEscrowAbi, jobEscrowAbi, jobKeyOfJobId } from "@aitbc/sdk";
import { followLogs, type FollowedLog, type Follower } from "../shared/follow.js";
import { addWei } from "../shared/metrics.js";
import type { GatewayContext } from "./context.js";

/** Marks one job settled (once) and accounts for its fee. */
function settle(ctx: GatewayContext, jobKey: string, fee: bigint | undefined): void {
  const row = ctx.state.byJobKey(jobKey);
  if (!row || row.state === "settled") return;
  ctx.state.update(row.promptHash, { state: "settled" });
  if (row.path === "batch" && fee !== undefined) ctx.deposit?.settled(jobKey, fee);
  addWei(ctx.metrics.earningsWei, fee ?? 0n);
}

function onBatchLogs(ctx: GatewayContext, logs: FollowedLog[]): void {
  for (const log of logs) {
    const a = log.args as { consumer?: string; requestDigest?: Hex; fee?: bigint };
    if (a.consumer?.toLowerCase() !== ctx.consumer.toLowerCase() || !a.requestDigest) continue;
    settle(ctx, a.requestDigest.toLowerCase(), a.fee);
  }
}

function onJobLogs(ctx: GatewayContext, logs: FollowedLog[]): void {
  for (const log of logs) {
    const a = log.args as { jobId?: bigint; providerAmount?: bigint; protocolFee?: bigint };
    if (a.jobId === undefined) continue;
    const fee = a.providerAmount !== undefined ? a.providerAmount + (a.protocolFee ?? 0n) : undefined;
    settle(ctx, jobKeyOfJobId(a.jobId).toLowerCase(), fee);
  }
}

/**
 * Starts following settlements from `fromBlock` (the store's cursors win after a restart).
 *
 * @returns The followers (stop them on shutdown).
 */
export function followSettlements(
  ctx: GatewayContext,
  fromBlock: bigint,
  pollingIntervalMs?: number,
): Follower[] {
  const common = { client: ctx.publicClient, store: ctx.state.store, fromBlock, pollingIntervalMs, onError: (e: unknown) => ctx.log(`settlement follower: ${(e as Error).message.split("\n")[0]}`) }; // prettier-ignore
  const followers: Follower[] = [];
  if (ctx.contracts.BatchEscrow)
    followers.push(followLogs({ ...common, address: ctx.contracts.BatchEscrow, abi: batchEscrowAbi, eventNames: ["BatchJobSettled"], cursorKey: "gateway:batch-settlements", onLogs: (logs) => onBatchLogs(ctx, logs) })); // prettier-ignore
  if (ctx.contracts.JobEscrow)
    followers.push(followLogs({ ...common, address: ctx.contracts.JobEscrow, abi: jobEscrowAbi, eventNames: ["JobSettled"], cursorKey: "gateway:job-settlements", onLogs: (logs) => onJobLogs(ctx, logs) })); // prettier-ignore
  return followers;
}
