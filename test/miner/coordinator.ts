/**
 * The watcher (which the coordinator runs) re-executes the jobs the public rule samples, from data
 * fetched from archives and checked against the chain, and disputes a result whose output hash or token
 * count differs, or whose data nobody serves; the coordinator also reports performance.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama } from "ollama";
import { keccak256, stringToHex, type Address, type EIP1193Provider, type Hex } from "viem";

import { handleArchiveRequest, JobArchive } from "../../node/archive/archive.js";
import { httpArchiveSource } from "../../node/archive/client.js";
import { ChainAdapter, type MarketAddresses } from "../../node/shared/chain.js";
import { Coordinator } from "../../node/coordinator/coordinator.js";
import { startGateway, type Gateway } from "../../node/gateway/server.js";
import { Miner } from "../../node/miner/miner.js";
import { BUILTIN_DIGEST, OllamaBackend, type InferenceRequest } from "../../node/backends/backend.js";
import { canonicalPayload, payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { sleep } from "../../node/shared/retry.js";
import { Watcher, type WatcherOptions } from "../../node/watcher/watcher.js";
import { isSampled, jobKeyOfJobId } from "../../sdk/src/index.js";
import {
  AITBC,
  cachedReceipt,
  deployMarket,
  MODEL,
  openAndClaim,
  PRICE,
  proofArg,
  receiptJob,
  SECRET_1,
  Status,
  type Market,
  marketAddresses,
} from "../helpers/market.js";
import { fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

/**
 * A miner runtime that answers with a wrong text on an Ollama model (receipt + challenge window). On the
 * built-in model a wrong answer cannot settle at all: JobEscrow requires its proof of inference.
 */
class LyingBackend extends OllamaBackend {
  override async infer(request: InferenceRequest) {
    const honest = await super.infer(request);
    return { ...honest, output: `${honest.output} (made up)` };
  }
}

