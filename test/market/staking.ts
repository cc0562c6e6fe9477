import { expect } from "chai";
import { network } from "hardhat";

import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import {
  AITBC,
  Component,
  DAY,
  deployMarket,
  GPU,
  MIN_STAKE,
  MODEL,
  SECRET_1,
  type Market,
} from "../helpers/market.js";

const connection = await network.create();
const { networkHelpers } = connection;
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

describe("GPUStaking", function () {
  const fixture = () => deployMarket(connection);
  let market: Market;

  beforeEach(async () => {
    market = await networkHelpers.loadFixture(fixture);
  });

  /** Governance sets a reward rate and the ecosystem pool funds `amount`. */
  async function fund(amount: bigint, rate = AITBC) {
    const { staking, token, ecosystem, governance } = market;
    await staking.connect(governance).setRewardRate(rate);
    await token.connect(ecosystem).approve(await staking.getAddress(), amount);
    await expect(staking.connect(ecosystem).fundRewards(amount))
      .to.emit(staking, "RewardsFunded")
      .withArgs(ecosystem.address, amount);
  }

  describe("registration", () => {
    it("records the GPU, models and identity, and refuses bad or duplicate identities", async () => {
      const { staking, provider1, unstaked, outsider } = market;
      expect(await staking.identityCommitmentOf(provider1.address)).to.equal(identityCommitment(SECRET_1));
      expect(await staking.servesModel(provider1.address, MODEL)).to.equal(true);
      const gpu = await staking.gpuOf(provider1.address);
      expect([gpu.model, gpu.vramGb, gpu.throughput]).to.deep.equal([GPU.model, 24n, 120n]);

      await expect(staking.connect(provider1).register(5n, GPU, []))
        .to.be.revertedWithCustomError(staking, "StakingAlreadyRegistered")
        .withArgs(provider1.address);
      for (const bad of [0n, FIELD]) {
        await expect(staking.connect(unstaked).register(bad, GPU, []))
          .to.be.revertedWithCustomError(staking, "StakingInvalidIdentity")
          .withArgs(bad);
      }
      await expect(staking.connect(unstaked).register(identityCommitment(SECRET_1), GPU, []))
        .to.be.revertedWithCustomError(staking, "StakingIdentityTaken")
        .withArgs(identityCommitment(SECRET_1), provider1.address);
      const tooMany = Array.from({ length: 33 }, (_, i) =>
        market.ethers.zeroPadValue(market.ethers.toBeHex(i + 1), 32),
      );
      await expect(staking.connect(unstaked).register(77n, GPU, tooMany))
        .to.be.revertedWithCustomError(staking, "StakingInputTooLong")
        .withArgs(33n, 32n);
      await expect(staking.connect(unstaked).register(77n, { ...GPU, model: "x".repeat(65) }, []))
        .to.be.revertedWithCustomError(staking, "StakingInputTooLong")
        .withArgs(65n, 64n);
      await expect(staking.connect(outsider).setModelServing(MODEL, true))
        .to.be.revertedWithCustomError(staking, "StakingNotRegistered")
        .withArgs(outsider.address);
      await expect(staking.connect(provider1).setModelServing(MODEL, false))
        .to.emit(staking, "ModelServingSet")
        .withArgs(provider1.address, MODEL, false);
      expect(await staking.servesModel(provider1.address, MODEL)).to.equal(false);
      await expect(
        staking.connect(provider1).updateGpu({ model: "H100", vramGb: 80, throughput: 900 }),
      ).to.emit(staking, "GpuUpdated");
      expect((await staking.gpuOf(provider1.address)).vramGb).to.equal(80n);
    });
  });

  describe("locks and unbonding", () => {
    it("locks the stake, refuses shorter locks, unbonds after the lock and withdraws after unbonding", async () => {
      const { staking, token, provider1 } = market;
      const view = await staking.providerOf(provider1.address);
      expect(view.staked).to.equal(MIN_STAKE);
      await expect(staking.connect(provider1).stake(1n, 8)).to.be.revertedWithCustomError(
        staking,
        "StakingInvalidLockOption",
      );
      await expect(staking.connect(provider1).stake(1n, 5))
        .to.be.revertedWithCustomError(staking, "StakingInvalidLockOption")
        .withArgs(5n);
      await expect(staking.connect(provider1).stake(0n, 0)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
      await staking.connect(provider1).stake(AITBC, 1); // 90 days, x1.2
      const locked = (await staking.providerOf(provider1.address)).lockedUntil;
      await expect(staking.connect(provider1).stake(AITBC, 0)).to.be.revertedWithCustomError(
        staking,
        "StakingLockShortened",
      );
      await expect(staking.connect(provider1).requestUnbond(AITBC))
        .to.be.revertedWithCustomError(staking, "StakingLocked")
        .withArgs(locked);
      await networkHelpers.time.increaseTo(locked);
      const staked = MIN_STAKE + AITBC;
      await expect(staking.connect(provider1).requestUnbond(staked + 1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientStake")
        .withArgs(staked + 1n, staked);
      await expect(staking.connect(provider1).requestUnbond(staked)).to.emit(staking, "UnbondingStarted");
      const after = await staking.providerOf(provider1.address);
      expect(after.weight).to.equal(0n);
      expect(after.unbonding).to.equal(staked);
      await expect(staking.connect(provider1).withdraw())
        .to.be.revertedWithCustomError(staking, "StakingNotWithdrawable")
        .withArgs(staked, after.unbondingEnds);
      await networkHelpers.time.increaseTo(after.unbondingEnds);
      const before = await token.balanceOf(provider1.address);
      await expect(staking.connect(provider1).withdraw())
        .to.emit(staking, "Withdrawn")
        .withArgs(provider1.address, staked);
      expect(await token.balanceOf(provider1.address)).to.equal(before + staked);
      expect(await staking.totalStaked()).to.equal(MIN_STAKE); // provider2's
      expect(await staking.totalUnbonding()).to.equal(0n);
    });

    it("keeps unbonding stake slashable, capped at maxSlashBps, stake first", async () => {
      const { staking, governance, outsider, provider1, token } = market;
      await staking.connect(governance).grantRole(await staking.ESCROW_ROLE(), outsider.address);
      await networkHelpers.time.increase(30 * DAY);
      await staking.connect(provider1).requestUnbond(MIN_STAKE / 2n);
      // 50% requested, capped at the default 20% of 1,000 AITBC = 200: 200 from the 500 staked.
      await expect(staking.connect(outsider).slash(provider1.address, 5_000n))
        .to.emit(staking, "Slashed")
        .withArgs(provider1.address, 200n * AITBC, 2_000n, outsider.address);
      let view = await staking.providerOf(provider1.address);
      expect([view.staked, view.unbonding]).to.deep.equal([300n * AITBC, 500n * AITBC]);
      await staking.connect(outsider).slash(provider1.address, 5_000n); // 20% of 800 = 160
      await staking.connect(outsider).slash(provider1.address, 5_000n); // 20% of 640 = 128, all from the 140 still staked
      view = await staking.providerOf(provider1.address);
      expect(view.staked + view.unbonding).to.equal(512n * AITBC);
      expect(view.staked).to.equal(12n * AITBC);
      expect(await token.balanceOf(outsider.address)).to.equal(1_000_000n * AITBC + 488n * AITBC);
    });

    it("falls back to x1.0 when the lock expires, once anyone syncs", async () => {
      const { staking, provider1, outsider } = market;
      await staking.connect(provider1).stake(AITBC, 3); // 365 days, x2.0
      expect((await staking.providerOf(provider1.address)).weight).to.equal((MIN_STAKE + AITBC) * 2n);
      await networkHelpers.time.increase(365 * DAY);
      await expect(staking.connect(outsider).syncTier(provider1.address))
        .to.emit(staking, "WeightUpdated")
        .withArgs(provider1.address, (MIN_STAKE + AITBC) * 2n, MIN_STAKE + AITBC, 10_000n, 10_000n);
      await expect(staking.syncTier(outsider.address))
        .to.be.revertedWithCustomError(staking, "StakingNotRegistered")
        .withArgs(outsider.address);
    });
  });

  describe("rewards", () => {
    it("shares rewards pro rata to stake x lock multiplier", async () => {
      const { staking, provider1, provider2 } = market;
      await fund(1_000_000n * AITBC);
      await staking.connect(provider2).stake(MIN_STAKE, 3); // 2,000 AITBC at x2.0 → weight 4,000 vs 1,000
      expect(await staking.totalWeight()).to.equal(5_000n * AITBC);
      const a1 = await staking.pendingRewards(provider1.address);
      const a2 = await staking.pendingRewards(provider2.address);
      await networkHelpers.time.increase(1_000);
      await networkHelpers.mine();
      const d1 = (await staking.pendingRewards(provider1.address)) - a1;
      const d2 = (await staking.pendingRewards(provider2.address)) - a2;
      expect(d1 + d2).to.be.closeTo(1_001n * AITBC, 10n ** 6n); // 1,001 s at 1 AITBC/s
      expect(d2).to.be.closeTo(4n * d1, 10n ** 6n);
    });

    it("applies a tier change to the future only (after settling)", async () => {
      const { staking, reputation, oracle, governance, provider1, provider2 } = market;
      await fund(1_000_000n * AITBC);
      // Gold: 500 + 200 + 100 = 800 → x1.5. The weight does not change until the provider is synced.
      await reputation.connect(oracle).setComponent(provider1.address, Component.Performance, 200);
      await reputation.connect(governance).setComponent(provider1.address, Component.Community, 100);
      expect((await staking.providerOf(provider1.address)).weight).to.equal(MIN_STAKE);
      const t0 = await staking.pendingRewards(provider1.address);
      const u0 = await staking.pendingRewards(provider2.address);
      await networkHelpers.time.increase(99);
      await staking.syncTier(provider1.address); // 100 s at equal weights
      const t1 = await staking.pendingRewards(provider1.address);
      const u1 = await staking.pendingRewards(provider2.address);
      expect(t1 - t0).to.be.closeTo(u1 - u0, 10n ** 6n);
      expect((await staking.providerOf(provider1.address)).weight).to.equal((MIN_STAKE * 3n) / 2n);
      await networkHelpers.time.increase(1_000);
      await networkHelpers.mine();
      const t2 = await staking.pendingRewards(provider1.address);
      const u2 = await staking.pendingRewards(provider2.address);
      expect((t2 - t1) * 2n).to.be.closeTo((u2 - u1) * 3n, 10n ** 7n);
    });

    it("never pays more than was funded, and claims pay exactly the pending amount", async () => {
      const { staking, token, provider1, provider2, outsider } = market;
      await fund(10n * AITBC);
      await networkHelpers.time.increase(1_000);
      const p1 = await staking.pendingRewards(provider1.address);
      const p2 = await staking.pendingRewards(provider2.address);
      expect(p1 + p2).to.be.lte(10n * AITBC);
      expect(p1 + p2).to.be.gte(10n * AITBC - 10n);
      const before = await token.balanceOf(provider1.address);
      await staking.connect(provider1).claimRewards();
      expect((await token.balanceOf(provider1.address)) - before).to.equal(p1);
      await staking.connect(provider2).claimRewards();
      expect(await staking.unallocatedRewards()).to.equal(0n);
      expect(await staking.rewardReserve()).to.be.lte(10n);
      await expect(staking.connect(provider1).claimRewards())
        .to.be.revertedWithCustomError(staking, "StakingNoRewards")
        .withArgs(provider1.address);
      await expect(staking.connect(outsider).claimRewards()).to.be.revertedWithCustomError(
        staking,
        "StakingNoRewards",
      );
      expect(await token.balanceOf(await staking.getAddress())).to.equal(
        (await staking.totalStaked()) + (await staking.totalUnbonding()) + (await staking.rewardReserve()),
      );
    });

    it("never pays for time when the pool was empty (funding is not retroactive)", async () => {
      const { staking, provider1, provider2 } = market;
      await staking.connect(market.governance).setRewardRate(AITBC);
      await networkHelpers.time.increase(10_000); // rate set, pool empty
      await fund(50n * AITBC);
      expect(await staking.pendingRewards(provider1.address)).to.equal(0n);
      await networkHelpers.time.increase(9);
      await networkHelpers.mine();
      const total =
        (await staking.pendingRewards(provider1.address)) + (await staking.pendingRewards(provider2.address));
      expect(total).to.be.closeTo(10n * AITBC, 10n ** 6n);
    });
  });

  describe("governance parameters", () => {
    it("accepts each parameter only from governance and only within its bounds", async () => {
      const { staking, governance, outsider } = market;
      const cases: [string, bigint, bigint, bigint, string][] = [
        ["setRewardRate", 0n, 100n * AITBC, 100n * AITBC + 1n, "rewardRate"],
        ["setMinStake", AITBC, 10_000_000n * AITBC, AITBC - 1n, "minStake"],
        ["setUnbondingPeriod", 7n * BigInt(DAY), 90n * BigInt(DAY), 7n * BigInt(DAY) - 1n, "unbondingPeriod"],
        ["setMaxSlashBps", 100n, 5_000n, 5_001n, "maxSlashBps"],
      ];
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- setters are looked up by name
      const c = staking as any;
      for (const [setter, low, high, bad, getter] of cases) {
        await expect(c.connect(outsider)[setter](low)).to.be.revertedWithCustomError(
          staking,
          "AccessControlUnauthorizedAccount",
        );
        await expect(c.connect(governance)[setter](bad)).to.be.revertedWithCustomError(
          staking,
          "StakingParameterOutOfBounds",
        );
        await c.connect(governance)[setter](low);
        expect(await c[getter]()).to.equal(low);
        await c.connect(governance)[setter](high);
        expect(await c[getter]()).to.equal(high);
      }
      await expect(staking.connect(governance).setLockOption(4, 730 * DAY, 30_000)).to.emit(
        staking,
        "LockOptionSet",
      );
      expect((await staking.lockOption(4)).multiplierBps).to.equal(30_000n);
      await expect(
        staking.connect(governance).setLockOption(4, 731 * DAY, 30_000),
      ).to.be.revertedWithCustomError(staking, "StakingParameterOutOfBounds");
      await expect(staking.connect(governance).setLockOption(4, DAY, 30_001)).to.be.revertedWithCustomError(
        staking,
        "StakingParameterOutOfBounds",
      );
      await expect(staking.connect(governance).setLockOption(8, DAY, 10_000)).to.be.revertedWithCustomError(
        staking,
        "StakingInvalidLockOption",
      );
    });
  });
});
