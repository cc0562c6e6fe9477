import { expect } from "chai";
import { network } from "hardhat";

import {
  AITBC,
  CHALLENGE_BOND,
  DAY,
  State,
  TIMELOCK_DELAY,
  VOTING_PERIOD,
  Vote,
  councilResolve,
  descriptionHash,
  openVoting,
  passProposal,
  propose,
  treasuryTransfer,
  ProposalType,
} from "../helpers/openclaw.js";
import { deployRewards, type RewardsDeployment } from "./fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployRewards(connection);

// Design numbers (shared/DESIGN.md genesis split; contracts/rewards/README.md defaults), as literals.
const M = 1_000_000n * 10n ** 18n;
const BUDGET = 10_000n * 10n ** 18n;
const PROPOSER_REWARD = 1_000n * 10n ** 18n;
const STAKING_RATE = 5n * 10n ** 17n;
const PARTICIPATION_RATE = 10n ** 17n;
const PROPOSAL_RATE = 2n * 10n ** 16n;
const MAX_TOTAL_RATE = 15n * 10n ** 17n;

const BALLOT_TYPES = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/** The timelock as a signer (only for setter bounds; the governance path is tested separately). */
async function asTimelock(r: RewardsDeployment) {
  const address = await r.timelock.getAddress();
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 18n);
  return ethers.getSigner(address);
}

/** Token balances of `addresses`, to assert that a refused call moved nothing. */
async function balances(r: RewardsDeployment, addresses: string[]): Promise<bigint[]> {
  return Promise.all(addresses.map((a) => r.token.balanceOf(a)));
}

/**
 * A proposal voted by alice (For), bob (Against), dave (For), carol (Abstain), carolB (For) and the
 * agent wallet (For, by ERC-1271 signature): for + abstain = 110M ≥ 100M quorum; total 160M.
 */
async function votedProposal(r: RewardsDeployment, description = "Participation test grant") {
  const actions = await treasuryTransfer(r, r.outsider.address, 1n, description);
  const { id } = await propose(r, r.proposer, actions);
  await openVoting(r);
  await r.governor.connect(r.alice).castVote(id, Vote.For);
  await r.governor.connect(r.bob).castVote(id, Vote.Against);
  await r.governor.connect(r.dave).castVote(id, Vote.For);
  await r.governor.connect(r.carol).castVote(id, Vote.Abstain);
  await r.governor.connect(r.carolB).castVote(id, Vote.For);
  const domain = { name: "OpenClaw DAO", version: "1", chainId: r.chainId, verifyingContract: await r.governor.getAddress() }; // prettier-ignore
  const signature = await r.agentOwner.signTypedData(domain, BALLOT_TYPES, {
    proposalId: id,
    support: Vote.For,
    voter: r.agentWalletAddress,
    nonce: await r.governor.nonces(r.agentWalletAddress),
  });
  await r.governor.connect(r.outsider).castVoteBySig(id, Vote.For, r.agentWalletAddress, signature);
  return { id, actions };
}

