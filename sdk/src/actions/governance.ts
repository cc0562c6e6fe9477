/**
 * OpenClaw DAO actions: propose (bond by approval or ERC-2612 permit), challenge, vote, vote by
 * signature, queue, execute, bond refund, proposal state and tallies, and the Safe council's approval
 * (built, signed and executed through `./safe.ts`).
 */
import {
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  parseEventLogs,
  parseSignature,
  stringToHex,
  type Account,
  type Address,
  type Hex,
} from "viem";
import { getBlock, signTypedData } from "viem/actions";

import { agentWalletAbi } from "../abis/agentWallet.js";
import { aitbcTokenAbi } from "../abis/aitbcToken.js";
import { openClawGovernorAbi } from "../abis/openClawGovernor.js";
import { proposalBondEscrowAbi } from "../abis/proposalBondEscrow.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import { InvalidParameterError } from "../errors/validation.js";
import {
  accountAddress,
  read,
  resolveAccount,
  write,
  type AitbcReadClient,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount, assertOneOf } from "../utils/validate.js";
import {
  buildSafeTransaction,
  execSafeTransaction,
  hashSafeTransaction,
  signSafeTransaction,
  type SafeTransaction,
} from "./safe.js";
import { ensureAllowance } from "./token.js";

/** `IOpenClawGovernor.ProposalType`. */
export const ProposalType = { Protocol: 0, Resource: 1, Community: 2, Emergency: 3 } as const;
/** A proposal type value (0–3). */
export type ProposalTypeValue = (typeof ProposalType)[keyof typeof ProposalType];

/** Vote support values of `castVote`. */
export const VoteSupport = { Against: 0, For: 1, Abstain: 2 } as const;
/** A support value (0 Against, 1 For, 2 Abstain). */
export type VoteSupportValue = (typeof VoteSupport)[keyof typeof VoteSupport];

/** OpenZeppelin `IGovernor.ProposalState` names, by value. */
export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
/** A proposal state name. */
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

/** The actions of a proposal and its description. */
export interface ProposalActions {
  /** Contracts called. */
  targets: readonly Address[];
  /** Wei sent with each call. */
  values: readonly bigint[];
  /** Calldata of each call. */
  calldatas: readonly Hex[];
  /** Human-readable description (its keccak256 is part of the proposal id). */
  description: string;
}

function checkActions(actions: ProposalActions): void {
  const n = actions.targets.length;
  if (n === 0)
    throw new InvalidParameterError({ what: "targets", reason: "a proposal needs at least one action" });
  if (actions.values.length !== n || actions.calldatas.length !== n) {
    throw new InvalidParameterError({
      what: "proposal actions",
      reason: `${n} targets, ${actions.values.length} values, ${actions.calldatas.length} calldatas`,
    });
  }
  actions.targets.forEach((t, i) => assertAddress(t, `targets[${i}]`));
  actions.values.forEach((v, i) => assertAmount(v, `values[${i}] (wei)`));
  if (typeof actions.description !== "string") {
    throw new InvalidParameterError({ what: "description", reason: "must be a string" });
  }
}

/**
 * Computes a proposal id as the Governor does:
 * `keccak256(abi.encode(targets, values, calldatas, keccak256(description)))`. No request is made.
 *
 * @param actions See {@link ProposalActions}.
 * @returns The proposal id (uint256).
 * @throws {InvalidParameterError} | {InvalidAddressError} | {InvalidAmountError} on malformed actions.
 * @example
 * ```ts
 * const id = getProposalId({ targets, values, calldatas, description: "Grant 1,000 AITBC" });
 * ```
 */
export function getProposalId(actions: ProposalActions): bigint {
  checkActions(actions);
  return BigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: "address[]" }, { type: "uint256[]" }, { type: "bytes[]" }, { type: "bytes32" }],
        [actions.targets, actions.values, actions.calldatas, keccak256(stringToHex(actions.description))],
      ),
    ),
  );
}

