/**
 * Prompts and outputs retrievable from the provider AND the consumer, and an honest miner that never loses
 * a batch dispute by withholding: jobs run through a real miner and gateway (in-process chain, fake Ollama
 * runtime, mock batch verifier); the payload and output are fetched over HTTP from the miner's and the
 * gateway's archive URLs and checked against the on-chain `promptHash` / `outputHash`; a disputed batch job
 * is revealed by the miner (`BatchJobRevealed`, dispute status Revealed) so `claimWithheld` fails; a miner
 * restarted from its journal still serves the data and still reveals a dispute filed while it was down.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { Ollama } from "ollama";
import { keccak256, type Address, type EIP1193Provider, type Hex } from "viem";

import { httpArchiveSource, retrieveJobData } from "../../node/archive/client.js";
import { ChainAdapter, type MarketAddresses } from "../../node/shared/chain.js";
import { startRelay, type Relay } from "../../node/coordinator/relay.js";
import { startGateway, type Gateway } from "../../node/gateway/server.js";
import { defaultArchivePath, Miner, type MinerOptions } from "../../node/miner/miner.js";
import { OllamaBackend } from "../../node/backends/backend.js";
import { sleep } from "../../node/shared/retry.js";
import {
  batchLeafHash,
  batchMerkleProof,
  claimWithheld,
  ContractRevertError,
  disputeBatchJob,
  findBatchJobSettlement,
  getSettledBatchJobs,
  jobKeyOfJobId,
} from "../../sdk/src/index.js";
import { deployBatchMarket, mockBatchProver, type BatchMarket } from "../helpers/batch-node.js";
import { marketAddresses, PRICE, SECRET_1 } from "../helpers/market.js";
import { startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";
import { rejection, viemClients } from "../sdk/helpers.js";

const GPU = { model: "test GPU", vramGb: 8, throughput: 10, source: "flags" as const };
/** `IBatchEscrow.DisputeStatus`. */
const REVEALED = 2;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5 * 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function get(url: string): Promise<{ status: number; bytes: Uint8Array; text: string }> {
  const response = await fetch(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, bytes, text: new TextDecoder().decode(bytes) };
}

