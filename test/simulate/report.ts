/// <reference lib="dom" />
/**
 * The simulation's HTML report and its PNG copies (scripts/lib/simulate/report/*), on hand-made
 * results (test/simulate/fixtures/report-sample.ts): the page is one self-contained file that loads
 * nothing (every request is routed and recorded), draws its charts in Chromium with no console error,
 * shows the sample's numbers against the seed's targets, shows `<script>` in the data as text, and a
 * what-if page has one series per run. `writeReport` writes result.json, report.html and PNGs; without
 * Chromium it still writes the JSON and the HTML and says in one line how to get the PNGs.
 * Screenshots and the written reports go to reports/test-artifacts/simulate-report/ (gitignored).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";
import type { Chart } from "chart.js";
import type { Browser, Page } from "playwright-core";

import {
  ChromiumNotFoundError,
  ensureChromium,
  launchChromium,
  CHROMIUM_INSTALL_COMMAND,
} from "../../scripts/lib/chromium.js";
import {
  openReport,
  renderReport,
  REPORT_URL,
  ReportPageError,
  ReportPngsNotWrittenError,
  stringifyResult,
  writeReport,
} from "../../scripts/lib/simulate/report/index.js";
import type { SimulationResult } from "../../scripts/lib/simulate/types.js";
import {
  SAMPLE_SIMULATION,
  SAMPLE_WHAT_IF,
  SCRIPT_ATTACK_NAME,
  SCRIPT_DESCRIPTION,
} from "./fixtures/report-sample.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, "reports", "test-artifacts", "simulate-report");
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHART_IDS = ["participation", "power", "attacks", "latency", "gas"];

/** What a loaded page did: every request it made, its console errors and uncaught exceptions. */
interface Loaded {
  page: Page;
  requests: string[];
  errors: string[];
}

/**
 * Opens `html` in a fresh page. Every request the page makes is recorded; only the report's own URL
 * is answered (with `html`), anything else is aborted — so `requests` beyond the first is a leak.
 */
async function load(browser: Browser, html: string, width = 1200): Promise<Loaded> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  await page.route("**/*", (route) =>
    route.request().url() === REPORT_URL
      ? route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html })
      : route.abort(),
  );
  await page.goto(REPORT_URL);
  await page.waitForSelector("body[data-ready]", { state: "attached" });
  return { page, requests, errors };
}

/** Per chart: its id, how many datasets Chart.js drew, their labels, and the share of painted pixels. */
function readCharts(page: Page) {
  return page.evaluate(() => {
    const ChartJs = (window as unknown as { Chart: typeof Chart }).Chart;
    return Array.from(document.querySelectorAll<HTMLCanvasElement>("figure[data-chart] canvas")).map(
      (canvas) => {
        const chart = ChartJs.getChart(canvas)!;
        const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted += 1;
        return {
          id: canvas.closest("figure")!.dataset.chart!,
          datasets: chart.data.datasets.length,
          labels: chart.data.datasets.map((d) => String(d.label)),
          painted: painted / (canvas.width * canvas.height),
        };
      },
    );
  });
}

const cells = (page: Page, metric: string) =>
  page.locator(`#metrics-table tr[data-metric="${metric}"] td`).allInnerTexts();

