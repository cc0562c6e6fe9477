/**
 * The watcher (which the coordinator runs) re-executes the jobs the public rule samples, from data
 * fetched from archives and checked against the chain, and disputes a result whose output hash or token
 * count differs, or whose data nobody serves. It follows the escrow by events from a cursor in its SQLite
 * store and checks each job once. (The coordinator around it: test/node/coordinator-*.ts.)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, stringToHex, type Address, type Hex } from "viem";

import { handleArchiveRequest, JobArchive } from "../../node/archive/archive.js";
import { httpArchiveSource } from "../../node/archive/client.js";
import { BUILTIN_DIGEST, OllamaBackend } from "../../node/backends/backend.js";
import { canonicalPayload, payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { openStore, type Store } from "../../node/shared/store.js";
import { createChainSigner, type ChainSigner } from "../../node/watcher/signer.js";
import { Watcher, type WatcherOptions } from "../../node/watcher/watcher.js";
import { isSampled, jobKeyOfJobId, type AitbcContracts, type AitbcWriteClient } from "../../sdk/src/index.js";
import {
  AITBC,
  cachedReceipt,
  deployMarket,
  MODEL,
  openAndClaim,
  proofArg,
  receiptJob,
  SECRET_1,
  Status,
  type Market,
} from "../helpers/market.js";
import { fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";
import { viemClients } from "../sdk/helpers.js";

describe("watcher: re-executes sampled jobs from archived data, disputes a wrong output, a padded token count, withheld data", function () {
  let market: Market;
  let ollama: FakeOllama;
  let signer: ChainSigner;
  let contracts: AitbcContracts;
  const stores: Store[] = [];
  let archive: JobArchive;
  let archiveUrl: string;
  let close: () => void;
  const submitted: { jobId: bigint; blockHash: Hex }[] = [];

  before(async () => {
    const connection = await network.create();
    market = await deployMarket(connection);
    ollama = await startFakeOllama();
    const { publicClient, walletFor } = viemClients(connection);
    signer = createChainSigner({ public: publicClient as never, wallet: walletFor(market.challenger.address) as AitbcWriteClient }); // prettier-ignore
    contracts = {
      AITBCToken: (await market.token.getAddress()) as Address,
      JobEscrow: (await market.escrow.getAddress()) as Address,
      ReputationRegistry: (await market.reputation.getAddress()) as Address,
    };
    archive = new JobArchive();
    const server = createServer((req, res) => void (handleArchiveRequest(archive, req, res) || res.writeHead(404).end())); // prettier-ignore
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    archiveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });

  after(async () => {
    close?.();
    for (const s of stores) s.close();
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
    return { jobId, outputHash, realTokens: tokens.length, fromBlock: BigInt(mined!.blockNumber) };
  }

  const watcher = (options: Partial<WatcherOptions> & { fromBlock: bigint }) => {
    const store = openStore(":memory:");
    stores.push(store);
    return new Watcher({
      signer,
      contracts,
      store,
      backends: new Map([[MODEL.toLowerCase(), { model: "llama3.2:1b", backend: new OllamaBackend({ host: ollama.url }) }]]), // prettier-ignore
      sources: () => [httpArchiveSource(archiveUrl)],
      sampleRateBps: 10_000,
      pollingIntervalMs: 20,
      log: () => undefined,
      ...options,
    });
  };
  /** Follows the escrow up to the head, then stops; returns the watcher. */
  const drain = async (w: Watcher) => {
    w.start();
    await w.caughtUp();
    await w.stop();
    return w;
  };
  const balances = async () => ({
    watcher: await market.token.balanceOf(market.challenger.address),
    escrow: await market.token.balanceOf(await market.escrow.getAddress()),
  });

  it("an honest result matches: no dispute, no token moves", async () => {
    const { jobId, fromBlock } = await job(1, (real) => ({ output: real.output, tokenCount: real.tokens }));
    const before = await balances();
    const w = watcher({ fromBlock });
    await drain(w);
    expect(w.checks().map((c) => [c.jobId, c.outcome])).to.deep.equal([[jobId, "match"]]);
    expect(w.disputes()).to.deep.equal([]);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Submitted);
    expect(await balances()).to.deep.equal(before);
  });

  it("a result whose real output has n tokens submitted as 100 is disputed (the output hash is right)", async () => {
    const { jobId, outputHash, realTokens, fromBlock } = await job(2, (real) => ({
      output: real.output,
      tokenCount: 100,
    }));
    expect(realTokens).to.be.below(100);
    const before = await balances();
    const w = watcher({ fromBlock });
    await drain(w);
    const [check] = w.checks();
    expect(check!.outcome).to.equal("mismatch");
    expect(check!.reason).to.equal(`token count ${realTokens} ≠ 100 claimed`);
    expect(check!.expectedHash).to.equal(outputHash); // the output is right, the count is not
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
    await drain(w);
    expect(w.checks()[0]!.outcome).to.equal("mismatch");
    expect(w.checks()[0]!.reason).to.equal("output hash differs");
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
    await drain(w);
    expect(w.checks()[0]!.outcome).to.equal("withheld");
    expect(w.checks()[0]!.reason).to.equal("output not served");
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
    await drain(w);
    expect(w.checks().map((c) => [c.outcome, c.reason, c.dispute])).to.deep.equal([["withheld", "payload not served", undefined]]); // prettier-ignore
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Submitted);
    const again = watcher({ fromBlock: 0n });
    await drain(again);
    const byJob = new Map(again.checks().map((c) => [c.jobId, c.outcome]));
    expect([...byJob.values()]).to.deep.equal(["match", "closed", "closed", "closed", "withheld"]);
    expect(again.disputes().length).to.equal(1); // job 5 only
    expect(byJob.get(jobId)).to.equal("withheld");
  });

  it("does not re-execute a model whose proof of inference the chain checks (policy checkerOf ≠ 0)", async () => {
    expect(await market.policy.checkerOf(BUILTIN_DIGEST)).to.not.equal(
      "0x0000000000000000000000000000000000000000",
    );
    const w = watcher({ fromBlock: 0n, contracts: { ...contracts, MarketPolicy: (await market.policy.getAddress()) as Address } }); // prettier-ignore
    const { jobId } = submitted[0]!;
    const check = await w.check({ kind: "job", jobKey: jobKeyOfJobId(jobId), jobId, provider: market.provider1.address as Address, consumer: market.consumer.address as Address, modelDigest: BUILTIN_DIGEST, promptHash: `0x${"11".repeat(32)}`, outputHash: `0x${"22".repeat(32)}`, tokenCount: 1, maxTokens: 1, seed: submitted[0]!.blockHash, blockNumber: 1n }); // prettier-ignore
    expect(check.outcome).to.equal("proven");
    expect(await w.sampleRateBps()).to.equal(10_000); // the override
    const policyRate = watcher({ fromBlock: 0n, sampleRateBps: undefined, contracts: { ...contracts, MarketPolicy: (await market.policy.getAddress()) as Address } }); // prettier-ignore
    expect(await policyRate.sampleRateBps()).to.equal(1_000); // the policy's default, read on-chain
  });

  it("reads long ranges in steps of maxBlockRange blocks up to the head", async () => {
    await market.networkHelpers.mine(60);
    const { jobId } = await job(30, (real) => ({ output: real.output, tokenCount: real.tokens }));
    const w = await drain(watcher({ fromBlock: 0n, maxBlockRange: 16n }));
    expect(w.checks().at(-1)!.jobId).to.equal(jobId);
    expect(w.checks().at(-1)!.outcome).to.equal("match");
    expect(w.options.store.getCursor("watcher:JobEscrow")).to.equal(await market.ethers.provider.getBlockNumber().then(BigInt)); // prettier-ignore
  });

  it("restarted on the same store, a watcher checks nothing twice and disputes nothing twice", async () => {
    const store = openStore(":memory:");
    stores.push(store);
    const first = await drain(watcher({ fromBlock: 0n, store }));
    const checked = first.checks().map((c) => [c.jobId, c.outcome]);
    const disputed = first.disputes().map((d) => d.jobId);
    const requests = ollama.requests;
    const { jobId } = await job(31, (real) => ({ output: "Sunny all week.", tokenCount: real.tokens }));
    const second = await drain(watcher({ fromBlock: 0n, store }));
    expect(second.checks().map((c) => [c.jobId, c.outcome])).to.deep.equal([...checked, [jobId, "mismatch"]]);
    expect(ollama.requests).to.equal(requests + 1); // the new job only
    expect(second.disputes().map((d) => d.jobId)).to.deep.equal([...disputed, jobId]);
    // events delivered again (a crash before the cursor moved) change nothing
    store.setCursor("watcher:JobEscrow", 0n);
    const third = await drain(watcher({ fromBlock: 0n, store }));
    expect(third.checks()).to.deep.equal(second.checks());
    expect(ollama.requests).to.equal(requests + 1);
  });

  it("checks exactly the jobs the public rule picks at the default 1,000 bps (no policy deployed: the design default)", async () => {
    for (let i = 0; i < 12; i++)
      await job(10 + i, (real) => ({ output: real.output, tokenCount: real.tokens }));
    const w = watcher({ fromBlock: 0n, sampleRateBps: undefined });
    expect(await w.sampleRateBps()).to.equal(1_000);
    await drain(w);
    const rule = submitted.filter((s) => isSampled({ seed: s.blockHash, jobKey: jobKeyOfJobId(s.jobId), sampleRateBps: 1_000 })); // prettier-ignore
    const checked = w
      .checks()
      .filter((c) => c.outcome !== "not-sampled")
      .map((c) => c.jobId);
    expect(checked).to.deep.equal(rule.map((s) => s.jobId));
    expect(w.checks().length).to.equal(submitted.length);
    // At 5,000 bps the same draw picks a superset; 17 jobs leave none picked with probability 2^-17.
    const half = watcher({ fromBlock: 0n, sampleRateBps: 5_000 });
    await drain(half);
    const halfRule = submitted.filter((s) => isSampled({ seed: s.blockHash, jobKey: jobKeyOfJobId(s.jobId), sampleRateBps: 5_000 })); // prettier-ignore
    expect(half.checks().filter((c) => c.outcome !== "not-sampled").map((c) => c.jobId)).to.deep.equal(halfRule.map((s) => s.jobId)); // prettier-ignore
    expect(halfRule.length).to.be.greaterThan(0);
    for (const s of rule) expect(halfRule).to.deep.include(s);
    const none = watcher({ fromBlock: 0n, sampleRateBps: 0 });
    await drain(none);
    expect(none.checks().every((c) => c.outcome === "not-sampled")).to.equal(true);
  });
});