describe("coordinator: proof of sampling and performance reports", function () {
  let market: Market;
  let coordinator: Coordinator;
  let miner: Miner;
  let gateway: Gateway;
  let dir: string;
  let runtime: FakeOllama;

  before(async () => {
    runtime = await startFakeOllama();
    const honest = new OllamaBackend({ host: runtime.url });
    const [llama] = await honest.listModels();
    const connection = await network.create();
    const rpc = connection.provider as unknown as EIP1193Provider;
    market = await deployMarket(connection);
    const addresses: MarketAddresses = await marketAddresses(market);
    const adapter = (a: string) =>
      new ChainAdapter({ rpc, account: a as Address, addresses, pollingIntervalMs: 20 });
    dir = mkdtempSync(join(tmpdir(), "aitbc-coord-"));
    coordinator = new Coordinator({
      chain: adapter(market.oracle.address),
      verifiers: new Map([[llama!.digest.toLowerCase(), { model: llama!.name, backend: honest }]]),
      contracts: { MarketPolicy: (await market.policy.getAddress()) as Address },
      sampleRate: 1,
      reportEveryMs: 0,
      pollMs: 50,
      log: () => undefined,
    });
    await market.token.connect(market.ecosystem).transfer(market.oracle.address, 1_000n * 10n ** 18n);
    await coordinator.start();
    miner = new Miner({ chain: adapter(market.provider1.address), backend: new LyingBackend({ host: runtime.url }), relayUrl: coordinator.relay.url, secret: SECRET_1, journalPath: join(dir, "m.jsonl"), gpu: { model: "x", vramGb: 1, throughput: 1, source: "flags" }, pollMs: 50, log: () => undefined }); // prettier-ignore
    await miner.start();
    gateway = await startGateway({
      chain: adapter(market.consumer.address),
      relayUrl: coordinator.relay.url,
      pricePerToken: PRICE,
    });
  });

  after(async () => {
    await miner?.stop();
    await gateway?.close();
    await coordinator?.stop();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("disputes a job whose re-executed output differs, and reports performance to the oracle role", async () => {
    const answer = await new Ollama({ host: gateway.url }).generate({ model: "llama3.2:1b", prompt: "will it rain in london tomorrow", stream: false }); // prettier-ignore
    expect(answer.response).to.match(/ \(made up\)$/); // the lie
    const jobId = BigInt((answer as unknown as { aitbc: { job_id: string } }).aitbc.job_id);
    const end = Date.now() + 5 * 60_000; // bounds a hang only
    while (Number((await market.escrow.jobOf(jobId)).status) !== Status.Disputed && Date.now() < end)
      await sleep(100);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
    expect(coordinator.disputes.map((d) => [d.jobId, d.reason])).to.deep.equal([
      [jobId, "output hash differs"],
    ]);
    expect(coordinator.checks.map((c) => [c.jobId, c.outcome])).to.deep.equal([[jobId, "mismatch"]]);
    const [reported] = await coordinator.reportPerformance();
    expect(reported!.provider).to.equal(market.provider1.address);
    const components = await market.reputation.componentsOf(market.provider1.address);
    expect(components[0]).to.equal(reported!.value);
  });
});

describe("watcher: re-executes sampled jobs from archived data, disputes a wrong output, a padded token count, withheld data", function () {
  let market: Market;
  let ollama: FakeOllama;
  let chain: ChainAdapter;
  let archive: JobArchive;
  let archiveUrl: string;
  let close: () => void;
  const submitted: { jobId: bigint; blockHash: Hex }[] = [];

  before(async () => {
    const connection = await network.create();
    market = await deployMarket(connection);
    ollama = await startFakeOllama();
    const rpc = connection.provider as unknown as EIP1193Provider;
    chain = new ChainAdapter({ rpc, account: market.challenger.address as Address, addresses: await marketAddresses(market), pollingIntervalMs: 20 }); // prettier-ignore
    archive = new JobArchive();
    const server = createServer((req, res) => void (handleArchiveRequest(archive, req, res) || res.writeHead(404).end())); // prettier-ignore
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    archiveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });

  after(async () => {
    close?.();
    archive?.close();
    await ollama?.close();
  });

  /** Opens a job for `payload`, has provider1 submit `output` with `tokenCount`, archives what `archived` says. */
  async function job(
    seed: number,
    result: (real: { output: string; tokens: number }) => { output: string; tokenCount: number },
    archived: "both" | "payload" | "none" = "both",
  ) {
    const payload: JobPayload = { model: "llama3.2:1b", prompt: `question ${seed}`, seed, nonce: `n${seed}` };
    const tokens = fakeAnswer(payload.model, payload.prompt!, seed);
    const { output, tokenCount } = result({ output: tokens.join(""), tokens: tokens.length });
    const jobId = await openAndClaim(market, market.provider1, { promptHash: payloadHash(payload) });
    const outputHash = keccak256(stringToHex(output));
    const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment, { promptHash: payloadHash(payload), outputHash, tokenCount: BigInt(tokenCount) })); // prettier-ignore
    const tx = await market.escrow.connect(market.provider1).submitResult(jobId, outputHash, tokenCount, receipt.nullifier, proofArg(receipt)); // prettier-ignore
    const mined = await tx.wait();
    if (archived !== "none") archive.put(jobKeyOfJobId(jobId), { payload: canonicalPayload(payload), ...(archived === "both" ? { output } : {}) }); // prettier-ignore
    submitted.push({ jobId, blockHash: mined!.blockHash as Hex });
    return { jobId, realTokens: tokens.length, fromBlock: BigInt(mined!.blockNumber) };
  }

  const watcher = (options: Partial<WatcherOptions> & { fromBlock: bigint }) =>
    new Watcher({
      chain,
      contracts: chain.contracts,
      backends: new Map([[MODEL.toLowerCase(), { model: "llama3.2:1b", backend: new OllamaBackend({ host: ollama.url }) }]]), // prettier-ignore
      sources: () => [httpArchiveSource(archiveUrl)],
      sampleRateBps: 10_000,
      log: () => undefined,
      ...options,
    });
  /** Ticks until the watcher has scanned up to the head. */
  const drain = async (w: Watcher) => {
    while (await w.tick()) {
      // the next chunk of blocks
    }
  };
  const balances = async () => ({
    watcher: await market.token.balanceOf(market.challenger.address),
    escrow: await market.token.balanceOf(await market.escrow.getAddress()),
  });

  it("an honest result matches: no dispute, no token moves", async () => {
    const { jobId, fromBlock } = await job(1, (real) => ({ output: real.output, tokenCount: real.tokens }));
    const before = await balances();
    const w = watcher({ fromBlock });
    await w.tick();
    expect(w.checks.map((c) => [c.job.jobId, c.outcome])).to.deep.equal([[jobId, "match"]]);
    expect(w.disputes).to.deep.equal([]);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Submitted);
    expect(await balances()).to.deep.equal(before);
  });

  it("a result whose real output has n tokens submitted as 100 is disputed (the output hash is right)", async () => {
    const { jobId, realTokens, fromBlock } = await job(2, (real) => ({
      output: real.output,
      tokenCount: 100,
    }));
    expect(realTokens).to.be.below(100);
    const before = await balances();
    const w = watcher({ fromBlock });
    await w.tick();
    const [check] = w.checks;
    expect(check!.outcome).to.equal("mismatch");
    expect(check!.reason).to.equal(`token count ${realTokens} ≠ 100 claimed`);
    expect(check!.expected!.outputHash).to.equal(check!.job.outputHash);
    expect(check!.dispute).to.match(/^0x[0-9a-f]{64}$/);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
    const after = await balances();
    expect(before.watcher - after.watcher).to.equal(100n * AITBC); // the bond, nothing else
    expect(after.escrow - before.escrow).to.equal(100n * AITBC);
  });

  it("a wrong output with a plausible token count is disputed", async () => {
    const { jobId, fromBlock } = await job(3, (real) => ({
      output: "Sunny all week.",
      tokenCount: real.tokens,
    }));
    const w = watcher({ fromBlock });
    await w.tick();
    expect(w.checks[0]!.outcome).to.equal("mismatch");
    expect(w.checks[0]!.reason).to.equal("output hash differs");
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
  });

  it("a result whose output nobody serves is disputed as withheld, without re-execution", async () => {
    const { jobId, fromBlock } = await job(
      4,
      (real) => ({ output: real.output, tokenCount: real.tokens }),
      "payload",
    );
    const requests = ollama.requests;
    const w = watcher({ fromBlock });
    await w.tick();
    expect(w.checks[0]!.outcome).to.equal("withheld");
    expect(w.checks[0]!.reason).to.equal("output not served");
    expect(ollama.requests).to.equal(requests);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
  });

  it("with disputeWithheld false it only reports; a closed or disputed job is not disputed again", async () => {
    const { jobId, fromBlock } = await job(
      5,
      (real) => ({ output: real.output, tokenCount: real.tokens }),
      "none",
    );
    const w = watcher({ fromBlock, disputeWithheld: false });
    await w.tick();
    expect(w.checks.map((c) => [c.outcome, c.reason, c.dispute])).to.deep.equal([["withheld", "payload not served", undefined]]); // prettier-ignore
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Submitted);
    const again = watcher({ fromBlock: 0n });
    await again.tick();
    const byJob = new Map(again.checks.map((c) => [c.job.jobId, c.outcome]));
    expect([...byJob.values()]).to.deep.equal(["match", "closed", "closed", "closed", "withheld"]);
    expect(again.disputes.length).to.equal(1); // job 5 only
    expect(byJob.get(jobId)).to.equal("withheld");
  });

  it("does not re-execute a model whose proof of inference the chain checks (policy checkerOf ≠ 0)", async () => {
    expect(await market.policy.checkerOf(BUILTIN_DIGEST)).to.not.equal(
      "0x0000000000000000000000000000000000000000",
    );
    const w = watcher({ fromBlock: 0n, contracts: { ...chain.contracts, MarketPolicy: (await market.policy.getAddress()) as Address } }); // prettier-ignore
    const { jobId } = submitted[0]!;
    const check = await w.check({ kind: "job", jobKey: jobKeyOfJobId(jobId), jobId, provider: market.provider1.address as Address, consumer: market.consumer.address as Address, modelDigest: BUILTIN_DIGEST, promptHash: `0x${"11".repeat(32)}`, outputHash: `0x${"22".repeat(32)}`, tokenCount: 1, maxTokens: 1, seed: submitted[0]!.blockHash, blockNumber: 1n }); // prettier-ignore
    expect(check.outcome).to.equal("proven");
    expect(await w.sampleRateBps()).to.equal(10_000); // the override
    const policyRate = watcher({ fromBlock: 0n, sampleRateBps: undefined, contracts: { ...chain.contracts, MarketPolicy: (await market.policy.getAddress()) as Address } }); // prettier-ignore
    expect(await policyRate.sampleRateBps()).to.equal(1_000); // the policy's default, read on-chain
  });

  it("scans long ranges in chunks of 5,000 blocks and goes on until the head", async () => {
    await market.networkHelpers.mine(6_000);
    const { jobId } = await job(30, (real) => ({ output: real.output, tokenCount: real.tokens }));
    const w = watcher({ fromBlock: 0n });
    expect(await w.tick()).to.equal(true); // blocks 0…4,999: behind
    expect(await w.tick()).to.equal(false); // the rest, up to the head
    expect(w.checks.at(-1)!.job.jobId).to.equal(jobId);
    expect(w.checks.at(-1)!.outcome).to.equal("match");
  });

  it("checks exactly the jobs the public rule picks at the default 1,000 bps (no policy deployed: the design default)", async () => {
    for (let i = 0; i < 12; i++)
      await job(10 + i, (real) => ({ output: real.output, tokenCount: real.tokens }));
    const w = watcher({ fromBlock: 0n, sampleRateBps: undefined });
    expect(await w.sampleRateBps()).to.equal(1_000);
    await drain(w);
    const rule = submitted.filter((s) => isSampled({ seed: s.blockHash, jobKey: jobKeyOfJobId(s.jobId), sampleRateBps: 1_000 })); // prettier-ignore
    const checked = w.checks.filter((c) => c.outcome !== "not-sampled").map((c) => c.job.jobId);
    expect(checked).to.deep.equal(rule.map((s) => s.jobId));
    expect(w.checks.length).to.equal(submitted.length);
    // At 5,000 bps the same draw picks a superset; 17 jobs leave none picked with probability 2^-17.
    const half = watcher({ fromBlock: 0n, sampleRateBps: 5_000 });
    await drain(half);
    const halfRule = submitted.filter((s) => isSampled({ seed: s.blockHash, jobKey: jobKeyOfJobId(s.jobId), sampleRateBps: 5_000 })); // prettier-ignore
    expect(half.checks.filter((c) => c.outcome !== "not-sampled").map((c) => c.job.jobId)).to.deep.equal(halfRule.map((s) => s.jobId)); // prettier-ignore
    expect(halfRule.length).to.be.greaterThan(0);
    for (const s of rule) expect(halfRule).to.deep.include(s);
    const none = watcher({ fromBlock: 0n, sampleRateBps: 0 });
    await drain(none);
    expect(none.checks.every((c) => c.outcome === "not-sampled")).to.equal(true);
  });
});
