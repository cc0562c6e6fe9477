/**
 * `flash-loan`: one transaction borrows the genesis liquidity share (5% of supply) from an ERC-3156
 * lender, delegates it to itself, and tries to propose, then (on a live proposal) to vote, and repays
 * — the Beanstalk pattern. Measured on the real token and governor: the votes seen inside the loan,
 * the counted power at the loan's timestamp, the refusal of the proposal, the weight of the vote.
 *
 * Mocks: `ERC3156FlashLenderMock` (a stand-in for a pool that lends what it holds, fee 0),
 * `FlashVoteBorrowerMock` (reads raw votes inside the loan) and `FlashGovernanceAttackerMock`
 * (proposes or votes inside the loan), all in contracts/mocks/.
 */
import type { Address } from "viem";

import type { AttackOutcome, Scenario, SimulationWorld } from "../types.js";
import {
  Ballot,
  advance,
  balanceOf,
  claimBonds,
  chainTime,
  closeVoting,
  countedAt,
  formatRefusal,
  governanceNumbers,
  openVoting,
  outcome,
  proposeAs,
  recordAttack,
  refusalOf,
  stateOf,
  tokens,
  treasuryTransfer,
  vestedProposer,
  Funding,
  proposerStake,
} from "./attack-kit.js";

const NAME = "flash-loan";
const DESCRIPTION =
  "One transaction borrows the 5% liquidity share from an ERC-3156 lender, delegates it, proposes or votes, and repays.";
const EXPECTED =
  "Counted power inside and after the loan is 0: the proposal is refused (GovernorInsufficientProposerVotes) and the vote counts 0.";

/** Measures the one-transaction flash-loan attack; returns one {@link AttackOutcome}. */
export async function runFlashLoan(world: SimulationWorld): Promise<AttackOutcome[]> {
  const { ethers } = world.connection;
  const numbers = await governanceNumbers(world);
  // The genesis liquidity share (shared/DESIGN.md: 5% of supply) is what a pool could lend.
  const loan = (numbers.totalSupply * 5n) / 100n;
  const funding = new Funding(world, NAME);
  await funding.require(loan + proposerStake(numbers.threshold) + numbers.bond);
  const proposer = await vestedProposer(world, funding, `${NAME}: proposer`, 1);

  const lender = await ethers.deployContract("ReclaimableFlashLenderMock");
  const lenderAddress = (await lender.getAddress()) as Address;
  await funding.give(lenderAddress, loan, false);
  const governor = world.contracts.OpenClawGovernor!;
  const token = world.contracts.AITBCToken!;
  const attacker = await ethers.deployContract("FlashGovernanceAttackerMock", [governor]);
  const attackerAddress = (await attacker.getAddress()) as Address;
  const reader = await ethers.deployContract("FlashVoteBorrowerMock");
  const treasury = world.contracts.OpenClawTimelock!;
  const treasuryBefore = await balanceOf(world, treasury);

  // 1. Raw votes inside the loan, and counted power at the loan's own timestamp.
  await (await reader.attack(lenderAddress, token, loan)).wait();
  const loanAt = await chainTime(world);
  const votesDuringLoan = await reader.votesDuringLoan();
  await advance(world, 1);
  const countedAtLoan = await countedAt(world, (await reader.getAddress()) as Address, loanAt);

  // 2. Propose inside the loan: the proposer's power is read at clock() − 1, before the loan existed.
  const proposeRefusal = await refusalOf(async () =>
    (await attacker.attackPropose(lenderAddress, token, loan)).wait(),
  );

  // 3. Vote inside the loan on a live proposal that pays the attacker the loaned amount.
  const target = await proposeAs(
    world,
    proposer,
    treasuryTransfer(world, attackerAddress, loan, `${NAME}: pay the flash borrower ${tokens(loan)} AITBC`),
  );
  await openVoting(world, target.proposalId);
  await (await attacker.attackVote(lenderAddress, token, loan, target.proposalId)).wait();
  const countedWeight = await attacker.countedWeight();
  await closeVoting(world, target.proposalId);
  const ballot = new Ballot(target);
  ballot.weights.push(countedWeight);
  const record = await recordAttack(world, ballot, target.actions.description, "Resource", [attackerAddress]);
  const state = await stateOf(world, target.proposalId);

  await claimBonds(world, [target]);
  const lenderAfter = await balanceOf(world, lenderAddress);
  await (await lender.reclaim(token, world.roles.funder)).wait(); // the pool goes back to the funder
  await funding.settle();
  const attackerBalance = await balanceOf(world, attackerAddress);
  const treasuryAfter = await balanceOf(world, treasury);
  const forVotes = BigInt(record.forVotes);
  const proposed = proposeRefusal === null;
  const succeeded = proposed || countedWeight > 0n || forVotes > 0n || treasuryAfter < treasuryBefore;
  const asExpected =
    proposeRefusal?.errorName === "GovernorInsufficientProposerVotes" &&
    proposeRefusal.args[1] === 0n &&
    countedWeight === 0n &&
    countedAtLoan === 0n &&
    lenderAfter === loan &&
    attackerBalance === 0n &&
    state === "Defeated";
  return [
    outcome({
      name: NAME,
      description: DESCRIPTION,
      expected: EXPECTED,
      succeeded,
      asExpected,
      magnitude:
        `borrowed ${tokens(loan)} AITBC (${tokens(votesDuringLoan)} raw votes inside the loan): ` +
        `counted ${tokens(countedAtLoan)} at the loan, vote weight ${tokens(countedWeight)}, ` +
        `propose refused with ${proposeRefusal?.errorName ?? "nothing (proposed!)"}; proposal ${state}`,
      details: {
        borrowed: loan.toString(),
        votesDuringLoan: votesDuringLoan.toString(),
        countedAtLoan: countedAtLoan.toString(),
        proposeRefusal: formatRefusal(proposeRefusal),
        voteWeight: countedWeight.toString(),
        forVotes: forVotes.toString(),
        proposalState: state,
        lenderRepaid: lenderAfter === loan,
        treasuryMoved: (treasuryBefore - treasuryAfter).toString(),
        threshold: numbers.threshold.toString(),
        attacker: attackerAddress,
      },
    }),
  ];
}

/** The `flash-loan` scenario. */
export const flashLoanScenario: Scenario = {
  name: NAME,
  description: DESCRIPTION,
  run: runFlashLoan,
};
