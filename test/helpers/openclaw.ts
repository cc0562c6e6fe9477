/**
 * Test fixture for the OpenClaw DAO: deploys the real stack through the Ignition module
 * (Safe 1.5 council, timelock, token, governor, bond escrow), hands out tokens to named voters,
 * lets their counted voting power vest (7 days), and offers helpers to walk a proposal through
 * its life. The council's Safe transactions go through the SDK's viem actions (`approveProposalByCouncil`,
 * `execSafeCall`: EIP-712 signatures of the owners, sorted by owner, then `execTransaction`).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import {
  createPublicClient,
  createWalletClient,
  custom,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";

import { buildOpenClawModule, openClawAddresses } from "../../deploy/modules/openclaw.js";
import { approveProposalByCouncil, execSafeCall, type AitbcContracts } from "../../sdk/src/index.js";

export const AITBC = 10n ** 18n;
export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const CHALLENGE_PERIOD = 2 * DAY;
export const VOTING_PERIOD = 7 * DAY;
export const EMERGENCY_VOTING_PERIOD = 3 * DAY;
// The design's numbers (shared/DESIGN.md) as literals, never read back from the deploy defaults: a
// changed default then fails the tests (test/governance/parameters.ts pins each one).
/** Timelock delay: 2 days. */
export const TIMELOCK_DELAY = 2 * DAY;
/** Timelock delay of Emergency proposals: 6 hours. */
export const EMERGENCY_DELAY = 6 * HOUR;
/** Proposal bond: 1,000 AITBC. */
export const PROPOSAL_BOND = 1_000n * AITBC;
/** Challenge bond: 1,000 AITBC. */
export const CHALLENGE_BOND = 1_000n * AITBC;
/** Proposal threshold: 100 AITBC of counted power. */
export const THRESHOLD = 100n * AITBC;
export const TOTAL_SUPPLY = 1_000_000_000n * AITBC;
/** 5% of supply: the cap on any account's counted power. */
export const CAP = TOTAL_SUPPLY / 20n;
/** 10% of supply: the quorum. */
export const QUORUM = TOTAL_SUPPLY / 10n;

/** OpenZeppelin `IGovernor.ProposalState`. */
export const State = {
  Pending: 0,
  Active: 1,
  Canceled: 2,
  Defeated: 3,
  Succeeded: 4,
  Queued: 5,
  Expired: 6,
  Executed: 7,
} as const;

/** `IOpenClawGovernor.ProposalType`. */
export const ProposalType = { Protocol: 0, Resource: 1, Community: 2, Emergency: 3 } as const;

/** `IGovernor` vote support values. */
export const Vote = { Against: 0, For: 1, Abstain: 2 } as const;

/** OpenZeppelin's state bitmap for one state (as in `GovernorUnexpectedProposalState`). */
export function stateBitmap(...states: number[]): string {
  const bits = states.reduce((acc, state) => acc | (1n << BigInt(state)), 0n);
  return "0x" + bits.toString(16).padStart(64, "0");
}

/** Actions of one proposal, with its description. */
export interface ProposalActions {
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
}

