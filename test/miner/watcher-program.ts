/**
 * The watcher program's (and the coordinator program's) start-up mistakes: one readable line on stderr and exit code 1, no stack trace.
 * (The watcher's work is tested in test/miner/coordinator.ts and test/miner/watcher-batch.ts.)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";

const ROOT = resolve(import.meta.dirname, "..", "..");
const KEY = `0x${"ab".repeat(32)}`;

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  program = "scripts/watcher.ts",
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", program, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => done({ code, stderr }));
  });
}

function expectOneLine(result: { code: number | null; stderr: string }, message: RegExp) {
  const lines = result.stderr.trimEnd().split("\n");
  expect(result.code, result.stderr).to.equal(1);
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(message);
  expect(result.stderr).to.not.match(/\n\s+at /);
}

describe("watcher program: start-up mistakes are one line and exit 1", function () {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "aitbc-watcher-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("no key, a malformed flag, a deployment without the market, an unreachable runtime", async () => {
    const noMarket = join(dir, "empty.json");
    writeFileSync(noMarket, JSON.stringify({ chainId: 31337, contracts: {} }));
    const market = join(dir, "market.json");
    const a = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
    writeFileSync(market, JSON.stringify({ chainId: 31337, contracts: { AITBCToken: a(1), GPUStaking: a(2), JobEscrow: a(3), ReputationRegistry: a(4) } })); // prettier-ignore
    const [noKey, rate, archive, missing, runtime, noRegistry] = await Promise.all([
      run([]),
      run(["--private-key", KEY, "--sample-rate", "2"]),
      run(["--private-key", KEY, "--archive", "ftp://x"]),
      run(["--private-key", KEY, "--deployment", noMarket]),
      run(["--private-key", KEY, "--deployment", market, "--ollama-host", "http://127.0.0.1:1"]),
      run(["--private-key", KEY, "--deployment", market], {}, "scripts/coordinator.ts"),
    ]);
    expectOneLine(noKey, /^\[watcher\] a private key is required: --private-key 0x… or AITBC_PRIVATE_KEY$/);
    expectOneLine(rate, /^error: option '--sample-rate <r>' argument '2' is invalid\. expected a number from 0 to 1\.$/); // prettier-ignore
    expectOneLine(archive, /^error: option '--archive <url>' argument 'ftp:\/\/x' is invalid\./);
    expectOneLine(missing, /^\[watcher\] no AITBCToken address in the deployment/);
    expectOneLine(runtime, /^\[watcher\] .*127\.0\.0\.1:1/);
    // the coordinator finds providers through the ServiceRegistry: without one it does not start
    expectOneLine(noRegistry, /^\[coordinator\] no ServiceRegistry address in the deployment/);
  });
});
