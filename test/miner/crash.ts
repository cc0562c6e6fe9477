/**
 * The miner as a separate process (`node --import tsx scripts/miner.ts`) against a JSON-RPC
 * endpoint, killed with SIGKILL mid-job and restarted: the job is submitted once and settled once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import { network } from "hardhat";
import { Ollama } from "ollama";

import { RelayClient, startRelay, type Relay } from "../../scripts/lib/coordinator/relay.js";
import { sleep } from "../../scripts/lib/retry.js";
import { deployMarket, DAY, SECRET_1, SECRET_2, Status, Tier, type Market } from "../helpers/market.js";
import { FAKE_MODELS, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";
import { startRpcProxy } from "../helpers/rpc-proxy.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const ROOT = resolve(import.meta.dirname, "..", "..");

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5 * 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("miner: killed with SIGKILL mid-job and restarted", function () {
  let market: Market;
  let ollama: FakeOllama;
  let relay: Relay;
  let proxy: { url: string; close(): Promise<void> };
  let dir: string;
  const children: ChildProcess[] = [];
  let output = "";

  before(async () => {
    const connection = await network.create();
    market = await deployMarket(connection);
    proxy = await startRpcProxy(connection.provider);
    ollama = await startFakeOllama({ faults: { delayMs: 2_500 } });
    relay = await startRelay();
    dir = mkdtempSync(join(tmpdir(), "aitbc-crash-"));
    writeFileSync(
      join(dir, "deployment.json"),
      JSON.stringify({
        contracts: {
          AITBCToken: await market.token.getAddress(),
          GPUStaking: await market.staking.getAddress(),
          JobEscrow: await market.escrow.getAddress(),
          ReputationRegistry: await market.reputation.getAddress(),
        },
      }),
    );
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await proxy?.close();
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startMiner(): ChildProcess {
    const key = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/8").privateKey; // provider1
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/miner.ts",
        "--rpc-url", proxy.url, "--private-key", key, "--deployment", join(dir, "deployment.json"),
        "--identity-secret", SECRET_1.toString(), "--coordinator", relay.url, "--backend", "ollama",
        "--ollama-host", ollama.url, "--model", "llama3.2:1b", "--journal", join(dir, "journal.jsonl"),
        "--poll-ms", "100", "--gpu-model", "test GPU", "--gpu-vram", "8"], // prettier-ignore
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    children.push(child);
    return child;
  }
  const journal = () =>
    existsSync(join(dir, "journal.jsonl"))
      ? readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { jobId: string; state: string }) // prettier-ignore
      : [];
  const kill9 = async (child: ChildProcess) => {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  };

  it("loses no job and settles it exactly once across two SIGKILLs", async () => {
    const payload = { model: "llama3.2:1b", prompt: "What is proof of stake?", seed: 3, nonce: "crash-test" };
    const promptHash = await new RelayClient(relay.url).putPrompt(payload);
    const now = await market.networkHelpers.time.latest();
    await market.escrow.connect(market.consumer).openJob({
      modelDigest: `0x${FAKE_MODELS[0]!.digest}`,
      promptHash,
      maxTokens: 64,
      pricePerToken: 10n ** 15n,
      deadline: BigInt(now + DAY),
      minTier: Tier.Bronze,
    });
    const jobId = await market.escrow.lastJobId();

    // 1. killed during inference (the runtime takes 2.5 s), right after the claim was journaled
    let child = startMiner();
    await waitFor("the claim", () =>
      journal().some((r) => r.jobId === jobId.toString() && r.state === "claimed"),
    );
    await kill9(child);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Claimed);

    // 2. restarted: resumes from 'claimed', submits; killed after the submission
    child = startMiner();
    await waitFor(
      "the submission",
      async () => Number((await market.escrow.jobOf(jobId)).status) === Status.Submitted,
    );
    await waitFor("the journaled submission", () =>
      journal().some((r) => r.jobId === jobId.toString() && r.state === "submitted"),
    );
    await kill9(child);

    // 3. the challenge window passes while the miner is down; restarted, it finalizes once
    await market.networkHelpers.time.increase(DAY + 1);
    child = startMiner();
    await waitFor(
      "the settlement",
      async () => Number((await market.escrow.jobOf(jobId)).status) === Status.Settled,
      60_000,
    );
    await waitFor("the journaled finalization", () =>
      journal().some((r) => r.jobId === jobId.toString() && r.state === "finalized"),
    );
    await sleep(500); // a few more polls: nothing else may happen
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));

    const submitted = await market.escrow.queryFilter(market.escrow.filters.ResultSubmitted(jobId));
    const settled = await market.escrow.queryFilter(market.escrow.filters.JobSettled(jobId));
    expect(submitted, output).to.have.length(1);
    expect(settled).to.have.length(1);
    expect(journal().filter((r) => r.jobId === jobId.toString() && r.state === "finalized")).to.have.length(
      1,
    );
    expect(output).to.match(/resuming from 'claimed'/);
    expect(output).to.match(/SIGTERM: shutting down cleanly/);
  });

  it("coordinator, miner and gateway as three processes: an ollama client gets a proved answer", async () => {
    const key = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
    const common = ["--rpc-url", proxy.url, "--deployment", join(dir, "deployment.json")];
    const spawnProgram = (args: string[]) => {
      const child = spawn(process.execPath, ["--import", "tsx", ...args], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      children.push(child);
      return child;
    };
    ollama.faults.delayMs = 0;
    output = "";
    const port = await freePort();
    const gatewayPort = await freePort();
    spawnProgram(["scripts/coordinator.ts", ...common, "--private-key", key(5), "--port", String(port), "--backend", "ollama", "--ollama-host", ollama.url, "--sample-rate", "1", "--poll-ms", "100"]); // prettier-ignore
    await waitFor("the coordinator", () => output.includes("[coordinator] relay at"));
    spawnProgram(["scripts/miner.ts", ...common, "--private-key", key(9), "--coordinator", `http://127.0.0.1:${port}`, "--backend", "ollama", "--ollama-host", ollama.url, "--journal", join(dir, "m2.jsonl"), "--identity-secret", SECRET_2.toString(), "--poll-ms", "100", "--gpu-model", "test GPU"]); // prettier-ignore
    await waitFor("the miner", () => output.includes("serving; journal"), 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
    spawnProgram(["scripts/gateway.ts", ...common, "--private-key", key(7), "--coordinator", `http://127.0.0.1:${port}`, "--port", String(gatewayPort)]); // prettier-ignore
    await waitFor("the gateway", () => output.includes("[gateway] Ollama API at"));
    const answer = await new Ollama({ host: `http://127.0.0.1:${gatewayPort}` }).chat({ model: "qwen2.5:0.5b", messages: [{ role: "user", content: "hi" }], stream: false }); // prettier-ignore
    expect(answer.message.content.length, output).to.be.greaterThan(0);
    const jobId = BigInt((answer as unknown as { aitbc: { job_id: string } }).aitbc.job_id);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Submitted);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
