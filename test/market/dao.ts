import { expect } from "chai";
import { ZeroAddress, ZeroHash, type Interface } from "ethers";
import { network } from "hardhat";

import { BUILTIN_MODEL_DIGEST, buildMarketModule, MARKET_ROLES } from "../../deploy/modules/market.js";
import { releaseProverResources } from "../../sdk/src/zk/proof.js";
import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import { councilCall, deployOpenClaw, execute, passProposal } from "../helpers/openclaw.js";
import {
  AITBC,
  cachedReceipt,
  DAY,
  GPU,
  MAX_TOKENS,
  MODEL,
  OUTPUT,
  PRICE,
  PROMPT,
  proofArg,
  receiptJob,
  SECRET_1,
  Status,
  TOKENS,
} from "../helpers/market.js";

const connection = await network.create();
const DAY_S = 86_400n;
const { networkHelpers } = connection;

/** The market deployed by `addMarket` on top of the real OpenClaw DAO (timelock, Safe council). */
async function fixture() {
  const dao = await deployOpenClaw(connection);
  const { ethers, ignition } = dao;
  const deployed = await ignition.deploy(
    buildMarketModule({
      token: await dao.token.getAddress(),
      timelock: await dao.timelock.getAddress(),
      council: await dao.council.getAddress(),
    }),
  );
  const reputation = await ethers.getContractAt("ReputationRegistry", await deployed.reputation.getAddress());
  const staking = await ethers.getContractAt("GPUStaking", await deployed.staking.getAddress());
  const escrow = await ethers.getContractAt("JobEscrow", await deployed.escrow.getAddress());
  const policy = await ethers.getContractAt("MarketPolicy", await deployed.policy.getAddress());
  const checker = await ethers.getContractAt("TopicClassifierChecker", await deployed.checker.getAddress());
  const batchEscrow = await ethers.getContractAt("BatchEscrow", await deployed.batchEscrow.getAddress());
  return { ...dao, reputation, staking, jobEscrow: escrow, batchEscrow, policy, checker, deployed };
}

