/**
 * `council-silent`: one, then two, then three of the council's five owners stop signing, measured on
 * the real Safe 1.5 (3-of-5). Five proposals pass the vote together: three treasury grants (critical),
 * a `setCouncil` replacement of the council (critical: it targets the governor) and, when the deployment
 * allowlists one, a Community call (not critical). Then:
 * - 1 silent, 2 silent: the remaining owners still reach the threshold — a grant is approved, queued and
 *   executed;
 * - 3 silent: two signatures are refused by the Safe (`GS020`): the third grant and the council's own
 *   replacement stall (`GovernanceCouncilApprovalRequired` at queue), the council can neither cancel a
 *   queued operation nor swap its owners; the Community proposal still executes without the council;
 * - recovery: once a third owner signs again, `swapOwner` (signed by three) replaces the two silent
 *   owners with new keys, and the new council approves the stalled grant, which then executes.
 *
 * The threshold and owners are read from the Safe; the new owners are local keys (viem accounts) that
 * sign the Safe's EIP-712 transactions themselves.
 */
import {
  createWalletClient,
  custom,
  encodeFunctionData,
  keccak256,
  parseAbi,
  stringToHex,
  toFunctionSelector,
  type Address,
  type EIP1193Provider,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  approveProposalByCouncil,
  execSafeCall,
  executeProposal,
  openClawGovernorAbi,
  openClawTimelockAbi,
  queueProposal,
  safeAbi,
  VoteSupport,
  type ProposalActions,
} from "@aitbc/sdk";

import type { AttackOutcome, Scenario, SimulationWorld } from "../types.js";
import {
  AITBC,
  Ballot,
  advance,
  balanceOf,
  claimBonds,
  closeVoting,
  delegatedAccount,
  formatRefusal,
  governanceNumbers,
  openVoting,
  outcome,
  proposeAs,
  recordAttack,
  refusalOf,
  stateOf,
  treasuryTransfer,
  vestedProposer,
  Funding,
  proposerStake,
  type Refusal,
} from "./attack-kit.js";

const NAME = "council-silent";
/** Safe's linked-list sentinel: the `prevOwner` of the first owner. */
const SENTINEL: Address = "0x0000000000000000000000000000000000000001";
const vestingAbi = parseAbi(["function release(address token)"]);