describe("miner + gateway: job data retrievable from both archives; disputed batch jobs revealed by the miner", function () {
  let m: BatchMarket;
  let addresses: MarketAddresses;
  let ollama: FakeOllama;
  let relay: Relay;
  let miner: Miner;
  let batchGateway: Gateway;
  let singleGateway: Gateway;
  let dir: string;
  let rpc: EIP1193Provider;
  let minerOptions: MinerOptions;
  let connection: NetworkConnection;
  const adapter = (account: string) =>
    new ChainAdapter({ rpc, account: account as Address, addresses, pollingIntervalMs: 20 });

  before(async () => {
    connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    m = await deployBatchMarket(connection);
    addresses = { ...(await marketAddresses(m)), batchEscrow: m.contracts.BatchEscrow, policy: m.contracts.MarketPolicy }; // prettier-ignore
    dir = mkdtempSync(join(tmpdir(), "aitbc-retrieval-"));
    ollama = await startFakeOllama();
    relay = await startRelay({
      match: async (request, offers) =>
        offers
          .filter((o) => o.pricePerToken <= request.maxPricePerToken && o.models.some((x) => x.digest.toLowerCase() === request.modelDigest.toLowerCase())) // prettier-ignore
          .map((o) => ({ provider: o.provider, pricePerToken: o.pricePerToken, capacity: o.capacity, trustScore: 500, score: 1 })), // prettier-ignore
    });
    minerOptions = {
      chain: adapter(m.provider1.address),
      backend: new OllamaBackend({ host: ollama.url, retry: { attempts: 3, baseDelayMs: 20 } }),
      models: ["llama3.2:1b"],
      relayUrl: relay.url,
      secret: SECRET_1,
      journalPath: join(dir, "miner.jsonl"),
      gpu: GPU,
      pollMs: 50,
      concurrency: 2,
      pricePerToken: PRICE,
      offerEveryMs: 500,
      batch: { size: 4, maxWaitMs: 500 },
      batchProver: mockBatchProver,
      log: () => undefined,
    };
    miner = new Miner(minerOptions);
    await miner.start();
    await waitFor("the miner's offer", async () => relay.state.offers.size === 1);
    const gatewayOptions = {
      chain: adapter(m.agentKey.address),
      agentWallet: m.wallet,
      relayUrl: relay.url,
      pricePerToken: PRICE,
      matchTimeoutMs: 5_000,
      resultTimeoutMs: 180_000,
      log: () => undefined,
    };
    batchGateway = await startGateway({ ...gatewayOptions, batch: { topUp: 50n * 10n ** 18n } });
    // per-job jobs paid by the consumer account (the fixture's wallet approves only the BatchEscrow)
    singleGateway = await startGateway({ ...gatewayOptions, chain: adapter(m.consumer.address), agentWallet: undefined }); // prettier-ignore
  });

  after(async () => {
    await miner?.stop();
    await batchGateway?.close();
    await singleGateway?.close();
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const generate = async (gateway: Gateway, prompt: string) => {
    const r = await new Ollama({ host: gateway.url }).generate({ model: "llama3.2:1b", prompt, stream: false, options: { num_predict: 30 } }); // prettier-ignore
    return { response: r.response, aitbc: (r as unknown as { aitbc: { job_id: string; matched: string; batch?: { batch_id: string; index: number; request_digest: Hex } } }).aitbc }; // prettier-ignore
  };

  it("the default archive file sits next to the journal", () => {
    expect(defaultArchivePath("/var/aitbc/miner-journal.jsonl")).to.equal("/var/aitbc/miner-journal.archive.sqlite"); // prettier-ignore
    expect(defaultArchivePath("journal")).to.equal("journal.archive.sqlite");
  });

  it("a per-job job: payload and output served by the miner and by the gateway, matching the on-chain hashes", async () => {
    const { response, aitbc } = await generate(singleGateway, "per-job archive question");
    expect(aitbc.matched).to.not.equal("batch");
    const jobId = BigInt(aitbc.job_id);
    const chain = adapter(m.outsider.address);
    const job = await chain.job(jobId);
    const sub = (await chain.submission(jobId))!;
    const key = jobKeyOfJobId(jobId);
    for (const base of [miner.archiveUrl!, singleGateway.url]) {
      const payload = await get(`${base}/v1/jobs/${key}/payload`);
      const output = await get(`${base}/v1/jobs/${key}/output`);
      expect([payload.status, output.status], base).to.deep.equal([200, 200]);
      expect(keccak256(payload.bytes), base).to.equal(job.promptHash);
      expect(keccak256(output.bytes), base).to.equal(sub.outputHash);
      expect(output.text).to.equal(response);
      expect(JSON.parse(payload.text)).to.include({
        model: "llama3.2:1b",
        prompt: "per-job archive question",
      });
      const data = await retrieveJobData([httpArchiveSource(base)], { jobKey: key, promptHash: job.promptHash, outputHash: sub.outputHash }); // prettier-ignore
      expect([data.payload?.source, data.output?.source, data.mismatched]).to.deep.equal([base, base, []]);
    }
    // Unknown and malformed keys, other paths and methods: nothing served that is not held.
    const unknown = await get(`${miner.archiveUrl}/v1/jobs/${jobKeyOfJobId(jobId + 1000n)}/payload`);
    expect(unknown.status).to.equal(404);
    expect((await get(`${miner.archiveUrl}/v1/jobs/0x1234/output`)).status).to.equal(400);
    expect((await get(`${miner.archiveUrl}/v1/jobs/${key}/secret`)).status).to.equal(404);
    const post = await fetch(`${miner.archiveUrl}/v1/jobs/${key}/payload`, { method: "POST", body: "x" });
    expect(post.status).to.equal(404);
    // The gateway's Ollama routes still answer beside the archive's.
    expect((await get(`${singleGateway.url}/api/version`)).status).to.equal(200);
  });

  it("a batch job: payload, output and signed request served by both, matching the settled hashes and the request digest", async () => {
    const { response, aitbc } = await generate(batchGateway, "batch archive question");
    expect(aitbc.matched).to.equal("batch");
    const digest = aitbc.batch!.request_digest;
    const settled = (await findBatchJobSettlement(adapter(m.outsider.address).public, { contracts: m.contracts, consumer: m.wallet, requestDigest: digest }))!; // prettier-ignore
    for (const base of [miner.archiveUrl!, batchGateway.url]) {
      const payload = await get(`${base}/v1/jobs/${digest}/payload`);
      const output = await get(`${base}/v1/jobs/${digest}/output`);
      expect(keccak256(payload.bytes), base).to.equal(settled.promptHash);
      expect(keccak256(output.bytes), base).to.equal(settled.outputHash);
      expect(output.text).to.equal(response);
      const request = JSON.parse((await get(`${base}/v1/jobs/${digest}/request`)).text) as Record<
        string,
        string
      >;
      const onChain = await m.batchEscrow.requestDigest({ consumer: request.consumer!, provider: request.provider!, modelDigest: request.modelDigest!, promptHash: request.promptHash!, pricePerToken: BigInt(request.pricePerToken!), maxTokens: Number(request.maxTokens), deadline: Number(request.deadline), nonce: BigInt(request.nonce!) }); // prettier-ignore
      expect(onChain, base).to.equal(digest);
      expect(request.provider).to.equal(miner.address);
      expect(request.signature).to.match(/^0x[0-9a-f]+$/i);
    }
  });

  /** Runs one batch job and disputes it as a stranger with its leaf and Merkle proof. */
  async function settleAndDispute(prompt: string, beforeDispute?: () => Promise<void>) {
    const { aitbc } = await generate(batchGateway, prompt);
    const batchId = BigInt(aitbc.batch!.batch_id);
    const index = BigInt(aitbc.batch!.index);
    const chain = adapter(m.challenger.address);
    const jobs = await getSettledBatchJobs(chain.public, { contracts: m.contracts, batchId });
    const hashes = jobs.map(batchLeafHash);
    await waitFor("the batch journaled as settled", async () => miner.journal.get(aitbc.batch!.request_digest.toLowerCase())?.state === "submitted"); // prettier-ignore
    await beforeDispute?.();
    const { walletFor } = viemClients(connection);
    await disputeBatchJob(walletFor(m.challenger.address), { contracts: m.contracts, batchId, leaf: jobs[Number(index)]!, proof: batchMerkleProof(hashes, Number(index)) }); // prettier-ignore
    expect(Number((await m.batchEscrow.disputeOf(batchId, index)).status)).to.equal(1); // Open
    return { batchId, index, digest: aitbc.batch!.request_digest };
  }

  /** After the reveal window, `claimWithheld` by the disputer reverts and moves nothing. */
  async function expectClaimRefused(batchId: bigint, index: bigint) {
    const { revealWindow } = (await m.policy.parameters()) as unknown as { revealWindow: bigint };
    await m.networkHelpers.time.increase(Number(revealWindow) + 1);
    const { walletFor } = viemClients(connection);
    const balance = await m.token.balanceOf(m.challenger.address);
    const credit = await m.batchEscrow.withdrawable(m.challenger.address);
    const deposit = (await m.batchEscrow.depositOf(m.wallet)).balance;
    const refused = await rejection<ContractRevertError>(claimWithheld(walletFor(m.challenger.address), { contracts: m.contracts, batchId, index })); // prettier-ignore
    expect(refused.errorName).to.equal("BatchWrongDisputeStatus");
    expect(await m.token.balanceOf(m.challenger.address)).to.equal(balance);
    expect(await m.batchEscrow.withdrawable(m.challenger.address)).to.equal(credit);
    expect((await m.batchEscrow.depositOf(m.wallet)).balance).to.equal(deposit);
    expect(Number((await m.batchEscrow.disputeOf(batchId, index)).status)).to.equal(REVEALED);
  }

  it("a disputed batch job is revealed by the miner (BatchJobRevealed, status Revealed); claimWithheld then fails", async () => {
    const { batchId, index, digest } = await settleAndDispute("disputed batch question");
    await waitFor(
      "the miner's reveal",
      async () => miner.journal.get(digest.toLowerCase())?.dispute === "revealed",
    );
    const revealed = await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchJobRevealed(batchId, index));
    expect(revealed).to.have.length(1);
    const tx = await m.ethers.provider.getTransaction(revealed[0]!.transactionHash);
    expect(tx!.from).to.equal(miner.address); // revealed by the miner, not by anyone else
    expect(miner.journal.get(digest.toLowerCase())!.revealTx).to.equal(revealed[0]!.transactionHash);
    expect(keccak256(revealed[0]!.args.prompt as Hex)).to.equal((await getSettledBatchJobs(adapter(m.outsider.address).public, { contracts: m.contracts, batchId }))[Number(index)]!.promptHash); // prettier-ignore
    expect(Number((await m.batchEscrow.disputeOf(batchId, index)).status)).to.equal(REVEALED);
    expect(miner.batcher!.revealed).to.equal(1);
    await expectClaimRefused(batchId, index);
  });

  it("after a restart the archive still serves the data, and a dispute filed while the miner was down is revealed", async () => {
    let stoppedAt = "";
    const { batchId, index, digest } = await settleAndDispute("dispute while down", async () => {
      await miner.stop();
      stoppedAt = miner.archiveUrl!;
    });
    // the old server is gone
    const gone = await fetch(`${stoppedAt}/v1/jobs/${digest}/payload`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(gone).to.equal("refused");
    expect(Number((await m.batchEscrow.disputeOf(batchId, index)).status)).to.equal(1);
    miner = new Miner({ ...minerOptions, chain: adapter(m.provider1.address) });
    await miner.start();
    const settled = (await findBatchJobSettlement(adapter(m.outsider.address).public, { contracts: m.contracts, consumer: m.wallet, requestDigest: digest }))!; // prettier-ignore
    const payload = await get(`${miner.archiveUrl}/v1/jobs/${digest}/payload`);
    const output = await get(`${miner.archiveUrl}/v1/jobs/${digest}/output`);
    expect([payload.status, output.status]).to.deep.equal([200, 200]);
    expect(keccak256(payload.bytes)).to.equal(settled.promptHash);
    expect(keccak256(output.bytes)).to.equal(settled.outputHash);
    await waitFor("the restarted miner's reveal", async () => miner.journal.get(digest.toLowerCase())?.dispute === "revealed"); // prettier-ignore
    const revealed = await m.batchEscrow.queryFilter(m.batchEscrow.filters.BatchJobRevealed(batchId, index));
    expect(revealed).to.have.length(1);
    await expectClaimRefused(batchId, index);
    // the earlier jobs' data too (written by the first process)
    const first = miner.journal.all().find((e) => e.kind === "batch" && e.jobId !== digest.toLowerCase())!;
    const earlier = await get(`${miner.archiveUrl}/v1/jobs/${first.jobId}/output`);
    expect(keccak256(earlier.bytes)).to.equal(first.outputHash);
  });
});