describe("Rewards: genesis table on a real deployment", function () {
  it("every genesis share has its holder and amount; the pool and both reward contracts belong to the timelock", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const timelock = await r.timelock.getAddress();
    const pool = await r.pool.getAddress();
    // Balances right after genesis (the fixture then pays voters from development and liquidity).
    const at = (address: string) => r.token.balanceOf(address);
    expect(await r.token.totalSupply()).to.equal(1_000_000_000_000000000000000000n);
    expect(await at(timelock)).to.equal(400_000_000_000000000000000000n); // community treasury 40%
    expect(await at(pool)).to.equal(250_000_000_000000000000000000n); // agent ecosystem 25%
    expect(await at(await r.vesting.getAddress())).to.equal(100_000_000_000000000000000000n); // contributors 10%
    // development 20% = 200M: 50M + 50M + 25M + 12.5M + 12.5M paid out to the voters = 150M.
    expect(await at(r.development.address)).to.equal(50_000_000_000000000000000000n);
    // liquidity 5% = 50M: 1M proposer + 10,000 challenger + 10M agent wallet paid out.
    expect(await at(r.liquidity.address)).to.equal(38_990_000_000000000000000000n);

    expect(await r.pool.owner()).to.equal(timelock);
    expect(await r.pool.initializer()).to.equal(ethers.ZeroAddress);
    expect(await r.pool.token()).to.equal(await r.token.getAddress());
    expect(await r.participation.owner()).to.equal(timelock);
    expect(await r.proposalRewards.owner()).to.equal(timelock);
    const admin = await r.staking.DEFAULT_ADMIN_ROLE();
    expect(await r.staking.hasRole(admin, timelock)).to.equal(true);
    expect(await r.staking.hasRole(admin, r.deployer.address)).to.equal(false);

    // Default rates: staking 0.5 AITBC/s on the stream and in GPUStaking, participation 0.1, proposals 0.02.
    expect(await r.staking.rewardRate()).to.equal(500_000_000_000_000_000n);
    expect(await r.pool.recipients()).to.deep.equal([
      await r.staking.getAddress(),
      await r.participation.getAddress(),
      await r.proposalRewards.getAddress(),
    ]);
    expect((await r.pool.streamOf(await r.staking.getAddress())).rate).to.equal(STAKING_RATE);
    expect((await r.pool.streamOf(await r.participation.getAddress())).rate).to.equal(PARTICIPATION_RATE);
    expect((await r.pool.streamOf(await r.proposalRewards.getAddress())).rate).to.equal(PROPOSAL_RATE);
    expect(await r.pool.totalRate()).to.equal(620_000_000_000_000_000n);
    expect(await r.pool.MAX_TOTAL_RATE()).to.equal(MAX_TOTAL_RATE);
    expect(await r.pool.MAX_STREAMS()).to.equal(8n);
    // 250M at the maximum rate lasts at least 5 years.
    expect((250n * M) / MAX_TOTAL_RATE).to.be.at.least(5n * 365n * 86_400n);
    expect(await r.participation.budgetPerProposal()).to.equal(BUDGET);
    expect(await r.participation.MAX_BUDGET_PER_PROPOSAL()).to.equal(1_000_000n * 10n ** 18n);
    expect(await r.proposalRewards.proposerReward()).to.equal(PROPOSER_REWARD);
    expect(await r.proposalRewards.MAX_PROPOSER_REWARD()).to.equal(10_000n * 10n ** 18n);
  });
});

