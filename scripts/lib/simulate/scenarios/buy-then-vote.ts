/**
 * `buy-then-vote`: a buyer receives the largest purchase the cap does not cut (one cap's worth, 5% of
 * supply in the design) and votes For a proposal whose snapshot is 0 s, 1 h, 12 h, 24 h, 3 d, 7 d and
 * 8 d after the purchase. Measured: the `VoteCast` weight of each vote as a share of what was bought —
 * the curve the averaging windows draw (counted = min(votes, short average, long average, cap)).
 *
 * The delay-0 proposal is created in the same block as the purchase (automine off for that block): a
 * proposal cannot be created earlier than the purchase and still count it.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";

import {
  approveToken,
  getVotingPower,
  openClawGovernorAbi,
  aitbcTokenAbi,
  VoteSupport,
  getProposalId,
} from "@aitbc/sdk";

import type { AttackOutcome, Scenario, SimulationWorld } from "../types.js";
import {
  Ballot,
  advanceTo,
  claimBonds,
  closeVoting,
  delegatedAccount,
  governanceNumbers,
  outcome,
  percent,
  proposeAs,
  recordAttack,
  stateOf,
  tokens,
  treasuryTransfer,
  vestedProposer,
  Funding,
  proposerStake,
  type CreatedProposal,
} from "./attack-kit.js";

const NAME = "buy-then-vote";

/** Delays between the purchase and the proposal's snapshot, seconds: 0 s, 1 h, 12 h, 24 h, 3 d, 7 d, 8 d. */
export const BUY_DELAYS = [0, 3_600, 43_200, 86_400, 259_200, 604_800, 691_200] as const;