/** Parameters of {@link propose}. */
export interface ProposeParameters extends ProposalActions, WriteParameters {
  /** Addresses; `OpenClawGovernor`, `ProposalBondEscrow` and `AITBCToken` are used. */
  contracts: AitbcContracts;
  /**
   * The proposal type; it must be the one the governor derives from the calls
   * (`deriveProposalType`: Community, Resource or Protocol), or Emergency (council-approved in
   * advance), else the governor reverts with `GovernanceProposalTypeMismatch(declared, derived)`.
   * Default: the derived type, read from the governor.
   */
  proposalType?: ProposalTypeValue;
  /**
   * How the 1,000 AITBC bond is authorised: `"approve"` (default; sends an `approve` first if the
   * allowance is short) or `"permit"` (signs an ERC-2612 permit, one transaction).
   */
  bond?: "approve" | "permit";
  /** Permit deadline, Unix seconds (default: latest block + 1 hour). Only with `bond: "permit"`. */
  permitDeadline?: bigint;
}

/** Result of {@link propose}. */
export interface ProposeReturnType extends WriteReturnType {
  /** The new proposal's id. */
  proposalId: bigint;
  /** The bond escrowed, wei. */
  bond: bigint;
  /** Whether the proposal needs the council's approval too. */
  critical: boolean;
}

/** Errors {@link propose} may throw. */
export type ProposeErrorType = AitbcError;

/**
 * Creates a typed proposal, escrowing the proposal bond. Voting opens after the 48 h challenge
 * period; counted power is read at creation.
 *
 * @param client A wallet client of the proposer (needs ≥ 100 AITBC of counted power and the bond).
 * @param parameters See {@link ProposeParameters}.
 * @returns `{ hash, receipt, proposalId, bond, critical }`.
 * @throws {InvalidParameterError} | {InvalidAddressError} | {InvalidAmountError} before any request.
 * @throws {ContractRevertError} e.g. `GovernorInsufficientProposerVotes`, `GovernanceProposalTypeMismatch`, `GovernanceBondNotApproved`.
 * @example
 * ```ts
 * const { proposalId } = await propose(walletClient, {
 *   contracts, targets: [token], values: [0n], calldatas: [data],
 *   description: "Grant", proposalType: ProposalType.Resource, bond: "permit",
 * });
 * ```
 */
export async function propose(
  client: AitbcWriteClient,
  parameters: ProposeParameters,
): Promise<ProposeReturnType> {
  const account = resolveAccount(client, parameters.account, "propose");
  checkActions(parameters);
  const mode = assertOneOf(parameters.bond ?? "approve", ["approve", "permit"] as const, "bond");
  const governor = contractAddress(parameters.contracts, "OpenClawGovernor");
  const proposalType =
    parameters.proposalType === undefined
      ? ((await read(client, {
          address: governor,
          abi: openClawGovernorAbi,
          functionName: "deriveProposalType",
          args: [parameters.targets, parameters.values, parameters.calldatas],
        })) as ProposalTypeValue)
      : assertOneOf(parameters.proposalType, [0, 1, 2, 3] as const, "proposalType");
  const escrow = contractAddress(parameters.contracts, "ProposalBondEscrow");
  const token = contractAddress(parameters.contracts, "AITBCToken");
  const bond = await read(client, {
    address: escrow,
    abi: proposalBondEscrowAbi,
    functionName: "proposalBond",
  });
  const base = [
    parameters.targets,
    parameters.values,
    parameters.calldatas,
    parameters.description,
    proposalType,
  ] as const;
  let result: WriteReturnType & { result: unknown };
  if (mode === "approve") {
    await ensureAllowance(client, {
      contracts: parameters.contracts,
      spender: escrow,
      amount: bond,
      account,
    });
    result = await write(client, {
      address: governor,
      abi: openClawGovernorAbi,
      functionName: "proposeTyped",
      args: base,
      account,
    });
  } else {
    const deadline =
      parameters.permitDeadline === undefined
        ? (await getBlock(client)).timestamp + 3600n
        : assertAmount(parameters.permitDeadline, "permitDeadline (Unix seconds)");
    const permit = await signPermit(client, {
      token,
      owner: account,
      spender: escrow,
      value: bond,
      deadline,
    });
    result = await write(client, {
      address: governor,
      abi: openClawGovernorAbi,
      functionName: "proposeTypedWithPermit",
      args: [...base, permit],
      account,
    });
  }
  const [typed] = parseEventLogs({
    abi: openClawGovernorAbi,
    logs: result.receipt.logs,
    eventName: "ProposalTyped",
  });
  return {
    hash: result.hash,
    receipt: result.receipt,
    proposalId: typed?.args.proposalId ?? getProposalId(parameters),
    bond: typed?.args.bond ?? bond,
    critical: typed?.args.critical ?? false,
  };
}

