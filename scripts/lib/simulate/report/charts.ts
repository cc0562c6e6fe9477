/**
 * The report's charts as data: one {@link ChartSpec} per chart, a Chart.js 4 configuration that is
 * plain JSON (no functions), so the HTML page can inline it and its boot script (`BOOT_SCRIPT`)
 * draws it. Tick and tooltip formats, tooltip notes and the dashed target line are named in the spec
 * and applied by the boot script.
 *
 * A {@link SimulationResult} gives five charts: participation over time, power distribution (raw
 * against counted, top holders), attack outcomes (when the scenario has attacks), decision latency
 * per proposal and gas per vote (when it has proposals). A {@link WhatIfResult} gives the same charts
 * with exactly one series per run, each labelled with the parameters it changed.
 */
import type { ChartConfiguration } from "chart.js";

import type { ProposalRecord, SimulationResult, WhatIfResult } from "../types.js";

/** How the boot script formats a value axis's ticks and tooltips. */
export type ValueFormat = "percent" | "days" | "aitbc" | "gas" | "yesNo";

/** Ids of the report's charts; also the names of their PNG copies (`<id>.png`). */
export type ChartId = "participation" | "power" | "attacks" | "latency" | "gas";

/** One chart of the report. */
export interface ChartSpec {
  /** Element ids are `chart-<id>` (canvas) and `figure-<id>`; the PNG copy is `<id>.png`. */
  id: ChartId;
  /** Heading shown above the chart. */
  title: string;
  /** One or two sentences under the heading: what is drawn, in which units, from which fields. */
  caption: string;
  /** Height of the chart's box, CSS pixels (the width follows the page). */
  height: number;
  /** The axis that carries values (`y`, or `x` for horizontal bars). */
  valueAxis: "x" | "y";
  /** Format of the value axis's ticks and of tooltip values. */
  format: ValueFormat;
  /** Extra tooltip line per dataset and point, e.g. an attack's magnitude. */
  notes?: string[][];
  /** A dashed horizontal line at a value of the y axis, e.g. the 30% participation target. */
  guide?: { value: number; label: string };
  /** Chart.js configuration, JSON only (the boot script adds formatters and plugins). */
  config: ChartConfiguration<"line"> | ChartConfiguration<"bar">;
}

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies). */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#8C6D1F",
  "#000000",
];

/** Colour of series `index` (cycles through {@link PALETTE}). */
export const colour = (index: number): string => PALETTE[index % PALETTE.length]!;

const WEI_PER_AITBC = 10n ** 18n;
/** Wei (decimal string) to AITBC as a number, for chart scales (exact to 1e-6 AITBC below 9e9 AITBC). */
export function aitbc(wei: string): number {
  const value = BigInt(wei);
  return Number(value / WEI_PER_AITBC) + Number((value % WEI_PER_AITBC) / 10n ** 12n) / 1e6;
}

const DAY = 86_400;
const days = (seconds: number) => Math.round((seconds / DAY) * 1000) / 1000;
const pct = (share: number) => Math.round(share * 1000) / 10;

/** How many of the largest holders the power chart shows. */
export const POWER_TOP_HOLDERS = 20;

/** `0x1234…abcd`. */
export const shortAddress = (address: string): string =>
  address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;

/** A proposal's label on the category axis: `#3 Protocol`. */
const proposalLabel = (p: ProposalRecord, index: number) =>
  `#${index + 1} ${p.type}${p.attack ? " (attack)" : ""}`;

/** The legend label of a what-if run: its label and the parameters it changed. */
export function runLegend(run: WhatIfResult["runs"][number]): string {
  const changes = Object.entries(run.changes).map(([name, value]) => `${name}=${value}`);
  return `${run.label} (${changes.length > 0 ? changes.join(", ") : "no changes"})`;
}

