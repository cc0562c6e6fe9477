/**
 * The node benchmark's own parts (bench/node-*.ts) and the test server's timing settings: the
 * percentiles, the flag rewriting applied to the commands the deploy prints, the request loop's
 * accounting of failures, and `REALISTIC_TIMING`-style answers (length, a `stream: false` answer
 * that waits for its tokens). Timing is checked only from below (an answer cannot come before its
 * tokens are generated), never against a wall-clock budget.
 */
import { expect } from "chai";
import { Ollama } from "ollama";

import { printedCommands, withFlags } from "../../bench/node-processes.js";
import { percentile, runLoad, summarize } from "../../bench/node-stats.js";
import { fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

describe("node bench: statistics, flags, request loop", function () {
  let server: FakeOllama | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("percentile by nearest rank; summarize of an empty list is NaN, not a throw", () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted order
    expect(percentile(values, 0.5)).to.equal(10);
    expect(percentile(values, 0.95)).to.equal(19);
    expect(percentile(values, 1)).to.equal(20);
    expect(percentile([7], 0.95)).to.equal(7);
    expect(() => percentile([], 0.5)).to.throw(RangeError);
    const s = summarize([3, 1, 2]);
    expect(s).to.deep.equal({ n: 3, median: 2, p95: 3, min: 1, max: 3 });
    expect(summarize([]).n).to.equal(0);
    expect(Number.isNaN(summarize([]).median)).to.equal(true);
  });

  it("withFlags replaces, appends and removes flags of a printed command", () => {
    const printed = ["--rpc-url", "http://x", "--backend", "builtin", "--journal", "m.jsonl", "--verbose"];
    const out = withFlags(printed, {
      "--backend": "ollama",
      "--journal": null,
      "--port": "9",
      "--verbose": null,
    });
    expect(out).to.deep.equal(["--rpc-url", "http://x", "--backend", "ollama", "--port", "9"]);
    const deploy =
      "x\n  npm run miner -- --private-key 0x1 --journal a\n  npm run miner -- --private-key 0x2\n";
    expect(printedCommands(deploy, "miner")).to.deep.equal([["--private-key", "0x1", "--journal", "a"], ["--private-key", "0x2"]]); // prettier-ignore
  });

  it("runLoad counts failed requests and goes on; answers have answerTokens tokens", async () => {
    server = await startFakeOllama({ faults: { answerTokens: 12, tokenDelayMs: 1 } });
    server.faults.failNext = 2;
    const run = await runLoad({ host: server.url, model: "llama3.2:1b", requests: 6, concurrency: 2, prompt: (i) => `q ${i}` }); // prettier-ignore
    expect(run.failures).to.have.length(2);
    expect(run.samples).to.have.length(4);
    for (const s of run.samples) {
      expect(s.text).to.equal(fakeAnswer("llama3.2:1b", `q ${s.index}`, 0, 12).join(""));
      expect(s.chunks).to.equal(12);
      expect(s.firstTokenMs).to.be.at.most(s.fullMs);
    }
  });

  it("stream: false waits for the whole answer's tokens; eval_count is the answer's length", async () => {
    server = await startFakeOllama({ faults: { answerTokens: 10, tokenDelayMs: 20, delayMs: 10 } });
    const started = performance.now();
    const r = await new Ollama({ host: server.url }).generate({ model: "llama3.2:1b", prompt: "hi", stream: false }); // prettier-ignore
    const elapsed = performance.now() - started;
    expect(r.eval_count).to.equal(10);
    expect(r.response).to.equal(fakeAnswer("llama3.2:1b", "hi", 0, 10).join(""));
    // timers may fire up to ~1 ms early each: 10 + 10 × 20 ms, with that slack
    expect(elapsed).to.be.at.least(200);
    expect(r.prompt_eval_duration).to.equal(10_000_000);
  });
});
