/**
 * One treasury grant through the OpenClaw DAO's whole life, on the SDK's governance actions: the
 * 1,000 AITBC bond (`approveToken`), `propose`, the 48 h challenge period (an early `castVote` is
 * refused), votes (`castVote`, an agent wallet's `castWalletVote`), quorum, the council's 3-of-5
 * approval through the Safe (`approveProposalByCouncil`; 2 signatures refused), `queueProposal`,
 * the 2-day timelock, `executeProposal`, `claimProposalBond` — with the gas of every step. Shared by
 * `scripts/demo.ts` (`npm run demo:dao`) and the main job (`scripts/main.ts`).
 */
import { encodeFunctionData, type Address } from "viem";

import {
  aitbcTokenAbi,
  approveProposalByCouncil,
  approveToken,
  castVote,
  claimProposalBond,
  ContractRevertError,
  executeProposal,
  getProposal,
  getProposalState,
  getTokenBalance,
  propose,
  ProposalType,
  queueProposal,
  type AitbcContracts,
  type AitbcReadClient,
  type AitbcWriteClient,
  type ProposalActions,
  type VoteSupportValue,
  type WriteReturnType,
} from "@aitbc/sdk";
import { formatTokens, renderTable } from "../../../node/shared/format.js";

const AITBC = 10n ** 18n;
const DAY = 24 * 3_600;
const SUPPORT_NAMES = ["Against", "For", "Abstain"] as const;

/** One voter of the walkthrough. */
export interface Voter {
  /** Shown in the steps table. */
  label: string;
  /** 0 Against, 1 For, 2 Abstain; undefined for an autonomous agent, which decides itself. */
  support?: VoteSupportValue;
  /**
   * Casts the vote with an SDK action (`castVote`, `castWalletVote` for an agent wallet, or an autonomous
   * agent's `autonomousVote`); an autonomous agent returns the support it chose and why.
   */
  cast(proposalId: bigint, support: VoteSupportValue | undefined): Promise<WriteReturnType & { support?: VoteSupportValue; reasons?: string[] }>; // prettier-ignore
}

/** What {@link runTreasuryGrant} needs. */
export interface GrantWalkthrough {
  /** Reads (proposal state, tallies). */
  publicClient: AitbcReadClient;
  /** `AITBCToken`, `OpenClawGovernor`, `ProposalBondEscrow`, `SecurityCouncil`, `OpenClawTimelock`. */
  contracts: AitbcContracts;
  /** Chain time (Hardhat's network helpers): seconds. */
  time: { latest(): Promise<number>; increase(seconds: number): Promise<unknown> };
  /** Proposes and pays the bond; also sends queue, execute and the bond claim. */
  proposer: AitbcWriteClient;
  /** Tries the refused vote during the challenge period. */
  earlyVoter: AitbcWriteClient;
  /** Wallet clients of the five council owners (the first two are refused, the last three approve). */
  councilOwners: readonly AitbcWriteClient[];
  voters: readonly Voter[];
  /** Receives the grant. */
  grantee: Address;
  /** Wei of AITBC (default 250,000 AITBC). */
  grant?: bigint;
  /** Day 0 of the "when" column, Unix seconds. */
  day0: number;
  log?: (line: string) => void;
}

/** One row of the steps table. */
export interface GrantStep {
  step: string;
  when: string;
  state: string;
  gas: string;
}

/** What {@link runTreasuryGrant} returns (also written into the main job's report). */
export interface GrantResult {
  proposalId: bigint;
  steps: GrantStep[];
  tally: { for: bigint; against: bigint; abstain: bigint; quorum: bigint };
  refusals: string[];
  /** The autonomous agents' votes: who, what they chose, and every rule behind it. */
  explained: { voter: string; support: string; reasons: string[] }[];
  finalState: string;
  granteeBalance: bigint;
}

/**
 * The decoded reason of a refused SDK action: a custom error with its (shortened) arguments, or the
 * revert string of `Error(string)` (e.g. the Safe's `GS020`).
 *
 * @param error what the action threw
 */
export function revertReason(error: unknown): string {
  if (!(error instanceof ContractRevertError)) return (error as Error).message ?? String(error);
  if (error.errorName === "Error") return String(error.args[0]);
  const short = (value: unknown) => (String(value).length > 20 ? `${String(value).slice(0, 10)}…` : String(value)); // prettier-ignore
  return `${error.errorName ?? "revert"}(${error.args.map(short).join(", ")})`;
}

/** Awaits an action that must be refused and returns its reason; throws if it went through. */
async function refused(action: Promise<unknown>, what: string): Promise<string> {
  try {
    await action;
  } catch (error) {
    return revertReason(error);
  }
  throw new Error(`${what} was not refused`);
}

/** The grant's proposal: one `transfer` of the treasury's AITBC to the grantee. */
function grantActions(w: GrantWalkthrough, grant: bigint): ProposalActions {
  return {
    targets: [w.contracts.AITBCToken!],
    values: [0n],
    calldatas: [encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [w.grantee, grant] })], // prettier-ignore
    description: `Grant ${formatTokens(grant, 0)} AITBC from the community treasury to ${w.grantee}`,
  };
}