describe("Rewards: EcosystemPool streams", function () {
  it("anyone releases a stream's accrual (rate × elapsed seconds) into GPUStaking's fundRewards", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const staking = await r.staking.getAddress();
    const before = await r.staking.unallocatedRewards();
    const last = (await r.pool.streamOf(staking)).lastRelease;
    const tx = await r.pool.connect(r.outsider).release(staking);
    const receipt = (await tx.wait())!;
    const now = BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
    const amount = (now - last) * STAKING_RATE;
    await expect(tx).to.emit(r.pool, "StreamReleased").withArgs(staking, r.outsider.address, amount);
    await expect(tx)
      .to.emit(r.staking, "RewardsFunded")
      .withArgs(await r.pool.getAddress(), amount);
    expect(await r.staking.unallocatedRewards()).to.equal(before + amount);
    expect(await r.token.allowance(await r.pool.getAddress(), staking)).to.equal(0n);
    console.log(`      gas: EcosystemPool.release(GPUStaking) ${receipt.gasUsed}`);
    expect(receipt.gasUsed).to.be.at.most(150_000n); // measured 136,228 (contracts/rewards/README.md)
  });

  it("refuses a stranger's rate change, a second initialize, an unknown stream and out-of-bounds rates; nothing moves", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const pool = await r.pool.getAddress();
    const staking = await r.staking.getAddress();
    const watched = [pool, staking, r.outsider.address];
    const start = await balances(r, watched);
    for (const attacker of [r.outsider, r.deployer, r.proposer, r.alice]) {
      await expect(r.pool.connect(attacker).setStreamRate(staking, MAX_TOTAL_RATE))
        .to.be.revertedWithCustomError(r.pool, "OwnableUnauthorizedAccount")
        .withArgs(attacker.address);
    }
    await expect(
      r.pool.connect(r.deployer).initialize(await r.token.getAddress(), [r.outsider.address], [1n]),
    ).to.be.revertedWithCustomError(r.pool, "PoolAlreadyInitialized");
    await expect(r.pool.connect(r.outsider).release(r.outsider.address))
      .to.be.revertedWithCustomError(r.pool, "PoolNoStream")
      .withArgs(r.outsider.address);
    expect(await balances(r, watched)).to.deep.equal(start);

    const timelock = await asTimelock(r);
    // 0.62 - 0.5 + x ≤ 1.5 ⇒ staking at most 1.38 AITBC/s.
    await expect(r.pool.connect(timelock).setStreamRate(staking, 1_380_000_000_000_000_001n))
      .to.be.revertedWithCustomError(r.pool, "PoolRateOutOfBounds")
      .withArgs(1_500_000_000_000_000_001n, MAX_TOTAL_RATE);
    await expect(r.pool.connect(timelock).setStreamRate(await r.token.getAddress(), 1n))
      .to.be.revertedWithCustomError(r.pool, "PoolInvalidRecipient")
      .withArgs(await r.token.getAddress());
    await expect(r.pool.connect(timelock).setStreamRate(r.outsider.address, 0n))
      .to.be.revertedWithCustomError(r.pool, "PoolNoStream")
      .withArgs(r.outsider.address);
    // An account without code cannot receive a stream (it would make releaseAll revert).
    await expect(r.pool.connect(timelock).setStreamRate(r.outsider.address, 1n))
      .to.be.revertedWithCustomError(r.pool, "PoolInvalidRecipient")
      .withArgs(r.outsider.address);
    // In bounds: the accrual at the old rate is released first, then the new rate applies.
    await expect(r.pool.connect(timelock).setStreamRate(staking, 1_380_000_000_000_000_000n))
      .to.emit(r.pool, "StreamRateSet")
      .withArgs(staking, STAKING_RATE, 1_380_000_000_000_000_000n)
      .and.to.emit(r.pool, "StreamReleased");
    expect(await r.pool.totalRate()).to.equal(MAX_TOTAL_RATE);
    // Removing a stream (rate 0) frees its share of the bound.
    await r.pool.connect(timelock).setStreamRate(await r.proposalRewards.getAddress(), 0n);
    expect(await r.pool.recipients()).to.have.length(2);
    expect(await r.pool.totalRate()).to.equal(1_480_000_000_000_000_000n);
  });

  it("never pays more than it holds (a pool with 10 AITBC and a 1.5 AITBC/s stream pays exactly 10 AITBC)", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const small = await ethers.deployContract("EcosystemPool", [r.outsider.address, r.deployer.address]);
    const recipient = await r.participation.getAddress();
    await small.initialize(await r.token.getAddress(), [recipient], [MAX_TOTAL_RATE]);
    await r.token.connect(r.liquidity).transfer(await small.getAddress(), 10n * AITBC);
    await networkHelpers.time.increase(DAY);
    const before = await r.token.balanceOf(recipient);
    await expect(small.connect(r.alice).releaseAll())
      .to.emit(small, "StreamReleased")
      .withArgs(recipient, r.alice.address, 10n * AITBC);
    expect(await r.token.balanceOf(recipient)).to.equal(before + 10n * AITBC);
    expect(await r.token.balanceOf(await small.getAddress())).to.equal(0n);
    await networkHelpers.time.increase(DAY);
    await expect(small.release(recipient)).to.be.revertedWithCustomError(small, "PoolNothingToRelease");
    // Only the named initializer, once.
    const other = await ethers.deployContract("EcosystemPool", [r.outsider.address, r.deployer.address]);
    await expect(other.connect(r.outsider).initialize(await r.token.getAddress(), [], []))
      .to.be.revertedWithCustomError(other, "PoolNotInitializer")
      .withArgs(r.outsider.address);
  });
});

