/**
 * The record of paid skill calls (node/agents/ledger.ts) on a real SQLite file: one record per
 * payment (a retried record is idempotent, the same payment for another call is refused), completion
 * once, queries by skill and payer, exact bigint totals, and a reopened file keeps everything.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";

import { InvalidAmountError, InvalidSkillPriceError, type PaymentFacts } from "../../sdk/src/index.js";
import { CallLedger, LedgerConflictError, LedgerStateError } from "../../node/agents/ledger.js";
import { openStore } from "../../node/shared/store.js";

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const pay = (n: number, payer: Address, amountWei: bigint): PaymentFacts => ({
  payer,
  amountWei,
  transaction: tx(n),
  network: "eip155:31337",
});
const AIT = 10n ** 18n;
const JOB_KEY = `0x${"22".repeat(32)}` as Hex;

describe("agents: ledger of paid calls", function () {
  let dir: string;
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aitbc-ledger-"));
    clock = 1_760_000_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("records a call once per payment: a retry is idempotent, another call with the same payment is refused", function () {
    const store = openStore(join(dir, "seller.sqlite"));
    const ledger = new CallLedger(store, now);
    const payment = { ...pay(1, ALICE, 3n * AIT), transaction: `0x${"ab".repeat(32)}` as Hex };
    const call = { payment, skill: "summarize", priceWei: 3n * AIT, route: "local", reason: "optimal_local" } as const; // prettier-ignore
    const first = ledger.open(call);
    expect(first.created).to.equal(true);
    expect(first.record).to.deep.equal({
      payer: ALICE.toLowerCase(),
      paidWei: 3000000000000000000n,
      transaction: `0x${"ab".repeat(32)}`,
      network: "eip155:31337",
      skill: "summarize",
      priceWei: 3000000000000000000n,
      route: "local",
      reason: "optimal_local",
      status: "running",
      createdAt: 1_760_000_000_000,
    });
    clock += 5;
    // The same payment again (a retried record, the hash in another case): nothing is duplicated.
    const retry = ledger.open({ ...call, payment: { ...payment, transaction: `0x${"AB".repeat(32)}` } });
    expect(retry.created).to.equal(false);
    expect(retry.record).to.deep.equal(first.record);
    expect(ledger.all()).to.have.length(1);
    // The same payment for another skill, another payer or another amount: refused, nothing written.
    for (const [other, field] of [
      [{ ...call, skill: "translate" }, "skill"],
      [{ ...call, payment: { ...payment, payer: BOB } }, "payer"],
      [{ ...call, payment: { ...payment, amountWei: 1n } }, "amount"],
    ] as const) {
      expect(() => ledger.open(other))
        .to.throw(LedgerConflictError)
        .with.property("field", field);
    }
    expect(ledger.all()).to.deep.equal([first.record]);
    // The same hash on another chain is another payment.
    expect(ledger.open({ ...call, payment: { ...payment, network: "eip155:8453" } }).created).to.equal(true);
    expect(ledger.all()).to.have.length(2);
    store.close();
  });

  it("completes a call once, with the job's receipt, and refuses a contradicting completion", function () {
    const ledger = new CallLedger(openStore(":memory:"), now);
    const payment = pay(2, BOB, 5n);
    ledger.open({ payment, skill: "summarize", priceWei: 5n, route: "local", reason: "optimal_local" });
    clock += 250;
    const job = { jobKey: JOB_KEY, jobId: 41n, feeWei: 12n, tokenCount: 64 };
    const done = ledger.complete(payment, { status: "succeeded", route: "network", reason: "local_failed", job }); // prettier-ignore
    expect(done).to.deep.include({ status: "succeeded", route: "network", reason: "local_failed", completedAt: 1_760_000_000_250 }); // prettier-ignore
    expect(done.job).to.deep.equal({ jobKey: JOB_KEY, jobId: 41n, feeWei: 12n, tokenCount: 64 });
    expect(ledger.complete(payment, { status: "succeeded", route: "network", reason: "local_failed", job })).to.deep.equal(done); // prettier-ignore
    expect(() => ledger.complete(payment, { status: "failed", error: "late" })).to.throw(
      LedgerStateError,
      `the call of payment ${tx(2)} is already succeeded`,
    );
    expect(() => ledger.complete(pay(3, BOB, 5n), { status: "failed", error: "x" })).to.throw(
      LedgerStateError,
    );
    expect(ledger.get(payment)).to.deep.equal(done);
  });

  it("refuses malformed facts and prices before writing", function () {
    const ledger = new CallLedger(openStore(":memory:"), now);
    expect(() =>
      ledger.open({
        payment: pay(4, ALICE, 0n),
        skill: "s",
        priceWei: 1n,
        route: "local",
        reason: "optimal_local",
      }),
    ).to.throw(InvalidAmountError);
    expect(() =>
      ledger.open({
        payment: pay(4, ALICE, 1n),
        skill: "s",
        priceWei: 0n,
        route: "local",
        reason: "optimal_local",
      }),
    ).to.throw(InvalidSkillPriceError);
    expect(ledger.all()).to.deep.equal([]);
  });

  it("answers by skill and by payer, with exact totals per status and route", function () {
    const ledger = new CallLedger(openStore(":memory:"), now);
    const big = 2n ** 70n; // beyond SQLite's 64-bit integers: summed as bigints
    ledger.open({ payment: pay(10, ALICE, big), skill: "summarize", priceWei: big, route: "local", reason: "optimal_local" }); // prettier-ignore
    clock++;
    ledger.open({ payment: pay(11, ALICE, big), skill: "summarize", priceWei: big, route: "network", reason: "model_too_large" }); // prettier-ignore
    clock++;
    ledger.open({ payment: pay(12, BOB, 7n), skill: "translate", priceWei: 7n, route: "network", reason: "no_local_path" }); // prettier-ignore
    clock++;
    ledger.open({ payment: pay(13, BOB, 6n), skill: "translate", priceWei: 7n, route: "network", reason: "no_local_path", status: "refused", error: "underpaid" }); // prettier-ignore
    ledger.complete(pay(10, ALICE, big), { status: "succeeded", route: "local", reason: "optimal_local" });
    ledger.complete(pay(11, ALICE, big), { status: "failed", error: "no provider" });

    expect(ledger.bySkill("summarize").map((c) => c.transaction)).to.deep.equal([tx(10), tx(11)]);
    expect(ledger.byPayer(BOB).map((c) => [c.transaction, c.status])).to.deep.equal([
      [tx(12), "running"],
      [tx(13), "refused"],
    ]);
    expect(ledger.byPayer(BOB.toLowerCase() as Address)).to.have.length(2);
    expect(ledger.totals()).to.deep.equal({
      calls: 4,
      paidWei: 2361183241434822606861n, // 2 × 2^70 + 7 + 6
      byStatus: { running: 1, succeeded: 1, failed: 1, refused: 1 },
      byRoute: {
        local: { calls: 1, paidWei: 1180591620717411303424n },
        network: { calls: 3, paidWei: 1180591620717411303437n },
      },
    });
    expect(ledger.totals({ skill: "translate" })).to.deep.include({ calls: 2, paidWei: 13n });
    expect(ledger.totals({ payer: ALICE, skill: "translate" })).to.deep.include({ calls: 0, paidWei: 0n });
    expect(ledger.totals({ payer: ALICE }).paidWei).to.equal(2n ** 71n);
  });

  it("keeps every record across a restart (the file reopened)", function () {
    const path = join(dir, "seller.sqlite");
    const first = openStore(path);
    const ledger = new CallLedger(first, now);
    ledger.open({ payment: pay(20, ALICE, 9n), skill: "summarize", priceWei: 9n, route: "network", reason: "high_complexity" }); // prettier-ignore
    ledger.complete(pay(20, ALICE, 9n), { status: "succeeded", route: "network", reason: "high_complexity", job: { jobKey: JOB_KEY, jobId: 3n } }); // prettier-ignore
    ledger.open({ payment: pay(21, BOB, 9n), skill: "summarize", priceWei: 9n, route: "local", reason: "optimal_local" }); // prettier-ignore
    const before = ledger.all();
    first.close();

    const second = openStore(path);
    const reopened = new CallLedger(second, now);
    expect(reopened.all()).to.deep.equal(before);
    expect(reopened.get(pay(20, ALICE, 9n))?.job).to.deep.equal({ jobKey: JOB_KEY, jobId: 3n });
    // Idempotency survives the restart: the same payment is not recorded twice.
    const again = reopened.open({ payment: pay(20, ALICE, 9n), skill: "summarize", priceWei: 9n, route: "network", reason: "high_complexity" }); // prettier-ignore
    expect(again.created).to.equal(false);
    expect(again.record.status).to.equal("succeeded");
    expect(reopened.totals()).to.deep.include({ calls: 2, paidWei: 18n });
    second.close();
  });
});
