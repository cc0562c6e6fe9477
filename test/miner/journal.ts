/** The job journal: replay after a crash at every state, torn last line; GPU detection parsing; limiter. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { JOB_STATES, JobJournal } from "../../scripts/lib/miner/journal.js";
import { detectGpu, parseNvidiaSmi } from "../../scripts/lib/miner/gpu.js";
import { limiter, retry, sleep } from "../../scripts/lib/retry.js";

describe("miner: journal, GPU detection, limiter", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aitbc-journal-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, state] of JOB_STATES.entries()) {
    it(`a crash right after recording '${state}' replays to '${state}' with all earlier data`, () => {
      const path = join(dir, "journal.jsonl");
      const journal = new JobJournal(path);
      for (const s of JOB_STATES.slice(0, i + 1)) {
        if (s === "released" && state !== "released") continue;
        journal.record(
          7n,
          s,
          s === "inferred"
            ? { output: "weather", tokenCount: 1 }
            : s === "submitted"
              ? { txHash: "0xab" }
              : {},
        );
      }
      journal.record(8n, "claimed");
      // no close(): the process "dies" here
      const replayed = new JobJournal(path);
      expect(replayed.get(7n)!.state).to.equal(state);
      if (i >= 1 && state !== "released") expect(replayed.get(7n)!.output).to.equal("weather");
      const open = replayed.open().map((e) => e.jobId);
      expect(open).to.include("8");
      expect(open.includes("7")).to.equal(!["finalized", "released"].includes(state));
      replayed.close();
      journal.close();
    });
  }

  it("ignores a torn last line and appends after it on a line of its own", () => {
    const path = join(dir, "journal.jsonl");
    const journal = new JobJournal(path);
    journal.record(1n, "claimed");
    journal.close();
    appendFileSync(path, '{"jobId":"1","state":"infer');
    const replayed = new JobJournal(path);
    expect(replayed.skipped).to.equal(1);
    expect(replayed.get(1n)!.state).to.equal("claimed");
    replayed.record(1n, "inferred", { output: "x" });
    replayed.close();
    const again = new JobJournal(path);
    expect(again.get(1n)!.state).to.equal("inferred");
    expect(readFileSync(path, "utf8").trim().split("\n")).to.have.length(3);
    again.close();
  });

  it("parses nvidia-smi and falls back to flags, then to a CPU declaration", async () => {
    expect(parseNvidiaSmi("NVIDIA GeForce RTX 4090, 24564\nNVIDIA A100-SXM4-80GB, 81920\n")).to.deep.equal([
      { model: "NVIDIA GeForce RTX 4090", vramGb: 24 },
      { model: "NVIDIA A100-SXM4-80GB", vramGb: 80 },
    ]);
    const fake = join(dir, "nvidia-smi");
    writeFileSync(fake, "#!/bin/sh\necho 'NVIDIA GeForce RTX 4090, 24564'\n");
    chmodSync(fake, 0o755);
    expect(await detectGpu({ nvidiaSmi: fake })).to.deep.include({
      model: "NVIDIA GeForce RTX 4090",
      vramGb: 24,
      source: "nvidia-smi",
    });
    expect(
      await detectGpu({ nvidiaSmi: join(dir, "missing"), model: "RTX 3060", vramGb: 12 }),
    ).to.deep.include({ model: "RTX 3060", vramGb: 12, source: "flags" });
    const saved = process.env.AITBC_GPU_MODEL;
    delete process.env.AITBC_GPU_MODEL;
    expect((await detectGpu({ nvidiaSmi: join(dir, "missing") })).source).to.equal("none");
    if (saved !== undefined) process.env.AITBC_GPU_MODEL = saved;
  });

  it("limiter runs at most n at once; retry backs off and gives up on non-retryable errors", async () => {
    const limit = limiter(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(10);
          running--;
        }),
      ),
    );
    expect(peak).to.equal(2);
    let calls = 0;
    expect(
      await retry(async () => (++calls < 3 ? Promise.reject(new Error("x")) : "ok"), { baseDelayMs: 1 }),
    ).to.equal("ok");
    calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw new Error("fatal");
      },
      { retryIf: () => false },
    ).catch((e: unknown) => e);
    expect((error as Error).message).to.equal("fatal");
    expect(calls).to.equal(1);
  });
});
