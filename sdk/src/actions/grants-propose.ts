/**
 * Milestone grants, the proposal: the two calls by which the treasury (the timelock) escrows a grant —
 * `AITBCToken.approve(MilestoneGrants, total)` then `MilestoneGrants.createGrant(grantee, milestones)`
 * — and the action that proposes them to the OpenClaw governor.
 */
import { encodeFunctionData, parseEventLogs, type Address, type Hex } from "viem";

import { aitbcTokenAbi } from "../abis/aitbcToken.js";
import { openClawGovernorAbi } from "../abis/openClawGovernor.js";
import { proposalBondEscrowAbi } from "../abis/proposalBondEscrow.js";
import { milestoneGrantsAbi } from "../abis/milestoneGrants.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import { InvalidParameterError } from "../errors/validation.js";
import {
  read,
  resolveAccount,
  write,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount } from "../utils/validate.js";
import { getProposalId, type ProposalActions } from "./governance.js";
import { ensureAllowance } from "./token.js";

/** Most milestones of one grant (`MilestoneGrants.MAX_MILESTONES`). */
export const GRANT_MAX_MILESTONES = 16;

/** One milestone of a proposed grant (`IMilestoneGrants.MilestoneSpec`). */
export interface GrantMilestoneSpec {
  /** Wei of AITBC, > 0 (at most 2^128 − 1). */
  amount: bigint;
  /** Unix seconds; after the execution time and at most 4 × 365 days after it. */
  dueDate: bigint;
  /** The deliverable's content hash (bytes32, non-zero), e.g. the sha-256 of the report. */
  deliverableHash: Hex;
}

/** Parameters of {@link encodeGrantProposal}. */
export interface EncodeGrantProposalParameters {
  /** Addresses; `AITBCToken` and `MilestoneGrants` are used. */
  contracts: AitbcContracts;
  /** Who submits the deliverables and claims the payments. */
  grantee: Address;
  /** 1 to {@link GRANT_MAX_MILESTONES} milestones. */
  milestones: readonly GrantMilestoneSpec[];
  /** The proposal's description (part of its id). */
  description: string;
}

/** Result of {@link encodeGrantProposal}: the proposal's actions and the grant's total. */
export interface EncodeGrantProposalReturnType extends ProposalActions {
  /** Sum of the milestones, wei of AITBC: what the treasury approves and escrows. */
  total: bigint;
}

const UINT128_MAX = 2n ** 128n - 1n;

function checkMilestones(milestones: readonly GrantMilestoneSpec[]) {
  if (milestones.length === 0 || milestones.length > GRANT_MAX_MILESTONES) {
    throw new InvalidParameterError({
      what: "milestones",
      reason: `a grant has 1 to ${GRANT_MAX_MILESTONES} milestones, not ${milestones.length}`,
    });
  }
  return milestones.map((m, i) => {
    const amount = assertAmount(m.amount, `milestones[${i}].amount (wei)`, {
      positive: true,
      max: UINT128_MAX,
    });
    const dueDate = assertAmount(m.dueDate, `milestones[${i}].dueDate (Unix seconds)`, { positive: true });
    if (!/^0x[0-9a-fA-F]{64}$/.test(m.deliverableHash) || BigInt(m.deliverableHash) === 0n) {
      throw new InvalidParameterError({ what: `milestones[${i}].deliverableHash`, reason: "must be a non-zero bytes32" }); // prettier-ignore
    }
    return { amount, dueDate, deliverableHash: m.deliverableHash };
  });
}

/**
 * The actions of a grant proposal: the timelock approves the grants escrow for the total, then
 * creates the grant (which pulls the total). No request is made. The proposal moves treasury funds,
 * so the governor marks it critical: it needs the council's approval as well as the vote.
 *
 * @param parameters See {@link EncodeGrantProposalParameters}.
 * @returns `{ targets, values, calldatas, description, total }`.
 * @throws {InvalidParameterError} | {InvalidAddressError} | {InvalidAmountError} on a malformed grant.
 * @example
 * ```ts
 * const actions = encodeGrantProposal({ contracts, grantee, description: "Grant: indexer",
 *   milestones: [{ amount: 10_000n * 10n ** 18n, dueDate, deliverableHash: sha256(report) }] });
 * ```
 */
