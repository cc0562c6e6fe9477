/**
 * The miner's money: withdraws its `JobEscrow` earnings whenever the escrow holds some, and claims its
 * staking rewards (checked every `everyMs`) when they are pending.
 */
import { claimRewards, getProviderPosition, withdrawEarnings } from "@aitbc/sdk";
import { revertName } from "./account.js";
import type { MinerContext } from "./context.js";
import { getWithdrawable } from "./sdk-gaps.js";

/** Withdraws earnings and (every `everyMs`, 0 = never) claims rewards; adds both to `totals` (wei; `lastRewardsCheck` wall-clock ms). */
export async function collectEarnings(
  ctx: MinerContext,
  totals: { rewardsClaimed: bigint; withdrawn: bigint; lastRewardsCheck: number },
  everyMs: number,
  _now: number,
): Promise<void> {
  const { contracts, public: client, address } = ctx.account;
  const credit = await getWithdrawable(client, { contracts, account: address });
  if (credit > 0n) {
    const { amount } = await ctx.account.send("withdraw", (w) => withdrawEarnings(w, { contracts }));
    totals.withdrawn += amount;
  }
  if (everyMs <= 0 || Date.now() - totals.lastRewardsCheck < everyMs) return;
  totals.lastRewardsCheck = Date.now();
  const { pendingRewards } = await getProviderPosition(client, { contracts, provider: address });
  if (pendingRewards === 0n) return;
  try {
    const { amount } = await ctx.account.send("claimRewards", (w) => claimRewards(w, { contracts }));
    totals.rewardsClaimed += amount;
    ctx.log(`claimed ${amount} wei of staking rewards`);
  } catch (error) {
    ctx.note(`claimRewards failed: ${revertName(error) ?? (error as Error).message}`, "rpc");
  }
}