async function signPermit(
  client: AitbcWriteClient,
  args: { token: Address; owner: Account | Address; spender: Address; value: bigint; deadline: bigint },
): Promise<{ deadline: bigint; v: number; r: Hex; s: Hex }> {
  const owner = accountAddress(args.owner);
  const [nonce, domain] = await Promise.all([
    read(client, { address: args.token, abi: aitbcTokenAbi, functionName: "nonces", args: [owner] }),
    read(client, {
      address: args.token,
      abi: aitbcTokenAbi,
      functionName: "eip712Domain",
    }),
  ]);
  const signature = await signTypedData(client, {
    account: args.owner,
    domain: { name: domain[1], version: domain[2], chainId: domain[3], verifyingContract: domain[4] },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner, spender: args.spender, value: args.value, nonce, deadline: args.deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { deadline: args.deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
}

/** Parameters of actions on one proposal. */
export interface ProposalIdParameters {
  /** Addresses of the deployment. */
  contracts: AitbcContracts;
  /** The proposal id. */
  proposalId: bigint;
}

/** Errors {@link challengeProposal} may throw. */
export type ChallengeProposalErrorType = AitbcError;

/**
 * Challenges a proposal as invalid during its 48 h challenge period, escrowing the challenge bond
 * (approved first if needed). The council then resolves the challenge.
 *
 * @param client A wallet client of the challenger.
 * @param parameters `{ contracts, proposalId, account? }`.
 * @returns `{ hash, receipt, bond }` (bond in wei).
 * @throws {ContractRevertError} e.g. `BondChallengePeriodOver`.
 * @example
 * ```ts
 * await challengeProposal(walletClient, { contracts, proposalId });
 * ```
 */
export async function challengeProposal(
  client: AitbcWriteClient,
  parameters: ProposalIdParameters & WriteParameters,
): Promise<WriteReturnType & { bond: bigint }> {
  const account = resolveAccount(client, parameters.account, "challengeProposal");
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const escrow = contractAddress(parameters.contracts, "ProposalBondEscrow");
  const bond = await read(client, {
    address: escrow,
    abi: proposalBondEscrowAbi,
    functionName: "challengeBond",
  });
  await ensureAllowance(client, { contracts: parameters.contracts, spender: escrow, amount: bond, account });
  const { hash, receipt } = await write(client, {
    address: escrow,
    abi: proposalBondEscrowAbi,
    functionName: "challenge",
    args: [proposalId],
    account,
  });
  return { hash, receipt, bond };
}

/** Parameters of {@link castVote}. */
export interface CastVoteParameters extends ProposalIdParameters, WriteParameters {
  /** `VoteSupport.Against` (0), `For` (1) or `Abstain` (2). */
  support: VoteSupportValue;
  /** Optional reason, recorded in the `VoteCast` event. */
  reason?: string;
}

/** Result of {@link castVote} and {@link castVoteBySig}. */
export interface CastVoteReturnType extends WriteReturnType {
  /** The counted weight of the vote, wei of AITBC. */
  weight: bigint;
}

/** Errors {@link castVote} may throw. */
export type CastVoteErrorType = AitbcError;

/**
 * Casts the sender's vote (weight = counted power at proposal creation).
 *
 * @param client A wallet client of the voter.
 * @param parameters See {@link CastVoteParameters}.
 * @returns `{ hash, receipt, weight }`.
 * @throws {InvalidParameterError} if `support` is not 0, 1 or 2.
 * @throws {ContractRevertError} e.g. `GovernorUnexpectedProposalState` before voting opens,
 *   `GovernorAlreadyCastVote`.
 * @example
 * ```ts
 * const { weight } = await castVote(walletClient, { contracts, proposalId, support: VoteSupport.For });
 * ```
 */
export async function castVote(
  client: AitbcWriteClient,
  parameters: CastVoteParameters,
): Promise<CastVoteReturnType> {
  const account = resolveAccount(client, parameters.account, "castVote");
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const support = assertOneOf(parameters.support, [0, 1, 2] as const, "support");
  const governor = contractAddress(parameters.contracts, "OpenClawGovernor");
  const result =
    parameters.reason === undefined
      ? await write(client, {
          address: governor,
          abi: openClawGovernorAbi,
          functionName: "castVote",
          args: [proposalId, support],
          account,
        })
      : await write(client, {
          address: governor,
          abi: openClawGovernorAbi,
          functionName: "castVoteWithReason",
          args: [proposalId, support, parameters.reason],
          account,
        });
  return { hash: result.hash, receipt: result.receipt, weight: voteWeight(result.receipt.logs) };
}

function voteWeight(logs: Parameters<typeof parseEventLogs>[0]["logs"]): bigint {
  const [event] = parseEventLogs({ abi: openClawGovernorAbi, logs, eventName: "VoteCast" });
  return event?.args.weight ?? 0n;
}

/** Parameters of {@link castWalletVote}. */
export interface CastWalletVoteParameters extends CastVoteParameters {
  /** The AgentWallet whose votes are cast (the sender is its owner or its agent key). */
  wallet: Address;
}

/**
 * Casts an AgentWallet's vote: its owner or agent key calls the wallet's `castVote(governor,
 * proposalId, support)`, so the wallet's own counted power votes (delegate it to itself first with
 * `delegateVotes`). With a `reason`, the key instead calls the wallet's `execute(governor, 0,
 * castVoteWithReason(proposalId, support, reason))`: the same vote, with the reason in the
 * governor's `VoteCast` event (the wallet's own `castVote` takes none). For a UserOperation instead,
 * wrap the same wallet call with `encodeAgentCall`.
 *
 * @param client A wallet client of the wallet's owner or agent key.
 * @param parameters See {@link CastWalletVoteParameters}.
 * @returns `{ hash, receipt, weight }` (weight from the governor's `VoteCast`, wei of AITBC).
 * @throws {InvalidParameterError} if `support` is not 0, 1 or 2.
 * @throws {ContractRevertError} e.g. `AgentWalletUnauthorized`, `GovernorAlreadyCastVote`.
 * @example
 * ```ts
 * await castWalletVote(agentClient, { contracts, wallet, proposalId, support: VoteSupport.For });
 * ```
 */
export async function castWalletVote(
  client: AitbcWriteClient,
  parameters: CastWalletVoteParameters,
): Promise<CastVoteReturnType> {
  const account = resolveAccount(client, parameters.account, "castWalletVote");
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const support = assertOneOf(parameters.support, [0, 1, 2] as const, "support");
  const wallet = assertAddress(parameters.wallet, "wallet");
  const governor = contractAddress(parameters.contracts, "OpenClawGovernor");
  const result =
    parameters.reason === undefined
      ? await write(client, {
          address: wallet,
          abi: agentWalletAbi,
          functionName: "castVote",
          args: [governor, proposalId, support],
          account,
        })
      : await write(client, {
          address: wallet,
          abi: agentWalletAbi,
          functionName: "execute",
          args: [
            governor,
            0n,
            encodeFunctionData({
              abi: openClawGovernorAbi,
              functionName: "castVoteWithReason",
              args: [proposalId, support, parameters.reason],
            }),
          ],
          account,
        });
  return { hash: result.hash, receipt: result.receipt, weight: voteWeight(result.receipt.logs) };
}

/** Parameters of {@link signVote}. */
export interface SignVoteParameters extends ProposalIdParameters {
  /** The support value. */
  support: VoteSupportValue;
  /** The signer (voter): a local account or an address the node signs for. Default: client account. */
  account?: Account | Address;
}

/** A vote signed off-chain, to be submitted by anyone with {@link castVoteBySig}. */
export interface SignedVote {
  proposalId: bigint;
  support: VoteSupportValue;
  voter: Address;
  signature: Hex;
}

/**
 * Signs an EIP-712 `Ballot` for the Governor (no transaction). A relayer submits it with
 * {@link castVoteBySig}. Smart-contract voters (ERC-1271) sign with their own scheme instead.
 *
 * @param client A wallet client of the voter.
 * @param parameters See {@link SignVoteParameters}.
 * @returns `{ proposalId, support, voter, signature }`.
 * @throws {InvalidParameterError} | {AccountNotFoundError} before any request.
 * @example
 * ```ts
 * const ballot = await signVote(voterClient, { contracts, proposalId, support: VoteSupport.For });
 * await castVoteBySig(relayerClient, { contracts, ...ballot });
 * ```
 */
export async function signVote(
  client: AitbcWriteClient,
  parameters: SignVoteParameters,
): Promise<SignedVote> {
  const account = resolveAccount(client, parameters.account, "signVote");
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const support = assertOneOf(parameters.support, [0, 1, 2] as const, "support");
  const governor = contractAddress(parameters.contracts, "OpenClawGovernor");
  const voter = accountAddress(account);
  const [nonce, domain] = await Promise.all([
    read(client, {
      address: governor,
      abi: openClawGovernorAbi,
      functionName: "nonces",
      args: [voter],
    }),
    read(client, {
      address: governor,
      abi: openClawGovernorAbi,
      functionName: "eip712Domain",
    }),
  ]);
  const signature = await signTypedData(client, {
    account,
    domain: { name: domain[1], version: domain[2], chainId: domain[3], verifyingContract: domain[4] },
    types: {
      Ballot: [
        { name: "proposalId", type: "uint256" },
        { name: "support", type: "uint8" },
        { name: "voter", type: "address" },
        { name: "nonce", type: "uint256" },
      ],
    },
    primaryType: "Ballot",
    message: { proposalId, support, voter, nonce },
  });
  return { proposalId, support, voter, signature };
}

/** Parameters of {@link castVoteBySig}. */
export interface CastVoteBySigParameters extends SignedVote, WriteParameters {
  /** Addresses; `OpenClawGovernor` is used. */
  contracts: AitbcContracts;
}

/**
 * Submits a vote signed with {@link signVote} (any account pays the gas; the voter's power counts).
 *
 * @param client A wallet client of the relayer.
 * @param parameters See {@link CastVoteBySigParameters}.
 * @returns `{ hash, receipt, weight }`.
 * @throws {ContractRevertError} e.g. `GovernorInvalidSignature(voter)`.
 * @example
 * ```ts
 * await castVoteBySig(relayerClient, { contracts, ...ballot });
 * ```
 */
export async function castVoteBySig(
  client: AitbcWriteClient,
  parameters: CastVoteBySigParameters,
): Promise<CastVoteReturnType> {
  const account = resolveAccount(client, parameters.account, "castVoteBySig");
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const support = assertOneOf(parameters.support, [0, 1, 2] as const, "support");
  const voter = assertAddress(parameters.voter, "voter");
  const result = await write(client, {
    address: contractAddress(parameters.contracts, "OpenClawGovernor"),
    abi: openClawGovernorAbi,
    functionName: "castVoteBySig",
    args: [proposalId, support, voter, parameters.signature],
    account,
  });
  return { hash: result.hash, receipt: result.receipt, weight: voteWeight(result.receipt.logs) };
}

/** Parameters of {@link queueProposal} and {@link executeProposal}. */
export interface ProposalActionsParameters extends ProposalActions, WriteParameters {
  /** Addresses; `OpenClawGovernor` is used. */
  contracts: AitbcContracts;
}

/**
 * Queues a succeeded proposal in the timelock (critical proposals need the council's approval first).
 *
 * @param client A wallet client (anyone).
 * @param parameters The proposal's actions and description.
 * @returns `{ hash, receipt, proposalId }`.
 * @throws {ContractRevertError} e.g. `GovernorUnexpectedProposalState`, `GovernanceCouncilApprovalRequired`.
 * @example
 * ```ts
 * await queueProposal(walletClient, { contracts, ...actions });
 * ```
 */
export async function queueProposal(
  client: AitbcWriteClient,
  parameters: ProposalActionsParameters,
): Promise<WriteReturnType & { proposalId: bigint }> {
  return governorLifecycle(client, parameters, "queue");
}

/**
 * Executes a queued proposal once the timelock delay has passed.
 *
 * @param client A wallet client (anyone).
 * @param parameters The proposal's actions and description.
 * @returns `{ hash, receipt, proposalId }`.
 * @throws {ContractRevertError} e.g. `TimelockUnexpectedOperationState` before the delay.
 * @example
 * ```ts
 * await executeProposal(walletClient, { contracts, ...actions });
 * ```
 */
export async function executeProposal(
  client: AitbcWriteClient,
  parameters: ProposalActionsParameters,
): Promise<WriteReturnType & { proposalId: bigint }> {
  return governorLifecycle(client, parameters, "execute");
}

async function governorLifecycle(
  client: AitbcWriteClient,
  parameters: ProposalActionsParameters,
  functionName: "queue" | "execute",
): Promise<WriteReturnType & { proposalId: bigint }> {
  const account = resolveAccount(client, parameters.account, `${functionName}Proposal`);
  const proposalId = getProposalId(parameters);
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "OpenClawGovernor"),
    abi: openClawGovernorAbi,
    functionName,
    args: [
      parameters.targets,
      parameters.values,
      parameters.calldatas,
      keccak256(stringToHex(parameters.description)),
    ],
    account,
  });
  return { hash, receipt, proposalId };
}