const STATE_COLOURS: Record<string, string> = {
  Executed: "#009E73",
  Succeeded: "#56B4E9",
  Queued: "#56B4E9",
  Defeated: "#D55E00",
  Expired: "#CC79A7",
  Canceled: "#999999",
  Active: "#E69F00",
  Pending: "#E69F00",
};

function baseOptions(valueAxis: "x" | "y", valueTitle: string, categoryTitle: string) {
  const categoryAxis = valueAxis === "y" ? "x" : "y";
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { position: "bottom" as const } },
    scales: {
      [valueAxis]: { beginAtZero: true, title: { display: true, text: valueTitle } },
      [categoryAxis]: { title: { display: valueAxis === "y", text: categoryTitle } },
    },
  };
}

/** Charts of one simulation run. */
export function simulationCharts(result: SimulationResult): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const timeline = [...result.timeline].sort((a, b) => a.time - b.time);
  const target = result.metrics.find((m) => m.name === "participation")?.target ?? "> 30%";
  charts.push({
    id: "participation",
    title: "Participation over time",
    caption:
      "After each proposal's vote closed: the share of eligible participants who voted, and the share of " +
      "counted voting power that voted. Dashed: the seed's participation target.",
    height: 320,
    valueAxis: "y",
    format: "percent",
    guide: guideFor(target),
    config: {
      type: "line",
      data: {
        datasets: [
          {
            label: "participation (share of eligible voters)",
            data: timeline.map((p) => ({ x: days(p.time), y: pct(p.participation) })),
            borderColor: colour(0),
            backgroundColor: colour(0),
          },
          {
            label: "power turnout (share of counted power)",
            data: timeline.map((p) => ({ x: days(p.time), y: pct(p.powerTurnout) })),
            borderColor: colour(1),
            backgroundColor: colour(1),
          },
        ],
      },
      options: {
        ...baseOptions("y", "% (0–100)", "days since the run's start"),
        scales: {
          x: { type: "linear", title: { display: true, text: "days since the run's start" } },
          y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: "%" } },
        },
      },
    },
  });

  const top = result.power.top.slice(0, POWER_TOP_HOLDERS);
  const { giniRaw, giniCounted, nakamotoRaw, nakamotoCounted } = result.power;
  charts.push({
    id: "power",
    title: "Voting power: raw against counted",
    caption:
      `The ${top.length} largest holders by raw delegated votes (getVotes) and the power the Governor counts ` +
      `(min of snapshot, averages and the cap), AITBC, at day ${days(result.power.timepoint)}. ` +
      `Gini ${giniRaw.toFixed(3)} raw, ${giniCounted.toFixed(3)} counted; ` +
      `Nakamoto coefficient ${nakamotoRaw} raw, ${nakamotoCounted} counted.`,
    height: Math.max(260, 60 + top.length * 22),
    valueAxis: "x",
    format: "aitbc",
    config: {
      type: "bar",
      data: {
        labels: top.map((h, i) => `#${i + 1} ${h.kind} ${shortAddress(h.address)}`),
        datasets: [
          { label: "raw (getVotes)", data: top.map((h) => aitbc(h.raw)), backgroundColor: colour(0) },
          { label: "counted", data: top.map((h) => aitbc(h.counted)), backgroundColor: colour(1) },
        ],
      },
      options: { ...baseOptions("x", "AITBC", "holder"), indexAxis: "y" },
    },
  });

  if (result.attacks.length > 0) {
    charts.push({
      id: "attacks",
      title: "Attack outcomes",
      caption:
        "Per attack scenario (under its name, the magnitude measured): did the attack achieve its goal, and " +
        "is the outcome what the scenario expected (1 = yes, 0 = no)?",
      height: Math.max(220, 90 + result.attacks.length * 56),
      valueAxis: "x",
      format: "yesNo",
      notes: [result.attacks.map((a) => a.magnitude), result.attacks.map((a) => a.expected)],
      config: {
        type: "bar",
        data: {
          labels: result.attacks.map((a) => [truncate(a.name, 40), truncate(a.magnitude, 48)]),
          datasets: [
            {
              label: "attack succeeded",
              data: result.attacks.map((a) => (a.succeeded ? 1 : 0)),
              backgroundColor: colour(3),
              minBarLength: 4,
            },
            {
              label: "outcome as expected",
              data: result.attacks.map((a) => (a.asExpected ? 1 : 0)),
              backgroundColor: colour(2),
              minBarLength: 4,
            },
          ],
        },
        options: yesNoScale(
          { ...baseOptions("x", "1 = yes, 0 = no", "attack"), indexAxis: "y" as const },
          "x",
        ),
      },
    });
  }

  if (result.proposals.length > 0) {
    const labels = result.proposals.map(proposalLabel);
    const notes = result.proposals.map((p) => `${p.state}: ${truncate(p.description, 80)}`);
    charts.push({
      id: "latency",
      title: "Decision latency per proposal",
      caption:
        "From creation (snapshot) to the end of the proposal (executed, defeated, expired or canceled), days; " +
        "bars coloured by final state.",
      height: 320,
      valueAxis: "y",
      format: "days",
      notes: [notes],
      config: {
        type: "bar",
        data: {
          labels,
          datasets: [
            {
              label: "decision latency (days)",
              data: result.proposals.map((p) => days(p.decisionLatency)),
              backgroundColor: result.proposals.map((p) => STATE_COLOURS[p.state] ?? colour(7)),
            },
          ],
        },
        options: baseOptions("y", "days", "proposal"),
      },
    });
    charts.push({
      id: "gas",
      title: "Gas per vote",
      caption: `Mean gas used by each proposal's castVote transactions (run mean ${Math.round(result.performance.gasPerVote.mean).toLocaleString("en-US")}).`, // prettier-ignore
      height: 320,
      valueAxis: "y",
      format: "gas",
      notes: [result.proposals.map((p) => `${p.voters.toLocaleString("en-US")} votes`)],
      config: {
        type: "bar",
        data: {
          labels,
          datasets: [
            {
              label: "gas per castVote (mean)",
              data: result.proposals.map((p) => Math.round(p.gasPerVote)),
              backgroundColor: colour(5),
            },
          ],
        },
        options: baseOptions("y", "gas", "proposal"),
      },
    });
  }
  return charts;
}

