/**
 * A provider's measured performance, from what the coordinator itself observed and stored: the watcher's
 * re-executions (matches, mismatches, withheld data) and the probes of the provider's endpoint
 * (availability, round-trip latency of `GET /health`). And the value it reports to the reputation
 * registry's Performance component (−200…+200).
 */
import type { Address } from "viem";

import type { StoredCheck } from "../watcher/state.js";
import type { ProbeRow } from "./state.js";

/** Bounds of the reputation registry's Performance component. */
export const PERFORMANCE_BOUND = 200;

/** One provider's measured performance. */
export interface ProviderPerformance {
  provider: Address;
  /** Sampled jobs re-executed or found withheld. */
  checks: number;
  matches: number;
  mismatches: number;
  withheld: number;
  /** Disputes this coordinator filed against it. */
  disputes: number;
  probes: number;
  /** Share of probes answered `ok` (0–1), null without probes. */
  availability: number | null;
  /** Median round trip of the answered probes, ms; null without any. */
  medianLatencyMs: number | null;
  /** Free job slots at the last answered probe. */
  capacity: number;
  /** The Performance component value these figures give (−200…+200), null without any figure. */
  value: number | null;
}

/** The median of `xs` (undefined for none). */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The Performance value: availability scaled to ±100 (all probes ok: +100, none: −100) plus correctness
 * scaled to ±100 (no fault among the checked jobs: +100; all faulty: −100); a missing figure counts 0.
 * @example
 * ```ts
 * performanceValue({ availability: 1, checked: 4, faults: 1 }); // 100 + 50 = 150
 * ```
 */
export function performanceValue(f: {
  availability: number | null;
  checked: number;
  faults: number;
}): number | null {
  if (f.availability === null && f.checked === 0) return null;
  const availability = f.availability === null ? 0 : Math.round(100 * (2 * f.availability - 1));
  const correctness = f.checked === 0 ? 0 : Math.round(100 * (1 - (2 * f.faults) / f.checked));
  return Math.max(-PERFORMANCE_BOUND, Math.min(PERFORMANCE_BOUND, availability + correctness));
}

/**
 * Sums one provider's checks and probes.
 * @param provider The provider.
 * @param checks Its stored checks (any outcome; only "match", "mismatch", "withheld" count).
 * @param probes Its stored probes.
 */
export function measurePerformance(
  provider: Address,
  checks: readonly StoredCheck[],
  probes: readonly ProbeRow[],
): ProviderPerformance {
  const count = (o: string) => checks.filter((c) => c.outcome === o).length;
  const [matches, mismatches, withheld] = [count("match"), count("mismatch"), count("withheld")];
  const answered = probes.filter((p) => p.ok);
  const availability = probes.length === 0 ? null : answered.length / probes.length;
  const last = probes.at(-1);
  return {
    provider,
    checks: matches + mismatches + withheld,
    matches,
    mismatches,
    withheld,
    disputes: checks.filter((c) => c.dispute !== undefined).length,
    probes: probes.length,
    availability,
    medianLatencyMs: median(answered.map((p) => p.latencyMs)) ?? null,
    capacity: last?.ok ? last.capacity : 0,
    value: performanceValue({
      availability,
      checked: matches + mismatches + withheld,
      faults: mismatches + withheld,
    }),
  };
}
