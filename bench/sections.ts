/**
 * Every benchmark section, in the order `npm run bench` runs them. The gas-snapshot test
 * (test/gas-snapshots.test.ts) runs the same list, so a new section is guarded as soon as it is
 * added here.
 */
import { benchBatch } from "./batch.js";
import { benchCircuits } from "./circuits.js";
import { benchGovernance } from "./governance.js";
import type { BenchSection } from "./lib.js";
import { benchMarket } from "./market.js";
import { benchPipeline } from "./pipeline.js";
import { benchToken } from "./token.js";
import { benchWallet } from "./wallet.js";
import { benchX402Gas, benchX402Latency } from "./x402.js";

/** A named section producer; each creates its own Hardhat network. */
export interface BenchSectionEntry {
  /** Short name printed while running. */
  name: string;
  /** Produces the section's rows. */
  run: () => Promise<BenchSection>;
  /** False for sections with timing rows only: the gas-snapshot test skips them. Default true. */
  measuresGas?: boolean;
}

export const BENCH_SECTIONS: readonly BenchSectionEntry[] = [
  { name: "token", run: benchToken },
  { name: "governance", run: benchGovernance },
  { name: "wallet", run: benchWallet },
  { name: "market", run: benchMarket },
  { name: "circuits", run: benchCircuits },
  { name: "batch", run: benchBatch },
  { name: "pipeline", run: benchPipeline, measuresGas: false },
  { name: "x402 gas", run: benchX402Gas },
  { name: "x402 latency", run: benchX402Latency, measuresGas: false },
];
