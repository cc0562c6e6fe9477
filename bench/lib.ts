/**
 * Shapes shared by the benchmark sections. `npm run bench` (bench/run.ts) runs every section in
 * one process and one Hardhat network, then writes bench/results.json and bench/RESULTS.md.
 */

/** One measured figure. */
export interface BenchRow {
  /** What was measured, e.g. "transfer between two delegated holders". */
  name: string;
  /** The measured value (a median where several runs were taken). */
  value: number;
  /** Unit: "gas", "ms", "s", "constraints", "jobs/min", ... */
  unit: string;
  /** The anchor measured in the same run (e.g. plain OpenZeppelin ERC20Votes), if any. */
  anchor?: { name: string; value: number };
  /** A target from an issue or the design, with its comparison. */
  target?: { value: number; comparison: "<=" | ">=" };
  /** Spread for timings: [min, max] over the runs. */
  spread?: [number, number];
  /** How many runs the value is the median of. */
  runs?: number;
  /** Anything a reader needs to interpret the figure. */
  note?: string;
}

/** A titled group of figures produced by one bench module. */
export interface BenchSection {
  title: string;
  rows: BenchRow[];
}

/** Median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