describe("simulation report: HTML with charts and PNG copies", function () {
  let browser: Browser;

  before(async () => {
    ensureChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it("is one self-contained, deterministic file that escapes what comes from the result", () => {
    const html = renderReport(SAMPLE_SIMULATION);
    expect(renderReport(SAMPLE_SIMULATION)).to.equal(html);
    // No external resource of any kind; Chart.js 4 itself is inlined.
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, "<script></script>");
    expect(markup).not.to.match(/<script[^>]+src=/i);
    expect(markup).not.to.match(/<link[^>]+href="(?!data:)/i);
    expect(markup).not.to.match(/\s(src|href|action)="(https?:)?\/\//i);
    expect(html).to.include("Chart.js v4.6.1");
    expect(html).not.to.include("sourceMappingURL");
    expect(html).to.include(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-`); // prettier-ignore
    // The data's <script> is text, never markup; the inlined JSON cannot end its element.
    expect(html).not.to.include("<script>window.__pwned");
    expect(html).to.include("Raise the grant cap &lt;script&gt;window.__pwned = 1&lt;/script&gt; &amp; &quot;quotes&quot;"); // prettier-ignore
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(json).not.to.match(/[<>&]/);
    const data = JSON.parse(json) as { charts: { id: string; config: { data: { labels: string[][] } } }[] };
    expect(data.charts.map((c) => c.id)).to.deep.equal(CHART_IDS);
    expect(data.charts[2]!.config.data.labels[1]![0]).to.equal(SCRIPT_ATTACK_NAME.slice(0, 39) + "…");
    // Exactly three scripts: the data, Chart.js, the boot script.
    expect(html.match(/<script[\s>]/g)).to.have.length(3);
  });

  it("draws every chart in Chromium with no request, no console error, and the sample's numbers", async () => {
    const { page, requests, errors } = await load(browser, renderReport(SAMPLE_SIMULATION));
    try {
      expect(requests).to.deep.equal([REPORT_URL]);
      expect(errors).to.deep.equal([]);
      expect(await page.locator("body").getAttribute("data-ready")).to.equal("true");

      const charts = await readCharts(page);
      expect(charts.map((c) => c.id)).to.deep.equal(CHART_IDS);
      expect(charts.map((c) => c.datasets)).to.deep.equal([2, 2, 2, 1, 1]);
      for (const chart of charts) expect(chart.painted, chart.id).to.be.greaterThan(0.01);
      expect(charts[1]!.labels).to.deep.equal(["raw (getVotes)", "counted"]);

      // The seed's metrics against their targets.
      expect(await cells(page, "participation")).to.deep.equal(["> 30%", "34.5%", "met"]);
      expect(await cells(page, "proposalSuccess")).to.deep.equal(["> 60%", "50.0%", "not met"]);
      expect(await cells(page, "flashLoanManipulations")).to.deep.equal(["0", "0", "met"]);
      expect(await page.locator("#metrics-table td.not-met").count()).to.equal(1);

      // Run facts, parameters, power and attacks as the sample has them.
      expect(await page.locator("#run").innerText())
        .to.include("1,000")
        .and.include("42");
      expect(await page.locator('tr[data-parameter="quorumPercent"] td').innerText()).to.equal("10% of total supply"); // prettier-ignore
      expect(await page.locator('tr[data-parameter="votingPeriod"] td').innerText()).to.equal("604,800 s (7 days)"); // prettier-ignore
      expect(await page.locator('tr[data-parameter="proposalThreshold"] td').innerText()).to.equal("100 AITBC of counted power"); // prettier-ignore
      expect(await page.locator("#charts-section .facts").innerText()).to.include("0.812 → 0.655").and.include("1 → 4"); // prettier-ignore
      expect(await page.locator('tr[data-attack="flash-loan"] td[data-field="magnitude"]').innerText()).to.equal("0 of 90,000,000 AITBC counted"); // prettier-ignore
      expect(await page.locator('tr[data-attack="flash-loan"] td[data-field="succeeded"]').innerText()).to.equal("no"); // prettier-ignore
      expect(await page.locator("#proposals tbody tr").count()).to.equal(5);
      const first = page.locator(`tr[data-proposal="${SAMPLE_SIMULATION.proposals[0]!.proposalId}"] td`);
      expect(await first.allInnerTexts()).to.include.members([
        "Executed",
        "61,250,000 AITBC",
        "412 / 1,000",
        "41.2%",
      ]);

      // <script> in the data is shown as text and never ran.
      expect(await page.locator("#description").innerText()).to.equal(SAMPLE_SIMULATION.description);
      expect(await page.locator('tr[data-proposal="2"] td[data-field="description"]').innerText()).to.equal(SCRIPT_DESCRIPTION); // prettier-ignore
      expect(await page.locator("#attacks tbody th").allInnerTexts()).to.include(SCRIPT_ATTACK_NAME);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(
        undefined,
      );
      expect(await page.locator("script").count()).to.equal(3);
      await page.screenshot({ path: join(ARTIFACTS, "simulation-page.png"), fullPage: true });

      // Readable on a phone: the page itself does not scroll sideways (tables scroll in their boxes).
      await page.setViewportSize({ width: 390, height: 844 });
      // Chart.js redraws each canvas at its box's new width on its own (ResizeObserver); wait for all.
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll(".chart-box")).every((box) => {
          const width = box.getBoundingClientRect().width;
          return width < 390 && box.querySelector("canvas")!.getBoundingClientRect().width <= width;
        }),
      );
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).to.be.at.most(0); // prettier-ignore
      await page.screenshot({ path: join(ARTIFACTS, "simulation-phone.png"), fullPage: true });
      expect(errors).to.deep.equal([]);
    } finally {
      await page.close();
    }
  });

  it("an attack scenario without population proposals shows participation and success as not measured, not as 0%", async () => {
    const attackOnly: SimulationResult = {
      ...SAMPLE_SIMULATION,
      metrics: [
        { name: "participation", target: "> 30%", measured: null, met: null },
        { name: "proposalSuccess", target: "> 60%", measured: null, met: null },
        { name: "flashLoanManipulations", target: "= 0", measured: 0, met: true },
      ],
    };
    const { page, errors } = await load(browser, renderReport(attackOnly));
    try {
      expect(await cells(page, "participation")).to.deep.equal(["> 30%", "not measured", "no population proposals"]); // prettier-ignore
      expect(await cells(page, "proposalSuccess")).to.deep.equal(["> 60%", "not measured", "no population proposals"]); // prettier-ignore
      expect(await cells(page, "flashLoanManipulations")).to.deep.equal(["= 0", "0", "met"]);
      expect(await page.locator("#metrics-table td.not-met").count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await page.close();
    }
  });

  it("shows a what-if comparison side by side, one series per run with its changes in the legend", async () => {
    const { page, requests, errors } = await load(browser, renderReport(SAMPLE_WHAT_IF));
    try {
      expect(requests).to.deep.equal([REPORT_URL]);
      expect(errors).to.deep.equal([]);
      const charts = await readCharts(page);
      expect(charts.map((c) => c.id)).to.deep.equal(CHART_IDS);
      for (const chart of charts) {
        expect(chart.datasets, chart.id).to.equal(3);
        expect(chart.painted, chart.id).to.be.greaterThan(0.01);
      }
      const legends = [
        "design (no changes)",
        "low quorum (quorumPercent=4)",
        "high cap (votingPowerCapBps=2000)",
      ];
      expect(charts[0]!.labels).to.deep.equal(legends);
      expect(charts[1]!.labels[2]).to.equal(`${legends[2]} · Gini 0.790 (raw 0.812), Nakamoto 2 (raw 1)`);

      expect(await cells(page, "participation")).to.deep.equal(["> 30%", "34.5% (met)", "32.1% (met)", "29.8% (not met)"]); // prettier-ignore
      expect(await cells(page, "proposalSuccess")).to.deep.equal(["> 60%", "50.0% (not met)", "75.0% (met)", "50.0% (not met)"]); // prettier-ignore
      // The changed parameters are highlighted in their run's column only.
      expect(await page.locator('tr[data-parameter="quorumPercent"] td').allInnerTexts()).to.deep.equal(["10% of total supply", "4% of total supply", "10% of total supply"]); // prettier-ignore
      expect(await page.locator('tr[data-parameter="quorumPercent"] td.changed').count()).to.equal(1);
      expect(await page.locator('tr[data-parameter="votingPowerCapBps"] td.changed').innerText()).to.equal("2,000 bps (20% of supply)"); // prettier-ignore
      expect(await page.locator("td.changed").count()).to.equal(2);
      expect(await page.locator("#proposals details").count()).to.equal(3);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(
        undefined,
      );
      await page.screenshot({ path: join(ARTIFACTS, "what-if-page.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("refuses a page that reports an error, instead of screenshotting it", async () => {
    const page = await browser.newPage();
    try {
      const broken = renderReport(SAMPLE_SIMULATION).replace(`id="report-data">`, `id="report-data">{`);
      const error = await openReport(page, broken).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ReportPageError);
      expect((error as ReportPageError).errors.join(" ")).to.match(/JSON/);
    } finally {
      await page.close();
    }
  });

  it("writes result.json, report.html and one PNG per chart", async () => {
    for (const [name, result] of [
      ["simulation", SAMPLE_SIMULATION],
      ["what-if", SAMPLE_WHAT_IF],
    ] as const) {
      const outDir = join(ARTIFACTS, name);
      rmSync(outDir, { recursive: true, force: true });
      const written = await writeReport(result, outDir);
      expect(written.json).to.equal(join(outDir, "result.json"));
      expect(written.html).to.equal(join(outDir, "report.html"));
      expect(JSON.parse(readFileSync(written.json, "utf8"))).to.deep.equal(result);
      expect(readFileSync(written.html, "utf8")).to.equal(renderReport(result));
      expect(written.pngs).to.deep.equal(CHART_IDS.map((id) => join(outDir, `${id}.png`)));
      for (const path of written.pngs) {
        const png = readFileSync(path);
        expect(png.subarray(0, 8).equals(PNG_SIGNATURE), path).to.equal(true);
        expect(png.length, path).to.be.greaterThan(20_000);
        // IHDR: width and height at bytes 16..24; the figure is drawn at twice its CSS size.
        expect(png.readUInt32BE(16), path).to.be.greaterThan(800);
        expect(png.readUInt32BE(20), path).to.be.greaterThan(400);
      }
    }
  });

  it("writes the JSON bigint-safe: a bigint that slipped in becomes a decimal string", () => {
    const withBigint = {
      ...SAMPLE_SIMULATION,
      parameters: { ...SAMPLE_SIMULATION.parameters, proposalThreshold: 100n * 10n ** 18n },
    } as unknown as SimulationResult;
    const parsed = JSON.parse(stringifyResult(withBigint)) as SimulationResult;
    expect(parsed.parameters.proposalThreshold).to.equal("100000000000000000000");
    expect(stringifyResult(SAMPLE_SIMULATION).endsWith("}\n")).to.equal(true);
  });

  it("without Chromium writes the JSON and the HTML and says in one line how to get the PNGs", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "aitbc-report-"));
    try {
      const missing = join(outDir, "no-such-chromium");
      const error = await writeReport(SAMPLE_SIMULATION, outDir, { chromiumPath: missing }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ReportPngsNotWrittenError);
      const notWritten = error as ReportPngsNotWrittenError;
      expect(notWritten.shortMessage).not.to.include("\n");
      expect(notWritten.shortMessage).to.equal(
        `PNG copies not written (Chromium not found at ${missing}: install it with "${CHROMIUM_INSTALL_COMMAND}" or set CHROMIUM_PATH); result.json and report.html are in ${outDir}`, // prettier-ignore
      );
      expect(CHROMIUM_INSTALL_COMMAND).to.equal("apt-get install chromium");
      expect(notWritten.cause).to.be.instanceOf(ChromiumNotFoundError);
      expect((notWritten.cause as ChromiumNotFoundError).path).to.equal(missing);
      expect(notWritten.details).to.include("apt-get install chromium");
      expect(notWritten.written).to.deep.equal({
        json: join(outDir, "result.json"),
        html: join(outDir, "report.html"),
        pngs: [],
      });
      expect(readdirSync(outDir).sort()).to.deep.equal(["report.html", "result.json"]);
      expect(JSON.parse(readFileSync(join(outDir, "result.json"), "utf8"))).to.deep.equal(SAMPLE_SIMULATION);
      expect(existsSync(join(outDir, "report.html"))).to.equal(true);

      // launchChromium itself: the typed error, and nothing started.
      const launched = await launchChromium({ executablePath: missing }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(launched).to.be.instanceOf(ChromiumNotFoundError);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    writeFileSync(join(ARTIFACTS, "README.txt"), "Written by test/simulate/report.ts; safe to delete.\n");
  });
});