/** Charts of a what-if comparison: the same charts, one series per run. */
export function whatIfCharts(result: WhatIfResult): ChartSpec[] {
  const runs = result.runs;
  const legends = runs.map(runLegend);
  const charts: ChartSpec[] = [];
  const target = runs[0]?.result.metrics.find((m) => m.name === "participation")?.target ?? "> 30%";
  charts.push({
    id: "participation",
    title: "Participation over time",
    caption:
      "Share of eligible participants who voted, after each proposal's vote closed; one line per run. " +
      "Dashed: the seed's participation target.",
    height: 320,
    valueAxis: "y",
    format: "percent",
    guide: guideFor(target),
    config: {
      type: "line",
      data: {
        datasets: runs.map((run, i) => ({
          label: legends[i]!,
          data: [...run.result.timeline]
            .sort((a, b) => a.time - b.time)
            .map((p) => ({ x: days(p.time), y: pct(p.participation) })),
          borderColor: colour(i),
          backgroundColor: colour(i),
        })),
      },
      options: {
        ...baseOptions("y", "%", "days since the run's start"),
        scales: {
          x: { type: "linear", title: { display: true, text: "days since the run's start" } },
          y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: "% of eligible voters" } },
        },
      },
    },
  });

  const ranks = Math.min(POWER_TOP_HOLDERS, Math.max(0, ...runs.map((r) => r.result.power.top.length)));
  charts.push({
    id: "power",
    title: "Counted voting power of the largest holders",
    caption:
      "Counted power (AITBC) of the largest holders by raw votes, by rank; one series per run. " +
      "Gini and Nakamoto coefficients (raw and counted) of each run are in the legend.",
    height: Math.max(260, 60 + ranks * 22),
    valueAxis: "x",
    format: "aitbc",
    config: {
      type: "bar",
      data: {
        labels: Array.from({ length: ranks }, (_, i) => `#${i + 1}`),
        datasets: runs.map((run, i) => {
          const p = run.result.power;
          return {
            label: `${legends[i]!} · Gini ${p.giniCounted.toFixed(3)} (raw ${p.giniRaw.toFixed(3)}), Nakamoto ${p.nakamotoCounted} (raw ${p.nakamotoRaw})`, // prettier-ignore
            data: p.top.slice(0, ranks).map((h) => aitbc(h.counted)),
            backgroundColor: colour(i),
          };
        }),
      },
      options: { ...baseOptions("x", "counted AITBC", "rank by raw votes"), indexAxis: "y" },
    },
  });

  const attackNames = [...new Set(runs.flatMap((r) => r.result.attacks.map((a) => a.name)))];
  if (attackNames.length > 0) {
    const outcome = (run: WhatIfResult["runs"][number], name: string) =>
      run.result.attacks.find((a) => a.name === name);
    charts.push({
      id: "attacks",
      title: "Attack outcomes",
      caption:
        "Per attack scenario and run: did the attack achieve its goal (1 = yes, 0 = no)? " +
        "The tooltip gives the magnitude and whether the outcome was as expected.",
      height: Math.max(220, 80 + attackNames.length * 22 * Math.max(1, runs.length)),
      valueAxis: "x",
      format: "yesNo",
      notes: runs.map((run) =>
        attackNames.map((name) => {
          const a = outcome(run, name);
          return a ? `${a.magnitude} (${a.asExpected ? "as expected" : "NOT as expected"})` : "not run";
        }),
      ),
      config: {
        type: "bar",
        data: {
          labels: attackNames.map((name) => truncate(name, 40)),
          datasets: runs.map((run, i) => ({
            label: legends[i]!,
            data: attackNames.map((name) => {
              const a = outcome(run, name);
              return a === undefined ? null : a.succeeded ? 1 : 0;
            }) as number[],
            backgroundColor: colour(i),
            minBarLength: 4,
          })),
        },
        options: yesNoScale(
          { ...baseOptions("x", "1 = succeeded, 0 = held", "attack"), indexAxis: "y" as const },
          "x",
        ),
      },
    });
  }

  const count = Math.max(0, ...runs.map((r) => r.result.proposals.length));
  if (count > 0) {
    const labels = Array.from({ length: count }, (_, i) => `#${i + 1}`);
    const series = (pick: (p: ProposalRecord) => number) =>
      runs.map((run, i) => ({
        label: legends[i]!,
        data: labels.map((_, k) => {
          const p = run.result.proposals[k];
          return p === undefined ? null : pick(p);
        }) as number[],
        backgroundColor: colour(i),
      }));
    const notes = runs.map((run) =>
      labels.map((_, k) => {
        const p = run.result.proposals[k];
        return p ? `${p.type} · ${p.state}: ${truncate(p.description, 60)}` : "";
      }),
    );
    charts.push({
      id: "latency",
      title: "Decision latency per proposal",
      caption:
        "Creation to end of each proposal, days, proposals in the order they were made; one series per run.",
      height: 320,
      valueAxis: "y",
      format: "days",
      notes,
      config: {
        type: "bar",
        data: { labels, datasets: series((p) => days(p.decisionLatency)) },
        options: baseOptions("y", "days", "proposal"),
      },
    });
    charts.push({
      id: "gas",
      title: "Gas per vote",
      caption: "Mean gas of each proposal's castVote transactions; one series per run.",
      height: 320,
      valueAxis: "y",
      format: "gas",
      notes,
      config: {
        type: "bar",
        data: { labels, datasets: series((p) => Math.round(p.gasPerVote)) },
        options: baseOptions("y", "gas", "proposal"),
      },
    });
  }
  return charts;
}

