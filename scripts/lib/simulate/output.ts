/**
 * Writes a run's result: the JSON (`result.json` in the output folder). Stands in for the report
 * writer of `report/*.ts` (JSON, self-contained HTML with charts, PNG copies), which takes the same
 * arguments and returns the same shape; the CLI calls whichever {@link ReportWriter} it is given.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { SimulationResult, WhatIfResult } from "./types.js";

/** Files a report writer produced (absolute or relative paths; `html` empty when none). */
export interface WrittenReport {
  json: string;
  html: string;
  pngs: string[];
}

/** What the CLI calls to write the output. */
export type ReportWriter = (
  result: SimulationResult | WhatIfResult,
  outDir: string,
) => Promise<WrittenReport>;

/** JSON with bigints as decimal strings. */
export function resultJson(result: SimulationResult | WhatIfResult): string {
  return `${JSON.stringify(result, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

/** Writes `<outDir>/result.json` only. */
export const writeJsonReport: ReportWriter = async (result, outDir) => {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, "result.json");
  await writeFile(json, resultJson(result));
  return { json, html: "", pngs: [] };
};
