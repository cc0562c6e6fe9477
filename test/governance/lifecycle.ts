import { expect } from "chai";
import { network } from "hardhat";

import {
  CHALLENGE_PERIOD,
  PROPOSAL_BOND,
  ProposalType,
  State,
  TIMELOCK_DELAY,
  VOTING_PERIOD,
  Vote,
  councilApprove,
  deployOpenClaw,
  descriptionHash,
  propose,
  stateBitmap,
  treasuryTransfer,
  timelockOperationId,
  TIMELOCK_READY_BITMAP,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

describe("OpenClaw governance: full lifecycle", function () {
  it("propose with bond → challenge period → vote → quorum → council → queue → timelock → execute → refund", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, escrow, timelock, proposer, alice, bob, outsider } = dao;
    const amount = 250_000n * 10n ** 18n;
    const actions = await treasuryTransfer(
      dao,
      outsider.address,
      amount,
      "Grant 250,000 AITBC to the outsider",
    );
    const hash = descriptionHash(dao, actions);
    const proposerBalance = await token.balanceOf(proposer.address);

    // Propose: the bond moves into the escrow; the proposal is a Resource one (a treasury transfer),
    // so critical.
    const { id, createdAt, receipt } = await propose(dao, proposer, actions, ProposalType.Resource);
    expect(await token.balanceOf(proposer.address)).to.equal(proposerBalance - PROPOSAL_BOND);
    expect(await token.balanceOf(await escrow.getAddress())).to.equal(PROPOSAL_BOND);
    const typed = receipt.logs
      .map((log) => governor.interface.parseLog(log))
      .find((parsed) => parsed?.name === "ProposalTyped");
    expect(typed?.args.toArray()).to.deep.equal([id, BigInt(ProposalType.Resource), true, PROPOSAL_BOND]);
    expect(await governor.proposalSnapshot(id)).to.equal(createdAt);
    expect(await governor.proposalVoteStart(id)).to.equal(createdAt + BigInt(CHALLENGE_PERIOD));
    expect(await governor.proposalDeadline(id)).to.equal(
      createdAt + BigInt(CHALLENGE_PERIOD + VOTING_PERIOD),
    );

    // Challenge period: Pending, no votes.
    expect(await governor.state(id)).to.equal(State.Pending);
    await expect(governor.connect(alice).castVote(id, Vote.For))
      .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
      .withArgs(id, State.Pending, stateBitmap(State.Active));
    await networkHelpers.time.increaseTo(createdAt + BigInt(CHALLENGE_PERIOD) - 1n);
    expect(await governor.state(id)).to.equal(State.Pending);
    await networkHelpers.time.increaseTo(createdAt + BigInt(CHALLENGE_PERIOD) + 1n);
    expect(await governor.state(id)).to.equal(State.Active);

    // Vote with counted power at creation: alice and bob each exactly at the 5% cap = 10% quorum.
    const power = await token.getPastVotingPower(alice.address, createdAt);
    await expect(governor.connect(alice).castVote(id, Vote.For))
      .to.emit(governor, "VoteCast")
      .withArgs(alice.address, id, Vote.For, power, "");
    await governor.connect(bob).castVote(id, Vote.For);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await governor.state(id)).to.equal(State.Succeeded);

    // Critical: no queue, hence no execution, before the council approved.
    await expect(governor.queue(actions.targets, actions.values, actions.calldatas, hash))
      .to.be.revertedWithCustomError(governor, "GovernanceCouncilApprovalRequired")
      .withArgs(id);
    await expect(governor.execute(actions.targets, actions.values, actions.calldatas, hash))
      .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
      .withArgs(id, State.Succeeded, stateBitmap(State.Queued));
    await expect(councilApprove(dao, id))
      .to.emit(governor, "ProposalApprovedByCouncil")
      .withArgs(id, await dao.council.getAddress(), dao.proposer.address);

    await expect(governor.queue(actions.targets, actions.values, actions.calldatas, hash)).to.emit(
      governor,
      "ProposalQueued",
    );
    expect(await governor.state(id)).to.equal(State.Queued);
    await expect(governor.execute(actions.targets, actions.values, actions.calldatas, hash))
      .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
      .withArgs(await timelockOperationId(dao, actions), TIMELOCK_READY_BITMAP);
    await networkHelpers.time.increase(TIMELOCK_DELAY);
    const treasuryBefore = await token.balanceOf(await timelock.getAddress());
    await expect(governor.execute(actions.targets, actions.values, actions.calldatas, hash))
      .to.emit(governor, "ProposalExecuted")
      .withArgs(id);
    expect(await governor.state(id)).to.equal(State.Executed);
    expect(await token.balanceOf(outsider.address)).to.equal(amount);
    expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasuryBefore - amount);

    // Bond refunded to the proposer (anyone may trigger it), once.
    await expect(escrow.connect(outsider).claimProposalBond(id))
      .to.emit(escrow, "ProposalBondRefunded")
      .withArgs(id, proposer.address, PROPOSAL_BOND);
    expect(await token.balanceOf(proposer.address)).to.equal(proposerBalance);
    await expect(escrow.claimProposalBond(id))
      .to.be.revertedWithCustomError(escrow, "BondAlreadySettled")
      .withArgs(id);
  });
});