export function encodeGrantProposal(
  parameters: EncodeGrantProposalParameters,
): EncodeGrantProposalReturnType {
  const grants = contractAddress(parameters.contracts, "MilestoneGrants");
  const token = contractAddress(parameters.contracts, "AITBCToken");
  const grantee = assertAddress(parameters.grantee, "grantee");
  const milestones = checkMilestones(parameters.milestones);
  const total = milestones.reduce((sum, m) => sum + m.amount, 0n);
  return {
    targets: [token, grants],
    values: [0n, 0n],
    calldatas: [
      encodeFunctionData({ abi: aitbcTokenAbi, functionName: "approve", args: [grants, total] }),
      encodeFunctionData({
        abi: milestoneGrantsAbi,
        functionName: "createGrant",
        args: [grantee, milestones],
      }),
    ],
    description: parameters.description,
    total,
  };
}

/** Parameters of {@link proposeGrant}. */
export interface ProposeGrantParameters extends EncodeGrantProposalParameters, WriteParameters {
  /** Addresses; also `OpenClawGovernor` and `ProposalBondEscrow`. */
  contracts: AitbcContracts;
}

/** Result of {@link proposeGrant}. */
export interface ProposeGrantReturnType extends WriteReturnType {
  /** The proposal's id. */
  proposalId: bigint;
  /** The proposal's actions (for `queueProposal` / `executeProposal`). */
  actions: ProposalActions;
  /** The grant's total, wei of AITBC. */
  total: bigint;
  /** Whether the governor requires the council's approval (true: it moves treasury funds). */
  critical: boolean;
}

/** Errors {@link proposeGrant} may throw. */
export type ProposeGrantErrorType = AitbcError;

/**
 * Proposes a milestone grant with the governor's standard `propose(targets, values, calldatas,
 * description)` (the type follows from the calls), approving the 1,000 AITBC proposal bond first if
 * the allowance is short.
 *
 * @param client A wallet client of the proposer (≥ 100 AITBC of counted power, and the bond).
 * @param parameters See {@link ProposeGrantParameters}.
 * @returns `{ hash, receipt, proposalId, actions, total, critical }`.
 * @throws {InvalidParameterError} | {InvalidAddressError} | {InvalidAmountError} before any request.
 * @throws {ContractRevertError} e.g. `GovernorInsufficientProposerVotes`.
 * @example
 * ```ts
 * const { proposalId, actions } = await proposeGrant(proposerClient, { contracts, grantee, milestones, description });
 * ```
 */
export async function proposeGrant(
  client: AitbcWriteClient,
  parameters: ProposeGrantParameters,
): Promise<ProposeGrantReturnType> {
  const account = resolveAccount(client, parameters.account, "proposeGrant");
  const { total, ...actions } = encodeGrantProposal(parameters);
  const escrow = contractAddress(parameters.contracts, "ProposalBondEscrow");
  const bond = await read(client, {
    address: escrow,
    abi: proposalBondEscrowAbi,
    functionName: "proposalBond",
  });
  await ensureAllowance(client, { contracts: parameters.contracts, spender: escrow, amount: bond, account });
  const result = await write(client, {
    address: contractAddress(parameters.contracts, "OpenClawGovernor"),
    abi: openClawGovernorAbi,
    functionName: "propose",
    args: [actions.targets, actions.values, actions.calldatas, actions.description],
    account,
  });
  const [typed] = parseEventLogs({ abi: openClawGovernorAbi, logs: result.receipt.logs, eventName: "ProposalTyped" }); // prettier-ignore
  return {
    hash: result.hash,
    receipt: result.receipt,
    proposalId: typed?.args.proposalId ?? getProposalId(actions),
    actions,
    total,
    critical: typed?.args.critical ?? true,
  };
}
