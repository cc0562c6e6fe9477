/**
 * The twin's measures, computed from the records alone (pure functions, no chain access):
 * - the seed's success metrics (seed 000): mean participation over the population's proposals > 30%,
 *   proposal success (share of the population's proposals executed) > 60%, 0 successful flash-loan
 *   manipulations (attack outcomes whose name contains "flash" and that succeeded);
 * - concentration of voting power: the Gini coefficient and the Nakamoto coefficient (fewest holders
 *   whose power together exceeds 50%), over the participants that hold voting power (> 0).
 */
import type { AttackOutcome, ProposalRecord, SuccessMetric } from "./types.js";

/** Targets of the seed's success metrics. */
export const TARGETS = { participation: 0.3, proposalSuccess: 0.6, flashLoanManipulations: 0 } as const;

/**
 * Gini coefficient of non-negative amounts (0 = equal, → 1 = one holds all); 0 for an empty or all-zero list.
 * Zeros are dropped first (only holders of power are counted).
 */
export function gini(amounts: readonly bigint[]): number {
  const xs = amounts
    .filter((a) => a > 0n)
    .map(Number)
    .sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((s, x) => s + x, 0);
  if (n === 0 || total === 0) return 0;
  // G = (2 Σ i·x_i) / (n Σ x) − (n + 1) / n, with i = 1..n over ascending x.
  const weighted = xs.reduce((s, x, i) => s + (i + 1) * x, 0);
  return Math.round(((2 * weighted) / (n * total) - (n + 1) / n) * 1e6) / 1e6;
}

/** Nakamoto coefficient: fewest holders whose amounts together exceed half the total; 0 for an all-zero list. */
export function nakamoto(amounts: readonly bigint[]): number {
  const xs = amounts.filter((a) => a > 0n).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const total = xs.reduce((s, x) => s + x, 0n);
  if (total === 0n) return 0;
  let sum = 0n;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i]!;
    if (sum * 2n > total) return i + 1;
  }
  return xs.length;
}

/**
 * The seed's three success metrics from a run's records and attack outcomes. Attack proposals
 * (`attack: true`) are left out of participation and success: they measure the population's governance.
 * Without a population proposal (the attack scenarios) those two are not measured: `measured` and `met`
 * are `null`.
 */
export function successMetrics(
  records: readonly ProposalRecord[],
  attacks: readonly AttackOutcome[],
): SuccessMetric[] {
  const own = records.filter((r) => !r.attack);
  const participation = own.length === 0 ? null : own.reduce((s, r) => s + r.participation, 0) / own.length;
  const success = own.length === 0 ? null : own.filter((r) => r.state === "Executed").length / own.length;
  const flash = attacks.filter((a) => a.name.includes("flash") && a.succeeded).length;
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return [
    {
      name: "participation",
      target: "> 30%",
      measured: participation === null ? null : round(participation),
      met: participation === null ? null : participation > TARGETS.participation,
    },
    {
      name: "proposalSuccess",
      target: "> 60%",
      measured: success === null ? null : round(success),
      met: success === null ? null : success > TARGETS.proposalSuccess,
    },
    {
      name: "flashLoanManipulations",
      target: "= 0",
      measured: flash,
      met: flash === TARGETS.flashLoanManipulations,
    },
  ];
}
