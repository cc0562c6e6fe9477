/**
 * The miner claims its staking rewards: once the DAO streams rewards (`setRewardRate` by the
 * timelock, `fundRewards` by anyone), a poll of the miner claims what is pending, through the SDK's
 * `claimRewards`, and not again while nothing is pending.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Address, EIP1193Provider } from "viem";

import { MinerAccount } from "../../node/miner/account.js";
import { Miner } from "../../node/miner/miner.js";
import { BuiltinBackend } from "../../node/backends/backend.js";
import {
  AITBC,
  DAY,
  deployMarket,
  openAndClaim,
  SECRET_1,
  submitDefault,
  type Market,
} from "../helpers/market.js";

describe("miner: staking rewards", function () {
  let market: Market;
  let miner: Miner;

  before(async () => {
    const connection = await network.create();
    market = await deployMarket(connection);
    const contracts = {
      AITBCToken: (await market.token.getAddress()) as Address,
      GPUStaking: (await market.staking.getAddress()) as Address,
      JobEscrow: (await market.escrow.getAddress()) as Address,
      ReputationRegistry: (await market.reputation.getAddress()) as Address,
    };
    const account = MinerAccount.connect({ rpc: connection.provider as unknown as EIP1193Provider, key: market.provider1.address as Address, contracts, pollingIntervalMs: 20 }); // prettier-ignore
    // rewardsEveryMs: 1 → every poll checks (the default is once a minute); the run loop polls once an hour
    miner = new Miner({ account, backend: new BuiltinBackend(), secret: SECRET_1, store: ":memory:", gpu: { model: "x", vramGb: 1, throughput: 1, source: "flags" }, rewardsEveryMs: 1, pollMs: 3_600_000, log: () => undefined }); // prettier-ignore
    await miner.start(); // registered and staked by deployMarket: adds the model, stakes nothing
  });

  after(async () => {
    await miner?.stop();
  });

  it("claims nothing while no rewards stream", async () => {
    await miner.tick();
    expect(miner.earnings.rewardsClaimed).to.equal(0n);
    expect(miner.ctx.account.gas.has("claimRewards")).to.equal(false);
    expect(miner.ctx.account.gas.has("stake")).to.equal(false);
  });

  it("claims the pending rewards once the DAO streams them, then nothing more is pending", async () => {
    const { staking, token, governance, ecosystem, provider1, networkHelpers } = market;
    await token.connect(ecosystem).approve(await staking.getAddress(), 1_000_000n * AITBC);
    await staking.connect(ecosystem).fundRewards(1_000_000n * AITBC);
    await staking.connect(governance).setRewardRate(AITBC / 10n); // 0.1 AITBC per second
    await networkHelpers.time.increase(DAY);
    const before = await token.balanceOf(provider1.address);
    await new Promise((resolve) => setTimeout(resolve, 5)); // past rewardsEveryMs
    await miner.tick();
    const claimed = miner.earnings.rewardsClaimed;
    expect(claimed > 0n).to.equal(true);
    expect(miner.ctx.account.gas.get("claimRewards")?.count).to.equal(1);
    expect(await token.balanceOf(provider1.address)).to.equal(before + claimed);
    // two providers with equal weight share the stream: about half of a day at 0.1 AITBC/s
    const halfDay = (BigInt(DAY) * (AITBC / 10n)) / 2n;
    expect(claimed >= (halfDay * 99n) / 100n && claimed <= (halfDay * 101n) / 100n).to.equal(true);
    expect(await staking.pendingRewards(provider1.address)).to.be.lessThan(AITBC); // at most a few blocks' worth
  });

  it("two polls at once withdraw the escrow's credit once, and neither fails", async () => {
    const { escrow, token, provider1, networkHelpers } = market;
    const jobId = await openAndClaim(market);
    await submitDefault(market, jobId);
    await networkHelpers.time.increase(DAY + 1); // past the challenge window (1 day by default)
    await escrow.finalize(jobId);
    const credit = await escrow.withdrawable(provider1.address);
    expect(credit > 0n).to.equal(true);
    const before = await token.balanceOf(provider1.address);
    const withdrawnBefore = miner.earnings.withdrawn;
    const withdrawalsBefore = miner.ctx.account.gas.get("withdraw")?.count ?? 0;
    // the run loop's poll and a caller's poll overlap (as in the main job): before polls were serialized
    // both read the same credit, both sent withdraw(), and the second reverted EscrowNothingToWithdraw
    await Promise.all([miner.tick(), miner.tick()]);
    expect(miner.ctx.account.gas.get("withdraw")?.count).to.equal(withdrawalsBefore + 1);
    expect(miner.earnings.withdrawn - withdrawnBefore).to.equal(credit);
    expect(await escrow.withdrawable(provider1.address)).to.equal(0n);
    expect(await token.balanceOf(provider1.address)).to.be.greaterThanOrEqual(before + credit);
  });
});
