/**
 * The governance digital twin's command line, behind `npm run simulate`:
 *
 *   npm run simulate -- --scenario normal --agents 1000 --seed 7 [--weeks 2] [--set quorumPercent=5]
 *   npm run simulate -- --scenario low-turnout --compare quorumPercent=5 --compare votingPeriod=3d
 *   npm run simulate -- --fork <rpc-url> [--proposal <id>]
 *   npm run simulate -- --list
 *
 * Runs a population of token holders on the real contracts of the embedded Hardhat chain
 * (`scripts/lib/simulate/engine.ts`) and writes the JSON result (and, with the report writer, the HTML
 * report and PNGs) to `--out` (default `reports/simulate-<scenario>-<seed>/`). A bad flag is one line on
 * stderr and exit code 1 before anything starts. Progress goes to stderr; the summary to stdout.
 */
import { Command, CommanderError, Option } from "commander";

import { parseCompare, parseCount, parseSets, SimulateUsageError, type CompareRun } from "./lib/simulate/options.js"; // prettier-ignore
import { ReportPngsNotWrittenError, writeReport } from "./lib/simulate/report/index.js";
import { findScenario, SCENARIOS } from "./lib/simulate/scenarios/index.js";
import type { SimulationParameters, SimulationResult, WhatIfResult } from "./lib/simulate/types.js";

interface Flags {
  scenario: string;
  agents: string;
  seed: string;
  weeks?: string;
  set: string[];
  compare: string[];
  fork?: string;
  proposal?: string;
  out?: string;
  list?: boolean;
  progress: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function command(): Command {
  return new Command()
    .name("npm run simulate --")
    .description(
      "Governance digital twin: a population of humans and agents governing the real AITBC contracts on the embedded chain.",
    ) // prettier-ignore
    .option(
      "--scenario <name>",
      `scenario (${SCENARIOS.map((s) => s.name).join(", ")}; --list describes them)`,
      "normal",
    ) // prettier-ignore
    .option("--agents <n>", "participants (humans and agents), 1..100000", "1000")
    .option("--seed <s>", "seed of every random draw (same seed, same run), 0..4294967295", "1")
    .option("--weeks <n>", "simulated weeks of proposals (default 2)")
    .option(
      "--set <name=value>",
      "a parameter for this run (repeatable): quorumPercent, proposalThreshold (AITBC), votingPowerCapBps, shortAverageWindow, longAverageWindow, votingPeriod, emergencyVotingPeriod, timelockDelay (seconds or 3d/12h), councilThreshold, weeks, humanShare",
      collect,
      [],
    ) // prettier-ignore
    .option("--compare <name=value,...>", "a what-if run beside the baseline (repeatable)", collect, [])
    .option("--fork <rpc-url>", "run a pending proposal's actions on a fork of a live chain")
    .option("--proposal <id>", "with --fork: the proposal id (default: the newest pending one)")
    .option("--out <dir>", "output folder (default reports/simulate-<scenario>-<seed>/)")
    .option("--list", "list the scenarios and exit")
    .addOption(new Option("--no-progress", "no progress bar on stderr"))
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

/** What the flags ask for, checked. */
interface Plan {
  flags: Flags;
  agents: number;
  seed: number;
  parameters: Partial<SimulationParameters>;
  compare: CompareRun[];
  outDir: string;
}

function plan(argv: string[]): Plan | "exit" {
  const program = command();
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return "exit";
      throw new SimulateUsageError(error.message.replace(/^error: /, ""));
    }
    throw error;
  }
  const flags = program.opts<Flags>();
  if (program.args.length > 0) throw new SimulateUsageError(`unexpected argument ${program.args[0]}`);
  if (findScenario(flags.scenario) === undefined)
    throw new SimulateUsageError(`--scenario ${flags.scenario}: unknown (one of ${SCENARIOS.map((s) => s.name).join(", ")})`); // prettier-ignore
  const agents = parseCount(flags.agents, "--agents", 1, 100_000);
  const seed = parseCount(flags.seed, "--seed", 0, 4_294_967_295);
  const parameters = parseSets(flags.set);
  if (flags.weeks !== undefined) parameters.weeks = parseCount(flags.weeks, "--weeks", 1, 52);
  const compare = parseCompare(flags.compare);
  if (flags.proposal !== undefined && flags.fork === undefined)
    throw new SimulateUsageError("--proposal needs --fork <rpc-url>");
  if (flags.proposal !== undefined && !/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(flags.proposal))
    throw new SimulateUsageError(`--proposal ${flags.proposal}: expected a proposalId (decimal or 0x hex)`);
  if (flags.proposal !== undefined && !/^(0x[0-9a-fA-F]+|\d+)$/.test(flags.proposal))
    throw new SimulateUsageError(`--proposal ${flags.proposal}: expected a proposal id (decimal or 0x-hex)`);
  if (flags.fork !== undefined && !/^https?:\/\/\S+$/.test(flags.fork))
    throw new SimulateUsageError(`--fork ${flags.fork}: expected an http(s) JSON-RPC URL`);
  const outDir = flags.out ?? `reports/simulate-${flags.scenario}-${seed}`;
  return { flags, agents, seed, parameters, compare, outDir };
}