describe("Rewards: participation", function () {
  it("voters (and an agent wallet) earn pro rata to counted power after the vote closes; a split earns the same", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const { id } = await votedProposal(r);
    // Claim before close: refused (Active).
    await expect(r.participation.claim(id, r.alice.address))
      .to.be.revertedWithCustomError(r.participation, "ParticipationNotClaimable")
      .withArgs(id, State.Active);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await r.governor.state(id)).to.equal(State.Succeeded);

    // Budget 10,000 AITBC, fixed at creation; the contract holds nothing yet.
    const participation = await r.participation.getAddress();
    expect(await r.token.balanceOf(participation)).to.equal(0n);
    await expect(r.participation.connect(r.outsider).claim(id, r.alice.address))
      .to.be.revertedWithCustomError(r.participation, "ParticipationInsufficientFunds")
      .withArgs(BUDGET, 0n);
    await r.pool.connect(r.outsider).release(participation); // ~17 days × 0.1 AITBC/s ≈ 150,000 AITBC

    // Anyone triggers; the voter is paid. Total counted 160M: alice 50M → 10,000 × 50/160 = 3,125 AITBC.
    const stranger = await r.token.balanceOf(r.outsider.address);
    const tx = await r.participation.connect(r.outsider).claim(id, r.alice.address);
    await expect(tx)
      .to.emit(r.participation, "ParticipationRewardClaimed")
      .withArgs(id, r.alice.address, r.outsider.address, 50n * M, 3_125n * AITBC);
    await expect(tx)
      .to.emit(r.participation, "ProposalPoolOpened")
      .withArgs(id, BUDGET, 160n * M);
    await expect(tx).to.changeTokenBalances(ethers, r.token, [r.alice, r.outsider], [3_125n * AITBC, 0n]);
    expect(await r.token.balanceOf(r.outsider.address)).to.equal(stranger);
    const firstGas = (await (await tx).wait())!.gasUsed;
    console.log(`      gas: ParticipationRewards.claim (first, opens the pool) ${firstGas}`);
    expect(firstGas).to.be.at.most(280_000n); // measured 257,636

    // Re-claim: exact error, nothing moved.
    const watched = [participation, r.alice.address, r.outsider.address];
    const before = await balances(r, watched);
    for (const caller of [r.alice, r.outsider]) {
      await expect(r.participation.connect(caller).claim(id, r.alice.address))
        .to.be.revertedWithCustomError(r.participation, "ParticipationAlreadyClaimed")
        .withArgs(id, r.alice.address);
    }
    // A non-voter (also the proposer, who did not vote) earns nothing.
    for (const nonVoter of [r.outsider, r.proposer, r.whale]) {
      await expect(r.participation.connect(nonVoter).claim(id, nonVoter.address))
        .to.be.revertedWithCustomError(r.participation, "ParticipationNotVoted")
        .withArgs(id, nonVoter.address);
    }
    expect(await balances(r, watched)).to.deep.equal(before);

    // Bob voted Against: 3,125 too. dave 25M → 1,562.5; carol and carolB 12.5M each → 781.25 each.
    await r.participation.claim(id, r.bob.address);
    const second = await r.participation.claim(id, r.dave.address);
    const laterGas = (await second.wait())!.gasUsed;
    console.log(`      gas: ParticipationRewards.claim (later voter) ${laterGas}`);
    expect(laterGas).to.be.at.most(215_000n); // measured 194,645
    await expect(r.participation.claim(id, r.carol.address)).to.changeTokenBalance(ethers, r.token, r.carol, 781_250n * 10n ** 15n); // prettier-ignore
    await expect(r.participation.claim(id, r.carolB.address)).to.changeTokenBalance(ethers, r.token, r.carolB, 781_250n * 10n ** 15n); // prettier-ignore
    expect(await r.participation.rewardOf(id, r.dave.address)).to.equal(1_562_500n * 10n ** 15n);
    // The split holder (carol + carolB, 25M) earns exactly what dave (25M at one address) earns.
    expect((await r.participation.rewardOf(id, r.carol.address)) * 2n).to.equal(await r.participation.rewardOf(id, r.dave.address)); // prettier-ignore
    // The agent wallet, 10M: 625 AITBC, paid to the wallet, claim triggered by its owner key.
    await expect(
      r.participation.connect(r.agentOwner).claim(id, r.agentWalletAddress),
    ).to.changeTokenBalances(
      ethers,
      r.token,
      [r.agentWalletAddress, r.agentOwner.address],
      [625n * AITBC, 0n],
    );
    // The whole budget was paid (the shares divide evenly), never more.
    const poolOf = await r.participation.poolOf(id);
    expect(poolOf.paid).to.equal(BUDGET);
    expect(poolOf.budget).to.equal(BUDGET);
    expect(await r.participation.totalReserved()).to.equal(0n);
  });

  it("a real AgentWallet (factory clone) voting through its agent key earns like any holder, paid to the wallet", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const entryPoint = await ethers.deployContract("EntryPoint");
    const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
    const agentKey = new ethers.Wallet(ethers.id("rewards test agent key"), ethers.provider);
    await r.deployer.sendTransaction({ to: agentKey.address, value: 10n ** 18n });
    await factory.createAccount(r.agentOwner.address, agentKey.address, 1 /* Consumer */, 0n);
    const walletAddress = (await factory.getFunction("getAddress")(r.agentOwner.address, agentKey.address, 1, 0n)) as string; // prettier-ignore
    const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
    await r.token.connect(r.liquidity).transfer(walletAddress, 10n * M);
    await wallet.connect(agentKey).delegateVotes(await r.token.getAddress(), walletAddress);
    await networkHelpers.time.increase(8 * DAY); // counted power vests over 7 days

    const actions = await treasuryTransfer(r, r.outsider.address, 1n, "Agent-voted proposal");
    const { id } = await propose(r, r.proposer, actions);
    await openVoting(r);
    await r.governor.connect(r.alice).castVote(id, Vote.For);
    await r.governor.connect(r.bob).castVote(id, Vote.For);
    await expect(wallet.connect(agentKey).castVote(await r.governor.getAddress(), id, Vote.For))
      .to.emit(r.governor, "VoteCast")
      .withArgs(walletAddress, id, Vote.For, 10n * M, "");
    await networkHelpers.time.increase(VOTING_PERIOD);
    await r.pool.release(await r.participation.getAddress());

    // Counted 110M (alice 50M, bob 50M, the wallet 10M): the wallet earns 10,000 × 10 / 110 AITBC (floor).
    const share = (BUDGET * 10n) / 110n;
    expect(share).to.equal(909_090_909_090_909_090_909n);
    // The agent key may trigger the claim but cannot redirect it: the wallet is paid, the key gets nothing.
    await expect(r.participation.connect(agentKey).claim(id, walletAddress)).to.changeTokenBalances(
      ethers,
      r.token,
      [walletAddress, agentKey.address],
      [share, 0n],
    );
    await expect(r.participation.connect(agentKey).claim(id, walletAddress))
      .to.be.revertedWithCustomError(r.participation, "ParticipationAlreadyClaimed")
      .withArgs(id, walletAddress);
  });

  it("a proposal below quorum, a struck-down one and power acquired after the snapshot earn nothing", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    await r.pool.release(await r.participation.getAddress());
    // Non-quorum: dave alone (25M < 100M) → Defeated.
    const lonely = await treasuryTransfer(r, r.outsider.address, 1n, "Nobody cares");
    const { id: lonelyId } = await propose(r, r.proposer, lonely);
    await openVoting(r);
    await r.governor.connect(r.dave).castVote(lonelyId, Vote.For);
    // A flash holder: receives 1M after the snapshot, delegates and votes with 0 counted power.
    await r.token.connect(r.liquidity).transfer(r.outsider.address, 1_000_000n * AITBC);
    await r.token.connect(r.outsider).delegate(r.outsider.address);
    await networkHelpers.mine();
    await r.governor.connect(r.outsider).castVote(lonelyId, Vote.For);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await r.governor.state(lonelyId)).to.equal(State.Defeated);
    const participation = await r.participation.getAddress();
    const before = await balances(r, [participation, r.dave.address, r.outsider.address]);
    await expect(r.participation.claim(lonelyId, r.dave.address))
      .to.be.revertedWithCustomError(r.participation, "ParticipationQuorumNotReached")
      .withArgs(lonelyId, 25n * M, 100n * M);
    expect(await balances(r, [participation, r.dave.address, r.outsider.address])).to.deep.equal(before);

    // Struck down in the challenge period: Canceled, nothing to claim even for a would-be voter.
    const bad = await treasuryTransfer(r, r.outsider.address, 2n, "Malicious");
    const { id: badId } = await propose(r, r.proposer, bad);
    await r.token.connect(r.challenger).approve(await r.escrow.getAddress(), CHALLENGE_BOND);
    await r.escrow.connect(r.challenger).challenge(badId);
    await councilResolve(r, badId, true);
    expect((await r.governor.proposalExtras(badId)).struckDown).to.equal(true);
    await expect(r.participation.claim(badId, r.alice.address))
      .to.be.revertedWithCustomError(r.participation, "ParticipationNotClaimable")
      .withArgs(badId, State.Canceled);
    await expect(r.proposalRewards.claim(badId))
      .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardNotExecuted")
      .withArgs(badId, State.Canceled);

    // On a quorum proposal, the post-snapshot holder voted with 0 counted power: nothing to claim.
    const { id } = await votedProposal(r, "Quorum with a flash holder");
    await r.token.connect(r.liquidity).transfer(r.whale.address, 20_000_000n * AITBC);
    await r.token.connect(r.whale).delegate(r.whale.address);
    await networkHelpers.mine();
    await expect(r.governor.connect(r.whale).castVote(id, Vote.For))
      .to.emit(r.governor, "VoteCast")
      .withArgs(r.whale.address, id, Vote.For, 0n, "");
    await networkHelpers.time.increase(VOTING_PERIOD);
    await expect(r.participation.claim(id, r.whale.address))
      .to.be.revertedWithCustomError(r.participation, "ParticipationNothingToClaim")
      .withArgs(id, r.whale.address);
    expect(await r.participation.claimed(id, r.whale.address)).to.equal(false);
    // The 20M bought after the snapshot dilute nobody: alice still gets 10,000 × 50/160.
    expect(await r.participation.rewardOf(id, r.alice.address)).to.equal(3_125n * AITBC);
  });

  it("budget setter: timelock only, bounded, and a change never alters an existing proposal", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    for (const attacker of [r.outsider, r.deployer, r.alice, r.proposer]) {
      await expect(r.participation.connect(attacker).setBudgetPerProposal(1n))
        .to.be.revertedWithCustomError(r.participation, "OwnableUnauthorizedAccount")
        .withArgs(attacker.address);
      await expect(r.proposalRewards.connect(attacker).setProposerReward(1n))
        .to.be.revertedWithCustomError(r.proposalRewards, "OwnableUnauthorizedAccount")
        .withArgs(attacker.address);
    }
    const timelock = await asTimelock(r);
    await expect(r.participation.connect(timelock).setBudgetPerProposal(1_000_000n * AITBC + 1n))
      .to.be.revertedWithCustomError(r.participation, "ParticipationBudgetOutOfBounds")
      .withArgs(1_000_000n * AITBC + 1n, 1_000_000n * AITBC);
    await expect(r.proposalRewards.connect(timelock).setProposerReward(10_000n * AITBC + 1n))
      .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardOutOfBounds")
      .withArgs(10_000n * AITBC + 1n, 10_000n * AITBC);
    const actions = await treasuryTransfer(r, r.outsider.address, 1n, "Budget fixed at creation");
    const { id } = await propose(r, r.proposer, actions);
    await expect(r.participation.connect(timelock).setBudgetPerProposal(1_000_000n * AITBC))
      .to.emit(r.participation, "BudgetPerProposalSet")
      .withArgs(BUDGET, 1_000_000n * AITBC);
    await r.proposalRewards.connect(timelock).setProposerReward(10_000n * AITBC);
    expect(await r.participation.budgetOf(id)).to.equal(BUDGET);
    expect(await r.proposalRewards.rewardOf(id)).to.equal(PROPOSER_REWARD);
    const { id: later } = await propose(
      r,
      r.proposer,
      await treasuryTransfer(r, r.outsider.address, 1n, "Later"),
    );
    expect(await r.participation.budgetOf(later)).to.equal(1_000_000n * AITBC);
    expect(await r.proposalRewards.rewardOf(later)).to.equal(10_000n * AITBC);
  });
});

