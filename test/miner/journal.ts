/** The job journal: replay after a crash at every state, torn last line; GPU detection parsing; limiter. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { JOB_STATES, JobJournal } from "../../node/miner/journal.js";
import { detectGpu, parseNvidiaSmi } from "../../node/miner/gpu.js";
import { limiter, retry, sleep } from "../../node/shared/retry.js";

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

  it("a batch job replays with its signed request, batch attempt and batch, beside per-job jobs", () => {
    const path = join(dir, "journal.jsonl");
    const digest = `0x${"ab".repeat(32)}`;
    const request = { consumer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", provider: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", modelDigest: `0x${"11".repeat(32)}`, promptHash: `0x${"22".repeat(32)}`, pricePerToken: "1000000000000000", maxTokens: "64", deadline: "2000000000", nonce: "115792089237316195423570985008687907853269984665640564039457584007913129639935" }; // prettier-ignore
    const journal = new JobJournal(path);
    journal.record(digest, "claimed", { kind: "batch", request, signature: "0x1234" });
    journal.record(digest, "inferred", { output: "weather", outputHash: `0x${"33".repeat(32)}`, tokenCount: 1, inference: "0xbeef" }); // prettier-ignore
    journal.record(digest, "proved", { batchKey: "k1" });
    journal.record(9n, "claimed");
    journal.record(digest, "submitted", { batchId: "4", txHash: "0xab", challengeEnds: 1_900_000_000 });
    // the process dies in the middle of the next record
    appendFileSync(path, `{"jobId":"${digest}","state":"finalized","at":"`);
    const replayed = new JobJournal(path);
    const e = replayed.get(digest)!;
    expect(e.state).to.equal("submitted");
    expect(e.kind).to.equal("batch");
    expect(e.request).to.deep.equal(request); // a 256-bit nonce survives as a decimal string
    expect([e.signature, e.inference, e.batchKey, e.batchId, e.challengeEnds]).to.deep.equal(["0x1234", "0xbeef", "k1", "4", 1_900_000_000]); // prettier-ignore
    expect(replayed.get(9n)!.kind).to.equal(undefined);
    expect(
      replayed
        .open()
        .map((x) => x.jobId)
        .sort(),
    ).to.deep.equal([digest, "9"].sort());
    replayed.record(digest, "finalized");
    replayed.close();
    expect(new JobJournal(path).open().map((x) => x.jobId)).to.deep.equal(["9"]);
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
