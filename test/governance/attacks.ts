import { expect } from "chai";
import { network } from "hardhat";

import {
  AITBC,
  CAP,
  QUORUM,
  State,
  THRESHOLD,
  TOTAL_SUPPLY,
  VOTING_PERIOD,
  Vote,
  councilApprove,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
  type OpenClaw,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

/** Moves every liquid AITBC (60% of supply at genesis) into a flash lender. */
async function fundLender(dao: OpenClaw) {
  const lender = await ethers.deployContract("ERC3156FlashLenderMock");
  const lenderAddress = await lender.getAddress();
  await dao.vesting.connect(dao.contributor)["release(address)"](await dao.token.getAddress());
  const holders = [
    dao.ecosystem,
    dao.development,
    dao.liquidity,
    dao.contributor,
    dao.alice,
    dao.bob,
    dao.carol,
    dao.whale,
    dao.proposer,
    dao.challenger,
  ];
  for (const holder of holders) {
    const balance = await dao.token.balanceOf(holder.address);
    if (balance > 0n) await dao.token.connect(holder).transfer(lenderAddress, balance);
  }
  return lender;
}

describe("OpenClaw governance: attacks", function () {
  it("a flash loan of 60% of supply cannot reach the proposal threshold", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const lender = await fundLender(dao);
    const loan = await dao.token.balanceOf(await lender.getAddress());
    expect(loan).to.equal((TOTAL_SUPPLY * 60n) / 100n);
    const attacker = await ethers.deployContract("FlashGovernanceAttackerMock", [
      await dao.governor.getAddress(),
    ]);
    await expect(attacker.attackPropose(await lender.getAddress(), await dao.token.getAddress(), loan))
      .to.be.revertedWithCustomError(dao.governor, "GovernorInsufficientProposerVotes")
      .withArgs(await attacker.getAddress(), 0n, THRESHOLD);
  });

  it("a flash loan of the whole liquid supply votes with zero weight; holders keep their snapshot power", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, alice } = dao;
    const actions = await treasuryTransfer(dao, dao.outsider.address, 1n, "Target of the flash attack");
    const { id, createdAt } = await propose(dao, dao.proposer, actions);
    const alicePower = await token.getPastVotingPower(alice.address, createdAt);
    const lender = await fundLender(dao); // everyone deposits after the snapshot
    const loan = await token.balanceOf(await lender.getAddress());
    expect((loan * 10_000n) / TOTAL_SUPPLY).to.equal(5_999n); // 60% minus the escrowed 1,000 AITBC bond
    await openVoting(dao);

    const attacker = await ethers.deployContract("FlashGovernanceAttackerMock", [
      await governor.getAddress(),
    ]);
    await expect(attacker.attackVote(await lender.getAddress(), await token.getAddress(), loan, id))
      .to.emit(governor, "VoteCast")
      .withArgs(await attacker.getAddress(), id, Vote.For, 0n, "");
    expect(await attacker.countedWeight()).to.equal(0n);
    const [against, forVotes] = await governor.proposalVotes(id);
    expect([against, forVotes]).to.deep.equal([0n, 0n]);

    // alice deposited everything into the lender but still votes with her power at creation.
    await expect(governor.connect(alice).castVote(id, Vote.Against))
      .to.emit(governor, "VoteCast")
      .withArgs(alice.address, id, Vote.Against, alicePower, "");
    expect(alicePower).to.equal(CAP);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await governor.state(id)).to.equal(State.Defeated);
  });

  it("a whale with 20% of supply counts 5% and cannot reach the 10% quorum alone", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, whale, alice } = dao;
    const actions = await treasuryTransfer(dao, whale.address, 1n, "Whale's grant");
    const { id, createdAt } = await propose(dao, dao.proposer, actions);
    const breakdown = await token.getPastVotingPowerBreakdown(whale.address, createdAt);
    expect(breakdown.votes).to.equal(200_000_000n * AITBC);
    expect(breakdown.power).to.equal(CAP);
    await openVoting(dao);
    await expect(governor.connect(whale).castVote(id, Vote.For))
      .to.emit(governor, "VoteCast")
      .withArgs(whale.address, id, Vote.For, CAP, "");
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await governor.quorum(createdAt)).to.equal(QUORUM);
    expect(await governor.state(id)).to.equal(State.Defeated);

    // With one more capped voter the quorum is met.
    const again = await treasuryTransfer(dao, whale.address, 2n, "Whale's grant, with friends");
    const second = await propose(dao, dao.proposer, again);
    await openVoting(dao);
    await governor.connect(whale).castVote(second.id, Vote.For);
    await governor.connect(alice).castVote(second.id, Vote.For);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await governor.state(second.id)).to.equal(State.Succeeded);
  });

  it("a proposer who sells after proposing: votes stay as at creation, the buyer gains nothing", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, proposer, outsider, escrow } = dao;
    const actions = await treasuryTransfer(dao, proposer.address, 1n, "Proposer sells after proposing");
    const { id, createdAt } = await propose(dao, proposer, actions);
    const power = await token.getPastVotingPower(proposer.address, createdAt);
    expect(power).to.be.greaterThan(0n);

    await token.connect(proposer).transfer(outsider.address, await token.balanceOf(proposer.address));
    await token.connect(outsider).delegate(outsider.address);
    await openVoting(dao);
    await expect(governor.connect(proposer).castVote(id, Vote.For))
      .to.emit(governor, "VoteCast")
      .withArgs(proposer.address, id, Vote.For, power, "");
    await expect(governor.connect(outsider).castVote(id, Vote.For))
      .to.emit(governor, "VoteCast")
      .withArgs(outsider.address, id, Vote.For, 0n, "");
    const [, forVotes] = await governor.proposalVotes(id);
    expect(forVotes).to.equal(power);
    // The bond stays escrowed regardless of the sale and is refunded after the vote.
    await networkHelpers.time.increase(VOTING_PERIOD);
    await expect(escrow.claimProposalBond(id)).to.emit(escrow, "ProposalBondRefunded");
  });

  it("a council with only two signatures cannot approve; a non-owner's third signature does not count", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, owners, outsider } = dao;
    const actions = await treasuryTransfer(dao, outsider.address, 1n, "Needs the council");
    const { id } = await propose(dao, dao.proposer, actions);
    await expect(councilApprove(dao, id, owners.slice(0, 2))).to.be.revertedWith("GS020");
    await expect(councilApprove(dao, id, [owners[0]!, owners[1]!, outsider])).to.be.revertedWith("GS026");
    expect((await governor.proposalExtras(id)).councilApproved).to.equal(false);
    await expect(governor.connect(owners[0]!).approveProposal(id))
      .to.be.revertedWithCustomError(governor, "GovernanceOnlyCouncil")
      .withArgs(owners[0]!.address);
    await councilApprove(dao, id, [owners[4]!, owners[2]!, owners[3]!]);
    expect((await governor.proposalExtras(id)).councilApproved).to.equal(true);
    await expect(councilApprove(dao, id))
      .to.be.revertedWithCustomError(governor, "GovernanceAlreadyApproved")
      .withArgs(id);
  });

  it("nothing is created, voted and executed in one block (Beanstalk)", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, proposer, alice, bob } = dao;
    const actions = await treasuryTransfer(dao, proposer.address, 1n, "One-block takeover");
    const hash = ethers.id(actions.description);
    await token.connect(proposer).approve(await dao.escrow.getAddress(), 10n ** 24n);
    await ethers.provider.send("evm_setAutomine", [false]);
    const gasLimit = 3_000_000n;
    const sent = [
      await governor
        .connect(proposer)
        .proposeTyped(actions.targets, actions.values, actions.calldatas, actions.description, 2, {
          gasLimit,
        }),
    ];
    const id = await governor.getProposalId(actions.targets, actions.values, actions.calldatas, hash);
    sent.push(await governor.connect(alice).castVote(id, Vote.For, { gasLimit }));
    sent.push(await governor.connect(bob).castVote(id, Vote.For, { gasLimit }));
    sent.push(await governor.queue(actions.targets, actions.values, actions.calldatas, hash, { gasLimit }));
    sent.push(await governor.execute(actions.targets, actions.values, actions.calldatas, hash, { gasLimit }));
    await networkHelpers.mine();
    await ethers.provider.send("evm_setAutomine", [true]);
    const statuses = await Promise.all(
      sent.map(async (tx) => (await ethers.provider.getTransactionReceipt(tx.hash))!.status),
    );
    expect(statuses).to.deep.equal([1, 0, 0, 0, 0]);
    expect(await governor.state(id)).to.equal(State.Pending);
  });
});