/**
 * Reads a proposal's state alone (one call; unlike {@link getProposal} it also works in the block
 * that created the proposal, whose quorum is not readable yet).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, proposalId }`.
 * @returns The state name (e.g. `"Pending"`).
 * @throws {ContractRevertError} `GovernorNonexistentProposal(proposalId)` for an unknown id.
 * @example
 * ```ts
 * const state = await getProposalState(client, { contracts, proposalId });
 * ```
 */
export async function getProposalState(
  client: AitbcReadClient,
  parameters: ProposalIdParameters,
): Promise<ProposalStateName> {
  const state = await read(client, {
    address: contractAddress(parameters.contracts, "OpenClawGovernor"),
    abi: openClawGovernorAbi,
    functionName: "state",
    args: [assertAmount(parameters.proposalId, "proposalId")],
  });
  return PROPOSAL_STATES[state]!;
}

/** Parameters of {@link hasVoted}. */
export interface HasVotedParameters extends ProposalIdParameters {
  /** The voter (an account or an AgentWallet). */
  account: Address;
}

/**
 * Whether `account` has voted on `proposalId` (the governor's `hasVoted`).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, proposalId, account }`.
 * @returns `true` once the account's vote is counted.
 * @throws {InvalidAddressError}, {InvalidAmountError} for malformed input; {ContractRevertError} from the read.
 * @example
 * ```ts
 * if (!(await hasVoted(client, { contracts, proposalId, account: wallet }))) { … }
 * ```
 */
