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

import { keccak256, stringToHex, type Address, type EIP1193Provider, type Hex } from "viem";

import {
  batchCommitment,
  batchJobsRoot,
  batchLeaves,
  hashBatchJobRequest,
  identityCommitment,
  settleBatch,
  signBatchJobRequest,
  type BatchJobRequest,
} from "../../sdk/src/index.js";
import { ChainAdapter, type MarketAddresses } from "../../node/shared/chain.js";
import { RelayClient, startRelay, type Relay } from "../../node/coordinator/relay.js";
import { JobJournal } from "../../node/miner/journal.js";
import { Miner } from "../../node/miner/miner.js";
import { OllamaBackend } from "../../node/backends/backend.js";
import { sleep } from "../../node/shared/retry.js";
import { deployBatchMarket, mockBatchProver, type BatchMarket } from "../helpers/batch-node.js";
import {
  deployMarket,
  DAY,
  marketAddresses,
  SECRET_1,
  SECRET_2,
  Status,
  Tier,
  type Market,
} from "../helpers/market.js";
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

describe("miner: batch jobs across a crash at each step (the journal as a killed miner left it)", function () {
  let m: BatchMarket;
  let ollama: FakeOllama;
  let relay: Relay;
  let dir: string;
  let rpc: EIP1193Provider;
  let addresses: MarketAddresses;
  const PRICE = 10n ** 15n;
  const MODEL_DIGEST = `0x${FAKE_MODELS[0]!.digest}` as Hex;
  const GPU = { model: "test GPU", vramGb: 8, throughput: 10, source: "flags" as const };

  before(async () => {
    const connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    m = await deployBatchMarket(connection);
    addresses = { ...(await marketAddresses(m)), batchEscrow: m.contracts.BatchEscrow };
    ollama = await startFakeOllama();
    relay = await startRelay();
    dir = mkdtempSync(join(tmpdir(), "aitbc-batch-crash-"));
    for (const p of [m.provider1, m.provider2]) await (await m.staking.connect(p).setModelServing(MODEL_DIGEST, true)).wait(); // prettier-ignore
    await (await m.batchEscrow.connect(m.consumer).deposit(100n * 10n ** 18n)).wait();
  });

  after(async () => {
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("before inference, before proving, after proving, after the transaction mined, and a nonce re-used by the consumer: nothing lost, nothing settled twice", async () => {
    const chain = new ChainAdapter({ rpc, account: m.provider1.address as Address, addresses, pollingIntervalMs: 20 }); // prettier-ignore
    const consumer = new ChainAdapter({ rpc, account: m.consumer.address as Address, addresses, pollingIntervalMs: 20 }); // prettier-ignore
    const chainId = Number((await m.ethers.provider.getNetwork()).chainId);
    const deadline = BigInt((await m.networkHelpers.time.latest()) + DAY);
    const relayClient = new RelayClient(relay.url);
    const make = async (i: number, provider = m.provider1.address as Address, nonce = BigInt(100 + i)) => {
      const payload = {
        model: "llama3.2:1b",
        prompt: `crash question ${i}`,
        seed: i,
        nonce: `batch-crash-${i}`,
      };
      const promptHash = await relayClient.putPrompt(payload);
      const request: BatchJobRequest = { consumer: m.consumer.address as Address, provider, modelDigest: MODEL_DIGEST, promptHash, pricePerToken: PRICE, maxTokens: 64n, deadline, nonce }; // prettier-ignore
      const signature = await signBatchJobRequest(consumer.wallet, {
        contracts: consumer.contracts,
        request,
      });
      const digest = hashBatchJobRequest({ chainId, escrow: m.contracts.BatchEscrow, request }).toLowerCase();
      return { request, signature, digest };
    };
    const json = (r: BatchJobRequest) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
    const jobs = [await make(0), await make(1), await make(2), await make(3), await make(4)];
    // job 4's nonce is also in a request to provider 2, which settles first: job 4 can never settle
    const rival = await make(5, m.provider2.address as Address, jobs[4]!.request.nonce);
    const out = (i: number) => ({ output: `answer ${i}`, outputHash: keccak256(stringToHex(`answer ${i}`)), tokenCount: 5 }); // prettier-ignore

    // The journal of a miner killed at different points of five jobs.
    const path = join(dir, "batch-journal.jsonl");
    const j = new JobJournal(path);
    const accepted = (k: number) => ({ kind: "batch" as const, request: json(jobs[k]!.request), signature: jobs[k]!.signature, model: "llama3.2:1b", promptHash: jobs[k]!.request.promptHash }); // prettier-ignore
    j.record(jobs[0]!.digest, "claimed", accepted(0)); // killed before inference
    j.record(jobs[1]!.digest, "claimed", accepted(1));
    j.record(jobs[1]!.digest, "inferred", { ...out(1), timings: { inferredAt: Date.now() } }); // before proving
    j.record(jobs[2]!.digest, "claimed", accepted(2));
    j.record(jobs[2]!.digest, "inferred", { ...out(2), timings: { inferredAt: Date.now() } });
    j.record(jobs[2]!.digest, "proved", { batchKey: "never-sent" }); // proved, the transaction never sent
    j.record(jobs[3]!.digest, "claimed", accepted(3));
    j.record(jobs[3]!.digest, "inferred", { ...out(3), timings: { inferredAt: Date.now() } });
    j.record(jobs[3]!.digest, "proved", { batchKey: "sent" }); // sent and mined, the receipt not journaled
    j.record(jobs[4]!.digest, "claimed", accepted(4));
    j.record(jobs[4]!.digest, "inferred", { ...out(4), timings: { inferredAt: Date.now() } });
    j.close();
    // what the killed miner's transaction did: batch 1 = job 3; and provider 2's batch 2 = the rival
    const settleAlone = async (who: ChainAdapter, secret: bigint, x: typeof rival, k: number) => {
      const input = [
        { request: x.request, signature: x.signature, outputHash: out(k).outputHash, tokenCount: 5n },
      ];
      const leaves = batchLeaves({ chainId, escrow: m.contracts.BatchEscrow, jobs: input });
      const jobsRoot = batchJobsRoot(leaves);
      const commitment = batchCommitment({ chainId: BigInt(chainId), escrow: m.contracts.BatchEscrow, provider: who.address, jobsRoot, jobCount: 1n }); // prettier-ignore
      const proof = await mockBatchProver({ secret, identityCommitment: identityCommitment(secret), commitment, provider: who.address, jobsRoot, leaves }); // prettier-ignore
      return who.send("settleBatch", (client) =>
        settleBatch(client, { contracts: who.contracts, jobs: input, proof }),
      );
    };
    await settleAlone(chain, SECRET_1, jobs[3]!, 3);
    const p2 = new ChainAdapter({ rpc, account: m.provider2.address as Address, addresses, pollingIntervalMs: 20 }); // prettier-ignore
    await settleAlone(p2, SECRET_2, rival, 5);

    const lines: string[] = [];
    const start = () =>
      new Miner({ chain, backend: new OllamaBackend({ host: ollama.url }), models: ["llama3.2:1b"], relayUrl: relay.url, secret: SECRET_1, journalPath: path, gpu: GPU, pollMs: 50, offerEveryMs: 0, batch: { size: 8, maxWaitMs: 300 }, batchProver: mockBatchProver, log: (l) => lines.push(l) }); // prettier-ignore
    let miner = start();
    await miner.start();
    const state = (k: number) => miner.journal.get(jobs[k]!.digest)?.state;
    await waitFor("jobs 0–3 settled", () => [0, 1, 2, 3].every((k) => state(k) === "submitted"));
    expect(state(4)).to.equal("released");
    expect(miner.journal.get(jobs[4]!.digest)?.reason).to.match(/used by another request/);
    expect(miner.journal.get(jobs[3]!.digest)?.batchId).to.equal("1");
    expect(miner.journal.get(jobs[3]!.digest)?.reason).to.match(/settlement found on-chain/);
    await miner.stop();

    // restarted once more after everything: nothing is sent again
    miner = start();
    await miner.start();
    await sleep(1_000);
    await m.networkHelpers.time.increase(DAY + 1);
    await waitFor("jobs 0–3 finalized", () => [0, 1, 2, 3].every((k) => state(k) === "finalized"));
    await miner.stop();
    const events = await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchJobSettled());
    const count = (d: string) => events.filter((e) => e.args.requestDigest.toLowerCase() === d).length;
    for (const k of [0, 1, 2, 3]) expect(count(jobs[k]!.digest), `job ${k}`).to.equal(1);
    expect(count(jobs[4]!.digest)).to.equal(0);
    expect(count(rival.digest)).to.equal(1);
    // batch 1 (job 3 alone) and batch 2 (the rival) before the restart; jobs 0–2 in later batches
    const mine = (await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchSettled())).filter((e) => e.args.provider === m.provider1.address); // prettier-ignore
    expect(mine.map((e) => Number(e.args.jobCount)).reduce((s, n) => s + n, 0)).to.equal(4);
  });
});

