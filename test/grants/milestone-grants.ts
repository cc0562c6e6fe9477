import { expect } from "chai";
import { network } from "hardhat";

import { DAY, councilCall } from "../helpers/openclaw.js";
import {
  AITBC,
  MAX_GRANT_DURATION,
  MAX_MILESTONES,
  REVIEW_GRACE_PERIOD,
  Status,
  balances,
  councilApproveMilestone,
  deliverable,
  deployGrants,
  governAndExecute,
  type Grants,
} from "./fixture.js";

const connection = await network.create();
const { networkHelpers } = connection;
const fixture = () => deployGrants(connection);

/** Runs `action`, expecting it to revert, and checks that no balance of the grant's parties moved. */
async function unchanged(g: Grants, action: () => Promise<unknown>, ...extra: string[]) {
  const before = await balances(g, ...extra);
  await action();
  expect(await balances(g, ...extra)).to.deep.equal(before);
}

describe("MilestoneGrants: escrowed by governance, approved by the council, claimed by the grantee", function () {
  it("the proposal (plain propose) escrows both grants from the treasury, with an event per milestone", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, token, timelock } = g;
    const escrow = await grants.getAddress();
    expect(await token.balanceOf(escrow)).to.equal(36_000n * AITBC);
    expect(await token.balanceOf(await timelock.getAddress())).to.equal(g.treasuryBefore - 36_000n * AITBC);
    expect(await token.allowance(await timelock.getAddress(), escrow)).to.equal(0n);
    expect(await grants.grantCount()).to.equal(2n);
    const logs = g.createReceipt.logs
      .filter((log) => log.address === escrow)
      .map((log) => grants.interface.parseLog(log)!);
    expect(logs.map((l) => l.name)).to.deep.equal([
      "MilestoneScheduled",
      "MilestoneScheduled",
      "MilestoneScheduled",
      "GrantCreated",
      "MilestoneScheduled",
      "GrantCreated",
    ]);
    expect(logs[3]!.args.toArray()).to.deep.equal([1n, g.grantee.address, 35_000n * AITBC, 3n]);
    expect(logs[5]!.args.toArray()).to.deep.equal([2n, g.otherGrantee.address, 1_000n * AITBC, 1n]);
    const m1 = g.grant1[1]!;
    expect(logs[1]!.args.toArray()).to.deep.equal([1n, 1n, 20_000n * AITBC, m1.dueDate, m1.deliverableHash]);
    const grant = await grants.getGrant(1n);
    expect([grant.grantee, grant.milestoneCount, grant.total, grant.released, grant.returned]).to.deep.equal([
      g.grantee.address,
      3n,
      35_000n * AITBC,
      0n,
      0n,
    ]);
    expect((await grants.getMilestones(1n)).map((m) => m.status)).to.deep.equal([0n, 0n, 0n]);
    // No admin key: only the timelock creates grants, only the council approves.
    expect(await grants.timelock()).to.equal(await timelock.getAddress());
    expect(await grants.approver()).to.equal(await g.council.getAddress());
    expect(await grants.token()).to.equal(await token.getAddress());
  });

  it("submit → council approves (Safe, 3 of 5) → grantee claims; a missed milestone is cancelled and returned", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, token, timelock, grantee, challenger } = g;
    const escrow = await grants.getAddress();
    const [m0, m1, m2] = g.grant1;

    await expect(grants.connect(grantee).submitMilestone(1n, 0n, m0!.deliverableHash))
      .to.emit(grants, "MilestoneSubmitted")
      .withArgs(1n, 0n, m0!.deliverableHash);
    await expect(councilApproveMilestone(g, 1n, 0n))
      .to.emit(grants, "MilestoneApproved")
      .withArgs(1n, 0n, await g.council.getAddress(), 10_000n * AITBC);
    await expect(grants.connect(grantee).claimMilestone(1n, 0n))
      .to.emit(grants, "MilestoneReleased")
      .withArgs(1n, 0n, grantee.address, 10_000n * AITBC);
    expect(await token.balanceOf(grantee.address)).to.equal(10_000n * AITBC);

    // Milestone 1 is delivered late: past its due date, submission is refused.
    await networkHelpers.time.increaseTo(m1!.dueDate + 1n);
    await expect(grants.connect(grantee).submitMilestone(1n, 1n, m1!.deliverableHash))
      .to.be.revertedWithCustomError(grants, "GrantMilestonePastDue")
      .withArgs(1n, 1n, m1!.dueDate);
    // Milestone 2 is submitted on its due date exactly and approved within the review window.
    await networkHelpers.time.setNextBlockTimestamp(m2!.dueDate);
    await grants.connect(grantee).submitMilestone(1n, 2n, m2!.deliverableHash);
    expect((await grants.getMilestone(1n, 2n)).submittedAt).to.equal(m2!.dueDate);
    await networkHelpers.time.increaseTo(m2!.dueDate + REVIEW_GRACE_PERIOD - 10n);
    await councilApproveMilestone(g, 1n, 2n);

    // Anyone may cancel the missed milestone once its review window closed: 20,000 AITBC go back.
    const treasury = await token.balanceOf(await timelock.getAddress());
    await expect(grants.connect(challenger).cancelMilestone(1n, 1n))
      .to.emit(grants, "MilestoneCancelled")
      .withArgs(1n, 1n, challenger.address, 20_000n * AITBC);
    expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasury + 20_000n * AITBC);

    // The last claim settles the grant.
    await expect(grants.connect(grantee).claimMilestone(1n, 2n))
      .to.emit(grants, "GrantClosed")
      .withArgs(1n, 15_000n * AITBC, 20_000n * AITBC);
    expect(await token.balanceOf(grantee.address)).to.equal(15_000n * AITBC);
    expect(await token.balanceOf(escrow)).to.equal(1_000n * AITBC); // grant 2 only
    expect((await grants.getMilestones(1n)).map((m) => Number(m.status))).to.deep.equal([
      Status.Released,
      Status.Cancelled,
      Status.Released,
    ]);
  });

  it("governance cancels a milestone before its due date through a proposal; approved milestones stay the grantee's", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, token, timelock, grantee } = g;
    await grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[0]!.deliverableHash);
    await councilApproveMilestone(g, 1n, 0n);
    const grantsAddress = await grants.getAddress();
    const cancel = (index: bigint) => grants.interface.encodeFunctionData("cancelMilestone", [1n, index]);
    const treasury = await token.balanceOf(await timelock.getAddress());
    const { receipt } = await governAndExecute(g, {
      targets: [grantsAddress],
      values: [0n],
      calldatas: [cancel(2n)],
      description: "Terminate the indexer grant's last milestone",
    });
    expect(BigInt((await g.ethers.provider.getBlock(receipt.blockNumber))!.timestamp)).to.be.lessThan(g.grant1[2]!.dueDate); // prettier-ignore
    expect(await token.balanceOf(await timelock.getAddress())).to.equal(treasury + 5_000n * AITBC);
    expect(Number((await grants.getMilestone(1n, 2n)).status)).to.equal(Status.Cancelled);

    // An approved milestone cannot be cancelled, not even by governance: the proposal's execution fails.
    const actions = {
      targets: [grantsAddress],
      values: [0n],
      calldatas: [cancel(0n)],
      description: "Claw back an approved milestone",
    };
    await expect(governAndExecute(g, actions))
      .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
      .withArgs(1n, 0n, Status.Approved);
    await grants.connect(grantee).claimMilestone(1n, 0n);
    expect(await token.balanceOf(grantee.address)).to.equal(10_000n * AITBC);
  });
});

