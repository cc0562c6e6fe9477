/**
 * The main job as the README runs it, in child processes: `npm run demo`'s command line
 * (`scripts/main-cli.ts`: flags, `--help`, unknown flags) and `hardhat run --no-compile
 * scripts/main.ts` with environment variables. User mistakes must be one readable line on stderr
 * with exit code 1 (no stack trace); a full run with a few prompts must write a JSON report in
 * which every job is settled and the proposal executed. Deployment records go to a temporary
 * folder (AITBC_DEPLOYMENTS_DIR), so the committed `deployments/31337.json` stays untouched.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";

import { startFakeOllama, type FakeOllama } from "./helpers/ollama-server.js";

const ROOT = resolve(import.meta.dirname, "..");
const HARDHAT = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
const COMMITTED_DEPLOYMENT = join(ROOT, "deployments", "31337.json");
/** Nothing listens on port 9 (discard) here: "no Ollama answered", whatever runs on the machine. */
const NO_OLLAMA = "http://127.0.0.1:9";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` in the repository root with extra environment variables; collects the output. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, OLLAMA_HOST: NO_OLLAMA, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

const cli = (args: string[], env?: NodeJS.ProcessEnv) =>
  run(["--import", "tsx", "scripts/main-cli.ts", ...args], env);
const mainJob = (env: NodeJS.ProcessEnv) => run([HARDHAT, "run", "--no-compile", "scripts/main.ts"], env);

/** Exit code 1 and exactly one line on stderr, containing `message`, without a stack trace. */
function expectOneLineError(r: Run, message: string | RegExp) {
  const lines = r.stderr.split("\n").filter((l) => l.trim());
  const all = `stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(-2_000)}`;
  expect(r.code, all).to.equal(1);
  expect(lines, all).to.have.length(1);
  expect(lines[0], all).to.match(/^main: /);
  if (typeof message === "string") expect(lines[0], all).to.include(message);
  else expect(lines[0], all).to.match(message);
  expect(r.stderr, all).to.not.match(/^\s+at /m);
}

describe("the main job (npm run demo) as a child process", function () {
  let dir: string;
  let committed: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "aitbc-main-job-"));
    committed = readFileSync(COMMITTED_DEPLOYMENT, "utf8");
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(readFileSync(COMMITTED_DEPLOYMENT, "utf8"), "deployments/31337.json was rewritten").to.equal(
      committed,
    );
  });

  describe("command line", () => {
    it("--help prints the usage with every flag and exits 0", async () => {
      const r = await cli(["--help"]);
      expect(r.code, r.stderr).to.equal(0);
      for (const flag of [
        "--prompts",
        "--report",
        "--ollama-host",
        "--model",
        "--concurrency",
        "--deployments-dir",
      ])
        expect(r.stdout).to.include(flag);
      expect(r.stdout).to.include("npm run demo:dao");
    });

    it("an unknown flag is an error naming it, exit 1", async () => {
      const r = await cli(["--prompt", "x.jsonl"]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("unknown option '--prompt'");
      expect(r.stderr).to.include("--help");
    });

    it("--prompts reaches the job: a missing file is one line, exit 1", async () => {
      const r = await cli(["--prompts", join(dir, "missing.jsonl")]);
      expectOneLineError(r, `cannot read the prompts file ${join(dir, "missing.jsonl")}: no such file`);
    });
  });

  describe("user mistakes in scripts/main.ts (environment variables)", () => {
    it("a missing prompts file", async () => {
      const r = await mainJob({ AITBC_PROMPTS: join(dir, "missing.jsonl") });
      expectOneLineError(r, "no such file");
    });

    it("an empty prompts file", async () => {
      const file = join(dir, "empty.jsonl");
      writeFileSync(file, "\n  \n");
      const r = await mainJob({ AITBC_PROMPTS: file });
      expectOneLineError(r, `the prompts file ${file} has no prompts`);
    });

    it("a malformed JSON line, named by its number", async () => {
      const file = join(dir, "bad.jsonl");
      writeFileSync(file, '{"prompt": "will it rain"}\n\n{"prompt": will it snow}\n');
      const r = await mainJob({ AITBC_PROMPTS: file });
      expectOneLineError(r, `${file} line 3 is not valid JSON`);
    });

    it("an Ollama that answers but has no models", async () => {
      let ollama: FakeOllama | undefined;
      try {
        ollama = await startFakeOllama({ models: [] });
        const r = await mainJob({ OLLAMA_HOST: ollama.url });
        expectOneLineError(r, /answers but has no models: pull one first/);
      } finally {
        await ollama?.close();
      }
    });
  });

  it("runs the whole job with three prompts and writes a report in which everything settled", async () => {
    const prompts = join(dir, "prompts.jsonl");
    writeFileSync(
      prompts,
      [
        { prompt: "Will it rain in Paris tomorrow afternoon?" },
        { prompt: "Who won the football match last night?" },
        { messages: [{ role: "user", content: "Should I buy index funds or bonds?" }] },
      ]
        .map((p) => JSON.stringify(p))
        .join("\n") + "\n",
    );
    const report = join(dir, "report.json");
    const deployments = join(dir, "deployments");
    const r = await cli([
      "--no-compile",
      "--prompts",
      prompts,
      "--report",
      report,
      "--deployments-dir",
      deployments,
      "--ollama-host",
      NO_OLLAMA,
    ]);
    expect(r.code, `${r.stderr}\n${r.stdout.slice(-3_000)}`).to.equal(0);
    expect(r.stdout).to.include(`report written to ${report}`);
    for (const section of ["Jobs", "Miners (trust score", "Gas per action", "Summary:", "Tally:"])
      expect(r.stdout).to.include(section);

    type PathGas = Record<string, string>;
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      backend: { kind: string; model: string; reason: string };
      jobs: {
        status: string;
        fee: string;
        tokens: number;
        receiptProofMs?: number;
        answer: string;
        matched: string;
        path: string;
        batch?: { batch_id: string; request_digest: string };
      }[];
      totals: { sent: number; settled: number; fees: string; matchedByQuote: number; matchedBatch: number }; // prettier-ignore
      gas: Record<string, { count: number; mean: string; total: string }>;
      batches: { jobs: number; batches: number; sizes: number[]; gas: PathGas; gasPerJob: PathGas };
      perJobPath: { jobs: number; gas: PathGas; gasPerJob: PathGas };
      trust: { provider: string; score: number; tier: string }[];
      proposal: {
        finalState: string;
        tally: { for: string; against: string; abstain: string };
        steps: unknown[];
        explained: { voter: string; support: string; reasons: string[] }[];
      };
      wallTimeS: number;
    };
    expect(json.backend.kind).to.equal("builtin");
    expect(json.backend.reason).to.include(`OLLAMA_HOST=${NO_OLLAMA} did not answer`);
    expect(json.jobs).to.have.length(3);
    expect(json.jobs.map((j) => j.status)).to.deep.equal(["Settled", "Settled", "Settled"]);
    expect(json.jobs.map((j) => j.answer)).to.deep.equal(["weather", "sports", "finance"]);
    for (const j of json.jobs) expect(BigInt(j.fee)).to.equal(BigInt(j.tokens) * 10n ** 15n);
    expect(json.totals).to.include({ sent: 3, settled: 3 });
    expect(BigInt(json.totals.fees)).to.equal(json.jobs.reduce((s, j) => s + BigInt(j.fee), 0n));
    // the first 2 prompts take the per-job path (built-in model: submitInferenceResult), the third a batch
    expect(json.jobs.map((j) => j.path)).to.deep.equal(["per-job", "per-job", "batch"]);
    const perJob = json.jobs.filter((j) => j.path === "per-job");
    for (const j of perJob) expect(j.receiptProofMs).to.be.a("number").greaterThan(0);
    for (const action of ["submitInferenceResult", "finalize"]) expect(json.gas[action]?.count, action).to.equal(2); // prettier-ignore
    expect(json.gas.submitResult).to.equal(undefined);
    // each per-job job is matched by a miner's signed quote, found with no relay (opened assigned, no claim)
    const { matchedByQuote, matchedBatch } = json.totals;
    expect(matchedByQuote).to.equal(2);
    expect(matchedBatch).to.equal(1);
    expect(json.jobs.filter((j) => j.matched === "quote")).to.have.length(2);
    expect(json.gas["openJobWithQuote (agent wallet)"]?.count).to.equal(2);
    expect(json.gas["openJob (agent wallet)"]).to.equal(undefined);
    expect(json.gas.claim).to.equal(undefined);
    // both miners published their service URI in the ServiceRegistry
    expect(json.gas.setServiceURI?.count).to.equal(2);
    // the batch path: one deposit through the wallet, the batch sizes used, every batch settled and finalized once
    const batchJob = json.jobs[2]!;
    expect(batchJob.matched).to.equal("batch");
    expect(batchJob.batch?.request_digest).to.match(/^0x[0-9a-f]{64}$/);
    expect(json.batches.jobs).to.equal(1);
    expect(json.batches.sizes).to.deep.equal([1]);
    expect(json.gas.settleBatch?.count).to.equal(json.batches.batches);
    expect(json.gas.finalizeBatch?.count).to.equal(json.batches.batches);
    expect(json.gas["deposit (agent wallet payInto)"]?.count).to.equal(1);
    const sum = (g: PathGas, keys: string[]) => keys.reduce((s, k) => s + BigInt(g[k]!), 0n);
    expect(sum(json.batches.gas, ["deposit", "settle", "finalize", "withdraw"])).to.equal(BigInt(json.batches.gas.total!)); // prettier-ignore
    expect(BigInt(json.batches.gasPerJob.total!)).to.equal(BigInt(json.batches.gas.total!) / 1n);
    expect(json.batches.gas.settle).to.equal(json.gas.settleBatch!.total);
    expect(json.perJobPath.jobs).to.equal(2);
    expect(sum(json.perJobPath.gas, ["open", "submit", "finalize", "withdraw"])).to.equal(BigInt(json.perJobPath.gas.total!)); // prettier-ignore
    expect(BigInt(json.perJobPath.gasPerJob.total!)).to.equal(BigInt(json.perJobPath.gas.total!) / 2n);
    expect(r.stdout).to.match(/gas per job, batch path \(all-in\)/);
    expect(r.stdout).to.match(/matching[\s│]+\d by quote/);
    expect(json.trust).to.have.length(2);
    expect(json.trust.some((t) => t.score > 500)).to.equal(true);
    expect(json.proposal.finalState).to.equal("Executed");
    expect(BigInt(json.proposal.tally.for)).to.be.greaterThan(0n);
    // the consumer agent wallet voted autonomously: a 250,000 AITBC grant is a Resource proposal (derived
    // from its treasury transfer), +0.05 for a Consumer: 0.55, at or below the 0.7 threshold: Against
    expect(json.proposal.explained).to.deep.equal([
      { voter: "consumer agent wallet (autonomous, agent key)", support: "Against", reasons: ["+0.05 Resource proposal", "score 0.550 ≤ threshold 0.7: vote Against"] }, // prettier-ignore
    ]);
    expect(r.stdout).to.match(/\[voter\] Consumer agent 0x[0-9a-fA-F]{40} votes Against on proposal/);
    expect(BigInt(json.proposal.tally.against)).to.be.greaterThan(0n);
    expect(json.wallTimeS).to.be.a("number");
    const record = JSON.parse(readFileSync(join(deployments, "31337.json"), "utf8")) as {
      contracts: Record<string, string>;
    };
    expect(record.contracts).to.include.keys("JobEscrow", "OpenClawGovernor", "AgentWalletFactory");
    expect(existsSync(join(ROOT, "reports", "report.json"))).to.equal(false);
  });

  it("uses the Ollama at OLLAMA_HOST when it answers, and says so", async () => {
    const ollama = await startFakeOllama();
    try {
      const prompts = join(dir, "one.jsonl");
      writeFileSync(prompts, '{"prompt": "Will it rain in Paris tomorrow afternoon?"}\n');
      const report = join(dir, "ollama-report.json");
      const r = await mainJob({
        AITBC_PROMPTS: prompts,
        AITBC_REPORT: report,
        AITBC_DEPLOYMENTS_DIR: join(dir, "deployments-ollama"),
        OLLAMA_HOST: ollama.url,
      });
      expect(r.code, `${r.stderr}\n${r.stdout.slice(-3_000)}`).to.equal(0);
      const json = JSON.parse(readFileSync(report, "utf8")) as {
        backend: { kind: string; model: string; reason: string };
        jobs: { status: string }[];
        proposal: { finalState: string };
      };
      expect(json.backend.kind).to.equal("ollama");
      expect(json.backend.model).to.equal(ollama.models[0]!.name);
      expect(json.backend.reason).to.include(`answered at ${ollama.url}`);
      expect(json.jobs.map((j) => j.status)).to.deep.equal(["Settled"]);
      expect(json.proposal.finalState).to.equal("Executed");
      expect(ollama.requests).to.be.greaterThan(0);
    } finally {
      await ollama.close();
    }
  });
});