export async function hasVoted(client: AitbcReadClient, parameters: HasVotedParameters): Promise<boolean> {
  return read(client, {
    address: contractAddress(parameters.contracts, "OpenClawGovernor"),
    abi: openClawGovernorAbi,
    functionName: "hasVoted",
    args: [assertAmount(parameters.proposalId, "proposalId"), assertAddress(parameters.account, "account")],
  });
}

/** Result of {@link getProposal}. */
export interface GetProposalReturnType {
  /** The state name (e.g. `"Active"`). */
  state: ProposalStateName;
  /** Tallies, wei of counted power. */
  votes: { against: bigint; for: bigint; abstain: bigint };
  /** Creation time (Unix seconds): counted power is read here. */
  createdAt: bigint;
  /** When voting opens (after the challenge period), Unix seconds. */
  voteStart: bigint;
  /** When voting closes, Unix seconds. */
  deadline: bigint;
  /**
   * Quorum needed (For + Abstain), wei: `quorum(createdAt)`. Read in the block that created the
   * proposal (where `quorum(createdAt)` reverts with `ERC5805FutureLookup`), it is computed from the
   * same inputs as they stand at the end of that block — `quorumNumerator() × totalSupply() /
   * quorumDenominator()` — which is exactly what the checkpoint at `createdAt` will hold.
   */
  quorum: bigint;
  /** The proposal type. */
  proposalType: ProposalTypeValue;
  /** Whether council approval is required. */
  critical: boolean;
  /** Whether the council approved. */
  councilApproved: boolean;
  /** The only proposer the council's approval is valid for (the zero address until approved). */
  approvedProposer: Address;
  /** Whether a challenge struck it down. */
  struckDown: boolean;
}

