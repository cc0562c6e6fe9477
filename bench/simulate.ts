/**
 * `npm run bench:simulate`: the governance twin's scaling benchmark. Runs the `normal` scenario (2 weeks,
 * 8 proposals, seed 1) at 100, 1,000 and 10,000 participants, one after the other in this process, and
 * prints and writes (reports/bench-simulate.json) for each: wall time, set-up time, votes, votes per
 * second, transactions, gas per vote and peak RSS; and the ratios time(10k)/time(1k) and
 * time(1k)/time(100) (linear growth: about 10). Machine-dependent figures: a benchmark, never a test.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";

import { runSimulation } from "../scripts/lib/simulate/engine.js";
import { createProgress } from "../scripts/lib/simulate/progress.js";
import { normal } from "../scripts/lib/simulate/scenarios/normal.js";

const SIZES = (process.env.AITBC_BENCH_SIMULATE_SIZES ?? "100,1000,10000").split(",").map(Number);
const rows: Record<string, number | string>[] = [];
for (const agents of SIZES) {
  const progress = createProgress();
  const r = await runSimulation({ scenario: normal, agents, seed: 1, onProgress: (phase, done, total) => progress.update(`${agents} agents: ${phase}`, done, total) }); // prettier-ignore
  progress.done();
  const f = r.performance;
  const row = {
    agents,
    wallTimeS: Math.round(f.wallTimeMs / 100) / 10,
    setupS: Math.round(f.setupMs / 100) / 10,
    votes: f.votes,
    votesPerSecond: f.votesPerSecond,
    transactions: f.transactions,
    gasPerVoteMean: f.gasPerVote.mean,
    gasPerVoteMin: f.gasPerVote.min,
    gasPerVoteMax: f.gasPerVote.max,
    peakRssMiB: Math.round(f.peakRssBytes / 2 ** 20),
    proposals: r.proposals.length,
    executed: r.proposals.filter((p) => p.state === "Executed").length,
    participation: r.metrics.find((m) => m.name === "participation")!.measured ?? "not measured",
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
const time = (n: number) => Number(rows.find((r) => r.agents === n)?.wallTimeS ?? NaN);
const ratios = {
  "time(10k)/time(1k)": Math.round((time(10_000) / time(1_000)) * 100) / 100,
  "time(1k)/time(100)": Math.round((time(1_000) / time(100)) * 100) / 100,
};
const out = { date: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`, node: process.version, rows, ratios }; // prettier-ignore
console.table(rows);
console.log(ratios);
await mkdir("reports", { recursive: true });
await writeFile("reports/bench-simulate.json", `${JSON.stringify(out, null, 2)}\n`);
console.log("Written: reports/bench-simulate.json");
