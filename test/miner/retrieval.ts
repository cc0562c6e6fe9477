/**
 * Prompts and outputs retrievable from the provider, and an honest miner that never loses a batch dispute
 * by withholding: jobs run through the real relay-free miner (its own API, in-process chain, fake Ollama
 * runtime, mock batch verifier); the payload, output and signed request are fetched over HTTP from the
 * archive routes at the miner's published URI and checked against the on-chain `promptHash` / `outputHash`
 * / request digest; a disputed batch job is revealed by the miner (`BatchJobRevealed`, status Revealed) so
 * `claimWithheld` fails. (The gateway's archive is the gateway's tests'.)
 */
import { expect } from "chai";
import { keccak256, type Hex } from "viem";

import {
  batchLeafHash,
  batchMerkleProof,
  claimWithheld,
  ContractRevertError,
  depositToBatchEscrow,
  disputeBatchJob,
  findBatchJobSettlement,
  getJob,
  getResultSubmission,
  getServiceURI,
  getSettledBatchJobs,
  hashBatchJobRequest,
  jobKeyOfJobId,
  openJobWithQuote,
  signBatchJobRequest,
} from "../../sdk/src/index.js";
import { httpArchiveSource, retrieveJobData } from "../../node/archive/client.js";
import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { ProviderClient, type StreamEvent } from "../../node/shared/provider-api.js";
import { AITBC } from "../helpers/market.js";
import { rejection } from "../sdk/helpers.js";
import { minerFixture, until, type MinerFixture } from "../node/miner-fixture.js";

/** `IBatchEscrow.DisputeStatus`. */
const REVEALED = 2;

async function get(url: string): Promise<{ status: number; bytes: Uint8Array; text: string }> {
  const response = await fetch(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, bytes, text: new TextDecoder().decode(bytes) };
}

async function done(events: AsyncIterable<StreamEvent>) {
  let end: StreamEvent | undefined;
  for await (const e of events) end = e;
  if (end?.type !== "done") throw new Error(`no answer: ${JSON.stringify(end)}`);
  return end;
}

