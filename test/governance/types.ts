/**
 * Issue 17, the Governor part: proposal types derived from the calls and checked on-chain, the
 * governor's own bond errors on the standard `propose`, the standard fields a Tally-style indexer
 * reads, and the SDK's `getProposal` in the block that created the proposal.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Address, Hex } from "viem";

import { getProposal, propose as sdkPropose } from "../../sdk/src/index.js";
import {
  AITBC,
  ProposalType,
  State,
  Vote,
  councilApprove,
  deployOpenClaw,
  openVoting,
  passProposal,
  execute,
  proposalIdOf,
  propose,
  treasuryTransfer,
  type OpenClaw,
  type ProposalActions,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

/** The permissionless, allowlisted `release(address)` of the contributor vesting wallet. */
async function release(dao: OpenClaw): Promise<{ target: string; data: string }> {
  return {
    target: await dao.vesting.getAddress(),
    data: dao.vesting.interface.encodeFunctionData("release(address)", [await dao.token.getAddress()]),
  };
}

function actionsOf(calls: { target: string; value?: bigint; data: string }[], description: string) {
  return {
    targets: calls.map((c) => c.target),
    values: calls.map((c) => c.value ?? 0n),
    calldatas: calls.map((c) => c.data),
    description,
  } satisfies ProposalActions;
}

