/**
 * `byzantine`: 30% of the agents (drawn with the run's seed) vote adversarially: the opposite of what
 * their role strategy says. The same seed is run a second time on a fresh chain without them, and every
 * proposal's outcome is compared: the attack "succeeds" if any outcome flipped.
 */
import { runGovernance } from "../engine.js";
import { chance } from "../rng.js";
import type { AttackOutcome, Participant, ProposalRecord, Scenario } from "../types.js";
import { createWorld, type SimWorld } from "../world.js";

/** Share of agents that vote adversarially. */
export const BYZANTINE_SHARE = 0.3;

const passed = (r: ProposalRecord) =>
  r.state === "Executed" || r.state === "Succeeded" || r.state === "Queued";

export const byzantine: Scenario = {
  name: "byzantine",
  description: "30% of agents vote adversarially (the opposite of their role strategy); outcomes compared with the same seed without them.", // prettier-ignore
  async run(w) {
    const world = w as SimWorld;
    // The honest run of the same seed, on its own chain.
    const honest = await createWorld({ agents: world.population.length, seed: world.seed, parameters: world.parameters }); // prettier-ignore
    const baseline = await runGovernance(honest);
    const pick = world.rng.fork("byzantine");
    const flagged = world.population.filter((p) => p.kind !== "Human" && chance(pick, BYZANTINE_SHARE));
    for (const p of flagged) (p as Participant).adversarial = true;
    const records = await runGovernance(world);
    const before = new Map(baseline.map((r) => [r.proposalId, r]));
    const flips = records.filter(
      (r) => before.has(r.proposalId) && passed(r) !== passed(before.get(r.proposalId)!),
    );
    const agents = world.population.filter((p) => p.kind !== "Human").length;
    const outcome: AttackOutcome = {
      name: "byzantine",
      description: `${flagged.length} of ${agents} agents (${(BYZANTINE_SHARE * 100).toFixed(0)}% drawn) cast the opposite of their role strategy's vote on every proposal.`, // prettier-ignore
      expected:
        "No proposal's outcome flips: agents hold a minority of counted power and humans decide by their own rule.",
      succeeded: flips.length > 0,
      asExpected: flips.length === 0,
      magnitude: `${flips.length} of ${records.length} outcomes flipped${flips.length > 0 ? `: ${flips.map((r) => r.description).join("; ")}` : ""}`, // prettier-ignore
      details: {
        adversarialAgents: flagged.length,
        agents,
        proposals: records.length,
        flipped: flips.length,
        baselinePassed: baseline.filter(passed).length,
        byzantinePassed: records.filter(passed).length,
      },
    };
    return [outcome];
  },
};
