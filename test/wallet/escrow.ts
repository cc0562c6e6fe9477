/**
 * AgentWallet × JobEscrow: an agent pays for inference jobs from its wallet through UserOperations,
 * within the daily limit its owner set; the job then settles with a real receipt proof and the
 * refund comes back to the wallet.
 */
import { expect } from "chai";
import { network } from "hardhat";

import {
  AITBC,
  DAY,
  MAX_TOKENS,
  PRICE,
  Status,
  TOKENS,
  deployMarket,
  jobRequest,
  submitDefault,
} from "../helpers/market.js";
import { AgentRole, NATIVE, asKey, handleOps, localAccount, signedOp, viemOf } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** 1,000 AITBC a day: room for a few jobs of MAX_TOKENS × PRICE = 0.2 AITBC each. */
const DAILY_LIMIT = 1_000n * AITBC;

async function fixture() {
  const market = await deployMarket(connection);
  const entryPoint = await ethers.deployContract("EntryPoint");
  const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
  const owner = new ethers.Wallet(ethers.id("escrow test wallet owner"), ethers.provider);
  const agent = new ethers.Wallet(ethers.id("escrow test wallet agent"), ethers.provider);
  await market.deployer.sendTransaction({ to: owner.address, value: 10n ** 18n });
  const walletAddress: string = await factory.getFunction("getAddress")(
    owner.address,
    agent.address,
    AgentRole.Consumer,
    0n,
  );
  await factory.createAccount(owner.address, agent.address, AgentRole.Consumer, 0n);
  const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
  await market.deployer.sendTransaction({ to: walletAddress, value: 10n ** 18n });
  await market.token.connect(market.ecosystem).transfer(walletAddress, 5_000n * AITBC);
  await wallet.connect(owner).setSpendingLimit(await market.token.getAddress(), DAILY_LIMIT, DAY);
  await wallet.connect(owner).setSpendingLimit(NATIVE, 10n ** 18n, DAY);
  const fx = { ...market, entryPoint, wallet, walletAddress, beneficiary: market.outsider };
  return {
    ...fx,
    ...viemOf(connection, await entryPoint.getAddress()),
    owner,
    agentKey: localAccount(agent),
  };
}

/** The agent key's UserOperation calling `payInto(escrow, token, amount, openJob(request))`. */
async function openJobOp(
  fx: Awaited<ReturnType<typeof fixture>>,
  amount: bigint,
  request: Awaited<ReturnType<typeof jobRequest>>,
) {
  const escrow = await fx.escrow.getAddress();
  const openJob = fx.escrow.interface.encodeFunctionData("openJob", [request]);
  const callData = asKey(fx, "payInto", [escrow, await fx.token.getAddress(), amount, openJob]);
  return signedOp(fx, fx.agentKey, callData);
}

describe("AgentWallet × JobEscrow", function () {
  it("opens a job through a UserOperation signed by the agent key; the job settles and the refund returns", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const maxFee = MAX_TOKENS * PRICE;
    const walletBefore = await fx.token.balanceOf(fx.walletAddress);

    const outcome = await handleOps(fx, [await openJobOp(fx, maxFee, await jobRequest(fx))]);
    expect(outcome.success, JSON.stringify(outcome.revert)).to.equal(true);
    const jobId = await fx.escrow.lastJobId();
    const job = await fx.escrow.jobOf(jobId);
    expect(job.consumer).to.equal(fx.walletAddress);
    expect(job.status).to.equal(Status.Open);
    expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(walletBefore - maxFee);
    expect(await fx.token.allowance(fx.walletAddress, await fx.escrow.getAddress())).to.equal(0n);
    expect((await fx.wallet.spendingLimit(await fx.token.getAddress())).spent).to.equal(maxFee);

    // A staked provider claims, proves and submits; after the challenge window the job settles.
    await fx.escrow.connect(fx.provider1).claim(jobId);
    await submitDefault(fx, jobId);
    await networkHelpers.time.increase(Number((await fx.policy.parameters()).challengeWindow) + 1);
    await fx.escrow.finalize(jobId);
    expect((await fx.escrow.jobOf(jobId)).status).to.equal(Status.Settled);
    const refund = maxFee - TOKENS * PRICE;
    expect(await fx.escrow.withdrawable(fx.walletAddress)).to.equal(refund);
    await fx.escrow.withdrawFor(fx.walletAddress);
    expect(await fx.token.balanceOf(fx.walletAddress)).to.equal(walletBefore - TOKENS * PRICE);
  });

  it("refuses a job whose escrow would take the agent over its daily limit", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    // A job whose maximum fee (5,000 tokens × 0.2 AITBC = 1,000 AITBC) plus 1 wei exceeds the limit.
    const request = await jobRequest(fx, { maxTokens: 5_000n, pricePerToken: 2n * 10n ** 17n });
    const amount = 5_000n * 2n * 10n ** 17n + 1n;
    const outcome = await handleOps(fx, [await openJobOp(fx, amount, request)]);
    expect(outcome.success).to.equal(false);
    expect(outcome.revert?.name).to.equal("AgentWalletSpendingLimitExceeded");
    expect(await fx.escrow.lastJobId()).to.equal(0n);
    expect((await fx.wallet.spendingLimit(await fx.token.getAddress())).spent).to.equal(0n);
  });
});
