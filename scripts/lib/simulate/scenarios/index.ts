/**
 * The scenario registry (`--scenario <name>`, `--list`): the population scenarios (normal,
 * byzantine, low-turnout) and the targeted attacks of `scenarios/attacks.ts`.
 */
import type { Scenario } from "../types.js";
import { ATTACK_SCENARIOS } from "./attacks.js";
import { byzantine } from "./byzantine.js";
import { lowTurnout } from "./low-turnout.js";
import { normal } from "./normal.js";

/** Every scenario by name. */
export const SCENARIOS: readonly Scenario[] = [normal, byzantine, lowTurnout, ...ATTACK_SCENARIOS];

/** The scenario named `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
