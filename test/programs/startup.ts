/**
 * The programs' start-up checks, as a user meets them: a mistaken flag or environment variable is one
 * readable line on stderr and exit code 1, before the program touches the chain — never a stack
 * trace, never a server that starts and then fails each request. (Mistakes that need a chain to be
 * seen — a port in use, an `--agent-wallet` that is no AgentWallet — are in test/miner/processes.ts.)
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

import { expect } from "chai";

const ROOT = resolve(import.meta.dirname, "..", "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", `scripts/${program}.ts`, ...args], {
      cwd: ROOT,
      // Nothing from the caller's environment may supply a flag this test leaves out.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });
}

/** Exit code 1 and exactly one line on stderr that matches `message`, with no stack frame. */
function expectOneLine(result: Run, message: RegExp) {
  const lines = result.stderr.trimEnd().split("\n");
  expect(result.code, result.stderr).to.equal(1);
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(message);
  expect(result.stderr).to.not.match(/\n\s+at /);
}

const KEY = `0x${"ab".repeat(32)}`;

describe("programs: a mistaken flag is one line and exit 1 at start", function () {
  it("miner: --stake -5, a negative or malformed amount", async () => {
    const [negative, fraction] = await Promise.all([
      run("miner", ["--private-key", KEY, "--stake", "-5"]),
      run("miner", ["--private-key", KEY, "--stake", "1e3"]),
    ]);
    expectOneLine(
      negative,
      /^error: option '--stake <aitbc>' argument '-5' is invalid\. expected an amount of AITBC/,
    );
    expectOneLine(fraction, /^error: option '--stake <aitbc>' argument '1e3' is invalid\./);
  });

  it("every program: a private key of the wrong length, from the flag or the environment, is never echoed", async () => {
    const short = `0x${"12".repeat(31)}`; // 62 hex digits
    const long = `0x${"34".repeat(33)}`; // 66 hex digits
    const results = await Promise.all([
      run("miner", ["--private-key", short]),
      run("gateway", ["--private-key", long]),
      run("coordinator", [], { AITBC_PRIVATE_KEY: short }),
      run("gateway", ["--private-key", `0x${"zz".repeat(32)}`]),
    ]);
    const [miner, gateway, coordinator, notHex] = results;
    expectOneLine(miner!, /^\[miner\] --private-key \(or AITBC_PRIVATE_KEY\): a private key is 0x followed by 64 hex digits \(32 bytes\); this one has 62 hex digits\.$/); // prettier-ignore
    expectOneLine(gateway!, /^\[gateway\] .*this one has 66 hex digits\.$/);
    expectOneLine(coordinator!, /^\[coordinator\] .*this one has 62 hex digits\.$/);
    expectOneLine(notHex!, /^\[gateway\] .*not all hex after 0x\.$/);
    for (const r of results) {
      expect(r.stderr + r.stdout).to.not.include("1212121212");
      expect(r.stderr + r.stdout).to.not.include("3434343434");
      expect(r.stderr + r.stdout).to.not.include("zzzzzzzzzz");
    }
  });

  it("every program: no private key at all", async () => {
    const [miner, gateway] = await Promise.all([run("miner", []), run("gateway", [])]);
    expectOneLine(miner, /^\[miner\] a private key is required: --private-key 0x… or AITBC_PRIVATE_KEY$/);
    expectOneLine(gateway, /^\[gateway\] a private key is required/);
  });

  it("numbers, addresses, URLs and choices are checked, from flags and environment variables", async () => {
    const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
      ["miner", ["--max-concurrent", "0"], {}, /^error: option '--max-concurrent <n>' argument '0' is invalid\. expected a whole number from 1 to 256\.$/], // prettier-ignore
      ["miner", [], { AITBC_MAX_CONCURRENT: "many" }, /^error: option '--max-concurrent <n>' value 'many' from env 'AITBC_MAX_CONCURRENT' is invalid\./], // prettier-ignore
      ["miner", ["--cpu-share", "1.5"], {}, /^error: option '--cpu-share <f>' argument '1\.5' is invalid\. expected a number above 0 and at most 1\.$/], // prettier-ignore
      ["miner", ["--cpu-share", "0"], {}, /^error: option '--cpu-share <f>' argument '0' is invalid\. expected a number above 0 and at most 1\.$/], // prettier-ignore
      ["miner", [], { AITBC_MEMORY_SHARE: "-0.1" }, /^error: option '--memory-share <f>' value '-0\.1' from env 'AITBC_MEMORY_SHARE' is invalid\. expected a number above 0 and at most 1\.$/], // prettier-ignore
      ["miner", ["--price-per-token", "1.5"], {}, /^error: option '--price-per-token <wei>' argument '1\.5' is invalid\. expected a whole number of wei/], // prettier-ignore
      ["miner", ["--backend", "gpu"], {}, /^error: option '--backend <kind>' argument 'gpu' is invalid\. Allowed choices are ollama, builtin\.$/], // prettier-ignore
      ["miner", [], { AITBC_POLL_MS: "soon" }, /^error: option '--poll-ms <ms>' value 'soon' from env 'AITBC_POLL_MS' is invalid\./], // prettier-ignore
      ["miner", ["--identity-secret", "0"], {}, /^error: option '--identity-secret <n>' argument '0' is invalid\./], // prettier-ignore
      ["miner", ["--batch-size", "257"], {}, /^error: option '--batch-size <n>' argument '257' is invalid\. expected a whole number from 0 to 256\.$/], // prettier-ignore
      ["miner", ["--batch-size", "-1"], {}, /^error: option '--batch-size <n>' argument '-1' is invalid\./], // prettier-ignore
      ["miner", ["--batch-max-wait", "0"], {}, /^error: option '--batch-max-wait <s>' argument '0' is invalid\. expected a whole number from 1 to 3600\.$/], // prettier-ignore
      ["miner", [], { AITBC_BATCH_MAX_WAIT: "2.5" }, /^error: option '--batch-max-wait <s>' value '2\.5' from env 'AITBC_BATCH_MAX_WAIT' is invalid\./], // prettier-ignore
      ["miner", ["--port", "65536"], {}, /^error: option '--port <port>' argument '65536' is invalid\. expected a whole number from 0 to 65535\.$/], // prettier-ignore
      ["miner", [], { AITBC_PORT: "http" }, /^error: option '--port <port>' value 'http' from env 'AITBC_PORT' is invalid\./], // prettier-ignore
      ["miner", ["--host", "http://0.0.0.0"], {}, /^error: option '--host <host>' argument 'http:\/\/0\.0\.0\.0' is invalid\. expected a host name or an IP address/], // prettier-ignore
      ["miner", ["--public-url", "miner.example:8080"], {}, /^error: option '--public-url <url>' argument 'miner\.example:8080' is invalid\. expected an http:\/\/ or https:\/\/ URL\.$/], // prettier-ignore
      ["miner", ["--archive-db", ""], {}, /^error: option '--archive-db <path>' argument '' is invalid\. expected a file path/], // prettier-ignore
      ["miner", ["--archive-db", "scripts"], {}, /^error: option '--archive-db <path>' argument 'scripts' is invalid\. this is a directory/], // prettier-ignore
      ["gateway", [], { AITBC_ARCHIVE_DB: "test" }, /^error: option '--archive-db <path>' value 'test' from env 'AITBC_ARCHIVE_DB' is invalid\. this is a directory/], // prettier-ignore
      ["gateway", ["--agent-wallet", "0x123"], {}, /^error: option '--agent-wallet <address>' argument '0x123' is invalid\. not an address/], // prettier-ignore
      ["gateway", ["--port", "99999"], {}, /^error: option '--port <port>' argument '99999' is invalid\. expected a whole number from 0 to 65535\.$/], // prettier-ignore
      ["gateway", ["--price", "-0.001"], {}, /^error: option '--price <aitbc>' argument '-0\.001' is invalid\./], // prettier-ignore
      ["gateway", ["--batch-top-up", "-1"], {}, /^error: option '--batch-top-up <aitbc>' argument '-1' is invalid\. expected an amount of AITBC/], // prettier-ignore
      ["coordinator", ["--sample-rate", "2"], {}, /^error: option '--sample-rate <r>' argument '2' is invalid\. expected a number from 0 to 1\.$/], // prettier-ignore
      ["coordinator", ["--rpc-url", "localhost:8545"], {}, /^error: option '--rpc-url <url>' argument 'localhost:8545' is invalid\./], // prettier-ignore
    ];
    const results = await Promise.all(cases.map(([program, args, env]) => run(program, args, env)));
    results.forEach((result, i) => expectOneLine(result, cases[i]![3]));
  });

  it("the flags of the old programs are refused by name, one line each", async () => {
    const cases: [string, string[], RegExp][] = [
      ["miner", ["--journal", "m.jsonl"], /^error: unknown option '--journal'$/],
      ["miner", ["--concurrency", "2"], /^error: unknown option '--concurrency'/],
      ["miner", ["--archive-port", "8600"], /^error: unknown option '--archive-port'/],
      ["miner", ["--archive-host", "0.0.0.0"], /^error: unknown option '--archive-host'/],
      ["miner", ["--coordinator", "http://127.0.0.1:8547"], /^error: unknown option '--coordinator'/],
      ["gateway", ["--coordinator", "http://127.0.0.1:8547"], /^error: unknown option '--coordinator'/],
    ];
    const results = await Promise.all(cases.map(([program, args]) => run(program, args)));
    results.forEach((result, i) => expectOneLine(result, cases[i]![2]));
  });

  it("an unreachable JSON-RPC endpoint: one line naming it", async () => {
    // Port 9 (discard) on loopback: nothing listens there on these machines.
    const result = await run("gateway", ["--private-key", KEY, "--rpc-url", "http://127.0.0.1:9"]);
    expectOneLine(result, /^\[gateway\] HTTP request failed\. \(http:\/\/127\.0\.0\.1:9\/?\)$/);
  });
  it("voter: no wallet, a malformed agent key (never echoed), a threshold outside 0–1, an unreachable chain", async () => {
    const wallet = "0x" + "12".repeat(20);
    const [none, badKey, threshold, unreachable] = await Promise.all([
      run("voter", []),
      run("voter", ["--wallet", wallet], { AITBC_AGENT_KEYS: `${KEY},0x${"56".repeat(31)}` }),
      run("voter", ["--wallet", wallet, "--threshold", "1.5"]),
      run("voter", ["--wallet", wallet, "--agent-key", KEY, "--rpc-url", "http://127.0.0.1:9", "--deployment", "deployments/31337.json"]), // prettier-ignore
    ]);
    expectOneLine(none!, /^\[voter\] no agent wallet: pass --wallet 0x… once per agent/);
    expectOneLine(badKey!, /^\[voter\] agent key 2 \(--agent-key, AITBC_AGENT_KEYS or --private-key\): .*this one has 62 hex digits\.$/); // prettier-ignore
    expect(badKey!.stderr).to.not.include("5656565656");
    expectOneLine(threshold!, /^error: option '--threshold <score>' argument '1\.5' is invalid\. expected a number from 0 to 1/); // prettier-ignore
    expectOneLine(unreachable!, /^\[voter\] HTTP request failed\. \(http:\/\/127\.0\.0\.1:9\/?\)$/);
  });

  it("example agents: no --rpc, a malformed key (never echoed), a bad price, a deployment without the agent registry, an unreachable chain", async () => {
    const seller = "../examples/agents/skill-seller";
    const buyer = "../examples/agents/skill-buyer";
    const rpc = ["--rpc", "http://127.0.0.1:9"];
    const facilitator = ["--facilitator", "http://127.0.0.1:4022"];
    const buy = ["--max-price", "0.01", "--input", "some text"];
    const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
      [seller, [...facilitator], {}, /^error: required option '--rpc <url>' not specified$/],
      [buyer, [...buy], {}, /^error: required option '--rpc <url>' not specified$/],
      [seller, [...rpc], {}, /^error: required option '--facilitator <url>' not specified$/],
      [seller, [...rpc, ...facilitator], {}, /^\[seller\] --private-key \(or AITBC_PRIVATE_KEY\) is required \(0x followed by 64 hex digits\)\.$/], // prettier-ignore
      [seller, [...rpc, ...facilitator], { AITBC_PRIVATE_KEY: `0x${"12".repeat(31)}` }, /^\[seller\] --private-key \(or AITBC_PRIVATE_KEY\): a private key is 0x followed by 64 hex digits \(32 bytes\); this one has 62 hex digits\.$/], // prettier-ignore
      [buyer, [...rpc, ...buy, "--agent-wallet", "0x" + "12".repeat(20), "--agent-key", `0x${"34".repeat(33)}`], {}, /^\[buyer\] --agent-key \(or AITBC_AGENT_KEY, or --private-key\): .*this one has 66 hex digits\.$/], // prettier-ignore
      [buyer, [...rpc, ...buy, "--agent-key", KEY], {}, /^\[buyer\] --agent-key needs --agent-wallet/],
      [seller, [...rpc, ...facilitator, "--price", "-1"], {}, /^error: option '--price <aitbc>' argument '-1' is invalid\. expected an amount of AITBC/], // prettier-ignore
      [seller, [...rpc, ...facilitator, "--price", "0"], {}, /^error: option '--price <aitbc>' argument '0' is invalid\. the amount must be more than 0\.$/], // prettier-ignore
      [buyer, [...rpc, "--input", "x", "--max-price", "1e3"], {}, /^error: option '--max-price <aitbc>' argument '1e3' is invalid\./], // prettier-ignore
      [buyer, [...rpc, ...buy, "--skill", "Summarize!"], {}, /^error: option '--skill <name>' argument 'Summarize!' is invalid\./], // prettier-ignore
      [seller, [...rpc, ...facilitator, "--port", "70000"], {}, /^error: option '--port <port>' argument '70000' is invalid\./], // prettier-ignore
      [seller, [...rpc, ...facilitator, "--private-key", KEY, "--deployment", "deployments/31337.json"], {}, /^\[seller\] no AgentIdentityRegistry address in deployments\/31337\.json/], // prettier-ignore
      [buyer, [...rpc, ...buy, "--private-key", KEY], {}, /^\[buyer\] HTTP request failed\. \(http:\/\/127\.0\.0\.1:9\/?\)$/], // prettier-ignore
    ];
    const results = await Promise.all(cases.map(([program, args, env]) => run(program, args, env)));
    results.forEach((result, i) => expectOneLine(result, cases[i]![3]));
    for (const r of results) {
      expect(r.stderr + r.stdout).to.not.include(
        "1212121212121212121212121212121212121212121212121212121212121212",
      );
      expect(r.stderr + r.stdout).to.not.include("3434343434");
    }
  });
});
