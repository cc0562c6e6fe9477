/**
 * PNG copies of the report's charts: Chromium (through playwright-core, `scripts/lib/chromium.ts`)
 * loads the HTML with every request other than the page itself refused, waits for the `data-ready`
 * attribute the page sets once Chart.js has drawn every chart (never for a fixed time), and
 * screenshots each chart's `<figure>` (title, caption and canvas).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import type { Browser, Page } from "playwright-core";

import { AitbcError } from "@aitbc/sdk";
import { launchChromium } from "../../chromium.js";

/** The made-up origin the report is served from inside the browser (`.invalid` never resolves). */
export const REPORT_URL = "http://aitbc-report.invalid/report.html";

/** The page reported an error (a script error, or `data-ready="error"`), so its charts are not trustworthy. */
export class ReportPageError extends AitbcError {
  override name = "ReportPageError";
  /** @param errors The page's console errors and uncaught exceptions, in order. */
  constructor(readonly errors: string[]) {
    super("the report page failed to draw its charts", { details: errors.join("; ") });
  }
}

/** Options of {@link renderPngs}. */
export interface RenderPngsParameters {
  /** The report's HTML (from `renderReport`). */
  html: string;
  /** Directory for the PNGs (created when missing). */
  outDir: string;
  /** Chromium binary, default `CHROMIUM_PATH`. */
  chromiumPath?: string;
  /** Viewport width, CSS pixels (default 1200); charts are drawn at twice this resolution. */
  width?: number;
}

/**
 * Opens `html` in `page` at {@link REPORT_URL}, refusing every other request, and waits until the page
 * has drawn its charts. Requests the page tried (and that were refused) are returned.
 *
 * @returns URLs of the requests refused (empty for a self-contained page) and the page's errors.
 * @throws {ReportPageError} when the page sets `data-ready="error"`.
 */
export async function openReport(page: Page, html: string): Promise<{ refused: string[]; errors: string[] }> {
  const refused: string[] = [];
  const errors: string[] = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  await page.route("**/*", async (route) => {
    const url = route.request().url();
    if (url === REPORT_URL)
      return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html });
    refused.push(url);
    return route.abort("blockedbyclient");
  });
  await page.goto(REPORT_URL);
  // A guard against a page that never ends, not a time budget: drawing takes well under a second.
  await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 120_000 });
  const ready = await page.locator("body").getAttribute("data-ready");
  if (ready !== "true") {
    throw new ReportPageError([
      ...errors,
      (await page.locator("body").getAttribute("data-error")) ?? "unknown",
    ]);
  }
  return { refused, errors };
}

/**
 * Renders the report in headless Chromium and writes one PNG per chart, `<outDir>/<chart id>.png`
 * (`participation`, `power`, `attacks`, `latency`, `gas`, as the result has them).
 *
 * @returns The PNG paths, in the page's order.
 * @throws {ChromiumNotFoundError} when Chromium is missing (see `scripts/lib/chromium.ts`).
 * @throws {ReportPageError} when the page logs an error or fails to draw.
 */
export async function renderPngs(parameters: RenderPngsParameters): Promise<string[]> {
  const { html, outDir, chromiumPath, width = 1200 } = parameters;
  const browser: Browser = await launchChromium(
    chromiumPath === undefined ? {} : { executablePath: chromiumPath },
  );
  try {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 2 });
    const { errors } = await openReport(page, html);
    if (errors.length > 0) throw new ReportPageError(errors);
    mkdirSync(outDir, { recursive: true });
    const paths: string[] = [];
    for (const figure of await page.locator("figure[data-chart]").all()) {
      const id = await figure.getAttribute("data-chart");
      const path = join(outDir, `${id}.png`);
      await figure.screenshot({ path, animations: "disabled" });
      paths.push(path);
    }
    return paths;
  } finally {
    await browser.close();
  }
}