/** Measures the council with 1, 2 and 3 silent owners and the recovery; four {@link AttackOutcome}s. */
export async function runCouncilSilent(world: SimulationWorld): Promise<AttackOutcome[]> {
  const { contracts } = world;
  const { publicClient, walletFor } = world.clients;
  const safe = contracts.SecurityCouncil!;
  const governor = contracts.OpenClawGovernor!;
  const timelock = contracts.OpenClawTimelock!;
  const sender = walletFor(world.roles.deployer); // pays the gas of every Safe transaction
  const readOwners = () =>
    publicClient.readContract({ address: safe, abi: safeAbi, functionName: "getOwners" });
  const owners = [...(await readOwners())];
  const threshold = Number(await publicClient.readContract({ address: safe, abi: safeAbi, functionName: "getThreshold" })); // prettier-ignore
  const numbers = await governanceNumbers(world);

  // --- Five proposals, voted through together by holders above the quorum.
  const grantee = await world.account(`${NAME}: grantee`);
  const replacement = await world.account(`${NAME}: replacement council`);
  const grant = 1_000n * AITBC;
  const grants = [1, 2, 3].map((silent) =>
    treasuryTransfer(
      world,
      grantee,
      grant,
      `${NAME}: grant 1,000 AITBC, decided with ${silent} council owner(s) silent`,
    ),
  );
  const setCouncil: ProposalActions = {
    targets: [governor],
    values: [0n],
    calldatas: [
      encodeFunctionData({ abi: openClawGovernorAbi, functionName: "setCouncil", args: [replacement] }),
    ],
    description: `${NAME}: replace the council by governance (setCouncil)`,
  };
  const vesting = contracts.EarlyContributorVesting0;
  const releaseSelector = toFunctionSelector("release(address)");
  const allowlisted =
    vesting !== undefined &&
    (await publicClient.readContract({ address: governor, abi: openClawGovernorAbi, functionName: "isCallAllowed", args: [vesting, releaseSelector] })); // prettier-ignore
  const community: ProposalActions | undefined = allowlisted
    ? {
        targets: [vesting],
        values: [0n],
        calldatas: [
          encodeFunctionData({ abi: vestingAbi, functionName: "release", args: [contracts.AITBCToken!] }),
        ],
        description: `${NAME}: release the vested contributor tokens (Community, no council)`,
      }
    : undefined;
  const all = [...grants, setCouncil, ...(community === undefined ? [] : [community])];

  const voterCount = (numbers.quorum + numbers.cap - 1n) / numbers.cap;
  const funding = new Funding(world, NAME);
  await funding.require(numbers.cap * voterCount + proposerStake(numbers.threshold) + numbers.bond * BigInt(all.length)); // prettier-ignore
  const voters: Address[] = [];
  for (let i = 0n; i < voterCount; i++) voters.push(await delegatedAccount(world, funding, `${NAME}: voter #${i}`, numbers.cap)); // prettier-ignore
  const proposer = await vestedProposer(world, funding, `${NAME}: proposer`, all.length, numbers.longWindow + 3_600); // prettier-ignore
  const ballots: Ballot[] = [];
  for (const actions of all) ballots.push(new Ballot(await proposeAs(world, proposer, actions)));
  await openVoting(world, ballots.at(-1)!.proposal.proposalId);
  for (const ballot of ballots) for (const voter of voters) await ballot.cast(world, voter, VoteSupport.For);
  await closeVoting(world, ballots.at(-1)!.proposal.proposalId);
  const voteStates = await Promise.all(ballots.map((b) => stateOf(world, b.proposal.proposalId)));

  const clientsOf = (addresses: readonly Address[]) => addresses.map((a) => walletFor(a));
  const approve = (proposalId: bigint, signers: readonly WalletClient[]) =>
    refusalOf(() => approveProposalByCouncil(sender, { contracts, proposalId, owners: signers }));
  const queue = (actions: ProposalActions) =>
    refusalOf(() => queueProposal(sender, { contracts, ...actions }));
  /** Who signs when `silent` owners (the last ones) stop: the threshold's worth of the others, or all there are. */
  const signersWith = (silent: number) => owners.slice(0, owners.length - silent).slice(0, threshold);

  // --- 1 and 2 silent: the remaining owners still approve; the grants queue.
  const early: { silent: number; approval: Refusal | null; queued: Refusal | null }[] = [];
  for (const silent of [1, 2]) {
    const ballot = ballots[silent - 1]!;
    const approval = await approve(ballot.proposal.proposalId, clientsOf(signersWith(silent)));
    early.push({ silent, approval, queued: await queue(grants[silent - 1]!) });
  }

  // --- 3 silent: two signatures left.
  const two = clientsOf(signersWith(3));
  const stalledApproval = await approve(ballots[2]!.proposal.proposalId, two);
  const stalledQueue = await queue(grants[2]!);
  const replaceApproval = await approve(ballots[3]!.proposal.proposalId, two);
  const replaceQueue = await queue(setCouncil);
  const prevOf = (list: readonly Address[], owner: Address) => {
    const i = list.findIndex((o) => o.toLowerCase() === owner.toLowerCase());
    return i <= 0 ? SENTINEL : list[i - 1]!;
  };
  const newKeys = [3, 4].map((i) =>
    createWalletClient({
      account: privateKeyToAccount(keccak256(stringToHex(`${NAME}: new council owner ${i}`))),
      transport: custom(world.connection.provider as unknown as EIP1193Provider, { retryCount: 0 }),
    }),
  );
  const swapData = (list: readonly Address[], old: Address, fresh: Address) =>
    encodeFunctionData({ abi: safeAbi, functionName: "swapOwner", args: [prevOf(list, old), old, fresh] });
  const swapWithTwo = await refusalOf(() =>
    execSafeCall(sender, {
      safe,
      to: safe,
      data: swapData(owners, owners[4]!, newKeys[1]!.account.address),
      owners: two,
    }),
  );
  let communityQueued: Refusal | null = null;
  let cancelWithTwo: Refusal | null = null;
  if (community !== undefined) {
    communityQueued = await queue(community);
    const salt = ((BigInt(governor) << 96n) ^ BigInt(keccak256(stringToHex(community.description)))) & ((1n << 256n) - 1n); // prettier-ignore
    const operation = await publicClient.readContract({
      address: timelock,
      abi: openClawTimelockAbi,
      functionName: "hashOperationBatch",
      args: [community.targets, community.values, community.calldatas, `0x${"00".repeat(32)}`, `0x${salt.toString(16).padStart(64, "0")}`], // prettier-ignore
    });
    const cancel = encodeFunctionData({
      abi: openClawTimelockAbi,
      functionName: "cancel",
      args: [operation],
    });
    cancelWithTwo = await refusalOf(() =>
      execSafeCall(sender, { safe, to: timelock, data: cancel, owners: two }),
    );
  }
  await advance(world, numbers.timelockDelay + 1n);
  const executed: Record<string, Refusal | null> = {};
  for (const [i, e] of early.entries()) executed[`grant${i + 1}`] = await refusalOf(() => executeProposal(sender, { contracts, ...grants[e.silent - 1]! })); // prettier-ignore
  if (community !== undefined) executed.community = await refusalOf(() => executeProposal(sender, { contracts, ...community })); // prettier-ignore
  const granteeAfterStall = await balanceOf(world, grantee);

  // --- Recovery: a third owner signs again; the three swap the two silent owners for new keys.
  const three = clientsOf(signersWith(2));
  let current = [...(await readOwners())];
  const swaps: (Refusal | null)[] = [];
  for (const [j, old] of [owners[3]!, owners[4]!].entries()) {
    swaps.push(await refusalOf(() => execSafeCall(sender, { safe, to: safe, data: swapData(current, old, newKeys[j]!.account.address), owners: three }))); // prettier-ignore
    current = [...(await readOwners())];
  }
  const newCouncil = [newKeys[0]!, newKeys[1]!, walletFor(owners[0]!)];
  const recoveredApproval = await approve(ballots[2]!.proposal.proposalId, newCouncil);
  const recoveredQueue = await queue(grants[2]!);
  await advance(world, numbers.timelockDelay + 1n);
  const recoveredExecute = await refusalOf(() => executeProposal(sender, { contracts, ...grants[2]! }));
  const granteeAfterRecovery = await balanceOf(world, grantee);
  const finalOwners = await readOwners();
  const councilNow = await publicClient.readContract({ address: governor, abi: openClawGovernorAbi, functionName: "council" }); // prettier-ignore

  const types = ["Resource", "Resource", "Resource", "Protocol", "Community"] as const;
  for (const [i, ballot] of ballots.entries()) await recordAttack(world, ballot, all[i]!.description, types[i]!, voters); // prettier-ignore
  await claimBonds(
    world,
    ballots.map((b) => b.proposal),
  );
  await funding.settle([grantee]);

  const gs020 = (r: Refusal | null) => r?.errorName === "Error" && r.args[0] === "GS020";
  const approvalMissing = (r: Refusal | null) => r?.errorName === "GovernanceCouncilApprovalRequired";
  const outcomes: AttackOutcome[] = early.map(({ silent, approval, queued }, i) =>
    outcome({
      name: NAME,
      description: `${silent} of the council's ${owners.length} owners stop signing (threshold ${threshold}).`,
      expected: `${owners.length - silent} owners remain, at least the threshold: a critical grant is still approved, queued and executed.`,
      succeeded: approval !== null || queued !== null || executed[`grant${i + 1}`] !== null,
      asExpected:
        voteStates[i] === "Succeeded" &&
        approval === null &&
        queued === null &&
        executed[`grant${i + 1}`] === null,
      magnitude: `${silent} silent: approval ${approval === null ? "given" : formatRefusal(approval)} by ${threshold} of the other ${owners.length - silent}; grant ${executed[`grant${i + 1}`] === null ? "executed" : "stalled"}`, // prettier-ignore
      details: {
        silent,
        activeOwners: owners.length - silent,
        threshold,
        approval: formatRefusal(approval),
        queue: formatRefusal(queued),
        execute: formatRefusal(executed[`grant${i + 1}`] ?? null),
      },
    }),
  );
  outcomes.push(
    outcome({
      name: NAME,
      description: `3 of the council's ${owners.length} owners stop signing (threshold ${threshold}).`,
      expected:
        "Two signatures are refused by the Safe (GS020): every critical proposal stalls (GovernanceCouncilApprovalRequired at queue), including the council's own replacement; no cancel, no owner swap; Community proposals still execute.",
      // What the silence achieves: critical decisions stall.
      succeeded: stalledQueue !== null,
      asExpected:
        gs020(stalledApproval) &&
        approvalMissing(stalledQueue) &&
        gs020(replaceApproval) &&
        approvalMissing(replaceQueue) &&
        gs020(swapWithTwo) &&
        (community === undefined ||
          (communityQueued === null && gs020(cancelWithTwo) && executed.community === null)),
      magnitude:
        `3 silent: approval ${formatRefusal(stalledApproval)}, queue ${stalledQueue?.errorName ?? "went through"}; ` +
        `setCouncil queue ${replaceQueue?.errorName ?? "went through"}; swapOwner ${formatRefusal(swapWithTwo)}; ` +
        `Community proposal ${community === undefined ? "not available (nothing allowlisted)" : executed.community === null ? "executed without the council" : formatRefusal(executed.community ?? null)}`, // prettier-ignore
      details: {
        silent: 3,
        activeOwners: owners.length - 3,
        threshold,
        approval: formatRefusal(stalledApproval),
        queue: formatRefusal(stalledQueue),
        replaceCouncilApproval: formatRefusal(replaceApproval),
        replaceCouncilQueue: formatRefusal(replaceQueue),
        swapOwnerWithTwo: formatRefusal(swapWithTwo),
        cancelWithTwo: community === undefined ? "n/a" : formatRefusal(cancelWithTwo),
        communityQueue: community === undefined ? "n/a" : formatRefusal(communityQueued),
        communityExecute: community === undefined ? "n/a" : formatRefusal(executed.community ?? null),
        granteeReceived: granteeAfterStall.toString(),
      },
    }),
    outcome({
      name: NAME,
      description:
        "Recovery: one silent owner signs again; the three replace the two still silent with swapOwner.",
      expected:
        "Three keys are enough for swapOwner; the renewed council approves the stalled grant, which executes.",
      succeeded: recoveredExecute !== null,
      asExpected:
        swaps.every((s) => s === null) &&
        recoveredApproval === null &&
        recoveredQueue === null &&
        recoveredExecute === null &&
        granteeAfterRecovery === granteeAfterStall + grant &&
        finalOwners.length === owners.length &&
        councilNow.toLowerCase() === safe.toLowerCase(),
      magnitude: `swapOwner ×2 ${swaps.every((s) => s === null) ? "executed" : swaps.map(formatRefusal).join(", ")}; the stalled grant ${recoveredExecute === null ? "executed" : formatRefusal(recoveredExecute)} after recovery`, // prettier-ignore
      details: {
        swaps: swaps.map(formatRefusal).join("; "),
        newOwners: newKeys.map((k) => k.account.address).join(","),
        owners: finalOwners.length,
        approval: formatRefusal(recoveredApproval),
        queue: formatRefusal(recoveredQueue),
        execute: formatRefusal(recoveredExecute),
        granteeReceived: granteeAfterRecovery.toString(),
        councilUnchanged: councilNow.toLowerCase() === safe.toLowerCase(),
      },
    }),
  );
  return outcomes;
}

/** The `council-silent` scenario. */
export const councilSilentScenario: Scenario = {
  name: NAME,
  description: "One, two, then three of the 3-of-5 council stop signing: what still passes, what stalls, and the swapOwner recovery, on the real Safe.", // prettier-ignore
  run: runCouncilSilent,
};