/**
 * The `--fork` mode (scripts/lib/simulate/fork.ts): the proposal's actions run on a fork of the live
 * chain and what they would change is printed. Its typed errors become one line and exit code 1.
 */
async function runForkMode(p: Plan): Promise<void> {
  const { runFork, formatFork, ForkError } = await import("./lib/simulate/fork.js");
  try {
    const result = await runFork({ rpcUrl: p.flags.fork!, ...(p.flags.proposal === undefined ? {} : { proposalId: BigInt(p.flags.proposal) }) }); // prettier-ignore
    console.log(formatFork(result));
  } catch (error) {
    if (error instanceof ForkError) throw new SimulateUsageError(error.shortMessage);
    throw error;
  }
}

function pct(x: number) {
  return `${(x * 100).toFixed(1)}%`;
}

function summary(r: SimulationResult): string {
  const lines = [
    `${r.scenario} · ${r.agents} participants · seed ${r.seed} · ${r.proposals.length} proposals`,
  ];
  for (const p of r.proposals)
    lines.push(`  ${p.type.padEnd(9)} ${p.state.padEnd(9)} voters ${String(p.voters).padStart(6)}/${p.eligible} (${pct(p.participation)}) ${p.attack ? "[attack] " : ""}${p.description.slice(0, 70)}`); // prettier-ignore
  for (const m of r.metrics) lines.push(m.measured === null ? `  metric ${m.name}: not measured (no population proposals in this scenario; target ${m.target})` : `  metric ${m.name}: ${m.name === "flashLoanManipulations" ? m.measured : pct(m.measured)} (target ${m.target}) ${m.met ? "met" : "NOT met"}`); // prettier-ignore
  for (const a of r.attacks) lines.push(`  attack ${a.name}: ${a.succeeded ? "SUCCEEDED" : "failed"} (${a.asExpected ? "as expected" : "NOT as expected"}): ${a.magnitude}`); // prettier-ignore
  const f = r.performance;
  lines.push(`  ${f.votes} votes in ${(f.wallTimeMs / 1000).toFixed(1)} s (${f.votesPerSecond} votes/s), gas/vote ${f.gasPerVote.mean}, peak RSS ${(f.peakRssBytes / 2 ** 20).toFixed(0)} MiB`); // prettier-ignore
  return lines.join("\n");
}

async function main(argv: string[]): Promise<void> {
  const p = plan(argv);
  if (p === "exit") return;
  if (p.flags.list === true) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(14)} ${s.description}`);
    return;
  }
  if (p.flags.fork !== undefined) return runForkMode(p);
  const hre = (await import("hardhat")).default;
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const { createProgress } = await import("./lib/simulate/progress.js");
  const { runSimulation } = await import("./lib/simulate/engine.js");
  const { SIMULATION_RESULT_VERSION } = await import("./lib/simulate/types.js");
  const scenario = findScenario(p.flags.scenario)!;
  const run = async (parameters: Partial<SimulationParameters>, label: string) => {
    const progress = createProgress(process.stderr, p.flags.progress);
    const result = await runSimulation({ scenario, agents: p.agents, seed: p.seed, parameters, onProgress: (phase, done, total) => progress.update(`${label} ${phase}`, done, total) }); // prettier-ignore
    progress.done();
    return result;
  };
  let output: SimulationResult | WhatIfResult;
  const baseline = await run(p.parameters, "baseline");
  console.log(summary(baseline));
  if (p.compare.length === 0) output = baseline;
  else {
    const runs: WhatIfResult["runs"] = [{ label: "baseline", changes: {}, result: baseline }];
    for (const c of p.compare) {
      const result = await run({ ...p.parameters, ...c.parameters }, c.label);
      console.log(`\nwhat-if ${c.label}:\n${summary(result)}`);
      runs.push({ label: c.label, changes: c.changes, result });
    }
    output = { version: SIMULATION_RESULT_VERSION, kind: "what-if", scenario: scenario.name, seed: p.seed, agents: p.agents, runs }; // prettier-ignore
  }
  let written;
  try {
    written = await writeReport(output, p.outDir);
  } catch (error) {
    if (!(error instanceof ReportPngsNotWrittenError)) throw error;
    console.error(`simulate: ${error.shortMessage}`);
    written = error.written;
  }
  console.log(`\nResult: ${written.json}${written.html ? `\nReport: ${written.html}` : ""}${written.pngs.length ? `\nCharts: ${written.pngs.join(", ")}` : ""}`); // prettier-ignore
}

try {
  await main(process.argv);
} catch (error) {
  if (error instanceof SimulateUsageError) {
    console.error(`simulate: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
