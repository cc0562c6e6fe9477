/**
 * SDK actions not covered elsewhere, each on the real contracts: `approveToken`, a successful
 * `claimRewards`, `reclaimJob` after a missed deadline, and `autonomousVote` on an OpenClaw proposal.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type Address } from "viem";

import {
  aitbcTokenAbi,
  approveToken,
  autonomousVote,
  claimJob,
  claimRewards,
  evaluateProposal,
  getJob,
  getProposal,
  getProviderPosition,
  getVotingPower,
  openJob,
  propose,
  reclaimJob,
  VoteSupport,
  type AitbcContracts,
} from "../../sdk/src/index.js";
import { AITBC, DAY, deployMarket, MAX_TOKENS, MODEL, PRICE, PROMPT } from "../helpers/market.js";
import { CHALLENGE_PERIOD, deployOpenClaw } from "../helpers/openclaw.js";
import { viemClients } from "./helpers.js";

describe("sdk: approveToken, claimRewards, reclaimJob", function () {
  let market: Awaited<ReturnType<typeof deployMarket>>;
  let contracts: AitbcContracts;
  let clients: ReturnType<typeof viemClients>;

  before(async function () {
    const connection = await network.create();
    market = await deployMarket(connection);
    contracts = {
      AITBCToken: (await market.token.getAddress()) as Address,
      GPUStaking: (await market.staking.getAddress()) as Address,
      ReputationRegistry: (await market.reputation.getAddress()) as Address,
      JobEscrow: (await market.escrow.getAddress()) as Address,
    };
    clients = viemClients(connection);
  });

  it("approveToken sets exactly the allowance asked for", async function () {
    const owner = clients.walletFor(market.outsider.address);
    const spender = market.challenger.address as Address;
    await approveToken(owner, { contracts, to: spender, amount: 1_234n * AITBC });
    const allowance = await clients.publicClient.readContract({
      address: contracts.AITBCToken!,
      abi: aitbcTokenAbi,
      functionName: "allowance",
      args: [market.outsider.address as Address, spender],
    });
    expect(allowance).to.equal(1_234n * AITBC);
  });

  it("claimRewards pays a provider its pro-rata share of the reward rate", async function () {
    const { staking, token, ecosystem, governance, provider1, networkHelpers } = market;
    const rate = 10n ** 18n; // 1 AITBC per second, shared by the two equally weighted providers
    await token.connect(ecosystem).approve(await staking.getAddress(), 1_000_000n * AITBC);
    await staking.connect(ecosystem).fundRewards(1_000_000n * AITBC);
    await staking.connect(governance).setRewardRate(rate);
    const rateSetAt = BigInt(await networkHelpers.time.latest());
    await networkHelpers.time.increase(1_000);

    const before = await token.balanceOf(provider1.address);
    const claimed = await claimRewards(clients.walletFor(provider1.address), { contracts });
    const claimedAt = BigInt(await networkHelpers.time.latest());
    const expected = (rate * (claimedAt - rateSetAt)) / 2n;
    // The reward-per-weight accumulator rounds down: at most a few wei below the exact share.
    expect(claimed.amount <= expected && expected - claimed.amount < 10n ** 6n).to.equal(
      true,
      `claimed ${claimed.amount}, expected about ${expected}`,
    );
    expect(await token.balanceOf(provider1.address)).to.equal(before + claimed.amount);
    const position = await getProviderPosition(clients.publicClient, {
      contracts,
      provider: provider1.address as Address,
    });
    expect(position.pendingRewards).to.equal(0n);
  });

  it("reclaimJob refunds the consumer after a missed deadline and penalises the provider", async function () {
    const { provider1, consumer, networkHelpers } = market;
    const deadline = BigInt(await networkHelpers.time.latest()) + BigInt(DAY);
    const opened = await openJob(clients.walletFor(consumer.address), {
      contracts,
      modelDigest: MODEL,
      promptHash: PROMPT,
      maxTokens: MAX_TOKENS,
      pricePerToken: PRICE,
      deadline,
    });
    await claimJob(clients.walletFor(provider1.address), { contracts, jobId: opened.jobId });
    const stakeBefore = (
      await getProviderPosition(clients.publicClient, { contracts, provider: provider1.address as Address })
    ).staked;
    await networkHelpers.time.increaseTo(deadline + 1n);

    await reclaimJob(clients.walletFor(market.outsider.address), { contracts, jobId: opened.jobId });
    const job = await getJob(clients.publicClient, { contracts, jobId: opened.jobId });
    expect(job.status).to.equal("Refunded");
    expect(await market.escrow.withdrawable(consumer.address)).to.be.greaterThanOrEqual(opened.escrowed);
    const stakeAfter = (
      await getProviderPosition(clients.publicClient, { contracts, provider: provider1.address as Address })
    ).staked;
    expect(stakeAfter).to.be.lessThan(stakeBefore);
  });
});

describe("sdk: autonomousVote on an OpenClaw proposal", function () {
  it("a Provider agent votes For a reward increase and a Consumer agent Against a fee increase", async function () {
    const connection = await network.create();
    const dao = await deployOpenClaw(connection);
    const clients = viemClients(connection);
    const contracts: AitbcContracts = {
      AITBCToken: (await dao.token.getAddress()) as Address,
      OpenClawGovernor: (await dao.governor.getAddress()) as Address,
      ProposalBondEscrow: (await dao.escrow.getAddress()) as Address,
    };
    const description = "Raise GPU provider staking rewards and the protocol fee";
    const { proposalId, createdAt } = await (async () => {
      const created = await propose(clients.walletFor(dao.proposer.address), {
        contracts,
        targets: [contracts.AITBCToken!],
        values: [0n],
        calldatas: ["0x"],
        description,
        proposalType: 0,
      });
      return { proposalId: created.proposalId, createdAt: BigInt(await dao.networkHelpers.time.latest()) };
    })();
    await dao.networkHelpers.time.increase(CHALLENGE_PERIOD + 1);

    const providerView = {
      proposalType: "Protocol" as const,
      description,
      parameterChanges: [{ parameter: "rewardRate" as const, direction: "increase" as const }],
    };
    const consumerView = {
      ...providerView,
      parameterChanges: [{ parameter: "protocolFeeBps" as const, direction: "increase" as const }],
    };
    expect(evaluateProposal("Provider", providerView).vote).to.equal(VoteSupport.For);
    expect(evaluateProposal("Consumer", consumerView).vote).to.equal(VoteSupport.Against);

    const alice = await autonomousVote(clients.walletFor(dao.alice.address), {
      contracts,
      proposalId,
      role: "Provider",
      proposal: providerView,
    });
    const bob = await autonomousVote(clients.walletFor(dao.bob.address), {
      contracts,
      proposalId,
      role: "Consumer",
      proposal: consumerView,
    });
    expect(alice.evaluation.score).to.be.greaterThan(0.7);
    expect(bob.evaluation.score).to.be.at.most(0.7);

    const tally = (await getProposal(clients.publicClient, { contracts, proposalId })).votes;
    const power = async (account: string) =>
      (
        await getVotingPower(clients.publicClient, {
          contracts,
          account: account as Address,
          timepoint: createdAt,
        })
      ).power;
    expect(tally.for).to.equal(await power(dao.alice.address));
    expect(tally.against).to.equal(await power(dao.bob.address));
  });
});