export async function deployOpenClaw(connection: NetworkConnection) {
  const { ethers, ignition, networkHelpers } = connection;
  const signers = await ethers.getSigners();
  const [deployer, o1, o2, o3, o4, o5, ecosystem, development, liquidity, contributor] = signers;
  const [alice, bob, carol, whale, proposer, challenger, outsider, agentOwner] = signers.slice(10);
  const owners = [o1!, o2!, o3!, o4!, o5!];

  const module = buildOpenClawModule({
    councilOwners: await Promise.all(owners.map((owner) => owner.getAddress())),
    ecosystemRewards: ecosystem!.address,
    developmentFund: development!.address,
    liquidity: liquidity!.address,
    // Vested already (start 1 s after the epoch, 1 s long) so tests can release it at once.
    contributors: [
      { beneficiary: contributor!.address, amount: 100_000_000n * AITBC, start: 1n, durationSeconds: 1n },
    ],
  });
  const deployed = await ignition.deploy(module);
  const token = await ethers.getContractAt("AITBCToken", await deployed.token.getAddress());
  const governor = await ethers.getContractAt("OpenClawGovernor", await deployed.governor.getAddress());
  const timelock = await ethers.getContractAt("OpenClawTimelock", await deployed.timelock.getAddress());
  const escrow = await ethers.getContractAt("ProposalBondEscrow", await deployed.bondEscrow.getAddress());
  const council = await ethers.getContractAt("Safe", await deployed.council.getAddress());
  const grants = await ethers.getContractAt("MilestoneGrants", await deployed.milestoneGrants.getAddress());
  const vesting = await ethers.getContractAt(
    "VestingWallet",
    await (
      deployed as unknown as Record<string, { getAddress(): Promise<string> }>
    ).earlyContributorVesting0!.getAddress(),
  );
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const contracts = {
    AITBCToken: (await token.getAddress()) as Address,
    OpenClawGovernor: (await governor.getAddress()) as Address,
    ProposalBondEscrow: (await escrow.getAddress()) as Address,
    OpenClawTimelock: (await timelock.getAddress()) as Address,
    SecurityCouncil: (await council.getAddress()) as Address,
    MilestoneGrants: (await grants.getAddress()) as Address,
  } satisfies AitbcContracts;

  // Voters: alice and bob exactly at the 5% cap, carol one wei below it, a 20% whale, a proposer.
  await token.connect(ecosystem).transfer(alice!.address, CAP);
  await token.connect(ecosystem).transfer(bob!.address, CAP);
  await token.connect(ecosystem).transfer(carol!.address, CAP - 1n);
  await token.connect(development).transfer(whale!.address, 200_000_000n * AITBC);
  await token.connect(ecosystem).transfer(proposer!.address, 1_000_000n * AITBC);
  await token.connect(ecosystem).transfer(challenger!.address, 10_000n * AITBC);
  for (const voter of [alice, bob, carol, whale, proposer, challenger]) {
    await token.connect(voter).delegate(voter!.address);
  }
  // Counted power vests over 7 days: wait 8.
  await networkHelpers.time.increase(8 * DAY);

  return {
    ...connection,
    token,
    governor,
    timelock,
    escrow,
    council,
    grants,
    /** Every address the module recorded, by deployments-file name (Safe libraries included). */
    addresses: (await openClawAddresses(deployed as never)) as Record<string, Address>,
    vesting,
    chainId,
    contracts,
    viem: viemClientsOf(connection),
    deployer: deployer!,
    owners,
    ecosystem: ecosystem!,
    development: development!,
    liquidity: liquidity!,
    contributor: contributor!,
    alice: alice!,
    bob: bob!,
    carol: carol!,
    whale: whale!,
    proposer: proposer!,
    challenger: challenger!,
    outsider: outsider!,
    agentOwner: agentOwner!,
  };
}

export type OpenClaw = Awaited<ReturnType<typeof deployOpenClaw>>;

/** A treasury transfer of `amount` AITBC from the timelock to `to`. */
export async function treasuryTransfer(dao: OpenClaw, to: string, amount: bigint, description: string) {
  return {
    targets: [await dao.token.getAddress()],
    values: [0n],
    calldatas: [dao.token.interface.encodeFunctionData("transfer", [to, amount])],
    description,
  } satisfies ProposalActions;
}

/** The proposal id of `actions`. */
export async function proposalIdOf(dao: OpenClaw, actions: ProposalActions): Promise<bigint> {
  return dao.governor.getProposalId(
    actions.targets,
    actions.values,
    actions.calldatas,
    descriptionHash(dao, actions),
  );
}

export function descriptionHash(dao: OpenClaw, actions: ProposalActions): string {
  return dao.ethers.id(actions.description);
}

/**
 * Approves the bond and proposes `actions` as `signer`; returns the id and the creation timepoint.
 * Without `proposalType`: OpenZeppelin's plain `propose` (the governor derives the type from the
 * calls); with it: `proposeTyped` (the type must be the derived one, or Emergency).
 */
export async function propose(
  dao: OpenClaw,
  signer: HardhatEthersSigner,
  actions: ProposalActions,
  proposalType?: number,
) {
  await dao.token.connect(signer).approve(await dao.escrow.getAddress(), PROPOSAL_BOND);
  const governor = dao.governor.connect(signer);
  const tx =
    proposalType === undefined
      ? await governor.propose(actions.targets, actions.values, actions.calldatas, actions.description)
      : await governor.proposeTyped(
          actions.targets,
          actions.values,
          actions.calldatas,
          actions.description,
          proposalType,
        );
  const receipt = await tx.wait();
  const block = await dao.ethers.provider.getBlock(receipt!.blockNumber);
  // One more block, so that views of counted power at the creation timepoint (strictly past) work.
  await dao.networkHelpers.mine();
  return { id: await proposalIdOf(dao, actions), createdAt: BigInt(block!.timestamp), receipt: receipt! };
}

