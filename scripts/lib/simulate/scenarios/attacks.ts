/**
 * The targeted attack scenarios of the governance digital twin (issue 19), in the order the report
 * shows them. Each runs in a {@link SimulationWorld}, reads the numbers it depends on from the chain
 * and returns what it expected and what it measured ({@link AttackOutcome}s); the proposals it makes
 * are recorded with `attack: true`. Funds a scenario hands out are returned to the world's funder at
 * its end (except the flash lender's pool, which stays in the lender), so the scenarios can run one
 * after another in one world.
 *
 * | scenario         | file               | measures                                                                     |
 * | ---------------- | ------------------ | ---------------------------------------------------------------------------- |
 * | `flash-loan`     | `flash-loan.ts`    | votes inside a one-transaction loan, counted power (0), propose/vote refused |
 * | `buy-then-vote`  | `buy-then-vote.ts` | counted share of a purchase at 0 s, 1 h, 12 h, 24 h, 3 d, 7 d, 8 d           |
 * | `sybil-split`    | `sybil-split.ts`   | counted power of a 20% holder split across 1, 2, 4, 10, 40 addresses         |
 * | `malicious-core` | `malicious-core.ts`| disguised and nested core calls: derived type, the council gate              |
 * | `council-silent` | `council-silent.ts`| 1, 2, 3 silent council owners on the real Safe, and the swapOwner recovery   |
 */
import type { Scenario } from "../types.js";
import { buyThenVoteScenario } from "./buy-then-vote.js";
import { councilSilentScenario } from "./council-silent.js";
import { flashLoanScenario } from "./flash-loan.js";
import { maliciousCoreScenario } from "./malicious-core.js";
import { sybilSplitScenario } from "./sybil-split.js";

/** The attack scenarios, by `--scenario` name. */
export const ATTACK_SCENARIOS: Scenario[] = [
  flashLoanScenario,
  buyThenVoteScenario,
  sybilSplitScenario,
  maliciousCoreScenario,
  councilSilentScenario,
];

export {
  buyThenVoteScenario,
  councilSilentScenario,
  flashLoanScenario,
  maliciousCoreScenario,
  sybilSplitScenario,
};
