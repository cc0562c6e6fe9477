/**
 * Two coordinators side by side on one chain (separate accounts and stores) check the same made-up
 * result: both re-execute it, exactly one dispute reaches the escrow, and the other coordinator records
 * the escrow's custom error (`EscrowWrongStatus`) calmly — no retry, no second bond.
 */
import { expect } from "chai";

import { OllamaBackend, type InferenceRequest } from "../../node/backends/backend.js";
import { Coordinator } from "../../node/coordinator/coordinator.js";
import { sleep } from "../../node/shared/retry.js";
import { openStore, type Store } from "../../node/shared/store.js";
import { Status } from "../helpers/market.js";
import { coordinatorFixture, type CoordinatorFixture } from "./coordinator-fixture.js";

/**
 * Holds every re-execution until `n` have started (so both coordinators have passed their "still open?"
 * read), then lets the first through at once and the others only once `later()` resolves (the first
 * dispute is mined): the second coordinator's dispute then meets the escrow's refusal, deterministically.
 */
class BarrierBackend extends OllamaBackend {
  private waiting: (() => void)[] = [];
  constructor(
    host: string,
    private readonly n: number,
    private readonly later: () => Promise<void>,
  ) {
    super({ host });
  }
  override async infer(request: InferenceRequest) {
    const first = await new Promise<boolean>((resolve) => {
      const index = this.waiting.length;
      this.waiting.push(() => resolve(index === 0));
      if (this.waiting.length === this.n) for (const r of this.waiting) r();
    });
    if (!first) await this.later();
    return super.infer(request);
  }
}

describe("two coordinators: one dispute per job, the second records the escrow's refusal", function () {
  let f: CoordinatorFixture;
  const stores: Store[] = [];
  const coordinators: Coordinator[] = [];

  before(async () => {
    f = await coordinatorFixture();
  });
  after(async () => {
    for (const c of coordinators) await c.stop();
    for (const s of stores) s.close();
    await f?.close();
  });

  it("both check the lie; exactly one JobDisputed, the other has disputeError EscrowWrongStatus", async () => {
    let jobId = 0n;
    const disputed = async () => {
      while (Number((await f.market.escrow.jobOf(jobId)).status) !== Status.Disputed) await sleep(20);
    };
    const backend = new BarrierBackend(f.ollama.url, 2, disputed);
    for (const account of [f.market.oracle.address, f.market.challenger.address]) {
      const store = openStore(":memory:");
      stores.push(store);
      coordinators.push(new Coordinator({ signer: f.signerFor(account), contracts: f.contracts, store, verifiers: f.verifiers(backend), sampleRate: 1, pollingIntervalMs: 20, probeEveryMs: 0, reportEveryMs: 0, log: () => undefined })); // prettier-ignore
    }
    ({ jobId } = await f.job(7, "lie"));
    const balances = async () =>
      Promise.all([f.market.oracle, f.market.challenger].map((a) => f.market.token.balanceOf(a.address)));
    const before = await balances();
    for (const c of coordinators) await c.start();
    await Promise.all(coordinators.map((c) => c.caughtUp()));

    expect(Number((await f.market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
    const events = await f.market.escrow.queryFilter(f.market.escrow.filters.JobDisputed(jobId));
    expect(events).to.have.length(1);
    const checks = coordinators.map((c) => c.watcher.checks());
    for (const list of checks)
      expect(list.map((x) => [x.jobId, x.outcome])).to.deep.equal([[jobId, "mismatch"]]);
    const filed = checks.map((list) => list[0]!).filter((x) => x.dispute !== undefined);
    const refused = checks.map((list) => list[0]!).filter((x) => x.dispute === undefined);
    expect(filed).to.have.length(1);
    expect(refused.map((x) => x.disputeError)).to.deep.equal(["EscrowWrongStatus"]);
    expect(events[0]!.transactionHash).to.equal(filed[0]!.dispute);
    const after = await balances();
    const spent = before.map((b, i) => b - after[i]!);
    expect(spent.filter((s) => s === 100n * 10n ** 18n)).to.have.length(1); // one bond
    expect(spent.filter((s) => s === 0n)).to.have.length(1);
    expect(f.ollama.requests).to.equal(2); // both re-executed; neither retries
  });
});