describe("miner program in batch mode: killed with SIGKILL after accepting and after settling, restarted", function () {
  let m: BatchMarket;
  let ollama: FakeOllama;
  let relay: Relay;
  let proxy: { url: string; close(): Promise<void> };
  let dir: string;
  const children: ChildProcess[] = [];
  let output = "";
  let rpc: EIP1193Provider;
  const MODEL_DIGEST = `0x${FAKE_MODELS[0]!.digest}` as Hex;

  before(async () => {
    const connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    m = await deployBatchMarket(connection, { realVerifier: true });
    proxy = await startRpcProxy(connection.provider);
    ollama = await startFakeOllama({ faults: { delayMs: 1_500 } });
    relay = await startRelay();
    dir = mkdtempSync(join(tmpdir(), "aitbc-batch-kill-"));
    writeFileSync(join(dir, "deployment.json"), JSON.stringify({ contracts: m.contracts }));
    await (await m.batchEscrow.connect(m.consumer).deposit(100n * 10n ** 18n)).wait();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await proxy?.close();
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => {
    const key = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/8").privateKey; // provider1
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/miner.ts", "--rpc-url", proxy.url, "--private-key", key, "--deployment", join(dir, "deployment.json"),
        "--identity-secret", SECRET_1.toString(), "--coordinator", relay.url, "--backend", "ollama", "--ollama-host", ollama.url,
        "--model", "llama3.2:1b", "--journal", join(dir, "journal.jsonl"), "--poll-ms", "100", "--gpu-model", "test GPU",
        "--gpu-vram", "8", "--offer-every-ms", "0", "--batch-size", "3", "--batch-max-wait", "600"], // prettier-ignore
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    children.push(child);
    return child;
  };
  const journal = () =>
    existsSync(join(dir, "journal.jsonl"))
      ? readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { jobId: string; state: string }) // prettier-ignore
      : [];
  const kill9 = async (child: ChildProcess) => {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  };

  it("the three requests settle in one batch, once, with a real batch-receipt proof, and the batch is finalized once", async () => {
    const consumer = new ChainAdapter({ rpc, account: m.consumer.address as Address, addresses: { ...(await marketAddresses(m)), batchEscrow: m.contracts.BatchEscrow }, pollingIntervalMs: 20 }); // prettier-ignore
    const chainId = Number((await m.ethers.provider.getNetwork()).chainId);
    const client = new RelayClient(relay.url);
    const deadline = BigInt((await m.networkHelpers.time.latest()) + DAY);
    const digests: string[] = [];
    let child = start();
    await waitFor("the miner", () => output.includes("serving; journal"), 120_000);
    expect(output).to.match(/batches of up to 3 jobs, at most 600 s wait/);
    for (let i = 0; i < 3; i++) {
      const promptHash = await client.putPrompt({ model: "llama3.2:1b", prompt: `killed batch ${i}`, seed: i, nonce: `kill-${i}` }); // prettier-ignore
      const request: BatchJobRequest = { consumer: m.consumer.address as Address, provider: m.provider1.address as Address, modelDigest: MODEL_DIGEST, promptHash, pricePerToken: 10n ** 15n, maxTokens: 64n, deadline, nonce: BigInt(500 + i) }; // prettier-ignore
      const signature = await signBatchJobRequest(consumer.wallet, {
        contracts: consumer.contracts,
        request,
      });
      const requestDigest = hashBatchJobRequest({ chainId, escrow: m.contracts.BatchEscrow, request });
      digests.push(requestDigest.toLowerCase());
      await client.postBatchRequest({ request, signature, requestDigest });
    }
    // 1. killed while answering (each answer takes 1.5 s), after the three acceptances were journaled
    await waitFor("three acceptances", () => new Set(journal().filter((r) => r.state === "claimed").map((r) => r.jobId)).size === 3); // prettier-ignore
    await kill9(child);
    expect(await m.batchEscrow.lastBatchId()).to.equal(0n);
    // 2. restarted: answers, proves and settles the batch; killed as soon as it is on-chain
    child = start();
    await waitFor("the batch on-chain", async () => (await m.batchEscrow.lastBatchId()) === 1n);
    await kill9(child);
    // 3. the window passes while it is down; restarted, it adopts the batch and finalizes it once
    await m.networkHelpers.time.increase(DAY + 1);
    child = start();
    await waitFor("the batch finalized", async () => Number((await m.batchEscrow.batchOf(1n)).status) === 2, 120_000); // prettier-ignore
    await waitFor("the journaled finalizations", () => digests.every((d) => journal().some((r) => r.jobId === d && r.state === "finalized"))); // prettier-ignore
    await sleep(500);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    const settled = await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchJobSettled());
    expect(settled.map((e) => e.args.requestDigest.toLowerCase()).sort(), output).to.deep.equal(
      [...digests].sort(),
    );
    expect(await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchSettled())).to.have.length(1);
    expect(await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchFinalized())).to.have.length(1);
    expect(await m.batchEscrow.lastBatchId()).to.equal(1n);
  });
});
