import { expect } from "chai";
import { network } from "hardhat";

import { buildMarketModule, MARKET_ROLES } from "../../deploy/modules/market.js";
import { execSafeCall } from "../../scripts/lib/safe.js";
import { releaseProverResources } from "../../sdk/src/zk/proof.js";
import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import { deployOpenClaw, execute, passProposal } from "../helpers/openclaw.js";
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
  return { ...dao, reputation, staking, jobEscrow: escrow };
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
      timelock,
      council,
      deployer,
    } = await networkHelpers.loadFixture(fixture);
    const timelockAddress = await timelock.getAddress();
    const escrowAddress = await escrow.getAddress();
    for (const contract of [reputation, staking, escrow]) {
      expect(await contract.hasRole(MARKET_ROLES.DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
      expect(await contract.hasRole(MARKET_ROLES.DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    }
    expect(await staking.hasRole(MARKET_ROLES.ESCROW_ROLE, escrowAddress)).to.equal(true);
    expect(await reputation.hasRole(MARKET_ROLES.ESCROW_ROLE, escrowAddress)).to.equal(true);
    expect(await escrow.hasRole(MARKET_ROLES.ARBITER_ROLE, await council.getAddress())).to.equal(true);
    expect(await escrow.treasury()).to.equal(timelockAddress);
    await expect(escrow.connect(deployer).setProtocolFeeBps(0)).to.be.revertedWithCustomError(
      escrow,
      "AccessControlUnauthorizedAccount",
    );
  });

  it("changes a parameter through a DAO proposal executed by the timelock", async () => {
    const dao = await networkHelpers.loadFixture(fixture);
    const actions = {
      targets: [await dao.jobEscrow.getAddress()],
      values: [0n],
      calldatas: [dao.jobEscrow.interface.encodeFunctionData("setProtocolFeeBps", [500])],
      description: "Market: protocol fee 5%",
    };
    await passProposal(dao, actions);
    await expect(execute(dao, actions)).to.emit(dao.jobEscrow, "ProtocolFeeBpsSet").withArgs(250n, 500n);
  });

  it("resolves a dispute through the real 3-of-5 Safe council and slashes the provider", async () => {
    const dao = await networkHelpers.loadFixture(fixture);
    const {
      token,
      staking,
      jobEscrow: escrow,
      ecosystem,
      alice,
      bob,
      challenger,
      council,
      owners,
      chainId,
    } = dao;
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

    await execSafeCall(
      council,
      chainId,
      owners.slice(0, 3),
      await escrow.getAddress(),
      escrow.interface.encodeFunctionData("resolveDispute", [1n, true]),
    );
    expect((await escrow.jobOf(1n)).status).to.equal(Status.Refunded);
    expect(await staking.stakeOf(provider.address)).to.equal(9_000n * AITBC); // 10% slashed
    expect(await escrow.withdrawable(challenger.address)).to.equal(100n * AITBC + 500n * AITBC);
    expect(await escrow.withdrawable(await dao.timelock.getAddress())).to.equal(500n * AITBC);
    expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE);
  });
});