describe("market on the OpenClaw DAO", function () {
  after(async () => {
    await releaseProverResources();
  });

  it("leaves every parameter to the timelock, disputes to the council, and nothing to the deployer", async () => {
    const {
      reputation,
      staking,
      jobEscrow: escrow,
      batchEscrow,
      policy,
      checker,
      deployed,
      outsider,
      timelock,
      council,
      deployer,
    } = await networkHelpers.loadFixture(fixture);
    const timelockAddress = await timelock.getAddress();
    const escrowAddress = await escrow.getAddress();
    for (const contract of [reputation, staking, escrow, batchEscrow, policy]) {
      expect(await contract.hasRole(MARKET_ROLES.DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
      for (const role of Object.values(MARKET_ROLES)) {
        expect(await contract.hasRole(role, deployer.address)).to.equal(false);
      }
    }
    expect(await staking.hasRole(MARKET_ROLES.ESCROW_ROLE, escrowAddress)).to.equal(true);
    expect(await reputation.hasRole(MARKET_ROLES.ESCROW_ROLE, escrowAddress)).to.equal(true);
    expect(await escrow.hasRole(MARKET_ROLES.ARBITER_ROLE, await council.getAddress())).to.equal(true);
    const batchAddress = await batchEscrow.getAddress();
    expect(await staking.hasRole(MARKET_ROLES.ESCROW_ROLE, batchAddress)).to.equal(true);
    expect(await reputation.hasRole(MARKET_ROLES.ESCROW_ROLE, batchAddress)).to.equal(true);
    expect(await batchEscrow.hasRole(MARKET_ROLES.ARBITER_ROLE, await council.getAddress())).to.equal(true);
    expect(await batchEscrow.policy()).to.equal(await policy.getAddress());
    expect(await batchEscrow.verifier()).to.equal(await deployed.batchReceiptVerifier.getAddress());
    // A stranger holds no role of either escrow or the policy.
    for (const role of Object.values(MARKET_ROLES)) {
      for (const contract of [escrow, batchEscrow, policy]) {
        expect(await contract.hasRole(role, outsider.address)).to.equal(false);
      }
    }
    // The escrow reads the policy; the policy pays the timelock and needs the built-in model's proof.
    expect(await escrow.policy()).to.equal(await policy.getAddress());
    expect(await policy.treasury()).to.equal(timelockAddress);
    expect(await policy.checkerOf(BUILTIN_MODEL_DIGEST)).to.equal(await checker.getAddress());
    expect(await checker.modelDigest()).to.equal(BUILTIN_MODEL_DIGEST);
    expect(await checker.verifier()).to.equal(await deployed.inferenceVerifier.getAddress());
    await expect(policy.connect(deployer).setProtocolFeeBps(0))
      .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, MARKET_ROLES.DEFAULT_ADMIN_ROLE);
    await expect(policy.connect(deployer).setModelVerification(BUILTIN_MODEL_DIGEST, ZeroAddress))
      .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, MARKET_ROLES.DEFAULT_ADMIN_ROLE);
    // The escrow has no parameter setter left (its ABI has none).
    expect((escrow.interface as Interface).getFunction("setProtocolFeeBps")).to.equal(null);
  });

  it("changes every policy parameter through a DAO proposal executed by the timelock", async () => {
    const dao = await networkHelpers.loadFixture(fixture);
    const { policy } = dao;
    const policyAddress = await policy.getAddress();
    const newTreasury = dao.alice.address;
    // [function, argument, event, old value, new value]
    const changes = [
      ["setProtocolFeeBps", 500n, "ProtocolFeeBpsSet", 250n],
      ["setChallengeWindow", 2n * 3600n, "ChallengeWindowSet", 86_400n],
      ["setDisputeBond", 50n * AITBC, "DisputeBondSet", 100n * AITBC],
      ["setDisputeSlashBps", 2_000n, "DisputeSlashBpsSet", 1_000n],
      ["setDeadlineSlashBps", 0n, "DeadlineSlashBpsSet", 100n],
      ["setSlashRewardBps", 9_000n, "SlashRewardBpsSet", 5_000n],
      ["setMinPenaltyWindow", 3_600n, "MinPenaltyWindowSet", 600n],
      ["setRevealWindow", 7n * DAY_S, "RevealWindowSet", 86_400n],
      ["setSampleRateBps", 2_500n, "SampleRateBpsSet", 1_000n],
    ] as const;
    const actions = {
      targets: [...changes.map(() => policyAddress), policyAddress, policyAddress],
      values: [...changes.map(() => 0n), 0n, 0n],
      calldatas: [
        ...changes.map(([fn, value]) => (policy.interface as Interface).encodeFunctionData(fn, [value])),
        policy.interface.encodeFunctionData("setTreasury", [newTreasury]),
        policy.interface.encodeFunctionData("setModelVerification", [BUILTIN_MODEL_DIGEST, ZeroAddress]),
      ],
      description: "Market: every policy parameter",
    };
    await passProposal(dao, actions);
    const tx = execute(dao, actions);
    for (const [, value, event, old] of changes) await expect(tx).to.emit(policy, event).withArgs(old, value);
    await expect(tx)
      .to.emit(policy, "TreasurySet")
      .withArgs(await dao.timelock.getAddress(), newTreasury);
    await expect(tx)
      .to.emit(policy, "ModelVerificationSet")
      .withArgs(BUILTIN_MODEL_DIGEST, await dao.checker.getAddress(), ZeroAddress);
    const p = await policy.parameters();
    expect([
      p.protocolFeeBps,
      p.challengeWindow,
      p.disputeBond,
      p.disputeSlashBps,
      p.deadlineSlashBps,
      p.slashRewardBps,
      p.minPenaltyWindow,
      p.revealWindow,
    ]).to.deep.equal([500n, 7_200n, 50n * AITBC, 2_000n, 0n, 9_000n, 3_600n, 604_800n]);
    expect(await policy.sampleRateBps()).to.equal(2_500n);
    expect(await policy.treasury()).to.equal(newTreasury);
    expect(await policy.checkerOf(BUILTIN_MODEL_DIGEST)).to.equal(ZeroAddress);
  });

  it("refuses a policy parameter out of bounds even through the timelock", async () => {
    const dao = await networkHelpers.loadFixture(fixture);
    const { policy } = dao;
    // The timelock's own account, as if a proposal had passed (the bounds hold whoever the admin is).
    const timelockAddress = await dao.timelock.getAddress();
    await networkHelpers.impersonateAccount(timelockAddress);
    await networkHelpers.setBalance(timelockAddress, 10n ** 18n);
    const timelock = await dao.ethers.getSigner(timelockAddress);
    await expect(policy.connect(timelock).setProtocolFeeBps(1_001))
      .to.be.revertedWithCustomError(policy, "PolicyParameterOutOfBounds")
      .withArgs(1_001n, 0n, 1_000n);
    await expect(policy.connect(timelock).setSampleRateBps(99))
      .to.be.revertedWithCustomError(policy, "PolicyParameterOutOfBounds")
      .withArgs(99n, 100n, 10_000n);
    await expect(policy.connect(timelock).setModelVerification(ZeroHash, await dao.checker.getAddress()))
      .to.be.revertedWithCustomError(policy, "PolicyCheckerModelMismatch")
      .withArgs(ZeroHash, BUILTIN_MODEL_DIGEST);
  });

  it("resolves a dispute through the real 3-of-5 Safe council and slashes the provider", async () => {
    const dao = await networkHelpers.loadFixture(fixture);
    const { token, staking, jobEscrow: escrow, ecosystem, alice, bob, challenger, owners, chainId } = dao;
    const [provider, consumer] = [alice, bob];
    await token.connect(ecosystem).transfer(provider.address, 10_000n * AITBC);
    await staking.connect(provider).register(identityCommitment(SECRET_1), GPU, [MODEL]);
    await token.connect(provider).approve(await staking.getAddress(), 10_000n * AITBC);
    await staking.connect(provider).stake(10_000n * AITBC, 0);
    await token.connect(consumer).approve(await escrow.getAddress(), MAX_TOKENS * PRICE);
    await token.connect(challenger).approve(await escrow.getAddress(), 100n * AITBC);

    const deadline = BigInt((await networkHelpers.time.latest()) + DAY);
    await escrow.connect(consumer).openJob({
      modelDigest: MODEL,
      promptHash: PROMPT,
      maxTokens: MAX_TOKENS,
      pricePerToken: PRICE,
      deadline,
      minTier: 0,
    });
    await escrow.connect(provider).claim(1n);
    const receipt = await cachedReceipt(
      SECRET_1,
      receiptJob(1n, { chainId: BigInt(chainId), escrow: (await escrow.getAddress()) as `0x${string}` }),
    );
    await escrow.connect(provider).submitResult(1n, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt));
    await escrow.connect(challenger).dispute(1n);

    await councilCall(
      dao,
      owners.slice(0, 3),
      await escrow.getAddress(),
      escrow.interface.encodeFunctionData("resolveDispute", [1n, true]),
    );
    expect((await escrow.jobOf(1n)).status).to.equal(Status.Refunded);
    expect(await staking.stakeOf(provider.address)).to.equal(9_000n * AITBC); // 10% slashed
    expect(await escrow.withdrawable(challenger.address)).to.equal(100n * AITBC + 500n * AITBC);
    expect(await escrow.withdrawable(await dao.timelock.getAddress())).to.equal(500n * AITBC); // policy's treasury
    expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE);
  });
});
