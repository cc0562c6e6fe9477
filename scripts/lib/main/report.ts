/**
 * The main job's report: the jobs, miners and gas tables, the summary, and the JSON report with the
 * all-in gas per job of each path (batch: deposit + settleBatch + finalizeBatch + withdraw; per job:
 * open + submit + finalize + withdraw) and the batch sizes used.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";

import type { PublicClient } from "viem";

import type { AitbcContracts } from "@aitbc/sdk";
import { formatTokens, renderTable } from "../../../node/shared/format.js";
import type { MainOptions } from "../main-options.js";
import type { ChosenBackend } from "./backend.js";
import { gasFromChain, type GasTable } from "./gas.js";
import type { GrantResult } from "./governance.js";
import type { JobResult } from "./market.js";
import { PRICE, type Network } from "./network.js";
import type { Settlement } from "./settle.js";

/** Everything the main job measured. */
export interface MainRun {
  chosen: ChosenBackend;
  /** The model's digest (bytes32). */
  digest: string;
  opts: MainOptions;
  chainId: bigint;
  deploymentFile: string;
  net: Network;
  results: JobResult[];
  jobsWallMs: number;
  settlement: Settlement;
  grant: GrantResult;
  /** `performance.now()` when the job started, ms. */
  wallStart: number;
  /** Reads the receipts for the gas table. */
  publicClient: PublicClient;
  contracts: AitbcContracts;
  /** The last block of the market phase. */
  toBlock: bigint;
}

const n = (x: bigint) => x.toLocaleString("en-US");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};
const perJob = (total: bigint, count: number) => (count > 0 ? total / BigInt(count) : 0n);

/** The all-in gas per job of the batch path and of the per-job path, from the same run's receipts. */
export function pathReports(gas: GasTable, run: MainRun) {
  const gasOf = (...labels: string[]) => labels.reduce((s, l) => s + (gas.get(l)?.total ?? 0n), 0n);
  const batchJobs = run.results.filter((r) => r.path === "batch").length;
  const singleJobs = run.results.filter((r) => r.path === "per-job").length;
  const records = run.net.miners.flatMap((m) => m.batcher?.batches ?? []);
  const b = { deposit: gasOf("deposit (agent wallet payInto)"), settle: gasOf("settleBatch"), finalize: gasOf("finalizeBatch"), withdraw: gasOf("withdraw (batch)") }; // prettier-ignore
  const bTotal = b.deposit + b.settle + b.finalize + b.withdraw;
  const s = { open: gasOf("openJobWithQuote (agent wallet)", "openJob (agent wallet)", "claim"), submit: gasOf("submitResult", "submitInferenceResult"), finalize: gasOf("finalize"), withdraw: gasOf("withdraw") }; // prettier-ignore
  const sTotal = s.open + s.submit + s.finalize + s.withdraw;
  const batchReport = {
    jobs: batchJobs,
    batches: records.length,
    sizes: records.map((r) => r.jobs),
    maxWaitS: run.opts.batchMaxWaitS,
    batchSize: run.opts.batchSize,
    proveMs: records.map((r) => Math.round(r.proveMs)),
    gas: { ...b, total: bTotal },
    gasPerJob: { deposit: perJob(b.deposit, batchJobs), settle: perJob(b.settle, batchJobs), finalize: perJob(b.finalize, batchJobs), withdraw: perJob(b.withdraw, batchJobs), total: perJob(bTotal, batchJobs) }, // prettier-ignore
  };
  const singleReport = {
    jobs: singleJobs,
    gas: { ...s, total: sTotal },
    gasPerJob: { open: perJob(s.open, singleJobs), submit: perJob(s.submit, singleJobs), finalize: perJob(s.finalize, singleJobs), withdraw: perJob(s.withdraw, singleJobs), total: perJob(sTotal, singleJobs) }, // prettier-ignore
  };
  return { batchReport, singleReport };
}

/** The jobs with the miners' timings (inference, receipt proof, submission), and the medians. */
export function jobTimings(run: MainRun) {
  const timings = run.net.miners.flatMap((m) => m.timings);
  const timingOf = new Map(timings.map((x) => [x.jobId, x]));
  const jobs = run.results.map((r, i) => {
    const timing = timingOf.get(r.jobId);
    return { ...r, status: run.settlement.statuses[i]!, inferenceMs: timing?.inferenceMs, receiptProofMs: timing?.proveMs, submitMs: timing?.submitMs }; // prettier-ignore
  });
  const medians = {
    medianInferenceMs: median(timings.map((x) => x.inferenceMs)),
    medianReceiptProofMs: median(timings.map((x) => x.proveMs)),
    medianSubmitMs: median(timings.map((x) => x.submitMs)),
  };
  return { jobs, timings, medians };
}

