import { expect } from "chai";
import { network } from "hardhat";

import { signPermit } from "../helpers/token.js";

import {
  AITBC,
  CHALLENGE_PERIOD,
  DAY,
  EMERGENCY_DELAY,
  EMERGENCY_VOTING_PERIOD,
  HOUR,
  PROPOSAL_BOND,
  ProposalType,
  QUORUM,
  State,
  THRESHOLD,
  TIMELOCK_DELAY,
  VOTING_PERIOD,
  Vote,
  councilApprove,
  deployOpenClaw,
  descriptionHash,
  execute,
  openVoting,
  passProposal,
  propose,
  proposalIdOf,
  stateBitmap,
  treasuryTransfer,
  type OpenClaw,
  type ProposalActions,
  timelockOperationId,
  TIMELOCK_READY_BITMAP,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

/**
 * A harmless Community action, on the deploy-time allowlist (so not critical): release the already
 * vested early-contributor tokens, a permissionless call that pays only the beneficiary.
 */
async function releaseVesting(dao: OpenClaw, description: string): Promise<ProposalActions> {
  return {
    targets: [await dao.vesting.getAddress()],
    values: [0n],
    calldatas: [dao.vesting.interface.encodeFunctionData("release(address)", [await dao.token.getAddress()])],
    description,
  };
}

describe("OpenClaw governance: rules", function () {
  describe("quorum (10% of supply, counted power at creation)", function () {
    it("just below 10% is defeated, exactly 10% succeeds", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, alice, bob, carol } = dao;
      const below = await propose(dao, dao.proposer, await releaseVesting(dao, "Quorum minus one wei"));
      const at = await propose(dao, dao.proposer, await releaseVesting(dao, "Quorum exactly"));
      await openVoting(dao);
      await governor.connect(alice).castVote(below.id, Vote.For);
      await governor.connect(carol).castVote(below.id, Vote.Abstain); // carol: 5% minus 1 wei
      await governor.connect(alice).castVote(at.id, Vote.For);
      await governor.connect(bob).castVote(at.id, Vote.Abstain); // abstentions count towards quorum
      await networkHelpers.time.increase(VOTING_PERIOD);
      const [, forBelow, abstainBelow] = await governor.proposalVotes(below.id);
      expect(forBelow + abstainBelow).to.equal(QUORUM - 1n);
      expect(await governor.quorum(below.createdAt)).to.equal(QUORUM);
      expect(await governor.state(below.id)).to.equal(State.Defeated);
      expect(await governor.state(at.id)).to.equal(State.Succeeded);
    });
  });

  describe("proposal threshold (100 AITBC of counted power at clock - 1)", function () {
    it("one wei below is refused with the power and threshold, exactly 100 AITBC may propose (with permit)", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, token, escrow, ecosystem } = dao;
      const signers = await ethers.getSigners();
      const [poorer, exact] = [signers[18]!, signers[19]!];
      await token.connect(ecosystem).transfer(poorer.address, THRESHOLD - 1n);
      await token.connect(ecosystem).transfer(exact.address, THRESHOLD);
      await token.connect(poorer).delegate(poorer.address);
      await token.connect(exact).delegate(exact.address);
      await networkHelpers.time.increase(8 * DAY);

      for (const [signer, expected] of [
        [poorer, THRESHOLD - 1n],
        [exact, THRESHOLD],
      ] as const) {
        // The bond arrives just before proposing: it does not count (the averages exclude it).
        await token.connect(ecosystem).transfer(signer.address, PROPOSAL_BOND);
        const latest = await ethers.provider.getBlock("latest");
        const actions = await releaseVesting(dao, `Threshold test by ${signer.address}`);
        const deadline = BigInt(latest!.timestamp + HOUR);
        const signature = await signPermit(token, signer, await escrow.getAddress(), PROPOSAL_BOND, deadline);
        await networkHelpers.time.setNextBlockTimestamp(latest!.timestamp + 1);
        const call = governor
          .connect(signer)
          .proposeTypedWithPermit(
            actions.targets,
            actions.values,
            actions.calldatas,
            actions.description,
            2,
            {
              deadline,
              v: signature.v,
              r: signature.r,
              s: signature.s,
            },
          );
        if (expected < THRESHOLD) {
          await expect(call)
            .to.be.revertedWithCustomError(governor, "GovernorInsufficientProposerVotes")
            .withArgs(signer.address, expected, THRESHOLD);
        } else {
          await expect(call).to.emit(governor, "ProposalCreated");
          const id = await proposalIdOf(dao, actions);
          expect((await escrow.proposalBondOf(id)).amount).to.equal(PROPOSAL_BOND);
          expect(await token.balanceOf(signer.address)).to.equal(THRESHOLD);
        }
      }
    });

    it("the plain OpenZeppelin propose works too: a Community proposal", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, token, escrow, proposer } = dao;
      const actions = await releaseVesting(dao, "Plain propose");
      await token.connect(proposer).approve(await escrow.getAddress(), PROPOSAL_BOND);
      await governor
        .connect(proposer)
        .propose(actions.targets, actions.values, actions.calldatas, actions.description);
      const extras = await governor.proposalExtras(await proposalIdOf(dao, actions));
      expect(extras.proposalType).to.equal(BigInt(ProposalType.Community));
      expect(extras.critical).to.equal(false);
    });

    it("refuses a proposer that has not approved the bond", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, token, escrow, proposer } = dao;
      const actions = await releaseVesting(dao, "No bond");
      await expect(
        governor
          .connect(proposer)
          .proposeTyped(actions.targets, actions.values, actions.calldatas, actions.description, 2),
      )
        .to.be.revertedWithCustomError(governor, "GovernanceBondNotApproved")
        .withArgs(proposer.address, 1_000n * AITBC, 0n);
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(0n);
    });
  });

  describe("proposal types and critical proposals", function () {
    it("records the type; critical by default: only an allowlisted call without ether is not", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, token, outsider } = dao;
      const harmless = await releaseVesting(dao, "x");
      const tokenAddress = await token.getAddress();
      const isCritical = (targets: string[], values: bigint[], calldatas: string[], type: number) =>
        governor.isCritical(targets, values, calldatas, type);
      expect(await isCritical(harmless.targets, [0n], harmless.calldatas, ProposalType.Community)).to.equal(
        false,
      );
      // A declared Resource type is critical even over allowlisted calls (and could not be proposed).
      expect(await isCritical(harmless.targets, [0n], harmless.calldatas, ProposalType.Resource)).to.equal(
        true,
      );
      expect(await isCritical(harmless.targets, [0n], harmless.calldatas, ProposalType.Protocol)).to.equal(
        true,
      );
      expect(await isCritical(harmless.targets, [0n], harmless.calldatas, ProposalType.Emergency)).to.equal(
        true,
      );
      expect(await isCritical([outsider.address], [1n], ["0x"], ProposalType.Community)).to.equal(true);
      expect(
        await isCritical([tokenAddress], [0n], [token.interface.encodeFunctionData("name")], 2),
      ).to.equal(true);
      const approve = token.interface.encodeFunctionData("approve", [outsider.address, 1n]);
      expect(await isCritical([outsider.address], [0n], [approve], ProposalType.Resource)).to.equal(true);
      // The allowlisted pair with ether, with a non-allowlisted second call, or on another target.
      expect(await isCritical(harmless.targets, [1n], harmless.calldatas, ProposalType.Community)).to.equal(
        true,
      );
      const twice = [...harmless.targets, outsider.address];
      expect(await isCritical(twice, [0n, 0n], [...harmless.calldatas, harmless.calldatas[0]!], 2)).to.equal(
        true,
      );
      expect(await isCritical([outsider.address], [0n], harmless.calldatas, 2)).to.equal(true);
      const vesting = await dao.vesting.getAddress();
      expect(await governor.isCallAllowed(vesting, harmless.calldatas[0]!.slice(0, 10))).to.equal(true);
    });

    it("a non-critical proposal is queued and executed without the council and does what it says", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const actions = await releaseVesting(dao, "Release contributor vesting");
      await passProposal(dao, actions, ProposalType.Community);
      await expect(execute(dao, actions)).to.emit(dao.governor, "ProposalExecuted");
      expect(await dao.token.balanceOf(dao.contributor.address)).to.equal(100_000_000n * AITBC);
    });
  });

  describe("emergency track", function () {
    it("cannot be proposed without the council's prior approval", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const actions = await treasuryTransfer(dao, dao.outsider.address, 1n, "Emergency without council");
      const id = await proposalIdOf(dao, actions);
      await expect(propose(dao, dao.proposer, actions, ProposalType.Emergency))
        .to.be.revertedWithCustomError(dao.governor, "GovernanceEmergencyNotApproved")
        .withArgs(id);
    });

    it("with approval: 3-day vote, short timelock delay, the standard delay restored after", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, timelock, alice, bob, outsider, token } = dao;
      const actions = await treasuryTransfer(
        dao,
        outsider.address,
        7n * AITBC,
        "Emergency: pay the responder",
      );
      const hash = descriptionHash(dao, actions);
      const expectedId = await proposalIdOf(dao, actions);
      await councilApprove(dao, expectedId);
      const { id, createdAt } = await propose(dao, dao.proposer, actions, ProposalType.Emergency);
      expect(id).to.equal(expectedId);
      expect(await governor.proposalDeadline(id)).to.equal(
        createdAt + BigInt(CHALLENGE_PERIOD + EMERGENCY_VOTING_PERIOD),
      );
      // Outside a proposal's creation: snapshot-to-deadline of a standard proposal, 48 h + 7 d.
      expect(await governor.votingPeriod()).to.equal(9n * 24n * 3600n);
      await openVoting(dao);
      await governor.connect(alice).castVote(id, Vote.For);
      await governor.connect(bob).castVote(id, Vote.For);
      await networkHelpers.time.increase(EMERGENCY_VOTING_PERIOD);
      expect(await governor.state(id)).to.equal(State.Succeeded);

      await governor.queue(actions.targets, actions.values, actions.calldatas, hash);
      const queuedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      expect(await governor.proposalEta(id)).to.equal(queuedAt + BigInt(EMERGENCY_DELAY));
      expect(await timelock.getMinDelay()).to.equal(BigInt(TIMELOCK_DELAY));
      await networkHelpers.time.increase(EMERGENCY_DELAY);
      await execute(dao, actions);
      expect(await token.balanceOf(outsider.address)).to.equal(7n * AITBC);
    });

    it("only a proposer of the timelock can arm the emergency delay", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      await expect(dao.timelock.connect(dao.outsider).armEmergencyDelay(true))
        .to.be.revertedWithCustomError(dao.timelock, "AccessControlUnauthorizedAccount")
        .withArgs(dao.outsider.address, await dao.timelock.PROPOSER_ROLE());
    });

    it("a standard proposal waits the full 2-day delay", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, timelock, alice, bob } = dao;
      const actions = await releaseVesting(dao, "Standard delay");
      const hash = descriptionHash(dao, actions);
      const { id } = await propose(dao, dao.proposer, actions, ProposalType.Community);
      await openVoting(dao);
      await governor.connect(alice).castVote(id, Vote.For);
      await governor.connect(bob).castVote(id, Vote.For);
      await networkHelpers.time.increase(VOTING_PERIOD);
      await governor.queue(actions.targets, actions.values, actions.calldatas, hash);
      const queuedAt = (await ethers.provider.getBlock("latest"))!.timestamp;
      const eta = await governor.proposalEta(id);
      expect(eta).to.equal(BigInt(queuedAt + TIMELOCK_DELAY));
      await networkHelpers.time.setNextBlockTimestamp(eta - 1n);
      await expect(governor.execute(actions.targets, actions.values, actions.calldatas, hash))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState")
        .withArgs(await timelockOperationId(dao, actions), TIMELOCK_READY_BITMAP);
      await networkHelpers.time.setNextBlockTimestamp(eta);
      await expect(governor.execute(actions.targets, actions.values, actions.calldatas, hash)).to.emit(
        governor,
        "ProposalExecuted",
      );
    });
  });

  describe("parameters change only through governance, within bounds", function () {
    it("one Protocol proposal changes threshold, bonds, quorum, delays and the allowlist", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, escrow, timelock, outsider } = dao;
      const [g, e, t] = [await governor.getAddress(), await escrow.getAddress(), await timelock.getAddress()];
      const actions: ProposalActions = {
        targets: [g, e, e, g, t, t, g],
        values: [0n, 0n, 0n, 0n, 0n, 0n, 0n],
        calldatas: [
          governor.interface.encodeFunctionData("setProposalThreshold", [200n * AITBC]),
          escrow.interface.encodeFunctionData("setProposalBond", [2_000n * AITBC]),
          escrow.interface.encodeFunctionData("setChallengeBond", [500n * AITBC]),
          governor.interface.encodeFunctionData("updateQuorumNumerator", [20n]),
          timelock.interface.encodeFunctionData("updateDelay", [3n * BigInt(DAY)]),
          timelock.interface.encodeFunctionData("updateEmergencyDelay", [2n * BigInt(HOUR)]),
          governor.interface.encodeFunctionData("setCallAllowed", [outsider.address, "0x12345678", true]),
        ],
        description: "Tune the DAO",
      };
      await passProposal(dao, actions, ProposalType.Protocol);
      const tx = execute(dao, actions);
      await expect(tx)
        .to.emit(governor, "ProposalThresholdSet")
        .withArgs(THRESHOLD, 200n * AITBC);
      await expect(tx)
        .to.emit(escrow, "ProposalBondSet")
        .withArgs(PROPOSAL_BOND, 2_000n * AITBC);
      await expect(tx)
        .to.emit(escrow, "ChallengeBondSet")
        .withArgs(1_000n * AITBC, 500n * AITBC);
      await expect(tx).to.emit(governor, "QuorumNumeratorUpdated").withArgs(10n, 20n);
      await expect(tx)
        .to.emit(timelock, "MinDelayChange")
        .withArgs(BigInt(TIMELOCK_DELAY), 3n * BigInt(DAY));
      await expect(tx)
        .to.emit(timelock, "EmergencyDelaySet")
        .withArgs(BigInt(EMERGENCY_DELAY), 2n * BigInt(HOUR));
      await expect(tx).to.emit(governor, "CallAllowlistSet").withArgs(outsider.address, "0x12345678", true);
      expect(await governor.proposalThreshold()).to.equal(200n * AITBC);
      expect(await escrow.proposalBond()).to.equal(2_000n * AITBC);
      expect(await governor["quorumNumerator()"]()).to.equal(20n);
      expect(await timelock.getMinDelay()).to.equal(3n * BigInt(DAY));
      expect(await governor.isCallAllowed(outsider.address, "0x12345678")).to.equal(true);
      expect(await governor.isCritical([outsider.address], [0n], ["0x12345678"], 2)).to.equal(false);
    });

    it("an out-of-bounds value passed by a vote still reverts on execution", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const g = await dao.governor.getAddress();
      const actions: ProposalActions = {
        targets: [g],
        values: [0n],
        calldatas: [dao.governor.interface.encodeFunctionData("setProposalThreshold", [0n])],
        description: "Threshold zero",
      };
      await passProposal(dao, actions, ProposalType.Protocol);
      await expect(execute(dao, actions))
        .to.be.revertedWithCustomError(dao.governor, "GovernanceThresholdOutOfBounds")
        .withArgs(0n, 1n * AITBC, 10_000n * AITBC);
    });

    it("direct calls are refused", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, escrow, timelock, outsider } = dao;
      await expect(governor.connect(outsider).setProposalThreshold(1n))
        .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
        .withArgs(outsider.address);
      await expect(governor.connect(outsider).updateQuorumNumerator(20n))
        .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
        .withArgs(outsider.address);
      await expect(governor.connect(outsider).setCouncil(outsider.address))
        .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
        .withArgs(outsider.address);
      await expect(escrow.connect(outsider).setProposalBond(1n))
        .to.be.revertedWithCustomError(escrow, "BondOnlyTimelock")
        .withArgs(outsider.address);
      await expect(escrow.connect(outsider).setChallengeBond(1n))
        .to.be.revertedWithCustomError(escrow, "BondOnlyTimelock")
        .withArgs(outsider.address);
      await expect(timelock.connect(outsider).updateDelay(1n))
        .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
        .withArgs(outsider.address);
      await expect(timelock.connect(outsider).updateEmergencyDelay(1n))
        .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
        .withArgs(outsider.address);
    });

    it("bounds of bonds and delays are checked even for the timelock itself", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { escrow, timelock } = dao;
      const timelockAddress = await timelock.getAddress();
      await networkHelpers.setBalance(timelockAddress, 10n ** 18n);
      const asTimelock = await ethers.getImpersonatedSigner(timelockAddress);
      const [minBond, maxBond] = [10n * AITBC, 100_000n * AITBC];
      await expect(escrow.connect(asTimelock).setProposalBond(minBond - 1n))
        .to.be.revertedWithCustomError(escrow, "BondAmountOutOfBounds")
        .withArgs(minBond - 1n, minBond, maxBond);
      await expect(escrow.connect(asTimelock).setChallengeBond(maxBond + 1n))
        .to.be.revertedWithCustomError(escrow, "BondAmountOutOfBounds")
        .withArgs(maxBond + 1n, minBond, maxBond);
      await expect(escrow.connect(asTimelock).setProposalBond(maxBond)).to.emit(escrow, "ProposalBondSet");
      await expect(timelock.connect(asTimelock).updateDelay(DAY - 1))
        .to.be.revertedWithCustomError(timelock, "TimelockDelayOutOfBounds")
        .withArgs(DAY - 1, DAY, 30 * DAY);
      await expect(timelock.connect(asTimelock).updateDelay(30 * DAY + 1))
        .to.be.revertedWithCustomError(timelock, "TimelockDelayOutOfBounds")
        .withArgs(30 * DAY + 1, DAY, 30 * DAY);
      await expect(timelock.connect(asTimelock).updateEmergencyDelay(HOUR - 1))
        .to.be.revertedWithCustomError(timelock, "TimelockDelayOutOfBounds")
        .withArgs(HOUR - 1, HOUR, DAY);
      await expect(timelock.connect(asTimelock).updateEmergencyDelay(DAY + 1))
        .to.be.revertedWithCustomError(timelock, "TimelockDelayOutOfBounds")
        .withArgs(DAY + 1, HOUR, DAY);
    });

    it("the governor's constructor enforces threshold, quorum, council and bond bounds", async function () {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, escrow } = dao;
      const args = [
        await dao.token.getAddress(),
        await dao.timelock.getAddress(),
        await dao.council.getAddress(),
        THRESHOLD,
        10n,
        PROPOSAL_BOND,
        PROPOSAL_BOND,
        [] as { target: string; selector: string }[],
        [] as { target: string; selector: string }[],
      ] as const;
      const classifier = await ethers.deployContract("ProposalClassifier");
      const factory = await ethers.getContractFactory("OpenClawGovernor", {
        libraries: { ProposalClassifier: await classifier.getAddress() },
      });
      const deploy = (overrides: Partial<Record<number, unknown>>) =>
        factory.deploy(
          ...(args.map((value, index) =>
            index in overrides ? overrides[index] : value,
          ) as unknown as typeof args),
        );
      await expect(deploy({ 3: AITBC - 1n }))
        .to.be.revertedWithCustomError(governor, "GovernanceThresholdOutOfBounds")
        .withArgs(AITBC - 1n, AITBC, 10_000n * AITBC);
      await expect(deploy({ 3: 10_000n * AITBC + 1n }))
        .to.be.revertedWithCustomError(governor, "GovernanceThresholdOutOfBounds")
        .withArgs(10_000n * AITBC + 1n, AITBC, 10_000n * AITBC);
      await expect(deploy({ 4: 0n }))
        .to.be.revertedWithCustomError(governor, "GovernanceQuorumOutOfBounds")
        .withArgs(0n, 1n, 50n);
      await expect(deploy({ 4: 51n }))
        .to.be.revertedWithCustomError(governor, "GovernanceQuorumOutOfBounds")
        .withArgs(51n, 1n, 50n);
      await expect(deploy({ 2: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        governor,
        "GovernanceZeroCouncil",
      );
      await expect(deploy({ 5: AITBC }))
        .to.be.revertedWithCustomError(escrow, "BondAmountOutOfBounds")
        .withArgs(AITBC, 10n * AITBC, 100_000n * AITBC);
    });
  });

  it("votes only while Active, once per voter", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, alice } = dao;
    const { id } = await propose(dao, dao.proposer, await releaseVesting(dao, "Vote once"));
    await openVoting(dao);
    await governor.connect(alice).castVote(id, Vote.For);
    await expect(governor.connect(alice).castVote(id, Vote.For))
      .to.be.revertedWithCustomError(governor, "GovernorAlreadyCastVote")
      .withArgs(alice.address);
    await networkHelpers.time.increase(VOTING_PERIOD);
    await expect(governor.connect(dao.bob).castVote(id, Vote.For))
      .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
      .withArgs(id, State.Defeated, stateBitmap(State.Active));
  });
});
