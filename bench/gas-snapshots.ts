/**
 * Gas snapshots (like Uniswap v4's `snapshots/`): the gas of every operation measured by the
 * benchmark sections, committed in `snapshots/gas.json`. The test in test/gas-snapshots.test.ts
 * fails when an operation costs more than {@link GAS_TOLERANCE} above its snapshot, or when an
 * operation has no snapshot; `npm run snapshots:update` rewrites the file in the same change.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { BenchSection } from "./lib.js";
import { BENCH_SECTIONS } from "./sections.js";

/** Allowed rise above a snapshot before the test fails: 1% (issue 9). */
export const GAS_TOLERANCE = 0.01;

/** `snapshots/gas.json` at the repository root. */
export const GAS_SNAPSHOT_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "snapshots", "gas.json");

/** Operation key (`<section title> › <row name>`) → gas. */
export type GasSnapshot = Record<string, number>;

/** The gas rows of `sections`, keyed as in the snapshot file (rows in other units are left out). */
export function gasRows(sections: readonly BenchSection[]): GasSnapshot {
  const rows: GasSnapshot = {};
  for (const section of sections) {
    for (const row of section.rows) {
      if (row.unit === "gas") rows[`${section.title} › ${row.name}`] = row.value;
    }
  }
  return rows;
}

/** Runs every benchmark section and returns its gas rows. */
export async function measureGas(): Promise<GasSnapshot> {
  const sections: BenchSection[] = [];
  for (const entry of BENCH_SECTIONS) if (entry.measuresGas !== false) sections.push(await entry.run());
  return gasRows(sections);
}

/** Reads the committed snapshot (an empty one when the file does not exist). */
export async function readGasSnapshot(file = GAS_SNAPSHOT_FILE): Promise<GasSnapshot> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as GasSnapshot;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/** Writes `snapshot` with sorted keys, one operation per line. */
export async function writeGasSnapshot(snapshot: GasSnapshot, file = GAS_SNAPSHOT_FILE): Promise<void> {
  const sorted = Object.fromEntries(Object.entries(snapshot).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(file, `${JSON.stringify(sorted, null, 2)}\n`);
}

/**
 * Compares measured gas with the snapshot.
 *
 * @returns one line per problem: an operation above snapshot × (1 + tolerance), or one missing
 * from the snapshot; empty when everything is within bounds
 */
export function compareGas(
  measured: GasSnapshot,
  snapshot: GasSnapshot,
  tolerance = GAS_TOLERANCE,
): string[] {
  const problems: string[] = [];
  for (const [key, gas] of Object.entries(measured)) {
    const expected = snapshot[key];
    if (expected === undefined) {
      problems.push(`${key}: ${gas} gas has no snapshot`);
    } else if (gas > expected * (1 + tolerance)) {
      const rise = ((gas / expected - 1) * 100).toFixed(2);
      problems.push(`${key}: ${gas} gas is ${rise}% above the snapshot's ${expected}`);
    }
  }
  return problems;
}
