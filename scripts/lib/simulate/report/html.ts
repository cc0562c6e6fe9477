/**
 * The simulation's HTML report: one self-contained file (no network). Chart.js 4's UMD build is read
 * from node_modules and inlined, the charts' data is inlined as JSON (`<script type="application/json"
 * id="report-data">`), the CSS is inlined, and a Content-Security-Policy allows only the page's own two
 * scripts (by hash) and no fetch, image, font or frame from anywhere. Everything taken from the result
 * is HTML-escaped; the inlined JSON escapes `<`, `>` and `&` so no string in it can end its element.
 *
 * Sections: the run (scenario, description, seed, agents, chain, measured cost, parameters,
 * population), the seed's success metrics against their targets, the charts (see `charts.ts`), the
 * attack outcomes, the proposals. A what-if result shows its runs side by side. Readable on a phone
 * (one column, tables scroll inside their own box).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { formatTokens } from "../../../../node/shared/format.js";
import type {
  AttackOutcome,
  ProposalRecord,
  SimulationResult,
  SuccessMetric,
  WhatIfResult,
} from "../types.js";
import { BOOT_SCRIPT, chartsFor, runLegend, shortAddress, type ChartSpec } from "./charts.js";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON for a `<script type="application/json">` element: no `<`, `>`, `&`, U+2028 or U+2029 left raw. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

let chartJsSource: string | undefined;
/** Chart.js 4's UMD build from node_modules (defines `window.Chart`), without its source-map comment. */
export function chartJsUmd(): string {
  if (chartJsSource === undefined) {
    const entry = createRequire(import.meta.url).resolve("chart.js");
    const source = readFileSync(join(dirname(entry), "chart.umd.min.js"), "utf8");
    chartJsSource = source.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
  }
  return chartJsSource;
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** Human names of the seed's success metrics. */
const METRIC_NAMES: Record<SuccessMetric["name"], string> = {
  participation: "Participation (share of eligible holders who voted)",
  proposalSuccess: "Proposal success (share of non-attack proposals that passed)",
  flashLoanManipulations: "Successful flash-loan manipulations",
};

/**
 * A metric's measured value as the page shows it: a share as a percentage with one decimal
 * (0.345 → "34.5%"), a count as an integer; "not measured" without a value.
 */
export function formatMetric(metric: SuccessMetric): string {
  if (metric.measured === null) return "not measured";
  return metric.name === "flashLoanManipulations"
    ? Math.round(metric.measured).toLocaleString("en-US")
    : percent(metric.measured);
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const integer = (n: number) => Math.round(n).toLocaleString("en-US");
const tokens = (wei: string | number) => `${formatTokens(BigInt(wei))} AITBC`;
const day = (seconds: number) => (seconds / 86_400).toFixed(2);

/** `604800` → `"7 days"`, `172800` → `"2 days"`, `86400` → `"1 day"`, `5400` → `"1.5 h"`. */
export function formatDuration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0)
    return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds >= 3_600) return `${Number((seconds / 3_600).toFixed(2))} h`;
  return `${seconds} s`;
}

/** Parameter names, how to show each value, in the order of `SimulationParameters`. */
const PARAMETERS: Record<string, { name: string; show: (v: string | number) => string }> = {
  quorumPercent: { name: "Quorum", show: (v) => `${v}% of total supply` },
  proposalThreshold: { name: "Proposal threshold", show: (v) => `${tokens(v)} of counted power` },
  votingPowerCapBps: {
    name: "Cap on counted power per address",
    show: (v) => `${integer(Number(v))} bps (${Number(v) / 100}% of supply)`,
  },
  shortAverageWindow: { name: "Short averaging window", show: (v) => seconds(v) },
  longAverageWindow: { name: "Long averaging window", show: (v) => seconds(v) },
  votingPeriod: { name: "Voting period", show: (v) => seconds(v) },
  emergencyVotingPeriod: { name: "Emergency voting period", show: (v) => seconds(v) },
  timelockDelay: { name: "Timelock delay", show: (v) => seconds(v) },
  councilThreshold: { name: "Council signatures needed", show: (v) => `${v}` },
  weeks: { name: "Simulated weeks of proposals", show: (v) => `${v}` },
  humanShare: { name: "Humans in the population", show: (v) => percent(Number(v)) },
};
const seconds = (v: string | number) => `${integer(Number(v))} s (${formatDuration(Number(v))})`;