describe("OpenClaw governance: proposal types derived from the calls", function () {
  it("derives Community, Resource and Protocol by the table (the most severe call wins)", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, timelock, escrow, outsider } = dao;
    const tokenAddress = await token.getAddress();
    const rel = await release(dao);
    const transfer = { target: tokenAddress, data: token.interface.encodeFunctionData("transfer", [outsider.address, 1n]) }; // prettier-ignore
    const approve = { target: tokenAddress, data: token.interface.encodeFunctionData("approve", [outsider.address, 1n]) }; // prettier-ignore
    const increase = { target: outsider.address, data: ethers.id("increaseAllowance(address,uint256)").slice(0, 10) + "00".repeat(64) }; // prettier-ignore
    const ether = { target: outsider.address, value: 1n, data: "0x" };
    const delegate = { target: tokenAddress, data: token.interface.encodeFunctionData("delegate", [outsider.address]) }; // prettier-ignore
    const derive = async (calls: { target: string; value?: bigint; data: string }[]) => {
      const a = actionsOf(calls, "");
      return Number(await governor.deriveProposalType(a.targets, a.values, a.calldatas));
    };
    const cases: [string, { target: string; value?: bigint; data: string }[], number][] = [
      ["allowlisted release", [rel], ProposalType.Community],
      ["ERC-20 transfer", [transfer], ProposalType.Resource],
      ["ERC-20 approve", [approve], ProposalType.Resource],
      ["increaseAllowance on any token", [increase], ProposalType.Resource],
      ["plain ether transfer", [ether], ProposalType.Resource],
      ["release + transfer", [rel, transfer], ProposalType.Resource],
      ["transfer + delegate", [transfer, delegate], ProposalType.Protocol],
      ["token delegate", [delegate], ProposalType.Protocol],
      // A transfer with trailing bytes is not a plain ERC-20 transfer.
      ["transfer with extra calldata", [{ ...transfer, data: transfer.data + "00" }], ProposalType.Protocol],
      ["transfer with ether", [{ ...transfer, value: 1n }], ProposalType.Protocol],
      ["allowlisted call with ether", [{ ...rel, value: 1n }], ProposalType.Protocol],
      ["empty call without ether", [{ target: outsider.address, data: "0x" }], ProposalType.Protocol],
      ["ether to the timelock", [{ target: await timelock.getAddress(), value: 1n, data: "0x" }], ProposalType.Protocol], // prettier-ignore
      ["'transfer' on the bond escrow", [{ ...transfer, target: await escrow.getAddress() }], ProposalType.Protocol], // prettier-ignore
      ["'transfer' on the governor", [{ ...transfer, target: await governor.getAddress() }], ProposalType.Protocol], // prettier-ignore
      ["unknown selector", [{ target: outsider.address, data: "0x12345678" }], ProposalType.Protocol],
      ["short calldata", [{ target: outsider.address, data: "0x1234" }], ProposalType.Protocol],
    ];
    for (const [name, calls, expected] of cases) expect(await derive(calls), name).to.equal(expected);
  });

  it("proposeTyped must declare the derived type (or Emergency): a mismatch is refused and nothing moves", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, escrow, proposer, outsider } = dao;
    const transfer = await treasuryTransfer(dao, outsider.address, 5n * AITBC, "Pay the outsider");
    const rel = await release(dao);
    const community = actionsOf([rel], "Release vesting");
    await token.connect(proposer).approve(await escrow.getAddress(), 1_000n * AITBC);
    const before = await token.balanceOf(proposer.address);
    // An attacker's favourite: a treasury transfer declared Community (non-critical) — refused.
    for (const [actions, declared, derived] of [
      [transfer, ProposalType.Community, ProposalType.Resource],
      [transfer, ProposalType.Protocol, ProposalType.Resource],
      [community, ProposalType.Resource, ProposalType.Community],
      [community, ProposalType.Protocol, ProposalType.Community],
    ] as const) {
      await expect(
        governor
          .connect(proposer)
          .proposeTyped(actions.targets, actions.values, actions.calldatas, actions.description, declared),
      )
        .to.be.revertedWithCustomError(governor, "GovernanceProposalTypeMismatch")
        .withArgs(declared, derived);
    }
    expect(await token.balanceOf(proposer.address)).to.equal(before);
    expect(await token.balanceOf(await escrow.getAddress())).to.equal(0n);

    // The plain OpenZeppelin propose takes the derived type: Resource, critical.
    await governor
      .connect(proposer)
      .propose(transfer.targets, transfer.values, transfer.calldatas, transfer.description);
    const extras = await governor.proposalExtras(await proposalIdOf(dao, transfer));
    expect(extras.proposalType).to.equal(BigInt(ProposalType.Resource));
    expect(extras.critical).to.equal(true);
  });

  it("a Resource proposal needs the council: not queueable without it, executes with it", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, outsider } = dao;
    const actions = await treasuryTransfer(dao, outsider.address, 3n * AITBC, "Resource needs council");
    const { id } = await propose(dao, dao.proposer, actions, ProposalType.Resource);
    await openVoting(dao);
    await governor.connect(dao.alice).castVote(id, Vote.For);
    await governor.connect(dao.bob).castVote(id, Vote.For);
    await networkHelpers.time.increase(7 * 24 * 3600);
    const hash = ethers.id(actions.description);
    await expect(governor.queue(actions.targets, actions.values, actions.calldatas, hash))
      .to.be.revertedWithCustomError(governor, "GovernanceCouncilApprovalRequired")
      .withArgs(id);
    await councilApprove(dao, id);
    await governor.queue(actions.targets, actions.values, actions.calldatas, hash);
    await networkHelpers.time.increase(2 * 24 * 3600);
    await execute(dao, actions);
    expect(await token.balanceOf(outsider.address)).to.equal(3n * AITBC);
  });

  it("an Emergency proposal (council-approved) may make any call; an unapproved one is refused", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor } = dao;
    const g = await governor.getAddress();
    const actions = actionsOf(
      [{ target: g, data: governor.interface.encodeFunctionData("setProposalThreshold", [150n * AITBC]) }],
      "Emergency: raise the threshold",
    );
    const id = await proposalIdOf(dao, actions);
    await expect(propose(dao, dao.proposer, actions, ProposalType.Emergency))
      .to.be.revertedWithCustomError(governor, "GovernanceEmergencyNotApproved")
      .withArgs(id);
    await councilApprove(dao, id, dao.owners.slice(0, 3), dao.proposer.address);
    await propose(dao, dao.proposer, actions, ProposalType.Emergency);
    const extras = await governor.proposalExtras(id);
    expect(extras.proposalType).to.equal(BigInt(ProposalType.Emergency));
    expect(extras.critical).to.equal(true);
    expect(await governor.proposalDeadline(id)).to.equal(
      BigInt(extras.createdAt) + 2n * 24n * 3600n + 3n * 24n * 3600n,
    );
  });

  it("resource calls: registered by a Protocol proposal; then derived Resource; refused for core targets and role changes", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, outsider, token, timelock } = dao;
    const grantLike = ethers.id("createGrant(address,uint256)").slice(0, 10);
    const call = { target: outsider.address, data: grantLike + "00".repeat(64) };
    const a = actionsOf([call], "");
    expect(await governor.deriveProposalType(a.targets, a.values, a.calldatas)).to.equal(
      BigInt(ProposalType.Protocol),
    );
    // Direct calls: only governance.
    await expect(governor.connect(outsider).setResourceCall(outsider.address, grantLike, true))
      .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
      .withArgs(outsider.address);

    const g = await governor.getAddress();
    const register = actionsOf(
      [{ target: g, data: governor.interface.encodeFunctionData("setResourceCall", [outsider.address, grantLike, true]) }], // prettier-ignore
      "Register the grant contract's createGrant as a resource call",
    );
    expect(await governor.deriveProposalType(register.targets, register.values, register.calldatas)).to.equal(
      BigInt(ProposalType.Protocol),
    );
    await passProposal(dao, register);
    await expect(execute(dao, register))
      .to.emit(governor, "ResourceCallSet")
      .withArgs(outsider.address, grantLike, true);
    expect(await governor.isResourceCall(outsider.address, grantLike)).to.equal(true);
    expect(await governor.deriveProposalType(a.targets, a.values, a.calldatas)).to.equal(
      BigInt(ProposalType.Resource),
    );
    // With ether it is still Protocol.
    expect(await governor.deriveProposalType(a.targets, [1n], a.calldatas)).to.equal(
      BigInt(ProposalType.Protocol),
    );

    // Never registrable, even by governance (the constructor applies the same rule).
    const classifier = await ethers.deployContract("ProposalClassifier");
    const factory = await ethers.getContractFactory("OpenClawGovernor", {
      libraries: { ProposalClassifier: await classifier.getAddress() },
    });
    const grantRole = timelock.interface.getFunction("grantRole")!.selector;
    const base = [await token.getAddress(), await timelock.getAddress(), await dao.council.getAddress(), 100n * AITBC, 10n, 1_000n * AITBC, 1_000n * AITBC, [] as { target: string; selector: string }[]] as const; // prettier-ignore
    for (const [target, selector] of [
      [await token.getAddress(), token.interface.getFunction("transfer")!.selector],
      [await timelock.getAddress(), "0x12345678"],
      [outsider.address, grantRole],
      [outsider.address, ethers.id("transferOwnership(address)").slice(0, 10)],
    ] as const) {
      await expect(factory.deploy(...base, [{ target, selector }]))
        .to.be.revertedWithCustomError(governor, "GovernanceCallNotAllowable")
        .withArgs(target, selector);
    }
    // An asset-moving selector may be a resource call (it is critical anyway), never allowlisted.
    const transferSel = token.interface.getFunction("transfer")!.selector;
    const ok = await factory.deploy(...base, [{ target: outsider.address, selector: transferSel }]);
    expect(await ok.isResourceCall(outsider.address, transferSel)).to.equal(true);
  });
});