/** `3600` → `"1 h"`, `259200` → `"3 d"`. */
function label(seconds: number): string {
  if (seconds === 0) return "0 s";
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600} h`;
  return `${seconds} s`;
}

/**
 * What the design says a purchase of `bought` held for `delay` seconds counts (one checkpoint, floor
 * divisions as in `TimeWeightedVotes`): min(bought, bought × min(d, S) / S, bought × min(d, L) / L, cap).
 */
export function expectedCounted(bought: bigint, delay: number, short: number, long: number, cap: bigint) {
  const average = (window: number) => (bought * BigInt(Math.min(delay, window))) / BigInt(window);
  const values = [bought, average(short), average(long), cap];
  return values.reduce((a, b) => (b < a ? b : a));
}

/** Measures buy-then-vote at each of {@link BUY_DELAYS}; one {@link AttackOutcome} per delay. */
export async function runBuyThenVote(world: SimulationWorld): Promise<AttackOutcome[]> {
  const { networkHelpers, provider } = world.connection;
  const { contracts } = world;
  const numbers = await governanceNumbers(world);
  const bought = numbers.cap;
  const bonds = BigInt(BUY_DELAYS.length);
  const funding = new Funding(world, NAME);
  await funding.require(bought + proposerStake(numbers.threshold) + numbers.bond * bonds);
  const proposer = await vestedProposer(world, funding, `${NAME}: proposer`, BUY_DELAYS.length);
  await approveToken(world.clients.walletFor(proposer), {
    contracts,
    to: contracts.ProposalBondEscrow!,
    amount: numbers.bond * bonds,
  });
  const buyer = await delegatedAccount(world, funding, `${NAME}: buyer`, 0n);
  // The market the buyer buys from: an account holding the purchase (funded through `funding`).
  const market = await world.account(`${NAME}: market`);
  await funding.give(market, bought);
  const actionsFor = (delay: number) =>
    treasuryTransfer(world, buyer, 1_000_000n * 10n ** 18n, `${NAME}: grant to a holder who bought ${label(delay)} before`); // prettier-ignore

  // Delay 0: the purchase and the proposal in one block.
  const first = actionsFor(0);
  const derived = await world.clients.publicClient.readContract({
    address: contracts.OpenClawGovernor!,
    abi: openClawGovernorAbi,
    functionName: "deriveProposalType",
    args: [first.targets, first.values, first.calldatas],
  });
  await provider.request({ method: "evm_setAutomine", params: [false] });
  let hashes: Hex[];
  try {
    const send = (from: Address, to: Address, data: Hex) =>
      provider.request({ method: "eth_sendTransaction", params: [{ from, to, data, gas: "0x4c4b40" }] }) as Promise<Hex>; // prettier-ignore
    hashes = [
      await send(market, contracts.AITBCToken!, encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [buyer, bought] })), // prettier-ignore
      await send(proposer, contracts.OpenClawGovernor!, encodeFunctionData({ abi: openClawGovernorAbi, functionName: "proposeTyped", args: [first.targets, first.values, first.calldatas, first.description, derived] })), // prettier-ignore
    ];
    await networkHelpers.mine();
  } finally {
    await provider.request({ method: "evm_setAutomine", params: [true] });
  }
  const receipts = await Promise.all(hashes.map((hash) => world.clients.publicClient.getTransactionReceipt({ hash }))); // prettier-ignore
  if (receipts.some((r) => r.status !== "success") || receipts[0]!.blockNumber !== receipts[1]!.blockNumber) {
    throw new Error(`${NAME}: the purchase and the delay-0 proposal did not both succeed in one block`);
  }
  const boughtAt = Number((await world.clients.publicClient.getBlock({ blockNumber: receipts[0]!.blockNumber })).timestamp); // prettier-ignore
  await networkHelpers.mine();
  const created: { delay: number; proposal: CreatedProposal; ballot?: Ballot }[] = [
    {
      delay: 0,
      proposal: {
        proposalId: getProposalId(first),
        createdAt: BigInt(boughtAt),
        actions: first,
        proposer,
        critical: true,
      },
    },
  ];

  // The other delays, in time order; each vote is cast as soon as its proposal's voting opens.
  const votes: { at: number; index: number }[] = [];
  const voteStart = async (id: bigint) =>
    Number(await world.clients.publicClient.readContract({ address: contracts.OpenClawGovernor!, abi: openClawGovernorAbi, functionName: "proposalVoteStart", args: [id] })) + 1; // prettier-ignore
  votes.push({ at: await voteStart(created[0]!.proposal.proposalId), index: 0 });
  const castDue = async (until: number) => {
    votes.sort((a, b) => a.at - b.at);
    while (votes.length > 0 && votes[0]!.at < until) {
      const { at, index } = votes.shift()!;
      await advanceTo(world, at);
      const entry = created[index]!;
      entry.ballot = new Ballot(entry.proposal);
      await entry.ballot.cast(world, buyer, VoteSupport.For);
    }
  };
  for (const delay of BUY_DELAYS.slice(1)) {
    await castDue(boughtAt + delay);
    await networkHelpers.time.setNextBlockTimestamp(boughtAt + delay);
    const proposal = await proposeAs(world, proposer, actionsFor(delay));
    if (Number(proposal.createdAt) !== boughtAt + delay)
      throw new Error(`${NAME}: snapshot not at delay ${delay}`);
    created.push({ delay, proposal });
    votes.push({ at: await voteStart(proposal.proposalId), index: created.length - 1 });
  }
  await castDue(Number.MAX_SAFE_INTEGER);
  await closeVoting(world, created.at(-1)!.proposal.proposalId);

  const outcomes: AttackOutcome[] = [];
  const { shortWindow: short, longWindow: long } = numbers;
  for (const { delay, proposal, ballot } of created) {
    const weight = ballot!.weights[0]!;
    const breakdown = await getVotingPower(world.clients.publicClient, { contracts, account: buyer, timepoint: proposal.createdAt }); // prettier-ignore
    await recordAttack(world, ballot!, proposal.actions.description, "Resource", [buyer]);
    const expected = expectedCounted(bought, delay, short, long, breakdown.cap);
    const state = await stateOf(world, proposal.proposalId);
    outcomes.push(
      outcome({
        name: NAME,
        description: `Receives ${tokens(bought)} AITBC ${label(delay)} before a proposal's snapshot and votes For it.`,
        expected: `Counts ${percent(expected, bought)} of the purchase: new votes vest linearly over the ${label(long)} window (counted = min(votes, ${label(short)} average, ${label(long)} average, cap)).`, // prettier-ignore
        // The attack is to count bought tokens before they have vested.
        succeeded: weight > expected,
        asExpected: weight === expected && weight === breakdown.power,
        magnitude: `${tokens(weight)} of ${tokens(bought)} AITBC counted (${percent(weight, bought)}) after ${label(delay)}; proposal ${state}`, // prettier-ignore
        details: {
          delaySeconds: delay,
          bought: bought.toString(),
          counted: weight.toString(),
          share: Number((weight * 1_000_000n) / bought) / 1_000_000,
          votes: breakdown.votes.toString(),
          shortAverage: breakdown.average24h.toString(),
          longAverage: breakdown.vested.toString(),
          cap: breakdown.cap.toString(),
          proposalState: state,
        },
      }),
    );
  }
  await claimBonds(
    world,
    created.map((c) => c.proposal),
  );
  await funding.settle([buyer]);
  return outcomes;
}

/** The `buy-then-vote` scenario. */
export const buyThenVoteScenario: Scenario = {
  name: NAME,
  description: "Tokens received at several delays before a proposal's snapshot (0 s to 8 d), then voted: the counted share per delay.", // prettier-ignore
  run: runBuyThenVote,
};