function parameterRow(key: string, values: (string | number | undefined)[], changed: boolean[] = []): string {
  const known = PARAMETERS[key];
  const cells = values.map((v, i) => {
    const text = v === undefined ? "—" : known ? known.show(v) : String(v);
    return `<td${changed[i] ? ' class="changed"' : ""}>${escapeHtml(text)}</td>`;
  });
  return `<tr data-parameter="${escapeHtml(key)}"><th scope="row">${escapeHtml(known?.name ?? key)} <code>${escapeHtml(key)}</code></th>${cells.join("")}</tr>`; // prettier-ignore
}

function parameterKeys(results: SimulationResult[]): string[] {
  const keys = Object.keys(PARAMETERS).filter((k) => results.some((r) => k in r.parameters));
  for (const r of results) for (const k of Object.keys(r.parameters)) if (!keys.includes(k)) keys.push(k);
  return keys;
}

const table = (head: string[], rows: string[], attributes = "") =>
  `<div class="table-wrap"><table${attributes}><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`; // prettier-ignore

const yesNo = (value: boolean) => (value ? "yes" : "no");
const verdict = (met: boolean | null) => (met === null ? "no population proposals" : met ? "met" : "not met");
const verdictClass = (met: boolean | null) => (met === null ? "unmeasured" : met ? "met" : "not-met");
const status = (met: boolean | null) =>
  `<td data-field="status" class="${verdictClass(met)}">${verdict(met)}</td>`;

function metricsTable(metrics: SuccessMetric[]): string {
  const rows = metrics.map(
    (m) =>
      `<tr data-metric="${escapeHtml(m.name)}"><th scope="row" class="text">${escapeHtml(METRIC_NAMES[m.name] ?? m.name)}</th>` +
      `<td data-field="target">${escapeHtml(m.target)}</td><td data-field="measured">${escapeHtml(formatMetric(m))}</td>${status(m.met)}</tr>`, // prettier-ignore
  );
  return table(["metric", "target (seed)", "measured", ""], rows, ' id="metrics-table"');
}

function runFacts(result: SimulationResult): [string, string][] {
  const perf = result.performance;
  return [
    ["Scenario", result.scenario],
    ["Seed", String(result.seed)],
    ["Agents and people", integer(result.agents)],
    ["Simulated time", `${day(result.chain.endTimestamp - result.chain.startTimestamp)} days`],
    ["Chain", `chain id ${result.chain.chainId}, ${integer(result.chain.blocks)} blocks`],
    ["Proposals", integer(result.proposals.length)],
    ["Votes", integer(perf.votes)],
    ["Wall time (measured)", `${(perf.wallTimeMs / 1000).toFixed(1)} s, of which set-up ${(perf.setupMs / 1000).toFixed(1)} s`], // prettier-ignore
    ["Votes per second (measured)", perf.votesPerSecond.toFixed(1)],
    ["Transactions", integer(perf.transactions)],
    ["Gas per vote", `mean ${integer(perf.gasPerVote.mean)}, min ${integer(perf.gasPerVote.min)}, max ${integer(perf.gasPerVote.max)}`], // prettier-ignore
    ["Peak memory (RSS, measured)", `${(perf.peakRssBytes / 2 ** 20).toFixed(0)} MiB`],
  ];
}

const factsList = (facts: [string, string][]) =>
  `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>`; // prettier-ignore

function populationTable(result: SimulationResult): string {
  const rows = result.population.map((p) => {
    const raw = BigInt(p.raw);
    const share = raw === 0n ? "—" : percent(Number((BigInt(p.counted) * 1_000_000n) / raw) / 1_000_000);
    return `<tr data-kind="${escapeHtml(p.kind)}"><th scope="row">${escapeHtml(p.kind)}</th><td>${integer(p.count)}</td><td>${escapeHtml(tokens(p.raw))}</td><td>${escapeHtml(tokens(p.counted))}</td><td>${share}</td></tr>`; // prettier-ignore
  });
  return table(["kind", "holders", "raw votes", "counted power", "counted / raw"], rows);
}

function powerFacts(result: SimulationResult): [string, string][] {
  const p = result.power;
  return [
    ["Gini (raw → counted)", `${p.giniRaw.toFixed(3)} → ${p.giniCounted.toFixed(3)}`],
    ["Nakamoto coefficient (raw → counted)", `${p.nakamotoRaw} → ${p.nakamotoCounted}`],
    ["Read at", `day ${day(p.timepoint)}`],
  ];
}