type Derived = ReturnType<typeof pathReports> & ReturnType<typeof jobTimings> & { gas: GasTable };

/** Prints the jobs, miners and gas tables. */
export function printTables(run: MainRun, d: Derived): void {
  const ms = (x: number | undefined) => (x === undefined ? "" : String(Math.round(x)));
  console.log("\nJobs (sent through the gateway with the ollama client; fee = tokens × 0.001 AITBC):");
  console.log(renderTable(["job", "prompt", "answer", "tokens", "fee (AITBC)", "provider", "matched", "status", "inference ms", "receipt proof ms", "total ms"], d.jobs.map((r) => [r.jobId, r.prompt.slice(0, 40), r.answer.slice(0, 30), String(r.tokens), formatTokens(r.fee, 4), r.provider.slice(0, 10), r.matched, r.status, ms(r.inferenceMs), ms(r.receiptProofMs), ms(r.ms)]), [3, 4, 8, 9, 10])); // prettier-ignore
  console.log("\nMiners (trust score 0–1000 after the jobs and the coordinator's performance report):");
  console.log(renderTable(["provider", "jobs settled", "trust score", "tier", "balance (AITBC)"], run.settlement.trust.map((x) => [x.provider, String(x.jobs), String(x.score), x.tier, formatTokens(x.balance)]), [1, 2, 4])); // prettier-ignore
  console.log(
    "\nGas per action (every market transaction's receipt; the proposal's steps are in the table above):",
  );
  console.log(renderTable(["action", "count", "mean gas", "total gas"], [...d.gas].map(([k, v]) => [k, String(v.count), n(v.total / BigInt(v.count)), n(v.total)]), [1, 2, 3])); // prettier-ignore
}

/** The rows of the summary table. */
export function summaryRows(run: MainRun, d: Derived, wallS: number, processS: number): string[][] {
  const { results, opts, net, settlement, grant } = run;
  const { batchReport: b, singleReport: s, medians } = d;
  const settled = d.jobs.filter((j) => j.status === "Settled").length;
  const quotes = net.miners.map((m) => m.quotes);
  const proposalGas = grant.steps.reduce((sum, x) => sum + BigInt(x.gas.replace(/,/g, "") || "0"), 0n);
  const fees = results.reduce((sum, r) => sum + r.fee, 0n);
  return [
    ["backend", run.chosen.note],
    ["jobs", `${results.length} sent, ${results.length} answered, ${settled} settled on-chain`],
    ["matching", `${results.filter((r) => r.matched === "quote").length} by quote (providers found in the ServiceRegistry, signed offers ranked by the gateway → the miner's signed quote → openJobWithQuote), ${b.jobs} by signed batch request sent to the miner directly; quotes signed ${quotes.reduce((x, q) => x + q.signed, 0)}, refused ${quotes.reduce((x, q) => x + q.refused, 0)}`], // prettier-ignore
    ["fees paid by the agent wallet", `${formatTokens(fees, 4)} AITBC`],
    ["batches", b.batches > 0 ? `${b.jobs} jobs in ${b.batches} batch(es) of sizes ${b.sizes.join(", ")} (batch size ${opts.batchSize}, max wait ${opts.batchMaxWaitS} s); each settled once` : "none"], // prettier-ignore
    ["gas per job, batch path (all-in)", b.jobs > 0 ? `${n(b.gasPerJob.total)} (deposit ${n(b.gasPerJob.deposit)} + settle ${n(b.gasPerJob.settle)} + finalize ${n(b.gasPerJob.finalize)} + withdraw ${n(b.gasPerJob.withdraw)})` : "—"], // prettier-ignore
    ["gas per job, per-job path (all-in)", s.jobs > 0 ? `${n(s.gasPerJob.total)} (open ${n(s.gasPerJob.open)} + submit ${n(s.gasPerJob.submit)} + finalize ${n(s.gasPerJob.finalize)} + withdraw ${n(s.gasPerJob.withdraw)}), ${s.jobs} job(s)` : "—"], // prettier-ignore
    ["jobs per minute (gateway, wall)", (results.length / (run.jobsWallMs / 60_000)).toFixed(1)],
    [run.chosen.backend.kind === "builtin" ? "median inference (incl. its proof of inference)" : "median inference", `${medians.medianInferenceMs.toFixed(0)} ms`], // prettier-ignore
    ["median receipt proof (Groth16)", `${medians.medianReceiptProofMs.toFixed(0)} ms`],
    ["median submitResult (tx + receipt)", `${medians.medianSubmitMs.toFixed(0)} ms`],
    ["coordinator re-executions / disputes", `${net.coordinator.watcher.checks().length} / ${net.coordinator.watcher.disputes().length}`], // prettier-ignore
    ["settlement: result → finalization", `challenge window ${settlement.challengeWindow / 3600} h of chain time; ${(settlement.settleMs / 1000).toFixed(1)} s wall after it`], // prettier-ignore
    ["trust scores", settlement.trust.map((x) => `${x.provider.slice(0, 10)}… ${x.score} (${x.tier})`).join(", ")], // prettier-ignore
    ["proposal", `${grant.finalState}; For ${formatTokens(grant.tally.for, 0)}, Against ${formatTokens(grant.tally.against, 0)}, Abstain ${formatTokens(grant.tally.abstain, 0)}; quorum ${formatTokens(grant.tally.quorum, 0)}; ${n(proposalGas)} gas`], // prettier-ignore
    ["wall time", `${wallS.toFixed(1)} s in the job, ${processS.toFixed(1)} s since Hardhat started`],
  ];
}

