/**
 * The simulation's output: `result.json`, `report.html` (self-contained, with charts) and a PNG copy
 * of each chart. `scripts/simulate.ts` calls {@link writeReport} once a run (or a what-if comparison)
 * has ended.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { AitbcError } from "@aitbc/sdk";
import { ChromiumNotFoundError } from "../../chromium.js";
import type { SimulationResult, WhatIfResult } from "../types.js";
import { renderReport } from "./html.js";
import { renderPngs } from "./png.js";

export { renderReport, escapeHtml, formatMetric, formatDuration } from "./html.js";
export { chartsFor, type ChartId, type ChartSpec } from "./charts.js";
export { renderPngs, openReport, REPORT_URL, ReportPageError } from "./png.js";

/** Paths {@link writeReport} wrote. */
export interface WriteReportReturnType {
  /** `<outDir>/result.json`. */
  json: string;
  /** `<outDir>/report.html`. */
  html: string;
  /** `<outDir>/<chart id>.png`, one per chart. */
  pngs: string[];
}

/** Options of {@link writeReport}. */
export interface WriteReportParameters {
  /** Chromium binary for the PNGs, default `CHROMIUM_PATH` (env `CHROMIUM_PATH` or /usr/bin/chromium). */
  chromiumPath?: string;
}

/**
 * The JSON and the HTML were written, the PNG copies were not (Chromium is missing, did not start,
 * or the page failed). `shortMessage` is the one line a CLI prints, e.g.
 * `PNG copies not written (Chromium not found at /usr/bin/chromium: install it with "apt-get install chromium" or set CHROMIUM_PATH); result.json and report.html are in reports/sim`.
 * `cause` is the underlying error.
 */
export class ReportPngsNotWrittenError extends AitbcError {
  override name = "ReportPngsNotWrittenError";

  /**
   * @param written What was written (its `pngs` is empty).
   * @param outDir The output directory.
   * @param cause Why the PNGs were not written (a `ChromiumNotFoundError`, `ChromiumLaunchError`, `ReportPageError`, ...).
   */
  constructor(
    readonly written: WriteReportReturnType,
    outDir: string,
    cause: unknown,
  ) {
    const why = cause instanceof AitbcError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause); // prettier-ignore
    super(`PNG copies not written (${why.split("\n")[0]}); result.json and report.html are in ${outDir}`, {
      cause,
      details:
        cause instanceof ChromiumNotFoundError
          ? `run "apt-get install chromium" (or point CHROMIUM_PATH at a Chromium binary), then run again`
          : undefined,
    });
  }
}

/**
 * `JSON.stringify` with bigints as decimal strings (the result format keeps wei as strings; a bigint
 * that slipped in is written the same way), two-space indented, with a final newline.
 */
export function stringifyResult(result: SimulationResult | WhatIfResult): string {
  return `${JSON.stringify(result, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2)}\n`; // prettier-ignore
}

/**
 * Writes `result.json`, `report.html` and the PNG copies of the report's charts into `outDir`
 * (created when missing). The JSON and the HTML are written first, so they exist whatever happens to
 * the PNGs.
 *
 * @param result The run's result or a what-if comparison.
 * @param outDir Output directory.
 * @param parameters `chromiumPath` for the PNGs.
 * @returns The paths written.
 * @throws {ReportPngsNotWrittenError} when the PNGs could not be made (JSON and HTML are written;
 *   `error.written` has their paths, `error.shortMessage` is one line saying how to get the PNGs).
 *
 * @example
 * ```ts
 * try {
 *   const { html, pngs } = await writeReport(result, "reports/simulate");
 *   console.log(`report: ${html} (${pngs.length} PNGs)`);
 * } catch (error) {
 *   if (!(error instanceof ReportPngsNotWrittenError)) throw error;
 *   console.error(error.shortMessage);
 * }
 * ```
 */
export async function writeReport(
  result: SimulationResult | WhatIfResult,
  outDir: string,
  parameters: WriteReportParameters = {},
): Promise<WriteReportReturnType> {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, "result.json");
  const htmlPath = join(outDir, "report.html");
  writeFileSync(json, stringifyResult(result));
  const html = renderReport(result);
  writeFileSync(htmlPath, html);
  try {
    const pngs = await renderPngs({ html, outDir, chromiumPath: parameters.chromiumPath });
    return { json, html: htmlPath, pngs };
  } catch (error) {
    throw new ReportPngsNotWrittenError({ json, html: htmlPath, pngs: [] }, outDir, error);
  }
}
