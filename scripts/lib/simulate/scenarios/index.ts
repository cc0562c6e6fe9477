/**
 * The scenario registry (`--scenario <name>`, `--list`). The attack scenarios of
 * `scenarios/attacks.ts` (`ATTACK_SCENARIOS`) join it at merge.
 */
import type { Scenario } from "../types.js";
import { byzantine } from "./byzantine.js";
import { lowTurnout } from "./low-turnout.js";
import { normal } from "./normal.js";

/** Every scenario by name. */
export const SCENARIOS: readonly Scenario[] = [normal, byzantine, lowTurnout];

/** The scenario named `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