/** viem clients on the connection: a public client and a wallet client per unlocked Hardhat account. */
export function viemClientsOf(connection: NetworkConnection) {
  // No retries: Hardhat reports reverts as internal errors, which viem would retry for ~1 s.
  const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
  return {
    publicClient: createPublicClient({ transport, pollingInterval: 20 }),
    walletFor: (address: string) =>
      createWalletClient({ account: address as Address, transport, pollingInterval: 20 }),
  };
}

/**
 * Has the council (three of its owners) approve `proposalId` for `proposer` through the Safe, with the
 * SDK's `approveProposalByCouncil` (the deployer sends the Safe transaction).
 * `proposer` defaults to the proposal's proposer once it exists, else to `dao.proposer`.
 *
 * @returns `{ hash, receipt, transaction, safeTxHash }` (the chai matchers' `emit` takes the promise)
 */
export async function councilApprove(
  dao: OpenClaw,
  proposalId: bigint,
  signers: readonly { address: string }[] = dao.owners.slice(0, 3),
  proposer?: string,
) {
  const existing = await dao.governor.proposalProposer(proposalId);
  const approved = proposer ?? (existing === ZERO_ADDRESS ? dao.proposer.address : existing);
  return approveProposalByCouncil(dao.viem.walletFor(dao.deployer.address), {
    contracts: dao.contracts,
    proposalId,
    proposer: approved as Address,
    owners: signers.map((signer) => dao.viem.walletFor(signer.address)),
  });
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * A call from the council Safe signed by `signers` (the SDK's `execSafeCall`; the deployer sends it).
 *
 * @param to the called contract
 * @param data ABI-encoded calldata
 */
export async function councilCall(
  dao: Pick<OpenClaw, "viem" | "deployer" | "contracts">,
  signers: readonly { address: string }[],
  to: string,
  data: string,
) {
  return execSafeCall(dao.viem.walletFor(dao.deployer.address), {
    safe: dao.contracts.SecurityCouncil,
    to: to as Address,
    data: data as Hex,
    owners: signers.map((signer) => dao.viem.walletFor(signer.address)),
  });
}

/** Has the council resolve the challenge of `proposalId` through the Safe. */
export async function councilResolve(dao: OpenClaw, proposalId: bigint, uphold: boolean) {
  return councilCall(
    dao,
    dao.owners.slice(1, 4),
    await dao.escrow.getAddress(),
    dao.escrow.interface.encodeFunctionData("resolveChallenge", [proposalId, uphold]),
  );
}

/** Moves time past the challenge period of a proposal created now (voting is then open). */
export async function openVoting(dao: OpenClaw) {
  await dao.networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
}

/**
 * Runs `actions` through the whole life of a proposal: propose, challenge period, alice and bob
 * vote For (quorum), council approval, queue, timelock delay, execute. Returns the proposal id.
 */
export async function passProposal(
  dao: OpenClaw,
  actions: ProposalActions,
  proposalType?: number,
): Promise<bigint> {
  const { id } = await propose(dao, dao.proposer, actions, proposalType);
  await openVoting(dao);
  await dao.governor.connect(dao.alice).castVote(id, Vote.For);
  await dao.governor.connect(dao.bob).castVote(id, Vote.For);
  await dao.networkHelpers.time.increase(VOTING_PERIOD);
  if ((await dao.governor.proposalExtras(id)).critical) await councilApprove(dao, id);
  const hash = descriptionHash(dao, actions);
  await dao.governor.queue(actions.targets, actions.values, actions.calldatas, hash);
  await dao.networkHelpers.time.increase(TIMELOCK_DELAY);
  return id;
}

/**
 * The TimelockController operation id of a queued proposal (GovernorTimelockControl's salt is
 * `bytes20(governor) ^ descriptionHash`).
 */
export async function timelockOperationId(dao: OpenClaw, actions: ProposalActions): Promise<string> {
  const salt = (BigInt(await dao.governor.getAddress()) << 96n) ^ BigInt(descriptionHash(dao, actions));
  return dao.timelock.hashOperationBatch(
    actions.targets,
    actions.values,
    actions.calldatas,
    dao.ethers.ZeroHash,
    "0x" + salt.toString(16).padStart(64, "0"),
  );
}

/** TimelockController `OperationState` bitmap for Ready (as in `TimelockUnexpectedOperationState`). */
export const TIMELOCK_READY_BITMAP = "0x" + (1n << 2n).toString(16).padStart(64, "0");

/** Executes a proposal passed by {@link passProposal} (returns the transaction promise). */
export function execute(dao: OpenClaw, actions: ProposalActions) {
  return dao.governor.execute(
    actions.targets,
    actions.values,
    actions.calldatas,
    descriptionHash(dao, actions),
  );
}
