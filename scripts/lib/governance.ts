/**
 * One treasury grant through the OpenClaw DAO's whole life: 1,000 AITBC bond, proposal, the 48 h
 * challenge period (an early vote is refused), votes, quorum, the council's 3-of-5 approval
 * through the Safe (2 signatures refused), queue, 2-day timelock, execution, bond refund — with
 * the gas of every step. Shared by `scripts/demo.ts` and the main job `scripts/main.ts`.
 */
import type { ContractTransactionResponse, Interface, Signer } from "ethers";

import type { SafeLike } from "./safe.js";
import { PROPOSAL_STATES } from "@aitbc/sdk";
import { execSafeCall } from "./safe.js";
import { formatTokens, renderTable } from "../../node/shared/format.js";

const AITBC = 10n ** 18n;
const DAY = 24 * 3_600;

/** The custom error or revert string of a failed call, decoded against `interfaces`; long numbers shortened. */
export function revertReason(error: unknown, interfaces: Interface[]): string {
  const data = (error as { data?: string }).data;
  const short = (value: unknown) =>
    String(value).length > 20 ? `${String(value).slice(0, 10)}…` : String(value);
  for (const iface of interfaces) {
    const parsed = data ? iface.parseError(data) : null;
    if (parsed) return `${parsed.name}(${parsed.args.map(short).join(", ")})`;
  }
  const message = (error as { message?: string }).message ?? String(error);
  return /reason string '([^']+)'/.exec(message)?.[1] ?? message;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- typechain-free contract handles */
type AnyContract = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface Voter {
  label: string;
  /** 0 Against, 1 For, 2 Abstain. */
  support: 0 | 1 | 2;
  /** Casts the vote (an EOA's `castVote`, or an agent wallet's `execute(governor, castVote)`). */
  cast(proposalId: bigint, support: number): Promise<ContractTransactionResponse>;
}

export interface GrantWalkthrough {
  ethers: { id(text: string): string };
  time: { latest(): Promise<number>; increase(seconds: number): Promise<unknown> };
  chainId: bigint;
  token: AnyContract;
  governor: AnyContract;
  bondEscrow: AnyContract;
  council: SafeLike;
  councilOwners: Signer[];
  addresses: { token: string; governor: string; bondEscrow: string; timelock: string };
  proposer: AnyContract;
  /** Used for the refused early vote. */
  earlyVoter: AnyContract;
  voters: Voter[];
  grantee: string;
  grant?: bigint;
  /** Day 0 for the "when" column. */
  day0: number;
  log?: (line: string) => void;
}

export interface GrantResult {
  proposalId: bigint;
  steps: { step: string; when: string; state: string; gas: string }[];
  tally: { for: bigint; against: bigint; abstain: bigint; quorum: bigint };
  refusals: string[];
  finalState: string;
  granteeBalance: bigint;
}

/** Runs the grant's whole life and prints its table; returns the steps and the tally. */
export async function runTreasuryGrant(w: GrantWalkthrough): Promise<GrantResult> {
  const log = w.log ?? console.log;
  const { governor, token, time } = w;
  const grant = w.grant ?? 250_000n * AITBC;
  const description = `Grant ${formatTokens(grant, 0)} AITBC from the community treasury to ${w.grantee}`;
  const targets = [w.addresses.token];
  const values = [0n];
  const calldatas = [token.interface.encodeFunctionData("transfer", [w.grantee, grant])];
  const descriptionHash = w.ethers.id(description);
  const steps: GrantResult["steps"] = [];
  const refusals: string[] = [];
  const dayOf = async () => `day ${(((await time.latest()) - w.day0) / DAY).toFixed(2)}`;
  async function step(label: string, tx: Promise<unknown>, proposalId?: bigint) {
    const receipt = await (tx as Promise<ContractTransactionResponse>).then((response) => response.wait());
    const state = proposalId === undefined ? "" : PROPOSAL_STATES[Number(await governor.state(proposalId))]!;
    steps.push({
      step: label,
      when: await dayOf(),
      state,
      gas: receipt ? receipt.gasUsed.toLocaleString("en-US") : "",
    });
  }

  await step(
    "approve the 1,000 AITBC bond",
    token.connect(w.proposer).approve(w.addresses.bondEscrow, 1_000n * AITBC),
  );
  const proposalId: bigint = await governor.getProposalId(targets, values, calldatas, descriptionHash);
  await step(
    "propose (Community type; critical: moves treasury funds)",
    governor.connect(w.proposer).proposeTyped(targets, values, calldatas, description, 2),
    proposalId,
  );
  const createdAt = BigInt(await time.latest());
  try {
    await governor.connect(w.earlyVoter).castVote.staticCall(proposalId, 1);
  } catch (error) {
    refusals.push(
      `a vote during the 48 h challenge period is refused: ${revertReason(error, [governor.interface])}`,
    );
  }
  await time.increase(2 * DAY + 1);
  const names = ["Against", "For", "Abstain"];
  for (const voter of w.voters) await step(`${voter.label} votes ${names[voter.support]}`, voter.cast(proposalId, voter.support), proposalId); // prettier-ignore
  await time.increase(7 * DAY);
  const [against, forVotes, abstain] = (await governor.proposalVotes(proposalId)) as [bigint, bigint, bigint];
  const quorum: bigint = await governor.quorum(createdAt);
  try {
    await governor.queue.staticCall(targets, values, calldatas, descriptionHash);
  } catch (error) {
    refusals.push(
      `queue before the council approved is refused: ${revertReason(error, [governor.interface])}`,
    );
  }
  const approve = governor.interface.encodeFunctionData("approveProposal", [proposalId, w.proposer.address]);
  try {
    await execSafeCall(w.council, w.chainId, w.councilOwners.slice(0, 2), w.addresses.governor, approve);
  } catch (error) {
    const reason = revertReason(error, []);
    const meaning = reason === "GS020" ? " (Safe: signatures data too short for the threshold)" : "";
    refusals.push(`the council with only 2 of 5 signatures is refused by the Safe: ${reason}${meaning}`);
  }
  await step(
    "council approves (Safe execTransaction, 3 of 5 signatures)",
    execSafeCall(w.council, w.chainId, w.councilOwners.slice(2, 5), w.addresses.governor, approve),
    proposalId,
  );
  await step(
    "queue in the timelock (2-day delay)",
    governor.queue(targets, values, calldatas, descriptionHash),
    proposalId,
  );
  await time.increase(2 * DAY);
  await step("execute", governor.execute(targets, values, calldatas, descriptionHash), proposalId);
  await step(
    "proposal bond refunded to the proposer",
    w.bondEscrow.claimProposalBond(proposalId),
    proposalId,
  );
  for (const line of refusals) log(`  ${line}`);
  log(
    renderTable(
      ["step", "when", "state after", "gas"],
      steps.map((s) => [s.step, s.when, s.state, s.gas]),
      [3],
    ),
  );
  log(
    `Tally: For ${formatTokens(forVotes, 0)}, Against ${formatTokens(against, 0)}, Abstain ${formatTokens(abstain, 0)}; ` +
      `quorum ${formatTokens(quorum, 0)} (10% of supply at creation).`,
  );
  const granteeBalance: bigint = await token.balanceOf(w.grantee);
  return {
    proposalId,
    steps,
    tally: { for: forVotes, against, abstain, quorum },
    refusals,
    finalState: PROPOSAL_STATES[Number(await governor.state(proposalId))]!,
    granteeBalance,
  };
}