/** The JSON report's content (bigints as decimal strings when written). */
export function reportJson(run: MainRun, d: Derived, wallS: number, processS: number) {
  const { results, net, settlement, grant, chosen } = run;
  const count = (m: string) => results.filter((r) => r.matched === m).length;
  const proposalGas = grant.steps.reduce((sum, x) => sum + BigInt(x.gas.replace(/,/g, "") || "0"), 0n);
  return {
    backend: { kind: chosen.backend.kind, model: chosen.model, modelDigest: run.digest, host: chosen.host ?? null, reason: chosen.reason, note: chosen.note }, // prettier-ignore
    chainId: Number(run.chainId),
    wallTimeS: wallS,
    processTimeS: processS,
    prompts: run.opts.prompts,
    deployment: run.deploymentFile,
    jobs: d.jobs,
    totals: {
      sent: results.length,
      answered: results.length,
      settled: d.jobs.filter((j) => j.status === "Settled").length,
      fees: results.reduce((sum, r) => sum + r.fee, 0n),
      pricePerToken: PRICE,
      jobsPerMinute: results.length / (run.jobsWallMs / 60_000),
      jobsWallMs: run.jobsWallMs,
      matchedByQuote: count("quote"),
      matchedBatch: count("batch"),
    },
    batches: d.batchReport,
    perJobPath: d.singleReport,
    minerTimings: { ...d.medians, perJob: d.timings },
    settlement: { challengeWindowS: settlement.challengeWindow, wallMsAfterWindow: settlement.settleMs },
    gas: Object.fromEntries([...d.gas].map(([k, v]) => [k, { count: v.count, mean: v.total / BigInt(v.count), total: v.total }])), // prettier-ignore
    trust: settlement.trust,
    quotes: net.miners.map((m) => ({
      provider: m.address,
      ask: PRICE,
      signed: m.quotes.signed,
      refused: m.quotes.refused,
    })),
    coordinator: { checks: net.coordinator.watcher.checks(), disputes: net.coordinator.watcher.disputes(), performance: net.coordinator.performance(), performanceReports: settlement.reports }, // prettier-ignore
    proposal: { ...grant, gasTotal: proposalGas },
  };
}

/**
 * Prints the tables and the summary, and writes the JSON report to `opts.report`.
 *
 * @returns the path written, relative to where the command was started when inside it
 */
export async function writeMainReport(run: MainRun): Promise<string> {
  const gas = await gasFromChain(run.publicClient, run.contracts, run.net.fromBlock, run.toBlock);
  const d: Derived = { gas, ...pathReports(gas, run), ...jobTimings(run) };
  printTables(run, d);
  const wallS = (performance.now() - run.wallStart) / 1000;
  const processS = performance.now() / 1000; // since this Node process started (Hardhat's start-up and compile check included)
  console.log("\nSummary:");
  console.log(renderTable(["", ""], summaryRows(run, d, wallS, processS), []));
  mkdirSync(dirname(run.opts.report), { recursive: true });
  const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : (x as unknown)), 2); // prettier-ignore
  writeFileSync(run.opts.report, json(reportJson(run, d, wallS, processS)) + "\n");
  const shown = relative(process.env.INIT_CWD ?? process.cwd(), run.opts.report);
  return shown.startsWith("..") ? run.opts.report : shown;
}
