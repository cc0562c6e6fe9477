/** `GET /health`: whether the miner takes work now, its load and limits (see `ProviderHealth`). */
import type { ProviderHealth } from "../../shared/provider-api.js";
import { capacity, type MinerContext } from "../context.js";

/** The miner's health now; `degraded` (with reasons) under memory pressure or while stopping. */
export async function health(ctx: MinerContext, startedAt: number): Promise<ProviderHealth> {
  const reasons = ctx.limits.pressure();
  if (ctx.stopping()) reasons.push("stopping");
  return {
    status: reasons.length > 0 ? "degraded" : "ok",
    provider: ctx.account.address,
    chainId: await ctx.account.chainId(),
    inFlight: ctx.committed(),
    capacity: capacity(ctx),
    maxConcurrency: ctx.limits.maxConcurrent,
    uptimeS: Math.floor((Date.now() - startedAt) / 1000),
    ...(reasons.length > 0 ? { reasons } : {}),
  };
}
