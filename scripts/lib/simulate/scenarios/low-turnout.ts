/**
 * `low-turnout`: an attacker holding just the proposal threshold (100 AITBC counted, plus the 1,000 AITBC
 * bond) proposes a treasury drain (100,000,000 AITBC, a quarter of the treasury) in a quiet week, when
 * turnout is a tenth of normal. Measured: did it pass the vote, by how much it was short of (or over)
 * quorum, and what the council and the timelock did with it (the council does not approve it, so it
 * cannot be queued). Nobody challenged it: the challenge period passed unwatched.
 *
 * `low-turnout-challenged`: the same drain a week later, this time watched: a watcher challenges it an
 * hour after creation and the council upholds the challenge through the Safe a day later. Measured: its
 * state, whether a vote was cast on it, and the proposer's bond slashed to the treasury
 * (`ProposalBondSlashed`).
 */
import { runGovernance } from "../engine.js";
import { treasuryDrain } from "../proposals.js";
import type { AttackOutcome, Scenario } from "../types.js";
import type { SimWorld } from "../world.js";
import { delegate, proposalBondEscrowAbi } from "@aitbc/sdk";

const AITBC = 10n ** 18n;
/** The quiet week's turnout, as a share of each participant's normal turnout. */
export const QUIET_TURNOUT = 0.1;
/** The drain: 100,000,000 AITBC. */
export const DRAIN = 100_000_000n * AITBC;

export const lowTurnout: Scenario = {
  name: "low-turnout",
  description: "An attacker with just the proposal threshold proposes a 100,000,000 AITBC treasury drain in a quiet week (turnout ×0.1); a week later the same drain, challenged by a watcher.", // prettier-ignore
  async run(w) {
    const world = w as SimWorld;
    const attacker = await world.account("low-turnout-attacker");
    const bond = await world.clients.publicClient.readContract({ address: world.contracts.ProposalBondEscrow!, abi: proposalBondEscrowAbi, functionName: "proposalBond" }); // prettier-ignore
    await world.fund(attacker, world.parameters.proposalThreshold + 2n * bond); // the threshold and two bonds
    await delegate(world.clients.walletFor(attacker), { contracts: world.contracts, delegatee: attacker });
    await world.clock.advanceTo(world.clock.now + 8 * 86_400); // the attacker's power vests (7-day average)
    const drain = treasuryDrain(world.contracts, attacker, DRAIN, "low-turnout");
    const watched = treasuryDrain(world.contracts, attacker, DRAIN, "low-turnout-challenged");
    const records = await runGovernance(world, {
      extra: [
        { week: 0, proposal: { ...drain, offset: 4 * 86_400 } },
        { week: 1, proposal: { ...watched, offset: 4 * 86_400, challenge: { uphold: true } } },
      ],
      turnoutFactor: (_p, week) => (week === 0 ? QUIET_TURNOUT : 1),
    });
    const r = records.find((x) => x.attack && x.description === drain.actions.description)!;
    const support = BigInt(r.forVotes) + BigInt(r.abstainVotes);
    const quorum = BigInt(r.quorum);
    const passedVote = r.state === "Succeeded" || r.state === "Queued" || r.state === "Executed";
    const gap = support - quorum;
    const outcome: AttackOutcome = {
      name: "low-turnout",
      description: "An attacker with just the proposal threshold proposes a 100,000,000 AITBC treasury drain in a quiet week.", // prettier-ignore
      expected: "The drain does not execute: it misses quorum or is voted down, and the council would not approve it anyway.", // prettier-ignore
      succeeded: r.state === "Executed",
      asExpected: r.state !== "Executed",
      magnitude: `${passedVote ? "passed the vote" : `ended ${r.state}`}; For+Abstain ${(support / AITBC).toString()} AITBC vs quorum ${(quorum / AITBC).toString()} AITBC (${gap >= 0n ? "over" : "short"} by ${((gap < 0n ? -gap : gap) / AITBC).toString()}); against ${(BigInt(r.againstVotes) / AITBC).toString()} AITBC; council approved: ${r.councilApproved === true ? "yes" : "no"}; executed: ${r.state === "Executed" ? "yes" : "no"}`, // prettier-ignore
      details: {
        state: r.state,
        forVotes: r.forVotes,
        againstVotes: r.againstVotes,
        abstainVotes: r.abstainVotes,
        quorum: r.quorum,
        quorumGap: gap.toString(),
        voters: r.voters,
        participation: r.participation,
        councilApproved: r.councilApproved === true,
        challenged: r.challenged,
        drained: r.state === "Executed" ? DRAIN.toString() : "0",
      },
    };
    const c = records.find((x) => x.attack && x.description === watched.actions.description)!;
    const slashed = await world.clients.publicClient.getContractEvents({ address: world.contracts.ProposalBondEscrow!, abi: proposalBondEscrowAbi, eventName: "ProposalBondSlashed", args: { proposalId: BigInt(c.proposalId) }, fromBlock: 0n }); // prettier-ignore
    const slashedAmount = slashed.reduce((sum, e) => sum + (e.args.amount ?? 0n), 0n);
    const challenged: AttackOutcome = {
      name: "low-turnout-challenged",
      description: "The same drain a week later, watched: a watcher challenges it in the 48 h challenge period and the council upholds the challenge.", // prettier-ignore
      expected: "Struck down before voting opens: Canceled, no vote cast, the proposer's bond slashed to the treasury.", // prettier-ignore
      succeeded: c.state === "Executed",
      asExpected: c.state === "Canceled" && c.voters === 0 && slashedAmount > 0n,
      magnitude: `ended ${c.state}${c.challenged ? " after a challenge" : ""}; votes cast ${c.voters}; bond slashed ${(slashedAmount / AITBC).toString()} AITBC; executed: ${c.state === "Executed" ? "yes" : "no"}`, // prettier-ignore
      details: {
        state: c.state,
        challenged: c.challenged,
        voters: c.voters,
        bondSlashed: slashedAmount.toString(),
        drained: c.state === "Executed" ? DRAIN.toString() : "0",
      },
    };
    return [outcome, challenged];
  },
};