function attacksTable(attacks: AttackOutcome[]): string {
  if (attacks.length === 0) return `<p class="none">This scenario runs no attack.</p>`;
  const rows = attacks.map((a) => {
    const details = Object.entries(a.details)
      .map(([k, v]) => `<li><code>${escapeHtml(k)}</code>: ${escapeHtml(v)}</li>`)
      .join("");
    return (
      `<tr data-attack="${escapeHtml(a.name)}"><th scope="row" class="text">${escapeHtml(a.name)}</th><td class="text">${escapeHtml(a.description)}</td>` + // prettier-ignore
      `<td class="text">${escapeHtml(a.expected)}</td><td data-field="succeeded" class="${a.succeeded ? "bad" : "good"}">${yesNo(a.succeeded)}</td>` +
      `<td data-field="asExpected" class="${a.asExpected ? "good" : "bad"}">${yesNo(a.asExpected)}</td>` +
      `<td data-field="magnitude" class="text">${escapeHtml(a.magnitude)}</td><td class="text"><ul class="details">${details}</ul></td></tr>`
    );
  });
  return table(["attack", "what the attacker tries", "expected", "succeeded", "as expected", "magnitude", "measured"], rows); // prettier-ignore
}

function proposalsTable(proposals: ProposalRecord[]): string {
  if (proposals.length === 0) return `<p class="none">No proposal was made.</p>`;
  const rows = proposals.map((p, i) => {
    const council =
      p.councilApproved === null ? "not needed" : p.councilApproved ? "approved" : "not approved";
    return (
      `<tr data-proposal="${escapeHtml(p.proposalId)}"${p.attack ? ' class="attack"' : ""}><td>${i + 1}</td><td>${escapeHtml(p.type)}${p.attack ? " (attack)" : ""}</td>` + // prettier-ignore
      `<td class="description" data-field="description">${escapeHtml(p.description)}</td><td title="${escapeHtml(p.proposer)}">${escapeHtml(shortAddress(p.proposer))}</td>` + // prettier-ignore
      `<td data-field="state">${escapeHtml(p.state)}</td><td>${day(p.createdAt)}</td><td>${day(p.decisionLatency)}</td>` +
      `<td>${escapeHtml(tokens(p.forVotes))}</td><td>${escapeHtml(tokens(p.againstVotes))}</td><td>${escapeHtml(tokens(p.abstainVotes))}</td>` + // prettier-ignore
      `<td>${escapeHtml(tokens(p.quorum))}</td><td>${integer(p.voters)} / ${integer(p.eligible)}</td><td>${percent(p.participation)}</td>` + // prettier-ignore
      `<td>${council}</td><td>${yesNo(p.challenged)}</td><td>${integer(p.gasPerVote)}</td></tr>`
    );
  });
  return table(
    ["#", "type", "description", "proposer", "state", "created (day)", "latency (days)", "for", "against", "abstain", "quorum", "voters / eligible", "participation", "council", "challenged", "gas / vote"], // prettier-ignore
    rows,
    ' class="proposals"',
  );
}

function chartFigures(charts: ChartSpec[]): string {
  if (charts.length === 0) return `<p class="none">Nothing to chart.</p>`;
  return charts
    .map(
      (c) =>
        `<figure id="figure-${c.id}" data-chart="${c.id}"><figcaption><h3>${escapeHtml(c.title)}</h3><p>${escapeHtml(c.caption)}</p></figcaption>` + // prettier-ignore
        `<div class="chart-box" style="height:${Math.round(c.height)}px"><canvas id="chart-${c.id}" role="img" aria-label="${escapeHtml(c.title)}"></canvas></div></figure>`, // prettier-ignore
    )
    .join("\n");
}

const CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6470; --line: #d9dee4; --good: #0a7a4f; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; overflow-wrap: anywhere; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 0 0 2px; }
.lead { color: var(--muted); margin: 0 0 8px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 240px), 1fr)); gap: 6px 16px; margin: 8px 0; }
.facts div { border-left: 3px solid var(--line); padding-left: 8px; }
.facts dt { color: var(--muted); font-size: 0.85rem; }
.facts dd { margin: 0; font-weight: 600; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 8px 0; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; overflow-wrap: normal; }
th.text, td.text { white-space: normal; min-width: 12rem; overflow-wrap: anywhere; }
thead th { background: #f4f6f8; white-space: nowrap; }
td.description { white-space: normal; min-width: 16rem; overflow-wrap: anywhere; }
tr.attack { background: #fff6f0; }
.met, .good { color: var(--good); font-weight: 600; }
.not-met, .bad { color: var(--bad); font-weight: 600; }
.unmeasured { color: var(--muted); }
td.changed { background: #fff3c4; font-weight: 600; }
code { font-size: 0.85em; color: var(--muted); }
ul.details { margin: 0; padding-left: 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 16px; align-items: start; }
figure { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 8px; background: #fff; min-width: 0; }
figcaption p { margin: 0 0 8px; color: var(--muted); font-size: 0.85rem; }
.chart-box { position: relative; width: 100%; overflow: hidden; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
.none { color: var(--muted); }
footer { max-width: 1180px; margin: 24px auto; padding: 0 16px; color: var(--muted); font-size: 0.8rem; }
`;

function page(title: string, body: string, charts: ChartSpec[]): string {
  const data = `{"charts":${inlineJson(charts)}}`;
  const chartJs = chartJsUmd();
  const csp = `default-src 'none'; script-src ${sha256(chartJs)} ${sha256(BOOT_SCRIPT)}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`; // prettier-ignore
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
<footer>Generated by <code>npm run simulate</code> (AITBC governance digital twin). Charts drawn with Chart.js ${escapeHtml(/Chart\.js v(\S+)/.exec(chartJs)?.[1] ?? "4")}, inlined; this file loads nothing from the network.</footer>
<script type="application/json" id="report-data">${data}</script>
<script>${chartJs}</script>
<script>${BOOT_SCRIPT}</script>
</body>
</html>
`;
}

function simulationBody(result: SimulationResult, charts: ChartSpec[]): string {
  return `<header>
<h1>Governance simulation: ${escapeHtml(result.scenario)}</h1>
<p class="lead" id="description">${escapeHtml(result.description)}</p>
</header>
<main>
<section id="run"><h2>The run</h2>
${factsList(runFacts(result))}
<h3>Parameters</h3>
${table(
  ["parameter", "value"],
  parameterKeys([result]).map((k) =>
    parameterRow(k, [result.parameters[k as keyof SimulationResult["parameters"]]]),
  ),
  ' id="parameters-table"',
)}
<h3>Population</h3>
${populationTable(result)}
</section>
<section id="metrics"><h2>Success metrics (seed 000) against their targets</h2>
${metricsTable(result.metrics)}
</section>
<section id="charts-section"><h2>Charts</h2>
${factsList(powerFacts(result))}
<div class="charts">
${chartFigures(charts)}
</div>
</section>
<section id="attacks"><h2>Attack outcomes</h2>
${attacksTable(result.attacks)}
</section>
<section id="proposals"><h2>Proposals</h2>
${proposalsTable(result.proposals)}
</section>
</main>`;
}

function whatIfBody(result: WhatIfResult, charts: ChartSpec[]): string {
  const runs = result.runs;
  const legends = runs.map(runLegend);
  const results = runs.map((r) => r.result);
  const head = (first: string) => [first, ...legends];

  const metricNames = [...new Set(results.flatMap((r) => r.metrics.map((m) => m.name)))];
  const metricRows = metricNames.map((name) => {
    const target = results.flatMap((r) => r.metrics).find((m) => m.name === name)?.target ?? "";
    const cells = results.map((r) => {
      const m = r.metrics.find((x) => x.name === name);
      return m === undefined
        ? "<td>—</td>"
        : `<td data-field="measured" class="${verdictClass(m.met)}">${escapeHtml(formatMetric(m))} (${verdict(m.met)})</td>`; // prettier-ignore
    });
    return `<tr data-metric="${escapeHtml(name)}"><th scope="row" class="text">${escapeHtml(METRIC_NAMES[name] ?? name)}</th><td data-field="target">${escapeHtml(target)}</td>${cells.join("")}</tr>`; // prettier-ignore
  });

  const baseline = results[0]?.parameters ?? {};
  const parameterRows = parameterKeys(results).map((k) => {
    const values = results.map((r) => r.parameters[k as keyof SimulationResult["parameters"]]);
    const changed = runs.map((run, i) => k in run.changes || String(values[i]) !== String(baseline[k as keyof typeof baseline])); // prettier-ignore
    return parameterRow(k, values, changed);
  });

  const numbers = (label: string, pick: (r: SimulationResult) => string) =>
    `<tr><th scope="row">${escapeHtml(label)}</th>${results.map((r) => `<td>${escapeHtml(pick(r))}</td>`).join("")}</tr>`; // prettier-ignore
  const figureRows = [
    numbers("Proposals", (r) => integer(r.proposals.length)),
    numbers("Executed", (r) => integer(r.proposals.filter((p) => p.state === "Executed").length)),
    numbers("Mean decision latency (days)", (r) => day(mean(r.proposals.map((p) => p.decisionLatency)))),
    numbers("Gini raw → counted", (r) => `${r.power.giniRaw.toFixed(3)} → ${r.power.giniCounted.toFixed(3)}`),
    numbers("Nakamoto raw → counted", (r) => `${r.power.nakamotoRaw} → ${r.power.nakamotoCounted}`),
    numbers("Votes", (r) => integer(r.performance.votes)),
    numbers("Gas per vote (mean)", (r) => integer(r.performance.gasPerVote.mean)),
    numbers("Wall time (measured)", (r) => `${(r.performance.wallTimeMs / 1000).toFixed(1)} s`),
    numbers("Votes per second (measured)", (r) => r.performance.votesPerSecond.toFixed(1)),
  ];

  const attackNames = [...new Set(results.flatMap((r) => r.attacks.map((a) => a.name)))];
  const attackRows = attackNames.map((name) => {
    const cells = results.map((r) => {
      const a = r.attacks.find((x) => x.name === name);
      if (a === undefined) return "<td>not run</td>";
      return `<td class="text ${a.succeeded ? "bad" : "good"}">${a.succeeded ? "succeeded" : "held"}${a.asExpected ? "" : " (not as expected)"}: ${escapeHtml(a.magnitude)}</td>`; // prettier-ignore
    });
    return `<tr data-attack="${escapeHtml(name)}"><th scope="row" class="text">${escapeHtml(name)}</th>${cells.join("")}</tr>`;
  });

  return `<header>
<h1>What-if: ${escapeHtml(result.scenario)}, ${runs.length} parameter sets</h1>
<p class="lead">The same scenario and seed under each parameter set, side by side.</p>
${factsList([
  ["Scenario", result.scenario],
  ["Seed", String(result.seed)],
  ["Agents and people", integer(result.agents)],
  ["Runs", legends.join("; ")],
])}
</header>
<main>
<section id="metrics"><h2>Success metrics (seed 000) against their targets</h2>
${table(head("metric").toSpliced(1, 0, "target (seed)"), metricRows, ' id="metrics-table"')}
</section>
<section id="run"><h2>Parameters (changed ones highlighted)</h2>
${table(head("parameter"), parameterRows, ' id="parameters-table"')}
<h3>Figures</h3>
${table(head(""), figureRows)}
</section>
<section id="charts-section"><h2>Charts (one series per run)</h2>
<div class="charts">
${chartFigures(charts)}
</div>
</section>
<section id="attacks"><h2>Attack outcomes</h2>
${attackNames.length === 0 ? `<p class="none">This scenario runs no attack.</p>` : table(head("attack"), attackRows)}
</section>
<section id="proposals"><h2>Proposals</h2>
${runs.map((run, i) => `<details data-run="${i}"><summary>${escapeHtml(legends[i]!)}: ${integer(run.result.proposals.length)} proposals</summary>${proposalsTable(run.result.proposals)}</details>`).join("\n")}
</section>
</main>`;
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * Renders a simulation or what-if result as one self-contained HTML page (see the module comment).
 * Pure and deterministic: the same result gives the same bytes.
 *
 * @param result A `SimulationResult` (`kind: "simulation"`) or a `WhatIfResult` (`kind: "what-if"`).
 * @returns The HTML document (UTF-8 text, about 220 kB of which 210 kB are Chart.js).
 *
 * @example
 * ```ts
 * writeFileSync("report.html", renderReport(result));
 * ```
 */
export function renderReport(result: SimulationResult | WhatIfResult): string {
  const charts = chartsFor(result);
  if (result.kind === "what-if") {
    return page(`What-if: ${result.scenario} (seed ${result.seed})`, whatIfBody(result, charts), charts);
  }
  return page(`Simulation: ${result.scenario} (seed ${result.seed})`, simulationBody(result, charts), charts);
}
