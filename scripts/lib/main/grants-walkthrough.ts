/**
 * The milestone-grant step of the DAO walkthrough (`scripts/demo.ts`): a grant of two milestones
 * proposed with the SDK's `proposeGrant` (OpenZeppelin's plain `propose`), the challenge period, the
 * vote, the council's approval through the Safe, queue, timelock, execute (the treasury escrows the
 * grant); the grantee submits the first deliverable, the council approves it, the grantee claims it;
 * the second milestone is missed and, once its review window closed, cancelled by anyone and
 * returned to the treasury. Prints every step with its gas.
 */
import { parseEventLogs, sha256, stringToHex, type Address } from "viem";

import {
  approveMilestoneByCouncil,
  approveProposalByCouncil,
  cancelMilestone,
  castVote,
  claimMilestone,
  executeProposal,
  getGrant,
  getTokenBalance,
  milestoneGrantsAbi,
  proposeGrant,
  queueProposal,
  submitMilestone,
  type AitbcContracts,
  type WriteReturnType,
} from "@aitbc/sdk";
import { formatTokens, renderTable } from "../../../node/shared/format.js";
import type { ViemClients } from "./clients.js";

const AITBC = 10n ** 18n;
const DAY = 86_400;

/** What {@link runMilestoneGrant} needs: clients, addresses, chain time and the actors' addresses. */
export interface MilestoneGrantWalkthrough {
  clients: ViemClients;
  contracts: AitbcContracts;
  time: { latest(): Promise<number>; increase(seconds: number): Promise<unknown> };
  proposer: string;
  voters: readonly string[];
  councilOwners: readonly string[];
  grantee: string;
  /** Anyone: cancels the missed milestone. */
  keeper: string;
}

/**
 * Runs the grant's life and prints it.
 *
 * @returns the grant id and the grantee's and treasury's balance changes (wei)
 * @throws if any step reverts
 */
export async function runMilestoneGrant(w: MilestoneGrantWalkthrough) {
  const { clients, contracts, time } = w;
  const wallet = clients.walletFor;
  const rows: string[][] = [];
  const t0 = await time.latest();
  const step = async (label: string, action: Promise<WriteReturnType>) => {
    const { receipt } = await action;
    rows.push([label, `day ${(((await time.latest()) - t0) / DAY).toFixed(2)}`, receipt.gasUsed.toLocaleString("en-US")]); // prettier-ignore
    return receipt;
  };
  const balance = async (account: string) => (await getTokenBalance(clients.publicClient, { contracts, account: account as Address })).balance; // prettier-ignore
  const treasuryBefore = await balance(contracts.OpenClawTimelock!);
  const report = sha256(stringToHex("OpenClaw indexer: Ponder schema and API, v1"));
  const dashboard = sha256(stringToHex("OpenClaw dashboard: participation by role"));
  const milestones = [
    { amount: 40_000n * AITBC, dueDate: BigInt(t0 + 30 * DAY), deliverableHash: report },
    { amount: 60_000n * AITBC, dueDate: BigInt(t0 + 60 * DAY), deliverableHash: dashboard },
  ];
  console.log(
    "\nMilestone grant: 100,000 AITBC in two milestones, escrowed by the treasury, approved by the council",
  );
  const proposed = proposeGrant(wallet(w.proposer), { contracts, grantee: w.grantee as Address, milestones, description: "Grant: indexer and dashboard (2 milestones)" }); // prettier-ignore
  const { proposalId, actions, critical } = await proposed;
  await step(`propose (plain propose; critical: ${critical})`, proposed);
  await time.increase(2 * DAY + 1);
  for (const voter of w.voters)
    await step("vote For", castVote(wallet(voter), { contracts, proposalId, support: 1 }));
  await time.increase(7 * DAY);
  const owners = w.councilOwners.map((o) => wallet(o));
  await step("council approves the proposal (Safe, 3 of 5)", approveProposalByCouncil(wallet(w.proposer), { contracts, proposalId, owners: owners.slice(0, 3) })); // prettier-ignore
  await step("queue (2-day timelock)", queueProposal(wallet(w.proposer), { contracts, ...actions }));
  await time.increase(2 * DAY);
  const executed = await step("execute: approve + createGrant (treasury escrows 100,000)", executeProposal(wallet(w.proposer), { contracts, ...actions })); // prettier-ignore
  const [created] = parseEventLogs({
    abi: milestoneGrantsAbi,
    logs: executed.logs,
    eventName: "GrantCreated",
  });
  const grantId = created!.args.grantId;
  const grantee = wallet(w.grantee);
  await step("grantee submits milestone 0 (content hash matches)", submitMilestone(grantee, { contracts, grantId, index: 0n, deliverableHash: report })); // prettier-ignore
  await step("council approves milestone 0 (Safe, 3 of 5)", approveMilestoneByCouncil(wallet(w.proposer), { contracts, grantId, index: 0n, owners: owners.slice(2, 5) })); // prettier-ignore
  await step(
    "grantee claims milestone 0 (40,000 AITBC)",
    claimMilestone(grantee, { contracts, grantId, index: 0n }),
  );
  // Milestone 1 is never delivered: after its due date + the 30-day review window anyone may cancel it.
  await time.increase(60 * DAY + 30 * DAY);
  await step("keeper cancels missed milestone 1 (60,000 back)", cancelMilestone(wallet(w.keeper), { contracts, grantId, index: 1n })); // prettier-ignore
  console.log(renderTable(["step", "when", "gas"], rows, [2]));
  const grant = await getGrant(clients.publicClient, { contracts, grantId });
  console.log(`Grant ${grantId}: milestones ${grant.milestones.map((m) => m.status).join(", ")}; released ${formatTokens(grant.released, 0)} AITBC to the grantee, returned ${formatTokens(grant.returned, 0)} AITBC to the treasury, escrowed ${formatTokens(grant.escrowed, 0)}.`); // prettier-ignore
  const treasuryChange = (await balance(contracts.OpenClawTimelock!)) - treasuryBefore;
  console.log(
    `Treasury change over the grant: ${formatTokens(treasuryChange, 0)} AITBC (the released milestone only).`,
  );
  return { grantId, released: grant.released, returned: grant.returned, treasuryChange };
}
