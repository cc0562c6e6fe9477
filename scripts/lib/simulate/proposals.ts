/**
 * The proposals the population sees each simulated week, one of every type, as real calls to the
 * deployed contracts (the governor derives Community, Resource and Protocol from the calls; Emergency is
 * declared and pre-approved by the council):
 *
 * | day of week | type | calls |
 * |---|---|---|
 * | 0 | Community | `VestingWallet.release(AITBC)`: pays early contributor B what has vested (allowlisted, not critical) |
 * | 1 | Resource | `AITBC.transfer` from the treasury: a 250,000 AITBC tooling grant (even weeks) or a 5,000,000 AITBC GPU onboarding fund (odd weeks) |
 * | 2 | Protocol | `GPUStaking.setRewardRate` 0.5 → 0.6 AITBC/s, `MarketPolicy.setProtocolFeeBps` 250 → 200, or 250 → 300 (weeks mod 3) |
 * | 3 | Emergency | `MarketPolicy.setSampleRateBps` raised to 20% + 5% × week, "after an exploit report" |
 *
 * Each carries the {@link ProposalSummary} the agents' role strategies score (`evaluateProposal`).
 */
import { encodeFunctionData, parseAbi, type Address } from "viem";

import {
  aitbcTokenAbi,
  gpuStakingAbi,
  marketPolicyAbi,
  ProposalType,
  type AitbcContracts,
  type ProposalActions,
  type ProposalSummary,
  type VoteSupportValue,
} from "@aitbc/sdk";

import { derivedAddress } from "./population.js";
import type { ProposalRecord } from "./types.js";

const AITBC = 10n ** 18n;
const DAY = 86_400;
const vestingAbi = parseAbi(["function release(address token)"]);

/** One proposal of the schedule. */
export interface PlannedProposal {
  /** Stable key (part of every random draw about it), e.g. "w0-resource". */
  key: string;
  type: ProposalRecord["type"];
  actions: ProposalActions;
  /** What the role strategies score. */
  summary: ProposalSummary;
  /** Seconds after the week's start at which it is proposed. */
  offset: number;
  /** Part of an attack (the council does not approve it; humans vote against it). */
  attack: boolean;
  /** Proposer override (default: the engine picks a large plain holder). */
  proposer?: Address;
  /** The proposer's own vote (cast with the SDK's `castVote` an hour after voting opens); none if absent. */
  proposerVote?: VoteSupportValue;
  /**
   * A watcher challenges it an hour after creation (the SDK's `challengeProposal`, escrowing the
   * challenge bond) and the council resolves the challenge through the Safe a day later: `uphold` strikes
   * the proposal down (Canceled, the proposer's bond slashed to the treasury, the watcher's refunded),
   * otherwise it is dismissed (the watcher's bond goes to the treasury) and voting goes on. None if absent.
   */
  challenge?: { uphold: boolean };
}

/** The type value of the SDK's `propose` for a record type name. */
export const TYPE_VALUES = ProposalType;

/**
 * The four proposals of week `week`.
 *
 * @param contracts the deployment (`AITBCToken`, `EarlyContributorVesting1`, `GPUStaking`, `MarketPolicy`)
 * @param seed the run's seed (the grantee's address)
 */
