import { expect } from "chai";
import { network } from "hardhat";

import {
  CHALLENGE_BOND,
  PROPOSAL_BOND,
  State,
  VOTING_PERIOD,
  Vote,
  councilResolve,
  deployOpenClaw,
  descriptionHash,
  openVoting,
  propose,
  stateBitmap,
  treasuryTransfer,
  type OpenClaw,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

async function proposeAndChallenge(dao: OpenClaw) {
  const actions = await treasuryTransfer(dao, dao.outsider.address, 1n, "Suspicious grant");
  const { id } = await propose(dao, dao.proposer, actions);
  await dao.token.connect(dao.challenger).approve(await dao.escrow.getAddress(), CHALLENGE_BOND);
  await expect(dao.escrow.connect(dao.challenger).challenge(id))
    .to.emit(dao.escrow, "ChallengeOpened")
    .withArgs(id, dao.challenger.address, CHALLENGE_BOND);
  return { id, actions };
}

describe("OpenClaw governance: challenge period", function () {
  it("upheld: the proposal is struck down, the proposer's bond slashed, the challenger refunded", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, governor, token, timelock, challenger, proposer, alice } = dao;
    const { id, actions } = await proposeAndChallenge(dao);
    expect(await escrow.hasOpenChallenge(id)).to.equal(true);
    const treasuryBefore = await token.balanceOf(await timelock.getAddress());
    const challengerBefore = await token.balanceOf(challenger.address);

    const resolution = councilResolve(dao, id, true);
    await expect(resolution).to.emit(escrow, "ChallengeUpheld").withArgs(id, challenger.address);
    await expect(resolution)
      .to.emit(escrow, "ProposalBondSlashed")
      .withArgs(id, await timelock.getAddress(), PROPOSAL_BOND);
    await expect(resolution).to.emit(governor, "ProposalStruckDown").withArgs(id);
    await expect(resolution).to.emit(governor, "ProposalCanceled").withArgs(id);

    expect(await governor.state(id)).to.equal(State.Canceled);
    expect((await governor.proposalExtras(id)).struckDown).to.equal(true);
    expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasuryBefore + PROPOSAL_BOND);
    await expect(escrow.claimProposalBond(id))
      .to.be.revertedWithCustomError(escrow, "BondAlreadySettled")
      .withArgs(id);

    // A struck-down proposal can never be voted on.
    await openVoting(dao);
    expect(await governor.state(id)).to.equal(State.Canceled);
    await expect(governor.connect(alice).castVote(id, Vote.For))
      .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
      .withArgs(id, State.Canceled, stateBitmap(State.Active));

    await expect(escrow.claimChallengeBond(id))
      .to.emit(escrow, "ChallengeBondRefunded")
      .withArgs(id, challenger.address, CHALLENGE_BOND);
    expect(await token.balanceOf(challenger.address)).to.equal(challengerBefore + CHALLENGE_BOND);
    await expect(escrow.claimChallengeBond(id))
      .to.be.revertedWithCustomError(escrow, "BondAlreadySettled")
      .withArgs(id);
    // The proposer cannot cancel a struck-down proposal to get the bond back.
    const hash = descriptionHash(dao, actions);
    await expect(governor.connect(proposer).cancel(actions.targets, actions.values, actions.calldatas, hash))
      .to.be.revertedWithCustomError(governor, "GovernorUnableToCancel")
      .withArgs(id, proposer.address);
  });

  it("dismissed: the challenger's bond goes to the treasury and the proposal proceeds", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, governor, token, timelock, challenger, alice } = dao;
    const { id } = await proposeAndChallenge(dao);
    const treasuryBefore = await token.balanceOf(await timelock.getAddress());

    await expect(councilResolve(dao, id, false))
      .to.emit(escrow, "ChallengeDismissed")
      .withArgs(id, challenger.address, CHALLENGE_BOND);
    expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasuryBefore + CHALLENGE_BOND);
    expect((await escrow.challengeOf(id)).status).to.equal(3n); // Dismissed
    expect(await escrow.hasOpenChallenge(id)).to.equal(false);
    await expect(escrow.claimChallengeBond(id))
      .to.be.revertedWithCustomError(escrow, "BondNoOpenChallenge")
      .withArgs(id);
    // Safe 1.5 bubbles the inner revert of a failed call (safeTxGas = 0, gasPrice = 0).
    await expect(councilResolve(dao, id, true))
      .to.be.revertedWithCustomError(escrow, "BondNoOpenChallenge")
      .withArgs(id);

    // A new challenge may be posted while the proposal is still pending.
    await token.connect(challenger).approve(await escrow.getAddress(), CHALLENGE_BOND);
    await expect(escrow.connect(challenger).challenge(id)).to.emit(escrow, "ChallengeOpened");
    await councilResolve(dao, id, false);

    await openVoting(dao);
    expect(await governor.state(id)).to.equal(State.Active);
    await expect(governor.connect(alice).castVote(id, Vote.For)).to.emit(governor, "VoteCast");
  });

  it("unresolved at the end of the period: the challenge lapses, the proposal goes to the vote, the bond is returned", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, governor, token, challenger, alice } = dao;
    const { id } = await proposeAndChallenge(dao);
    const challengerBefore = await token.balanceOf(challenger.address);

    await expect(escrow.claimChallengeBond(id))
      .to.be.revertedWithCustomError(escrow, "BondNotRefundable")
      .withArgs(id, State.Pending);
    await openVoting(dao);
    expect(await escrow.hasOpenChallenge(id)).to.equal(false);
    expect(await governor.state(id)).to.equal(State.Active);

    // Too late for the council; the vote goes on.
    const escrowAsCouncil = escrow.connect(
      await dao.ethers.getImpersonatedSigner(await dao.council.getAddress()),
    );
    await networkHelpers.setBalance(await dao.council.getAddress(), 10n ** 18n);
    await expect(escrowAsCouncil.resolveChallenge(id, true))
      .to.be.revertedWithCustomError(escrow, "BondChallengeLapsed")
      .withArgs(id);
    await expect(governor.connect(alice).castVote(id, Vote.For)).to.emit(governor, "VoteCast");

    await expect(escrow.claimChallengeBond(id))
      .to.emit(escrow, "ChallengeBondRefunded")
      .withArgs(id, challenger.address, CHALLENGE_BOND);
    expect(await token.balanceOf(challenger.address)).to.equal(challengerBefore + CHALLENGE_BOND);
  });

  it("rejects challenges outside the period, double challenges, and strangers resolving", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, governor, token, challenger, outsider } = dao;
    await expect(escrow.connect(challenger).challenge(42n))
      .to.be.revertedWithCustomError(escrow, "BondUnknownProposal")
      .withArgs(42n);
    const { id } = await proposeAndChallenge(dao);

    await token.connect(challenger).approve(await escrow.getAddress(), CHALLENGE_BOND);
    await expect(escrow.connect(challenger).challenge(id))
      .to.be.revertedWithCustomError(escrow, "BondChallengeAlreadyOpen")
      .withArgs(id);
    await expect(escrow.connect(outsider).resolveChallenge(id, true))
      .to.be.revertedWithCustomError(escrow, "BondOnlyCouncil")
      .withArgs(outsider.address);
    await expect(governor.connect(outsider).strikeDown(id))
      .to.be.revertedWithCustomError(governor, "GovernanceOnlyBondEscrow")
      .withArgs(outsider.address);
    await expect(escrow.connect(outsider).lockProposalBond(id, outsider.address))
      .to.be.revertedWithCustomError(escrow, "BondOnlyGovernor")
      .withArgs(outsider.address);

    await openVoting(dao);
    await expect(escrow.connect(challenger).challenge(id))
      .to.be.revertedWithCustomError(escrow, "BondNotChallengeable")
      .withArgs(id, State.Active);
  });

  it("a challenge without the bond fails with the escrow's own errors, before any transfer; nothing moves", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, token, challenger, outsider } = dao;
    const actions = await treasuryTransfer(dao, outsider.address, 1n, "Unbonded challenge");
    const { id } = await propose(dao, dao.proposer, actions);
    const escrowAddress = await escrow.getAddress();
    const escrowBefore = await token.balanceOf(escrowAddress);
    const bond = 1_000n * 10n ** 18n; // DESIGN.md: the challenge bond mirrors the 1,000 AITBC proposal bond

    await token.connect(challenger).approve(escrowAddress, bond - 1n);
    await expect(escrow.connect(challenger).challenge(id))
      .to.be.revertedWithCustomError(escrow, "BondChallengeNotApproved")
      .withArgs(challenger.address, bond, bond - 1n);

    // The outsider approved the full bond but holds none of it.
    expect(await token.balanceOf(outsider.address)).to.equal(0n);
    await token.connect(outsider).approve(escrowAddress, bond);
    await expect(escrow.connect(outsider).challenge(id))
      .to.be.revertedWithCustomError(escrow, "BondChallengeInsufficientBalance")
      .withArgs(outsider.address, bond, 0n);

    expect(await token.balanceOf(escrowAddress)).to.equal(escrowBefore);
    expect((await escrow.challengeOf(id)).status).to.equal(0n); // None
  });

  it("the proposer may withdraw a pending proposal (bond back) but not while it is challenged", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, governor, token, proposer } = dao;
    const { id, actions } = await proposeAndChallenge(dao);
    const hash = descriptionHash(dao, actions);
    await expect(governor.connect(proposer).cancel(actions.targets, actions.values, actions.calldatas, hash))
      .to.be.revertedWithCustomError(governor, "GovernanceChallengeOpen")
      .withArgs(id);
    await expect(escrow.claimProposalBond(id))
      .to.be.revertedWithCustomError(escrow, "BondNotRefundable")
      .withArgs(id, State.Pending);

    const other = await treasuryTransfer(dao, dao.outsider.address, 2n, "Withdrawn grant");
    const { id: otherId } = await propose(dao, proposer, other);
    const before = await token.balanceOf(proposer.address);
    await governor
      .connect(proposer)
      .cancel(other.targets, other.values, other.calldatas, descriptionHash(dao, other));
    expect(await governor.state(otherId)).to.equal(State.Canceled);
    await expect(escrow.claimProposalBond(otherId))
      .to.emit(escrow, "ProposalBondRefunded")
      .withArgs(otherId, proposer.address, PROPOSAL_BOND);
    expect(await token.balanceOf(proposer.address)).to.equal(before + PROPOSAL_BOND);
  });

  it("a defeated proposal's bond is refunded too", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, governor, proposer, alice } = dao;
    const actions = await treasuryTransfer(dao, dao.outsider.address, 3n, "Unpopular grant");
    const { id } = await propose(dao, proposer, actions);
    await openVoting(dao);
    await expect(escrow.claimProposalBond(id))
      .to.be.revertedWithCustomError(escrow, "BondNotRefundable")
      .withArgs(id, State.Active);
    await governor.connect(alice).castVote(id, Vote.Against);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect(await governor.state(id)).to.equal(State.Defeated);
    await expect(escrow.claimProposalBond(id)).to.emit(escrow, "ProposalBondRefunded");
  });
});