describe("Rewards: proposal rewards", function () {
  it("the proposer of an executed proposal is paid once; not before execution; voters of it earn too", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    // A real governance change: the DAO doubles the participation budget (Protocol, council-approved).
    const actions = {
      targets: [await r.participation.getAddress()],
      values: [0n],
      calldatas: [r.participation.interface.encodeFunctionData("setBudgetPerProposal", [20_000n * AITBC])],
      description: "Double the voters' budget",
    };
    const id = await passProposal(r, actions, ProposalType.Protocol);
    expect(await r.governor.state(id)).to.equal(State.Queued);
    await expect(r.proposalRewards.claim(id))
      .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardNotExecuted")
      .withArgs(id, State.Queued);
    await r.governor.execute(actions.targets, actions.values, actions.calldatas, descriptionHash(r, actions));
    expect(await r.participation.budgetPerProposal()).to.equal(20_000n * AITBC);
    expect(await r.participation.budgetOf(id)).to.equal(BUDGET);

    const rewards = await r.proposalRewards.getAddress();
    await expect(r.proposalRewards.claim(id))
      .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardInsufficientFunds")
      .withArgs(PROPOSER_REWARD, 0n);
    await r.pool.release(rewards); // 0.02 AITBC/s over ~ 17 days ≈ 29,000 AITBC
    const tx = r.proposalRewards.connect(r.outsider).claim(id);
    await expect(tx)
      .to.emit(r.proposalRewards, "ProposalRewardClaimed")
      .withArgs(id, r.proposer.address, r.outsider.address, PROPOSER_REWARD);
    await expect(tx).to.changeTokenBalances(ethers, r.token, [r.proposer, r.outsider], [PROPOSER_REWARD, 0n]);
    const claimGas = (await (await tx).wait())!.gasUsed;
    console.log(`      gas: ProposalRewards.claim ${claimGas}`);
    expect(claimGas).to.be.at.most(165_000n); // measured 149,027
    const before = await balances(r, [rewards, r.proposer.address]);
    for (const caller of [r.proposer, r.outsider, r.alice]) {
      await expect(r.proposalRewards.connect(caller).claim(id))
        .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardAlreadyClaimed")
        .withArgs(id);
    }
    expect(await balances(r, [rewards, r.proposer.address])).to.deep.equal(before);
    // alice and bob voted For with 50M each: 5,000 each from the 10,000 budget.
    await r.pool.release(await r.participation.getAddress());
    await expect(r.participation.claim(id, r.alice.address)).to.changeTokenBalance(ethers, r.token, r.alice, 5_000n * AITBC); // prettier-ignore
  });

  it("a defeated or still-open proposal earns its proposer nothing", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    await r.pool.release(await r.proposalRewards.getAddress());
    const actions = await treasuryTransfer(r, r.outsider.address, 1n, "Rejected");
    const { id } = await propose(r, r.proposer, actions);
    await expect(r.proposalRewards.claim(id))
      .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardNotExecuted")
      .withArgs(id, State.Pending);
    await openVoting(r);
    await r.governor.connect(r.alice).castVote(id, Vote.Against);
    await r.governor.connect(r.bob).castVote(id, Vote.Against);
    await networkHelpers.time.increase(VOTING_PERIOD + TIMELOCK_DELAY);
    expect(await r.governor.state(id)).to.equal(State.Defeated);
    const before = await r.token.balanceOf(r.proposer.address);
    await expect(r.proposalRewards.connect(r.proposer).claim(id))
      .to.be.revertedWithCustomError(r.proposalRewards, "ProposalRewardNotExecuted")
      .withArgs(id, State.Defeated);
    expect(await r.token.balanceOf(r.proposer.address)).to.equal(before);
  });
});