describe("OpenClaw governance: the standard propose and the bond", function () {
  it("without an approved bond: the governor's GovernanceBondNotApproved, not the token's 0xfb8f41b2; nothing moves", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, escrow, proposer, outsider } = dao;
    const actions = await treasuryTransfer(dao, outsider.address, 1n, "No bond approved");
    const escrowAddress = await escrow.getAddress();
    const before = [await token.balanceOf(proposer.address), await token.balanceOf(escrowAddress)];
    // Partly approved: the allowance is named.
    await token.connect(proposer).approve(escrowAddress, 999n * AITBC);
    const call = governor
      .connect(proposer)
      .propose(actions.targets, actions.values, actions.calldatas, actions.description);
    await expect(call)
      .to.be.revertedWithCustomError(governor, "GovernanceBondNotApproved")
      .withArgs(proposer.address, 1_000n * AITBC, 999n * AITBC);
    // The selector is in the governor's ABI, and it is not ERC20InsufficientAllowance.
    const selector = governor.interface.getError("GovernanceBondNotApproved")!.selector;
    expect(selector).to.not.equal("0xfb8f41b2");
    const data = await ethers.provider
      .call({
        from: proposer.address,
        to: await governor.getAddress(),
        data: governor.interface.encodeFunctionData("propose", [
          actions.targets,
          actions.values,
          actions.calldatas,
          actions.description,
        ]),
      })
      .catch((error: { data?: string }) => error.data);
    expect(data?.slice(0, 10)).to.equal(selector);
    expect([await token.balanceOf(proposer.address), await token.balanceOf(escrowAddress)]).to.deep.equal(
      before,
    );
    expect(await governor.proposalProposer(await proposalIdOf(dao, actions))).to.equal(ethers.ZeroAddress);
  });

  it("approved but not held: GovernanceBondInsufficientBalance; nothing moves", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, escrow, proposer, outsider } = dao;
    const escrowAddress = await escrow.getAddress();
    // The proposer keeps counted power (delegated, vested) but moves the tokens away: 999 AITBC left.
    const balance = await token.balanceOf(proposer.address);
    await token.connect(proposer).transfer(outsider.address, balance - 999n * AITBC);
    await token.connect(proposer).approve(escrowAddress, 1_000n * AITBC);
    const actions = await treasuryTransfer(dao, outsider.address, 1n, "Bond not held");
    await expect(
      governor
        .connect(proposer)
        .propose(actions.targets, actions.values, actions.calldatas, actions.description),
    )
      .to.be.revertedWithCustomError(governor, "GovernanceBondInsufficientBalance")
      .withArgs(proposer.address, 1_000n * AITBC, 999n * AITBC);
    expect(await token.balanceOf(proposer.address)).to.equal(999n * AITBC);
    expect(await token.balanceOf(escrowAddress)).to.equal(0n);
  });
});