/** Errors {@link getProposal} may throw. */
export type GetProposalErrorType = AitbcError;

/**
 * Reads a proposal's state, tallies, times and council flags. Works in the block that created the
 * proposal too (before another block is mined): the quorum is then computed from the current
 * numerator and supply instead of the not-yet-readable checkpoint (see {@link GetProposalReturnType}).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, proposalId }`.
 * @returns See {@link GetProposalReturnType}.
 * @throws {ContractRevertError} `GovernorNonexistentProposal(proposalId)` for an unknown id.
 * @example
 * ```ts
 * const { state, votes } = await getProposal(client, { contracts, proposalId });
 * ```
 */
export async function getProposal(
  client: AitbcReadClient,
  parameters: ProposalIdParameters,
): Promise<GetProposalReturnType> {
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const address = contractAddress(parameters.contracts, "OpenClawGovernor");
  const gov = { address, abi: openClawGovernorAbi } as const;
  const state = await read(client, { ...gov, functionName: "state", args: [proposalId] });
  const [votes, extras, voteStart, deadline, clock] = await Promise.all([
    read(client, { ...gov, functionName: "proposalVotes", args: [proposalId] }),
    read(client, { ...gov, functionName: "proposalExtras", args: [proposalId] }),
    read(client, { ...gov, functionName: "proposalVoteStart", args: [proposalId] }),
    read(client, { ...gov, functionName: "proposalDeadline", args: [proposalId] }),
    read(client, { ...gov, functionName: "clock" }),
  ]);
  const createdAt = BigInt(extras.createdAt);
  const quorum =
    createdAt < BigInt(clock) ? await readQuorum(client, gov, createdAt) : await currentQuorum(client, gov);
  return {
    state: PROPOSAL_STATES[state]!,
    votes: { against: votes[0], for: votes[1], abstain: votes[2] },
    createdAt,
    voteStart,
    deadline,
    quorum,
    proposalType: extras.proposalType as ProposalTypeValue,
    critical: extras.critical,
    councilApproved: extras.councilApproved,
    approvedProposer: extras.approvedProposer,
    struckDown: extras.struckDown,
  };
}

