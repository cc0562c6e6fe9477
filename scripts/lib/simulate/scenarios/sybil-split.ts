/**
 * `sybil-split`: a large holder (20% of supply, or as much as the world can assemble from its funder
 * and the population's sellers when that is less) splits its holding across k fresh addresses
 * (k = 1, 2, 4, 10, 40), lets them vest, and votes them all For a malicious Protocol proposal (grant
 * itself the timelock's proposer role). Measured per k: counted power against k, whether the vote
 * passes the quorum by the holder alone, and whether the proposal gets past the council.
 *
 * Said plainly (shared/DESIGN.md, "The 5% cap is per address"): splitting defeats the cap — k
 * addresses each under the cap count the whole holding. What stops the holder is not the cap but the
 * council (a Protocol proposal needs its 3-of-5 approval before it can be queued), the challenge
 * period, the quorum (a holder below it cannot pass anything alone) and the timelock delay. Here no
 * one votes against (the worst case: the honest holders stay away).
 */
import { encodeFunctionData, type Address } from "viem";

import { openClawTimelockAbi, queueProposal, VoteSupport } from "@aitbc/sdk";

import type { AttackOutcome, Scenario, SimulationWorld } from "../types.js";
import {
  Ballot,
  AITBC,
  advance,
  claimBonds,
  closeVoting,
  countedAt,
  delegatedAccount,
  formatRefusal,
  governanceNumbers,
  openVoting,
  outcome,
  percent,
  proposeAs,
  recordAttack,
  refusalOf,
  stateOf,
  tokens,
  vestedProposer,
  Funding,
  proposerStake,
} from "./attack-kit.js";

const NAME = "sybil-split";

/** Numbers of addresses the holding is split across. */
export const SPLITS = [1, 2, 4, 10, 40] as const;

/** Measures the split holder for each of {@link SPLITS}; one {@link AttackOutcome} per k. */
export async function runSybilSplit(world: SimulationWorld): Promise<AttackOutcome[]> {
  const { contracts } = world;
  const { publicClient } = world.clients;
  const numbers = await governanceNumbers(world);
  const funding = new Funding(world, NAME);
  const budget = proposerStake(numbers.threshold) + numbers.bond * BigInt(SPLITS.length);
  // 20% of supply, or as much as the world can assemble (funder and sellers) if that is less; whole
  // AITBC divisible by every k, so each part is exact.
  const unit = 40n * AITBC; // lcm of SPLITS, whole AITBC
  const spare = (await funding.available()) - budget;
  const wanted = (numbers.totalSupply * 20n) / 100n;
  const holding = ((wanted < spare ? wanted : spare) / unit) * unit;
  if (holding <= numbers.cap * 2n) {
    throw new Error(`${NAME}: the world can assemble ${tokens(holding)} AITBC, not more than twice the cap (${tokens(numbers.cap)})`); // prettier-ignore
  }
  await funding.require(holding + budget);
  const proposer = await vestedProposer(world, funding, `${NAME}: proposer`, SPLITS.length);
  const timelock = contracts.OpenClawTimelock!;
  const proposerRole = await publicClient.readContract({ address: timelock, abi: openClawTimelockAbi, functionName: "PROPOSER_ROLE" }); // prettier-ignore
  const outcomes: AttackOutcome[] = [];

  for (const k of SPLITS) {
    const share = holding / BigInt(k);
    const sybils: Address[] = [];
    for (let i = 0; i < k; i++)
      sybils.push(await delegatedAccount(world, funding, `${NAME}: k=${k} #${i}`, share));
    await advance(world, numbers.longWindow + 3_600); // every part fully vested
    const beneficiary = sybils[0]!;
    const actions = {
      targets: [timelock],
      values: [0n],
      calldatas: [encodeFunctionData({ abi: openClawTimelockAbi, functionName: "grantRole", args: [proposerRole, beneficiary] })], // prettier-ignore
      description: `${NAME}: give ${beneficiary} the timelock's proposer role (holder split into ${k})`,
    };
    const proposal = await proposeAs(world, proposer, actions);
    let counted = 0n;
    for (const sybil of sybils) counted += await countedAt(world, sybil, proposal.createdAt);
    await openVoting(world, proposal.proposalId);
    const ballot = new Ballot(proposal);
    for (const sybil of sybils) await ballot.cast(world, sybil, VoteSupport.For);
    await closeVoting(world, proposal.proposalId);
    const voteState = await stateOf(world, proposal.proposalId);
    const queueRefusal = await refusalOf(() =>
      queueProposal(world.clients.walletFor(proposer), { contracts, ...actions }),
    );
    const roleGranted = await publicClient.readContract({ address: timelock, abi: openClawTimelockAbi, functionName: "hasRole", args: [proposerRole, beneficiary] }); // prettier-ignore
    await recordAttack(world, ballot, actions.description, "Protocol", sybils);

    const perAddress = share < numbers.cap ? share : numbers.cap;
    const expectedCounted = perAddress * BigInt(k);
    const quorumReached = counted >= numbers.quorum;
    const expectedRefusal = quorumReached
      ? "GovernanceCouncilApprovalRequired"
      : "GovernorUnexpectedProposalState";
    outcomes.push(
      outcome({
        name: NAME,
        description: `A holder of ${tokens(holding)} AITBC (${percent(holding, numbers.totalSupply)} of supply) split across ${k} address${k === 1 ? "" : "es"} votes For a Protocol proposal granting itself the timelock's proposer role.`, // prettier-ignore
        expected:
          "The cap is per address, so splitting counts up to the whole holding; the proposal still cannot be queued without the council's 3-of-5 approval.",
        succeeded: queueRefusal === null || roleGranted,
        asExpected:
          counted === expectedCounted &&
          queueRefusal?.errorName === expectedRefusal &&
          voteState === (quorumReached ? "Succeeded" : "Defeated") &&
          !roleGranted,
        magnitude:
          `k=${k}: counted ${tokens(counted)} of ${tokens(holding)} AITBC (${percent(counted, numbers.totalSupply)} of supply, ` +
          `${tokens(counted / BigInt(k))} per address); quorum ${quorumReached ? "reached alone" : "not reached"}, vote ${voteState}; ` +
          `queue refused with ${queueRefusal?.errorName ?? "nothing (queued!)"}`,
        details: {
          k,
          holding: holding.toString(),
          perAddressHeld: share.toString(),
          perAddressCounted: (counted / BigInt(k)).toString(),
          counted: counted.toString(),
          countedShareOfSupply: Number((counted * 1_000_000n) / numbers.totalSupply) / 1_000_000,
          quorum: numbers.quorum.toString(),
          quorumReached,
          voteState,
          queueRefusal: formatRefusal(queueRefusal),
          roleGranted,
        },
      }),
    );
    await claimBonds(world, [proposal]);
    await funding.collect(sybils);
  }
  await funding.settle();
  return outcomes;
}

/** The `sybil-split` scenario. */
export const sybilSplitScenario: Scenario = {
  name: NAME,
  description: "A 20% holder split across 1, 2, 4, 10 and 40 addresses: counted power against k, and whether its Protocol proposal gets past the council.", // prettier-ignore
  run: runSybilSplit,
};