export function weeklyProposals(contracts: AitbcContracts, week: number, seed: number): PlannedProposal[] {
  const c = contracts as Record<string, Address>;
  const token = c.AITBCToken!;
  const grantee = derivedAddress(`${seed}:grantee:${week}`);
  const n = week + 1;
  const grant = week % 2 === 0
    ? { amount: 250_000n * AITBC, text: `Grant 250,000 AITBC to an open source SDK tooling and documentation team for GPU provider hardware onboarding and marketplace routing and scheduling (week ${n})` } // prettier-ignore
    : { amount: 5_000_000n * AITBC, text: `Fund a GPU provider hardware and staking onboarding programme with 5,000,000 AITBC for marketplace uptime (week ${n})` }; // prettier-ignore
  const protocol = [
    { target: c.GPUStaking!, data: encodeFunctionData({ abi: gpuStakingAbi, functionName: "setRewardRate", args: [6n * 10n ** 17n] }), text: `Raise the GPU provider staking reward rate from 0.5 to 0.6 AITBC/s for marketplace uptime and scheduling capacity (week ${n})`, change: { parameter: "rewardRate", direction: "increase" } }, // prettier-ignore
    { target: c.MarketPolicy!, data: encodeFunctionData({ abi: marketPolicyAbi, functionName: "setProtocolFeeBps", args: [200] }), text: `Cut the marketplace protocol fee from 2.5% to 2% to lower the price of inference for consumers and GPU providers (week ${n})`, change: { parameter: "protocolFeeBps", direction: "decrease" } }, // prettier-ignore
    { target: c.MarketPolicy!, data: encodeFunctionData({ abi: marketPolicyAbi, functionName: "setProtocolFeeBps", args: [300] }), text: `Raise the protocol fee from 2.5% to 3% to pay for an SDK audit and developer documentation (week ${n})`, change: { parameter: "protocolFeeBps", direction: "increase" } }, // prettier-ignore
  ][week % 3]!;
  const sampleBps = 2_000 + 500 * week;
  return [
    {
      key: `w${week}-community`,
      type: "Community",
      actions: { targets: [c.EarlyContributorVesting1!], values: [0n], calldatas: [encodeFunctionData({ abi: vestingAbi, functionName: "release", args: [token] })], description: `Release early contributor B's vested AITBC: developer and open source contributors (week ${n})` }, // prettier-ignore
      summary: {
        proposalType: "Community",
        description: `Release early contributor B's vested AITBC: developer and open source contributors (week ${n})`,
      },
      offset: 0,
      attack: false,
    },
    {
      key: `w${week}-resource`,
      type: "Resource",
      actions: { targets: [token], values: [0n], calldatas: [encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [grantee, grant.amount] })], description: grant.text }, // prettier-ignore
      summary: { proposalType: "Resource", description: grant.text, treasuryAmount: grant.amount },
      offset: DAY,
      attack: false,
    },
    {
      key: `w${week}-protocol`,
      type: "Protocol",
      actions: {
        targets: [protocol.target],
        values: [0n],
        calldatas: [protocol.data],
        description: protocol.text,
      },
      summary: { proposalType: "Protocol", description: protocol.text, parameterChanges: [protocol.change as NonNullable<ProposalSummary["parameterChanges"]>[number]] }, // prettier-ignore
      offset: 2 * DAY,
      attack: false,
    },
    {
      key: `w${week}-emergency`,
      type: "Emergency",
      actions: { targets: [c.MarketPolicy!], values: [0n], calldatas: [encodeFunctionData({ abi: marketPolicyAbi, functionName: "setSampleRateBps", args: [sampleBps] })], description: `Security: raise the re-execution sampling rate to ${sampleBps / 100}% after an exploit report, to protect consumers' quality and refunds, honest GPU providers' rewards, marketplace uptime, pending an audit (week ${n})` }, // prettier-ignore
      summary: { proposalType: "Emergency", description: `Security: raise the re-execution sampling rate to ${sampleBps / 100}% after an exploit report, to protect consumers' quality and refunds, honest GPU providers' rewards, marketplace uptime, pending an audit (week ${n})` }, // prettier-ignore
      offset: 3 * DAY,
      attack: false,
    },
  ];
}

/**
 * A treasury drain: one transfer of `amount` from the treasury to `to` (a Resource proposal).
 *
 * @param contracts the deployment (`AITBCToken`)
 */
export function treasuryDrain(
  contracts: AitbcContracts,
  to: Address,
  amount: bigint,
  key: string,
): PlannedProposal {
  const description = `Move ${amount / AITBC} AITBC from the treasury to ${to} (${key})`;
  return {
    key,
    type: "Resource",
    actions: { targets: [contracts.AITBCToken!], values: [0n], calldatas: [encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [to, amount] })], description }, // prettier-ignore
    summary: { proposalType: "Resource", description, treasuryAmount: amount },
    offset: 0,
    attack: true,
    proposer: to,
    proposerVote: 1,
  };
}