describe("miner: job data retrievable at its published URI; disputed batch jobs revealed by the miner", function () {
  let f: MinerFixture;
  let client: ProviderClient;
  let base: string;
  let nonce = 0n;
  const payload = (prompt: string): JobPayload => ({ model: f.model.name, prompt, seed: 5, nonce: prompt });

  before(async () => {
    f = await minerFixture();
    ({ uri: base } = await getServiceURI(f.publicClient, {
      contracts: f.contracts,
      provider: f.miner.address,
    }));
    client = new ProviderClient(base);
    await depositToBatchEscrow(f.consumer, { contracts: f.contracts, amount: 100n * AITBC });
  });
  after(async () => {
    await f?.miner.stop();
    await f?.ollama.close();
  });

  /** One batch job through the miner's API; resolves once its batch is settled. */
  async function batchJob(prompt: string) {
    const p = payload(prompt);
    const now = BigInt(await f.market.networkHelpers.time.latest());
    const request = { consumer: f.consumer.account.address, provider: f.miner.address, modelDigest: f.model.digest, promptHash: payloadHash(p), pricePerToken: DEFAULT_ASK, maxTokens: 64n, deadline: now + 3_600n, nonce: ++nonce }; // prettier-ignore
    const signature = await signBatchJobRequest(f.consumer, { contracts: f.contracts, request });
    const answer = await done(client.sendBatchRequest({ request, signature: signature as Hex, payload: p }));
    await until(() => f.miner.journal.get(answer.jobKey)?.state === "submitted");
    return { answer, request, batchId: BigInt(f.miner.journal.get(answer.jobKey)!.batchId!) };
  }

  it("a per-job job: payload and output served at the miner's URI, matching the on-chain hashes", async () => {
    const p = payload("per-job archive question");
    const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p), maxTokens: 64n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
    const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
    const answer = await done(client.uploadPrompt(jobId, p));
    await until(async () => (await getResultSubmission(f.publicClient, { contracts: f.contracts, jobId })) !== undefined); // prettier-ignore
    const job = await getJob(f.publicClient, { contracts: f.contracts, jobId });
    const sub = (await getResultSubmission(f.publicClient, { contracts: f.contracts, jobId }))!;
    const key = jobKeyOfJobId(jobId);
    const [payloadBytes, output] = [await get(`${base}/v1/jobs/${key}/payload`), await get(`${base}/v1/jobs/${key}/output`)]; // prettier-ignore
    expect([payloadBytes.status, output.status]).to.deep.equal([200, 200]);
    expect(keccak256(payloadBytes.bytes)).to.equal(job.promptHash);
    expect(keccak256(output.bytes)).to.equal(sub.outputHash);
    expect(output.text).to.equal(answer.output);
    expect(JSON.parse(payloadBytes.text)).to.include({
      model: f.model.name,
      prompt: "per-job archive question",
    });
    const data = await retrieveJobData([httpArchiveSource(base)], { jobKey: key, promptHash: job.promptHash, outputHash: sub.outputHash }); // prettier-ignore
    expect([data.payload?.source, data.output?.source, data.mismatched]).to.deep.equal([base, base, []]);
    // Unknown and malformed keys, other parts: nothing served that is not held.
    expect((await get(`${base}/v1/jobs/${jobKeyOfJobId(jobId + 1000n)}/payload`)).status).to.equal(404);
    expect((await get(`${base}/v1/jobs/0x1234/output`)).status).to.equal(400);
    expect((await get(`${base}/v1/jobs/${key}/secret`)).status).to.equal(404);
  });

  it("a batch job: payload, output and signed request served at the miner's URI, matching the settled hashes and the digest", async () => {
    const { answer, request } = await batchJob("batch archive question");
    const digest = answer.jobKey;
    const settled = (await findBatchJobSettlement(f.publicClient, { contracts: f.contracts, consumer: request.consumer, requestDigest: digest }))!; // prettier-ignore
    expect(keccak256((await get(`${base}/v1/jobs/${digest}/payload`)).bytes)).to.equal(settled.promptHash);
    const output = await get(`${base}/v1/jobs/${digest}/output`);
    expect(keccak256(output.bytes)).to.equal(settled.outputHash);
    expect(output.text).to.equal(answer.output);
    const r = JSON.parse((await get(`${base}/v1/jobs/${digest}/request`)).text) as Record<string, string>;
    const served = { consumer: r.consumer as Hex, provider: r.provider as Hex, modelDigest: r.modelDigest as Hex, promptHash: r.promptHash as Hex, pricePerToken: BigInt(r.pricePerToken!), maxTokens: BigInt(r.maxTokens!), deadline: BigInt(r.deadline!), nonce: BigInt(r.nonce!) }; // prettier-ignore
    const chainId = await f.publicClient.getChainId();
    expect(hashBatchJobRequest({ chainId, escrow: f.contracts.BatchEscrow!, request: served })).to.equal(
      digest,
    );
    expect(served.provider).to.equal(f.miner.address);
  });

  it("a disputed batch job is revealed by the miner (BatchJobRevealed, status Revealed); claimWithheld then fails", async () => {
    const { answer, batchId } = await batchJob("disputed batch question");
    const jobs = await getSettledBatchJobs(f.publicClient, { contracts: f.contracts, batchId });
    const index = jobs.findIndex((j) => j.requestDigest.toLowerCase() === answer.jobKey.toLowerCase());
    const proof = batchMerkleProof(jobs.map(batchLeafHash), index);
    await disputeBatchJob(f.challenger, { contracts: f.contracts, batchId, leaf: jobs[index]!, proof });
    await until(() => f.miner.journal.get(answer.jobKey)?.dispute === "revealed");
    const revealed = await f.market.batchEscrow.queryFilter(f.market.batchEscrow.filters.BatchJobRevealed(batchId, index)); // prettier-ignore
    expect(revealed).to.have.length(1);
    const tx = await f.market.ethers.provider.getTransaction(revealed[0]!.transactionHash);
    expect(tx!.from).to.equal(f.miner.address); // revealed by the miner, not by anyone else
    expect(keccak256(revealed[0]!.args.prompt as Hex)).to.equal(jobs[index]!.promptHash);
    expect(Number((await f.market.batchEscrow.disputeOf(batchId, index)).status)).to.equal(REVEALED);
    const { revealWindow } = (await f.market.policy.parameters()) as unknown as { revealWindow: bigint };
    await f.market.networkHelpers.time.increase(Number(revealWindow) + 1);
    const balance = await f.market.token.balanceOf(f.challenger.account.address);
    const refused = await rejection<ContractRevertError>(claimWithheld(f.challenger, { contracts: f.contracts, batchId, index: BigInt(index) })); // prettier-ignore
    expect(refused.errorName).to.equal("BatchWrongDisputeStatus");
    expect(await f.market.token.balanceOf(f.challenger.account.address)).to.equal(balance);
    expect(Number((await f.market.batchEscrow.disputeOf(batchId, index)).status)).to.equal(REVEALED);
  });
});
