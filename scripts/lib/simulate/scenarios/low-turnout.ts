/**
 * `low-turnout`: an attacker holding just the proposal threshold (100 AITBC counted, plus the 1,000 AITBC
 * bond) proposes a treasury drain (100,000,000 AITBC, a quarter of the treasury) in a quiet week, when
 * turnout is a tenth of normal. Measured: did it pass the vote, by how much it was short of (or over)
 * quorum, and what the council and the timelock did with it (the council does not approve it, so it
 * cannot be queued). Nobody challenged it: the challenge period passed unwatched.
 */
import { runGovernance } from "../engine.js";
import { treasuryDrain } from "../proposals.js";
import type { AttackOutcome, Scenario } from "../types.js";
import type { SimWorld } from "../world.js";
import { delegate } from "@aitbc/sdk";

const AITBC = 10n ** 18n;
/** The quiet week's turnout, as a share of each participant's normal turnout. */
export const QUIET_TURNOUT = 0.1;
/** The drain: 100,000,000 AITBC. */
export const DRAIN = 100_000_000n * AITBC;

export const lowTurnout: Scenario = {
  name: "low-turnout",
  description: "An attacker with just the proposal threshold proposes a 100,000,000 AITBC treasury drain in a quiet week (turnout ×0.1).", // prettier-ignore
  async run(w) {
    const world = w as SimWorld;
    const attacker = await world.account("low-turnout-attacker");
    await world.fund(attacker, world.parameters.proposalThreshold + 1_000n * AITBC);
    await delegate(world.clients.walletFor(attacker), { contracts: world.contracts, delegatee: attacker });
    await world.clock.advanceTo(world.clock.now + 8 * 86_400); // the attacker's power vests (7-day average)
    const drain = treasuryDrain(world.contracts, attacker, DRAIN, "low-turnout");
    const records = await runGovernance(world, {
      extra: [{ week: 0, proposal: { ...drain, offset: 4 * 86_400 } }],
      turnoutFactor: (_p, week) => (week === 0 ? QUIET_TURNOUT : 1),
    });
    const r = records.find((x) => x.attack)!;
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
    return [outcome];
  },
};