describe("OpenClaw governance: what a governance tool reads through the standard ABI", function () {
  it("ProposalCreated.voteStart = proposalSnapshot = creation; getVotes there = the VoteCast weight", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, alice, whale, outsider } = dao;
    const actions = await treasuryTransfer(dao, outsider.address, 1n, "Read by an indexer");
    const { id, createdAt, receipt } = await propose(dao, dao.proposer, actions);
    const created = receipt.logs
      .map((log) => governor.interface.parseLog(log))
      .find((parsed) => parsed?.name === "ProposalCreated")!;
    const voteStart = created.args.voteStart as bigint;
    const voteEnd = created.args.voteEnd as bigint;
    expect(voteStart).to.equal(createdAt);
    expect(await governor.proposalSnapshot(id)).to.equal(voteStart);
    expect(voteEnd).to.equal(createdAt + 2n * 24n * 3600n + 7n * 24n * 3600n);
    expect(await governor.proposalDeadline(id)).to.equal(voteEnd);
    expect(await governor.votingDelay()).to.equal(0n);
    // Voting opens only after the challenge period: state Pending until then (non-standard part).
    expect(await governor.proposalVoteStart(id)).to.equal(createdAt + 2n * 24n * 3600n);
    expect(await governor.state(id)).to.equal(State.Pending);

    // A buyer after the snapshot cannot move the counted power at voteStart.
    await token.connect(dao.ecosystem).transfer(alice.address, 1_000_000n * AITBC);
    await openVoting(dao);
    for (const voter of [alice, whale]) {
      const tx = await governor.connect(voter).castVote(id, Vote.For);
      const cast = (await tx.wait())!.logs
        .map((log) => governor.interface.parseLog(log))
        .find((parsed) => parsed?.name === "VoteCast")!;
      const weight = cast.args.weight as bigint;
      // What an indexer reads: the governor's getVotes at the event's voteStart.
      expect(await governor.getVotes(voter.address, voteStart)).to.equal(weight);
      // Capped at 5% of supply (the whale holds 20%).
      expect(weight).to.equal(50_000_000n * AITBC);
    }
    expect(await governor.quorum(voteStart)).to.equal(100_000_000n * AITBC);
  });

  it("SDK getProposal right after propose, in the same block (automine), reads without ERC5805FutureLookup", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const wallet = dao.viem.walletFor(dao.proposer.address);
    const actions = await treasuryTransfer(dao, dao.outsider.address, 1n, "Read at once");
    const { proposalId } = await sdkPropose(wallet, {
      contracts: dao.contracts,
      targets: actions.targets as Address[],
      values: actions.values,
      calldatas: actions.calldatas as Hex[],
      description: actions.description,
    });
    // No block since the proposal's: the checkpoint at its creation is not readable yet.
    const latest = await ethers.provider.getBlock("latest");
    const { createdAt } = await dao.governor.proposalExtras(proposalId);
    expect(BigInt(latest!.timestamp)).to.equal(createdAt);
    await expect(dao.governor.quorum(createdAt)).to.be.revertedWithCustomError(
      dao.token,
      "ERC5805FutureLookup",
    );
    const early = await getProposal(dao.viem.publicClient, { contracts: dao.contracts, proposalId });
    expect(early.state).to.equal("Pending");
    expect(early.proposalType).to.equal(ProposalType.Resource);
    expect(early.critical).to.equal(true);
    expect(early.quorum).to.equal(100_000_000n * AITBC);
    // After another block the checkpoint is read, and agrees.
    await networkHelpers.mine();
    const later = await getProposal(dao.viem.publicClient, { contracts: dao.contracts, proposalId });
    expect(later.quorum).to.equal(early.quorum);
    expect(later.createdAt).to.equal(early.createdAt);
  });
});