describe("MilestoneGrants as an attacker: exact errors, no balance moved", function () {
  it("only the timelock creates a grant (stranger, council member, council Safe, grantee, deployer)", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, token, ecosystem } = g;
    // A would-be attacker with tokens and an allowance, so only the access check can stop it.
    const spec = [
      { amount: 1n * AITBC, dueDate: g.grant1[0]!.dueDate, deliverableHash: deliverable(g, "x") },
    ];
    await token.connect(ecosystem).approve(await grants.getAddress(), 10n * AITBC);
    for (const caller of [g.outsider, g.owners[0]!, g.grantee, g.deployer, ecosystem]) {
      await unchanged(g, () =>
        expect(grants.connect(caller).createGrant(caller.address, spec))
          .to.be.revertedWithCustomError(grants, "GrantOnlyTimelock")
          .withArgs(caller.address),
      );
    }
    const data = grants.interface.encodeFunctionData("createGrant", [g.outsider.address, spec]);
    await expect(councilCall(g, g.owners.slice(0, 3), await grants.getAddress(), data))
      .to.be.revertedWithCustomError(grants, "GrantOnlyTimelock")
      .withArgs(await g.council.getAddress());
    await expect(grants.connect(g.outsider).setApprover(g.outsider.address))
      .to.be.revertedWithCustomError(grants, "GrantOnlyTimelock")
      .withArgs(g.outsider.address);
    expect(await grants.grantCount()).to.equal(2n);
  });

  it("bounds of createGrant: 1..16 milestones, amounts > 0, hashes set, due dates in (now, now + 4 × 365 days]", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, ethers, networkHelpers: nh } = g;
    const timelockAddress = await g.timelock.getAddress();
    // The timelock's own key does not exist; impersonating it isolates the bounds from governance.
    await nh.impersonateAccount(timelockAddress);
    await nh.setBalance(timelockAddress, 10n ** 18n);
    const asTimelock = grants.connect(await ethers.getSigner(timelockAddress));
    const now = BigInt(await nh.time.latest());
    const ok = {
      amount: 1n * AITBC,
      dueDate: now + 100n * BigInt(DAY),
      deliverableHash: deliverable(g, "ok"),
    };
    const create = (specs: (typeof ok)[], grantee = g.grantee.address) =>
      asTimelock.createGrant(grantee, specs);
    await expect(create([]))
      .to.be.revertedWithCustomError(grants, "GrantMilestoneCountOutOfBounds")
      .withArgs(0n, 16n);
    await expect(create(Array(MAX_MILESTONES + 1).fill(ok)))
      .to.be.revertedWithCustomError(grants, "GrantMilestoneCountOutOfBounds")
      .withArgs(17n, 16n);
    await expect(create([ok, { ...ok, amount: 0n }]))
      .to.be.revertedWithCustomError(grants, "GrantZeroAmount")
      .withArgs(1n);
    await expect(create([{ ...ok, deliverableHash: ethers.ZeroHash }]))
      .to.be.revertedWithCustomError(grants, "GrantZeroDeliverableHash")
      .withArgs(0n);
    await expect(create([ok], ethers.ZeroAddress))
      .to.be.revertedWithCustomError(grants, "GrantZeroAddress")
      .withArgs("grantee");
    await nh.time.setNextBlockTimestamp(now + 10n);
    await expect(create([{ ...ok, dueDate: now + 10n }]))
      .to.be.revertedWithCustomError(grants, "GrantDueDateOutOfBounds")
      .withArgs(0n, now + 10n, now + 11n, now + 10n + MAX_GRANT_DURATION);
    await nh.time.setNextBlockTimestamp(now + 20n);
    await expect(create([{ ...ok, dueDate: now + 21n + MAX_GRANT_DURATION }]))
      .to.be.revertedWithCustomError(grants, "GrantDueDateOutOfBounds")
      .withArgs(0n, now + 21n + MAX_GRANT_DURATION, now + 21n, now + 20n + MAX_GRANT_DURATION);
    // Without the treasury's approval the pull fails and nothing is recorded.
    await expect(create([ok]))
      .to.be.revertedWithCustomError(g.token, "ERC20InsufficientAllowance")
      .withArgs(await grants.getAddress(), 0n, 1n * AITBC);
    expect(await grants.grantCount()).to.equal(2n);
    // 16 milestones, the last due exactly at the horizon, are accepted.
    await g.token
      .connect(await ethers.getSigner(timelockAddress))
      .approve(await grants.getAddress(), 16n * AITBC);
    await nh.time.setNextBlockTimestamp(now + 40n);
    const specs = Array.from({ length: MAX_MILESTONES }, (_, i) => ({ ...ok, dueDate: now + 40n + MAX_GRANT_DURATION - BigInt(i) })); // prettier-ignore
    await expect(create(specs))
      .to.emit(grants, "GrantCreated")
      .withArgs(3n, g.grantee.address, 16n * AITBC, 16n);
    await nh.stopImpersonatingAccount(timelockAddress);
  });

  it("submit: stranger, the other grantee and a council member are refused; wrong hash, twice, unknown ids", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, grantee, otherGrantee } = g;
    const hash = g.grant1[0]!.deliverableHash;
    for (const caller of [g.outsider, otherGrantee, g.owners[0]!]) {
      await expect(grants.connect(caller).submitMilestone(1n, 0n, hash))
        .to.be.revertedWithCustomError(grants, "GrantOnlyGrantee")
        .withArgs(1n, caller.address);
    }
    const wrong = deliverable(g, "indexer v0 (unfinished)");
    await expect(grants.connect(grantee).submitMilestone(1n, 0n, wrong))
      .to.be.revertedWithCustomError(grants, "GrantDeliverableMismatch")
      .withArgs(1n, 0n, hash, wrong);
    // Another milestone's hash does not fit this one either.
    await expect(grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[1]!.deliverableHash))
      .to.be.revertedWithCustomError(grants, "GrantDeliverableMismatch")
      .withArgs(1n, 0n, hash, g.grant1[1]!.deliverableHash);
    await expect(grants.connect(grantee).submitMilestone(3n, 0n, hash))
      .to.be.revertedWithCustomError(grants, "GrantNotFound")
      .withArgs(3n);
    await expect(grants.connect(grantee).submitMilestone(1n, 3n, hash))
      .to.be.revertedWithCustomError(grants, "GrantMilestoneNotFound")
      .withArgs(1n, 3n);
    await grants.connect(grantee).submitMilestone(1n, 0n, hash);
    await expect(grants.connect(grantee).submitMilestone(1n, 0n, hash))
      .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
      .withArgs(1n, 0n, Status.Submitted);
  });

  it("approve: only the council Safe with 3 signatures; not a member alone, the grantee, the timelock, or 2 of 5", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, grantee } = g;
    await expect(councilApproveMilestone(g, 1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
      .withArgs(1n, 0n, Status.Pending);
    await grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[0]!.deliverableHash);
    for (const caller of [g.owners[0]!, g.owners[4]!, grantee, g.outsider, g.deployer]) {
      await expect(grants.connect(caller).approveMilestone(1n, 0n))
        .to.be.revertedWithCustomError(grants, "GrantOnlyApprover")
        .withArgs(caller.address);
    }
    await expect(councilApproveMilestone(g, 1n, 0n, g.owners.slice(0, 2))).to.be.revertedWith("GS020");
    // Governance cannot approve on the council's behalf either.
    const timelockAddress = await g.timelock.getAddress();
    await g.networkHelpers.impersonateAccount(timelockAddress);
    await g.networkHelpers.setBalance(timelockAddress, 10n ** 18n);
    await expect(grants.connect(await g.ethers.getSigner(timelockAddress)).approveMilestone(1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantOnlyApprover")
      .withArgs(timelockAddress);
    await g.networkHelpers.stopImpersonatingAccount(timelockAddress);
    expect(Number((await grants.getMilestone(1n, 0n)).status)).to.equal(Status.Submitted);
    await councilApproveMilestone(g, 1n, 0n, g.owners.slice(2, 5));
    await expect(councilApproveMilestone(g, 1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
      .withArgs(1n, 0n, Status.Approved);
  });

  it("approve after the review window (due + 30 days) is refused", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, grantee } = g;
    const due = g.grant1[0]!.dueDate;
    await grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[0]!.deliverableHash);
    await networkHelpers.time.increaseTo(due + REVIEW_GRACE_PERIOD + 1n);
    await expect(councilApproveMilestone(g, 1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantReviewWindowClosed")
      .withArgs(1n, 0n, due + REVIEW_GRACE_PERIOD);
  });

  it("claim: before approval, by a stranger, the other grantee or a council member, and twice — nothing moves", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, grantee, otherGrantee } = g;
    await expect(grants.connect(grantee).claimMilestone(1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
      .withArgs(1n, 0n, Status.Pending);
    await grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[0]!.deliverableHash);
    await unchanged(g, () =>
      expect(grants.connect(grantee).claimMilestone(1n, 0n))
        .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
        .withArgs(1n, 0n, Status.Submitted),
    );
    await councilApproveMilestone(g, 1n, 0n);
    for (const caller of [g.outsider, otherGrantee, g.owners[0]!, g.deployer]) {
      await unchanged(
        g,
        () =>
          expect(grants.connect(caller).claimMilestone(1n, 0n))
            .to.be.revertedWithCustomError(grants, "GrantOnlyGrantee")
            .withArgs(1n, caller.address),
        caller.address,
      );
    }
    // The other grantee's own approved milestone does not open this one; nor a milestone of grant 1 for grant 2.
    await grants.connect(otherGrantee).submitMilestone(2n, 0n, g.grant2[0]!.deliverableHash);
    await councilApproveMilestone(g, 2n, 0n);
    await expect(grants.connect(otherGrantee).claimMilestone(1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantOnlyGrantee")
      .withArgs(1n, otherGrantee.address);
    await expect(grants.connect(grantee).claimMilestone(2n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantOnlyGrantee")
      .withArgs(2n, grantee.address);
    await grants.connect(grantee).claimMilestone(1n, 0n);
    await unchanged(g, () =>
      expect(grants.connect(grantee).claimMilestone(1n, 0n))
        .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
        .withArgs(1n, 0n, Status.Released),
    );
    expect(await g.token.balanceOf(grantee.address)).to.equal(10_000n * AITBC);
  });

  it("cancel by a stranger before due + grace is refused (also at the last second); settled milestones stay settled", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { grants, grantee, outsider } = g;
    const due = g.grant1[0]!.dueDate;
    // Grant 2's milestone (due the same day) is submitted but never approved.
    await grants.connect(g.otherGrantee).submitMilestone(2n, 0n, g.grant2[0]!.deliverableHash);
    for (const caller of [outsider, grantee, g.owners[0]!]) {
      await unchanged(g, () =>
        expect(grants.connect(caller).cancelMilestone(1n, 0n))
          .to.be.revertedWithCustomError(grants, "GrantCancelTooEarly")
          .withArgs(1n, 0n, due + REVIEW_GRACE_PERIOD + 1n),
      );
    }
    await networkHelpers.time.setNextBlockTimestamp(due + REVIEW_GRACE_PERIOD);
    await expect(grants.connect(outsider).cancelMilestone(1n, 0n))
      .to.be.revertedWithCustomError(grants, "GrantCancelTooEarly")
      .withArgs(1n, 0n, due + REVIEW_GRACE_PERIOD + 1n);
    await networkHelpers.mine(); // the refused call did not mine: this block takes the timestamp due + grace
    // One second later anyone may cancel; a submitted, never approved milestone too.
    await expect(grants.connect(outsider).cancelMilestone(1n, 0n)).to.emit(grants, "MilestoneCancelled");
    await expect(grants.connect(outsider).cancelMilestone(2n, 0n))
      .to.emit(grants, "GrantClosed")
      .withArgs(2n, 0n, 1_000n * AITBC);
    await unchanged(g, () =>
      expect(grants.connect(outsider).cancelMilestone(1n, 0n))
        .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
        .withArgs(1n, 0n, Status.Cancelled),
    );
    await expect(grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[0]!.deliverableHash))
      .to.be.revertedWithCustomError(grants, "GrantUnexpectedMilestoneStatus")
      .withArgs(1n, 0n, Status.Cancelled);
  });

  it("a hostile token's transfer hook cannot re-enter claim or cancel (ReentrancyGuardReentrantCall), nothing moves", async function () {
    const { ethers } = await networkHelpers.loadFixture(fixture);
    const [treasury, approver] = await ethers.getSigners();
    const token = await ethers.deployContract("HookTokenMock", [treasury!.address, 1_000_000n * AITBC]);
    // A stand-alone escrow whose "timelock" is an account, so the hostile token can be funded directly.
    const grants = await ethers.deployContract("MilestoneGrants", [await token.getAddress(), treasury!.address, approver!.address]); // prettier-ignore
    const attacker = await ethers.deployContract("GrantReentrancyAttackerMock", [await grants.getAddress()]);
    const now = BigInt(await networkHelpers.time.latest());
    const hash = ethers.id("deliverable");
    const specs = [0n, 1n].map((i) => ({ amount: 100n * AITBC, dueDate: now + (i + 1n) * 1000n, deliverableHash: hash })); // prettier-ignore
    await token.approve(await grants.getAddress(), 200n * AITBC);
    await grants.createGrant(await attacker.getAddress(), specs);
    await attacker.submit(1n, 0n, hash);
    await grants.connect(approver!).approveMilestone(1n, 0n);
    const snapshot = async () => Promise.all([token.balanceOf(await grants.getAddress()), token.balanceOf(await attacker.getAddress()), token.balanceOf(treasury!.address)]); // prettier-ignore
    const before = await snapshot();
    for (const mode of [1, 2]) {
      await attacker.arm(1n, mode === 1 ? 0n : 1n, mode);
      await expect(attacker.claim(1n, 0n)).to.be.revertedWithCustomError(
        grants,
        "ReentrancyGuardReentrantCall",
      );
      expect(await snapshot()).to.deep.equal(before);
    }
    expect(Number((await grants.getMilestone(1n, 0n)).status)).to.equal(Status.Approved);
    // Unarmed, the same claim pays once.
    await attacker.arm(0n, 0n, 0);
    await attacker.claim(1n, 0n);
    expect(await token.balanceOf(await attacker.getAddress())).to.equal(100n * AITBC);
  });
});