async function readQuorum(
  client: AitbcReadClient,
  gov: { address: Address; abi: typeof openClawGovernorAbi },
  timepoint: bigint,
): Promise<bigint> {
  return read(client, { ...gov, functionName: "quorum", args: [timepoint] });
}

/** The quorum of a proposal created in the current block: the inputs of `quorum()` as they stand now. */
async function currentQuorum(
  client: AitbcReadClient,
  gov: { address: Address; abi: typeof openClawGovernorAbi },
): Promise<bigint> {
  const [numerator, denominator, token] = await Promise.all([
    read(client, { ...gov, functionName: "quorumNumerator" }),
    read(client, { ...gov, functionName: "quorumDenominator" }),
    read(client, { ...gov, functionName: "token" }),
  ]);
  const supply = await read(client, { address: token, abi: aitbcTokenAbi, functionName: "totalSupply" });
  return (supply * numerator) / denominator;
}

/**
 * Calldata of `OpenClawGovernor.approveProposal(proposalId, proposer)`: what the council Safe
 * executes. The approval is valid only for `proposer`: nobody else can create (front-run) an id the
 * council approved in advance, and approving an existing proposal must name its proposer.
 *
 * @param proposalId The proposal to approve.
 * @param proposer The account that proposes (or proposed) it.
 * @returns The calldata.
 * @example
 * ```ts
 * const data = encodeCouncilApproval(proposalId, proposer);
 * ```
 */
export function encodeCouncilApproval(proposalId: bigint, proposer: Address): Hex {
  return encodeFunctionData({
    abi: openClawGovernorAbi,
    functionName: "approveProposal",
    args: [assertAmount(proposalId, "proposalId"), assertAddress(proposer, "proposer")],
  });
}

/** Parameters of {@link buildCouncilApproval}. */
export interface CouncilApprovalParameters extends ProposalIdParameters {
  /**
   * The only account that may propose the approved id. Omitted: the proposer of the existing
   * proposal (read from the chain); required to approve an id before it is proposed (Emergency).
   */
  proposer?: Address;
}

