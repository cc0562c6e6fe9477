/**
 * The coordinator program as a child process, killed with SIGKILL in the middle of a re-execution and
 * started again on the same SQLite file: the job is re-delivered from the stored cursor, checked once
 * to the end, and disputed exactly once; a third start re-executes and disputes nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

import { openStore } from "../../node/shared/store.js";
import { sleep } from "../../node/shared/retry.js";
import { WatcherState } from "../../node/watcher/state.js";
import { Status } from "../helpers/market.js";
import { startRpcProxy } from "../helpers/rpc-proxy.js";
import { coordinatorFixture, OLLAMA_DIGEST, type CoordinatorFixture } from "./coordinator-fixture.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
/** Hardhat's development mnemonic; the fixture's oracle is account 5. */
const MNEMONIC = "test test test test test test test test test test test junk";

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  output = () => "",
  timeoutMs = 5 * 60_000,
) {
  const end = Date.now() + timeoutMs; // bounds a hang only
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the program said:\n${output()}`);
    await sleep(50);
  }
}

describe("coordinator program: SIGKILL mid-check, restart on the same store, one dispute", function () {
  let f: CoordinatorFixture;
  let proxy: { url: string; close(): Promise<void> };
  let dir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    f = await coordinatorFixture();
    proxy = await startRpcProxy(f.rpc);
    dir = mkdtempSync(join(tmpdir(), "aitbc-coordinator-kill-"));
    writeFileSync(join(dir, "deployment.json"), JSON.stringify({ chainId: 31337, contracts: f.contracts }));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await proxy?.close();
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the program; resolves with its API URL once it printed it. */
  function start(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const key = bytesToHex(mnemonicToAccount(MNEMONIC, { addressIndex: 5 }).getHdKey().privateKey!);
    const args = ["--import", "tsx", "scripts/coordinator.ts", "--rpc-url", proxy.url, "--private-key", key, "--deployment", join(dir, "deployment.json"), "--store", join(dir, "coordinator.sqlite"), "--ollama-host", f.ollama.url, "--sample-rate", "1", "--port", "0", "--poll-ms", "50", "--probe-every-ms", "0", "--report-every-ms", "0"]; // prettier-ignore
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    return new Promise((done, fail) => {
      child.on("exit", (code) => fail(new Error(`the coordinator exited (${code}): ${output}`)));
      void until("the API line", () => /API at (http:\/\/\S+?);/.test(output)).then(() =>
        done({ child, url: /API at (http:\/\/\S+?);/.exec(output)![1]!, output: () => output }),
      );
    });
  }
  const kill = (child: ChildProcess) =>
    new Promise<void>((done) => {
      child.once("exit", () => done());
      child.kill("SIGKILL");
    });
  const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { checks: number; disputes: number }; // prettier-ignore

  it("killed while re-executing: nothing stored, job still open; restarted: checked once, disputed once", async () => {
    f.ollama.faults.delayMs = 10 * 60_000; // the re-execution hangs until the process is killed
    const { jobId } = await f.job(11, "lie", OLLAMA_DIGEST); // the model as the program's backend names it
    const first = await start();
    await until("the re-execution to start", () => f.ollama.requests === 1, first.output);
    await kill(first.child);
    expect(Number((await f.market.escrow.jobOf(jobId)).status)).to.equal(Status.Submitted);
    const peek = openStore(join(dir, "coordinator.sqlite"));
    expect(new WatcherState(peek).checks()).to.deep.equal([]); // killed before the check ended
    peek.close();

    f.ollama.faults.delayMs = 0;
    const second = await start();
    await until("the check", async () => (await health(second.url)).checks === 1, second.output);
    expect(await health(second.url)).to.deep.include({ checks: 1, disputes: 1 });
    expect(Number((await f.market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
    expect(f.ollama.requests).to.equal(2);
    await kill(second.child);

    const third = await start();
    await until("the third start to serve", async () => (await health(third.url)).checks === 1);
    const events = await f.market.escrow.queryFilter(f.market.escrow.filters.JobDisputed(jobId));
    expect(events).to.have.length(1);
    expect(events[0]!.args.disputer).to.equal(f.market.oracle.address);
    expect(f.ollama.requests).to.equal(2); // nothing re-executed
    await kill(third.child);
    const store = openStore(join(dir, "coordinator.sqlite"));
    const [check] = new WatcherState(store).checks();
    store.close();
    expect(check).to.deep.include({ jobId, outcome: "mismatch", reason: "output hash differs", dispute: events[0]!.transactionHash }); // prettier-ignore
  });
});
