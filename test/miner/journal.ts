/**
 * The miner's job journal in the SQLite store: records merge over what is known, survive closing and
 * reopening the store file, and the due-job query returns exactly the submitted, undisputed jobs whose
 * journaled challenge window has ended.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { JobJournal } from "../../node/miner/journal.js";
import { openStore } from "../../node/shared/store.js";

describe("miner: job journal (SQLite store)", () => {
  it("merges records, keeps timings, and survives a reopen of the file", () => {
    const path = join(mkdtempSync(join(tmpdir(), "aitbc-journal-")), "miner.sqlite");
    const store = openStore(path);
    const journal = new JobJournal(store);
    journal.record(1n, "claimed", { model: "m", timings: { acceptedAt: 1 } });
    journal.record("1", "inferred", { output: "hi", tokenCount: 2, timings: { inferredAt: 2 } });
    journal.record("0xabc", "claimed", { kind: "batch", request: { nonce: "5" } });
    store.close();
    const again = new JobJournal(openStore(path));
    expect(again.get(1n)).to.deep.include({ state: "inferred", model: "m", output: "hi", tokenCount: 2 });
    expect(again.get(1n)!.timings).to.deep.equal({ acceptedAt: 1, inferredAt: 2 });
    expect(again.open("batch").map((e) => e.jobId)).to.deep.equal(["0xabc"]);
    expect(again.open("job").map((e) => e.jobId)).to.deep.equal(["1"]);
    expect(again.inState("job", "inferred")).to.have.length(1);
    again.store.close();
  });

  it("due(): only submitted, undisputed jobs whose window ended by now", () => {
    const journal = new JobJournal(openStore(":memory:"));
    journal.record("1", "submitted", { challengeEnds: 100 });
    journal.record("2", "submitted", { challengeEnds: 200 });
    journal.record("3", "submitted", { challengeEnds: 50, dispute: "open" });
    journal.record("4", "inferred", { challengeEnds: 10 });
    journal.record("5", "finalized", { challengeEnds: 10 });
    journal.record("0xb", "submitted", { kind: "batch", batchId: "7", challengeEnds: 10 });
    expect(journal.due("job", 150).map((e) => e.jobId)).to.deep.equal(["1"]);
    expect(journal.due("job", 200).map((e) => e.jobId)).to.deep.equal(["1", "2"]);
    expect(journal.due("batch", 150).map((e) => e.jobId)).to.deep.equal(["0xb"]);
    expect(journal.ofBatch("7").map((e) => e.jobId)).to.deep.equal(["0xb"]);
    expect(journal.disputed().map((e) => e.jobId)).to.deep.equal(["3"]);
    expect(journal.counts()).to.deep.equal({ submitted: 4, inferred: 1, finalized: 1 });
  });
});