/**
 * Builds the Safe transaction by which the council approves a critical proposal (reads the Safe's
 * nonce and the chain id).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, proposalId, proposer? }` with `SecurityCouncil` and `OpenClawGovernor`.
 * @returns See {@link SafeTransaction}.
 * @throws {InvalidParameterError} when `proposer` is omitted and the proposal does not exist yet.
 * @example
 * ```ts
 * const tx = await buildCouncilApproval(client, { contracts, proposalId });
 * ```
 */
export async function buildCouncilApproval(
  client: AitbcReadClient,
  parameters: CouncilApprovalParameters,
): Promise<SafeTransaction> {
  const governor = contractAddress(parameters.contracts, "OpenClawGovernor");
  let proposer = parameters.proposer;
  if (proposer === undefined) {
    proposer = await read(client, {
      address: governor,
      abi: openClawGovernorAbi,
      functionName: "proposalProposer",
      args: [assertAmount(parameters.proposalId, "proposalId")],
    });
    if (proposer === ZERO) {
      throw new InvalidParameterError({
        what: "proposer",
        reason: "the proposal does not exist yet: name the account that will propose it",
      });
    }
  }
  return buildSafeTransaction(client, {
    safe: contractAddress(parameters.contracts, "SecurityCouncil"),
    to: governor,
    data: encodeCouncilApproval(parameters.proposalId, proposer),
  });
}

/** Parameters of {@link approveProposalByCouncil}. */
export interface ApproveProposalByCouncilParameters extends CouncilApprovalParameters, WriteParameters {
  /** Wallet clients of the signing council owners (each with its account): at least the threshold (3 of 5). */
  owners: readonly AitbcWriteClient[];
}

/**
 * The council's approval of a critical proposal in one call: builds the Safe transaction
 * ({@link buildCouncilApproval}), has each of `owners` sign it and executes it through the Safe.
 *
 * @param client A wallet client (any account; it pays the gas).
 * @param parameters See {@link ApproveProposalByCouncilParameters}.
 * @returns `{ hash, receipt, transaction, safeTxHash }`.
 * @throws {ContractRevertError} `Error("GS020")` with fewer signatures than the threshold,
 *   `Error("GS026")` with a signer that is not an owner.
 * @example
 * ```ts
 * await approveProposalByCouncil(anyClient, { contracts, proposalId, owners: councilClients.slice(0, 3) });
 * ```
 */
export async function approveProposalByCouncil(
  client: AitbcWriteClient,
  parameters: ApproveProposalByCouncilParameters,
): Promise<WriteReturnType & { transaction: SafeTransaction; safeTxHash: Hex }> {
  const transaction = await buildCouncilApproval(client, parameters);
  const signatures = await Promise.all(
    parameters.owners.map((owner) => signSafeTransaction(owner, { transaction })),
  );
  const { hash, receipt } = await execSafeTransaction(client, {
    transaction,
    signatures,
    ...(parameters.account === undefined ? {} : { account: parameters.account }),
  });
  return { hash, receipt, transaction, safeTxHash: hashSafeTransaction(transaction) };
}

/**
 * Pays a proposal's bond back to its proposer once voting is over, unless a challenge struck the
 * proposal down (anyone may call it; the bond always goes to the proposer).
 *
 * @param client A wallet client (anyone).
 * @param parameters `{ contracts, proposalId, account? }` with `ProposalBondEscrow`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `BondNotRefundable(proposalId, state)` while Pending or Active,
 *   `BondAlreadySettled(proposalId)`.
 * @example
 * ```ts
 * await claimProposalBond(walletClient, { contracts, proposalId });
 * ```
 */
export async function claimProposalBond(
  client: AitbcWriteClient,
  parameters: ProposalIdParameters & WriteParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "claimProposalBond");
  return write(client, {
    address: contractAddress(parameters.contracts, "ProposalBondEscrow"),
    abi: proposalBondEscrowAbi,
    functionName: "claimProposalBond",
    args: [assertAmount(parameters.proposalId, "proposalId")],
    account,
  });
}

const ZERO: Address = "0x0000000000000000000000000000000000000000";
