/**
 * The coordinator as a validator beside the network: it finds provider1 from `ServiceURIUpdated`,
 * re-executes its jobs from data fetched at provider1's own URI, disputes a made-up output and withheld
 * data, probes the endpoint (offers checked with `verifyOffer`), serves the ranked hint, and reports
 * performance on-chain. Restarted on the same SQLite file it keeps its history and checks nothing twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { Coordinator } from "../../node/coordinator/coordinator.js";
import { openStore, type Store } from "../../node/shared/store.js";
import { MODEL, PRICE, Status } from "../helpers/market.js";
import { coordinatorFixture, type CoordinatorFixture } from "./coordinator-fixture.js";

describe("coordinator: events, checks, disputes, probes, hint, reports — kept across a restart", function () {
  let f: CoordinatorFixture;
  let dir: string;
  let file: string;
  let store: Store | undefined;
  let coordinator: Coordinator | undefined;
  const jobs: Record<string, bigint> = {};

  const start = async () => {
    store = openStore(file);
    coordinator = new Coordinator({
      signer: f.signerFor(f.market.oracle.address),
      contracts: f.contracts,
      store,
      verifiers: f.verifiers(),
      sampleRate: 1,
      pollingIntervalMs: 20,
      probeEveryMs: 0,
      reportEveryMs: 0,
      writePerformance: f.writePerformance,
      port: 0,
      log: () => undefined,
    });
    await coordinator.start();
    await coordinator.caughtUp();
    return coordinator;
  };
  const stop = async () => {
    await coordinator?.stop();
    store?.close();
    coordinator = undefined;
  };

  before(async () => {
    f = await coordinatorFixture();
    dir = mkdtempSync(join(tmpdir(), "aitbc-coordinator-"));
    file = join(dir, "coordinator.sqlite");
    jobs.honest = (await f.job(1, "honest")).jobId;
    jobs.lie = (await f.job(2, "lie")).jobId;
    jobs.withheld = (await f.job(3, "withheld")).jobId;
  });
  after(async () => {
    await stop();
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds provider1 by its event, checks its three jobs from its URI, disputes the lie and the withheld output", async () => {
    const c = await start();
    expect(c.state.providers().map((p) => [p.provider, p.uri])).to.deep.equal([[f.market.provider1.address, f.providerUri]]); // prettier-ignore
    const checks = c.watcher.checks().map((x) => [x.jobId, x.outcome, x.reason]);
    expect(checks).to.deep.equal([
      [jobs.honest, "match", undefined],
      [jobs.lie, "mismatch", "output hash differs"],
      [jobs.withheld, "withheld", "output not served"],
    ]);
    const status = async (id: bigint) => Number((await f.market.escrow.jobOf(id)).status);
    expect([await status(jobs.honest!), await status(jobs.lie!), await status(jobs.withheld!)]).to.deep.equal([Status.Submitted, Status.Disputed, Status.Disputed]); // prettier-ignore
    expect(c.watcher.disputes().map((d) => d.jobId)).to.deep.equal([jobs.lie, jobs.withheld]);
    expect(f.ollama.requests).to.equal(2); // the withheld job is not re-executed
  });

  it("probes the endpoint, ranks provider1 in GET /v1/providers, answers /health and /metrics", async () => {
    const c = coordinator!;
    await c.probeAll();
    const [probe] = c.state.probes(f.market.provider1.address as `0x${string}`);
    expect(probe).to.deep.include({ ok: true, capacity: 3, minPricePerToken: PRICE, models: [MODEL] });
    const body = (await (await fetch(`${c.url}/v1/providers?model=${MODEL}`)).json()) as { providers: Record<string, unknown>[] }; // prettier-ignore
    expect(body.providers).to.have.length(1);
    const [p] = body.providers as [Record<string, unknown> & { performance: Record<string, unknown> }];
    expect(p).to.deep.include({ uri: f.providerUri, trustScore: 500, minPricePerToken: PRICE.toString() });
    expect(p.score).to.be.a("number");
    expect(p.performance).to.deep.include({ checks: 3, matches: 1, mismatches: 1, withheld: 1, disputes: 2, probes: 1, availability: 1, capacity: 3 }); // prettier-ignore
    expect(p.performance.medianLatencyMs).to.be.a("number");
    const other = (await (await fetch(`${c.url}/v1/providers?model=0x${"ab".repeat(32)}`)).json()) as { providers: unknown[] }; // prettier-ignore
    expect(other.providers).to.deep.equal([]);
    const bad = await fetch(`${c.url}/v1/providers?maxPricePerToken=-1`);
    expect(bad.status).to.equal(400);
    expect(await bad.json()).to.deep.include({ error: "bad_request" });
    expect(await (await fetch(`${c.url}/health`)).json()).to.deep.include({ status: "ok", providers: 1, checks: 3, disputes: 2 }); // prettier-ignore
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).to.match(/aitbc_jobs_total\{outcome="mismatch",program="coordinator"\} 1/);
    expect(metrics).to.match(/aitbc_jobs_total\{outcome="withheld",program="coordinator"\} 1/);
  });

  it("reports the measured performance to the oracle role once per change", async () => {
    const c = coordinator!;
    // availability 1 → +100; 2 faults of 3 checked → round(100·(1 − 4/3)) = −33
    const [report] = await c.reportPerformance();
    expect(report).to.deep.include({ provider: f.market.provider1.address, value: 67 });
    expect((await f.market.reputation.componentsOf(f.market.provider1.address))[0]).to.equal(67n);
    expect(await c.reportPerformance()).to.deep.equal([]); // unchanged: not written again
  });

  it("restarted on the same file: same history, nothing re-checked or re-disputed, new jobs continue it", async () => {
    const before = coordinator!.performance();
    const requests = f.ollama.requests;
    await stop();
    const late = (await f.job(4, "honest")).jobId;
    const c = await start();
    const [was] = before;
    const [now] = c.performance();
    expect(now).to.deep.include({ ...was, checks: was!.checks + 1, matches: was!.matches + 1, value: 100 });
    expect(c.watcher.checks().map((x) => [x.jobId, x.outcome])).to.deep.equal([
      [jobs.honest, "match"],
      [jobs.lie, "mismatch"],
      [jobs.withheld, "withheld"],
      [late, "match"],
    ]);
    expect(f.ollama.requests).to.equal(requests + 1); // only the new job
    expect(c.watcher.disputes()).to.have.length(2);
    expect(c.state.lastReport(f.market.provider1.address as `0x${string}`)).to.deep.include({ value: 67 });
    // 2 faults of 4 → 0; availability 1 → +100: the value changed, so it is written
    const [report] = await c.reportPerformance();
    expect(report).to.deep.include({ value: 100 });
    expect((await f.market.reputation.componentsOf(f.market.provider1.address))[0]).to.equal(100n);
  });
});