/** The charts of either kind of result. */
export function chartsFor(result: SimulationResult | WhatIfResult): ChartSpec[] {
  return result.kind === "what-if" ? whatIfCharts(result) : simulationCharts(result);
}

/** A dashed guide at the percentage a target like "> 30%" names, or none when it names no percentage. */
function guideFor(target: string): ChartSpec["guide"] {
  const match = /(\d+(?:\.\d+)?)\s*%/.exec(target);
  return match ? { value: Number(match[1]), label: `target ${target}` } : undefined;
}

function yesNoScale<T extends { scales: Record<string, object> }>(options: T, axis: "x" | "y"): T {
  return {
    ...options,
    scales: {
      ...options.scales,
      [axis]: { ...options.scales[axis], min: 0, max: 1, ticks: { stepSize: 1 } },
    },
  };
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The page's boot script (plain ES2017, no imports): reads the charts from `#report-data`, draws each
 * with `window.Chart` (Chart.js's UMD build inlined before it), and sets `data-ready="true"` on
 * `<body>` once every chart has rendered once (Chart.js's `afterRender` hook), or `data-ready="error"`
 * with `data-error` when anything throws. Animations are off, so the first render is the final picture.
 */
export const BOOT_SCRIPT = `(function () {
  "use strict";
  var body = document.body;
  function fail(message) { body.dataset.error = String(message); body.dataset.ready = "error"; }
  window.addEventListener("error", function (event) { fail(event.message); });
  try {
    var specs = JSON.parse(document.getElementById("report-data").textContent).charts;
    var two = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
    var compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
    var formats = {
      percent: function (v) { return two.format(v) + "%"; },
      days: function (v) { return two.format(v) + " d"; },
      aitbc: function (v) { return compact.format(v); },
      gas: function (v) { return compact.format(v); },
      yesNo: function (v) { return v === 1 ? "yes" : v === 0 ? "no" : ""; }
    };
    var exact = {
      aitbc: function (v) { return two.format(v) + " AITBC"; },
      gas: function (v) { return two.format(v) + " gas"; }
    };
    var rendered = {};
    var count = 0;
    var ready = {
      id: "aitbcReady",
      afterRender: function (chart) {
        if (rendered[chart.id]) return;
        rendered[chart.id] = true;
        count += 1;
        if (count === specs.length) body.dataset.ready = "true";
      }
    };
    var guide = {
      id: "aitbcGuide",
      afterDatasetsDraw: function (chart, args, options) {
        if (!options || typeof options.value !== "number") return;
        var area = chart.chartArea;
        var y = chart.scales.y.getPixelForValue(options.value);
        var ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = "#333";
        ctx.lineWidth = 1.5;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(area.left, y);
        ctx.lineTo(area.right, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#333";
        ctx.font = "12px system-ui, sans-serif";
        ctx.textAlign = "right";
        ctx.textBaseline = "bottom";
        ctx.fillText(options.label, area.right - 4, y - 3);
        ctx.restore();
      }
    };
    specs.forEach(function (spec) {
      var config = spec.config;
      var options = config.options;
      var format = formats[spec.format];
      var axis = options.scales[spec.valueAxis];
      axis.ticks = Object.assign({}, axis.ticks, { callback: function (value) { return format(Number(value)); } });
      options.plugins.aitbcGuide = spec.guide || {};
      options.plugins.tooltip = {
        callbacks: {
          label: function (context) {
            var value = context.parsed[spec.valueAxis];
            return context.dataset.label + ": " + (exact[spec.format] || format)(value);
          },
          afterLabel: function (context) {
            var notes = spec.notes && spec.notes[context.datasetIndex];
            return (notes && notes[context.dataIndex]) || "";
          }
        }
      };
      config.plugins = [ready, guide];
      new window.Chart(document.getElementById("chart-" + spec.id), config);
    });
    if (specs.length === 0) body.dataset.ready = "true";
  } catch (error) {
    fail(error && error.message ? error.message : error);
  }
})();
`;