/** Records the gas, the time and the proposal's state after each step. */
function stepRecorder(w: GrantWalkthrough, steps: GrantStep[]) {
  return async (label: string, action: Promise<WriteReturnType>, proposalId?: bigint) => {
    const { receipt } = await action;
    const state =
      proposalId === undefined
        ? ""
        : await getProposalState(w.publicClient, { contracts: w.contracts, proposalId });
    const when = `day ${(((await w.time.latest()) - w.day0) / DAY).toFixed(2)}`;
    steps.push({ step: label, when, state, gas: receipt.gasUsed.toLocaleString("en-US") });
  };
}

/**
 * Runs the grant's whole life with the SDK's actions and prints its table; returns the steps, the
 * tally and the refusals seen on the way.
 *
 * @throws if a step that must be refused goes through, or any other step reverts
 */
export async function runTreasuryGrant(w: GrantWalkthrough): Promise<GrantResult> {
  const { contracts, time } = w;
  const grant = w.grant ?? 250_000n * AITBC;
  const actions = grantActions(w, grant);
  const steps: GrantStep[] = [];
  const refusals: string[] = [];
  const step = stepRecorder(w, steps);
  const bond = 1_000n * AITBC;
  await step("approve the 1,000 AITBC bond", approveToken(w.proposer, { contracts, to: contracts.ProposalBondEscrow!, amount: bond })); // prettier-ignore
  const proposed = propose(w.proposer, { contracts, ...actions, proposalType: ProposalType.Resource });
  const { proposalId } = await proposed;
  await step(
    "propose (Resource type, derived from the calls; critical: moves treasury funds)",
    proposed,
    proposalId,
  );
  const early = await refused(castVote(w.earlyVoter, { contracts, proposalId, support: 1 }), "an early vote");
  refusals.push(`a vote during the 48 h challenge period is refused: ${early}`);
  await time.increase(2 * DAY + 1);
  const explained: GrantResult["explained"] = [];
  for (const v of w.voters) {
    const cast = v.cast(proposalId, v.support);
    const { support = v.support!, reasons } = await cast;
    if (reasons !== undefined) explained.push({ voter: v.label, support: SUPPORT_NAMES[support], reasons });
    await step(`${v.label} votes ${SUPPORT_NAMES[support]}`, cast, proposalId);
  }
  await time.increase(7 * DAY);
  const unapproved = await refused(
    queueProposal(w.proposer, { contracts, ...actions }),
    "queue before approval",
  );
  refusals.push(`queue before the council approved is refused: ${unapproved}`);
  const council = (owners: readonly AitbcWriteClient[]) =>
    approveProposalByCouncil(w.proposer, { contracts, proposalId, owners });
  const tooFew = await refused(council(w.councilOwners.slice(0, 2)), "a 2-of-5 council approval");
  const meaning = tooFew === "GS020" ? " (Safe: signatures data too short for the threshold)" : "";
  refusals.push(`the council with only 2 of 5 signatures is refused by the Safe: ${tooFew}${meaning}`);
  await step("council approves (Safe execTransaction, 3 of 5 signatures)", council(w.councilOwners.slice(2, 5)), proposalId); // prettier-ignore
  await step("queue in the timelock (2-day delay)", queueProposal(w.proposer, { contracts, ...actions }), proposalId); // prettier-ignore
  await time.increase(2 * DAY);
  await step("execute", executeProposal(w.proposer, { contracts, ...actions }), proposalId);
  await step("proposal bond refunded to the proposer", claimProposalBond(w.proposer, { contracts, proposalId }), proposalId); // prettier-ignore
  return reportGrant(w, proposalId, steps, refusals, explained);
}

/** Prints the refusals, the steps table and the tally; reads the final state and the grantee's balance. */
async function reportGrant(
  w: GrantWalkthrough,
  proposalId: bigint,
  steps: GrantStep[],
  refusals: string[],
  explained: GrantResult["explained"],
): Promise<GrantResult> {
  const log = w.log ?? console.log;
  const proposal = await getProposal(w.publicClient, { contracts: w.contracts, proposalId });
  const { for: forVotes, against, abstain } = proposal.votes;
  for (const line of refusals) log(`  ${line}`);
  for (const e of explained)
    log(`  ${e.voter} voted ${e.support} by its role's strategy: ${e.reasons.join("; ")}`);
  log(renderTable(["step", "when", "state after", "gas"], steps.map((s) => [s.step, s.when, s.state, s.gas]), [3])); // prettier-ignore
  log(
    `Tally: For ${formatTokens(forVotes, 0)}, Against ${formatTokens(against, 0)}, Abstain ${formatTokens(abstain, 0)}; ` +
      `quorum ${formatTokens(proposal.quorum, 0)} (10% of supply at creation).`,
  );
  const { balance } = await getTokenBalance(w.publicClient, { contracts: w.contracts, account: w.grantee });
  return {
    proposalId,
    steps,
    tally: { for: forVotes, against, abstain, quorum: proposal.quorum },
    refusals,
    explained,
    finalState: proposal.state,
    granteeBalance: balance,
  };
}
