/**
 * Reporting measured performance on-chain: for each provider with figures, the Performance component
 * value of {@link measurePerformance} is written through the reputation registry's oracle role, once per
 * change (an unchanged value is not written again), and every write is recorded in the store.
 */
import type { Address, Hex } from "viem";

import { describeError } from "../watcher/errors.js";
import type { ProviderPerformance } from "./performance.js";
import type { CoordinatorState } from "./state.js";

/**
 * Writes one provider's Performance component (−200…+200) and returns the transaction; the account
 * needs the registry's `ORACLE_ROLE`. Wired to the SDK's oracle action by the program.
 */
export type PerformanceWriter = (provider: Address, value: number) => Promise<Hex>;

/** One report written. */
export interface PerformanceReport {
  provider: Address;
  value: number;
  tx: Hex;
}

/**
 * Writes the values that changed since the last report.
 * @param performances The providers' current figures.
 * @param state Where the reports are recorded (and the last value read).
 * @param write The oracle write.
 * @param log Failures (the registry's custom error) are logged and retried at the next round.
 * @returns The reports written this round.
 * @example
 * ```ts
 * await reportPerformance(coordinator.performance(), state, (p, v) => writeViaSdk(p, v), console.log);
 * ```
 */
export async function reportPerformance(
  performances: readonly ProviderPerformance[],
  state: CoordinatorState,
  write: PerformanceWriter,
  log: (line: string) => void,
): Promise<PerformanceReport[]> {
  const written: PerformanceReport[] = [];
  for (const p of performances) {
    if (p.value === null || state.lastReport(p.provider)?.value === p.value) continue;
    try {
      const tx = await write(p.provider, p.value);
      state.addReport(p.provider, p.value, tx);
      written.push({ provider: p.provider, value: p.value, tx });
    } catch (error) {
      log(`performance report for ${p.provider} failed (${describeError(error)})`);
    }
  }
  return written;
}
