/**
 * Test fixture of the milestone grants: the OpenClaw DAO (test/helpers/openclaw.ts) and two grants
 * created by one real governance proposal through OpenZeppelin's plain `propose(...)` — challenge
 * period, votes, the council's approval through the Safe, the timelock — which approves the escrow
 * and calls `createGrant` twice. No test file here, only the fixture (imported by the grant tests).
 */
import { expect } from "chai";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";

import {
  CHALLENGE_PERIOD,
  DAY,
  PROPOSAL_BOND,
  TIMELOCK_DELAY,
  VOTING_PERIOD,
  Vote,
  councilApprove,
  councilCall,
  deployOpenClaw,
  type OpenClaw,
  type ProposalActions,
} from "../helpers/openclaw.js";

export const AITBC = 10n ** 18n;
/** Design numbers of the escrow (contracts/grants/README.md), as literals. */
export const MAX_MILESTONES = 16;
export const MAX_GRANT_DURATION = 4n * 365n * 24n * 3600n;
export const REVIEW_GRACE_PERIOD = 30n * 24n * 3600n;

/** `IMilestoneGrants.MilestoneStatus`. */
export const Status = { Pending: 0, Submitted: 1, Approved: 2, Released: 3, Cancelled: 4 } as const;

/** A milestone spec as `createGrant` takes it. */
export interface Spec {
  amount: bigint;
  dueDate: bigint;
  deliverableHash: string;
}

/**
 * Runs `actions` through governance with the plain OpenZeppelin `propose(...)`: the governor derives
 * the Resource type from the calls (an ERC-20 approve and the grant contract's registered `createGrant`
 * or `cancelMilestone`), so it is critical (asserted here): bond, challenge period, alice and bob vote For, the
 * council approves (3 of 5, Safe), queue, timelock delay, execute.
 *
 * @returns the execution's transaction receipt
 */
export async function governAndExecute(dao: OpenClaw, actions: ProposalActions) {
  const { governor, token, escrow, proposer, alice, bob, networkHelpers, ethers } = dao;
  await token.connect(proposer).approve(await escrow.getAddress(), PROPOSAL_BOND);
  const id = await governor.getProposalId(actions.targets, actions.values, actions.calldatas, ethers.id(actions.description)); // prettier-ignore
  await expect(
    governor
      .connect(proposer)
      .propose(actions.targets, actions.values, actions.calldatas, actions.description),
  )
    .to.emit(governor, "ProposalTyped")
    .withArgs(id, 1n /* Resource */, true, PROPOSAL_BOND);
  await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
  await governor.connect(alice).castVote(id, Vote.For);
  await governor.connect(bob).castVote(id, Vote.For);
  await networkHelpers.time.increase(VOTING_PERIOD);
  await councilApprove(dao, id);
  const hash = ethers.id(actions.description);
  await governor.queue(actions.targets, actions.values, actions.calldatas, hash);
  await networkHelpers.time.increase(TIMELOCK_DELAY);
  const tx = await governor.execute(actions.targets, actions.values, actions.calldatas, hash);
  return { id, receipt: (await tx.wait())! };
}

/** A bytes32 content hash of a named deliverable (the sha-256 of its text). */
export function deliverable(dao: OpenClaw, name: string): string {
  return dao.ethers.sha256(dao.ethers.toUtf8Bytes(name));
}

/**
 * The DAO plus two grants created by one executed proposal:
 * - grant 1 to `grantee`: 10,000 AITBC due day 30, 20,000 AITBC due day 60, 5,000 AITBC due day 90
 *   (days counted from the proposal's creation; execution is on day ~11);
 * - grant 2 to `otherGrantee`: 1,000 AITBC due day 30.
 */
export async function deployGrants(connection: NetworkConnection) {
  const dao = await deployOpenClaw(connection);
  const signers = await dao.ethers.getSigners();
  const grantee = signers[18]! as HardhatEthersSigner;
  const otherGrantee = signers[19]! as HardhatEthersSigner;
  const start = BigInt(await dao.networkHelpers.time.latest());
  const grantsAddress = await dao.grants.getAddress();
  const grant1: Spec[] = [
    {
      amount: 10_000n * AITBC,
      dueDate: start + 30n * BigInt(DAY),
      deliverableHash: deliverable(dao, "indexer v1"),
    },
    {
      amount: 20_000n * AITBC,
      dueDate: start + 60n * BigInt(DAY),
      deliverableHash: deliverable(dao, "dashboard"),
    },
    {
      amount: 5_000n * AITBC,
      dueDate: start + 90n * BigInt(DAY),
      deliverableHash: deliverable(dao, "audit fixes"),
    },
  ];
  const grant2: Spec[] = [
    { amount: 1_000n * AITBC, dueDate: start + 30n * BigInt(DAY), deliverableHash: deliverable(dao, "docs") },
  ];
  const total = 36_000n * AITBC;
  const actions: ProposalActions = {
    targets: [await dao.token.getAddress(), grantsAddress, grantsAddress],
    values: [0n, 0n, 0n],
    calldatas: [
      dao.token.interface.encodeFunctionData("approve", [grantsAddress, total]),
      dao.grants.interface.encodeFunctionData("createGrant", [grantee.address, grant1]),
      dao.grants.interface.encodeFunctionData("createGrant", [otherGrantee.address, grant2]),
    ],
    description: "Grants: indexer team (3 milestones), docs writer (1 milestone)",
  };
  const treasuryBefore = await dao.token.balanceOf(await dao.timelock.getAddress());
  const { receipt, id } = await governAndExecute(dao, actions);
  return { ...dao, grantee, otherGrantee, grant1, grant2, total, treasuryBefore, createReceipt: receipt, proposalId: id, actions }; // prettier-ignore
}

export type Grants = Awaited<ReturnType<typeof deployGrants>>;

/** The council Safe approves milestone `index` of `grantId` (3 of 5 owners by default). */
export function councilApproveMilestone(
  dao: OpenClaw,
  grantId: bigint,
  index: bigint,
  signers: readonly { address: string }[] = dao.owners.slice(0, 3),
) {
  return councilCall(dao, signers, dao.contracts.MilestoneGrants!, dao.grants.interface.encodeFunctionData("approveMilestone", [grantId, index])); // prettier-ignore
}

/** Balances of the parties a grant step may move (escrow, treasury, both grantees, `extra`). */
export async function balances(g: Grants, ...extra: string[]) {
  const token = g.token;
  const who = [await g.grants.getAddress(), await g.timelock.getAddress(), g.grantee.address, g.otherGrantee.address, ...extra]; // prettier-ignore
  return Promise.all(who.map((address) => token.balanceOf(address)));
}
