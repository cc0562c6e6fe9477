/**
 * The watcher on a real BatchEscrow and MarketPolicy (with the binding mock batch verifier, as the
 * BatchEscrow Solidity tests use until the batch circuit lands): it reads the batch's jobs from
 * `BatchJobSettled`, applies the policy's rule at the policy's rate, re-executes from archived data, and
 * disputes one job with its leaf and a Merkle proof the escrow accepts; a job nobody revealed is claimed
 * as withheld after the reveal window. The SDK's batch-dispute actions are attacked along the way.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, stringToHex, toHex, type Address, type Hex } from "viem";

import { handleArchiveRequest, JobArchive } from "../../node/archive/archive.js";
import { httpArchiveSource } from "../../node/archive/client.js";
import { openStore } from "../../node/shared/store.js";
import { createChainSigner } from "../../node/watcher/signer.js";
import { OllamaBackend } from "../../node/backends/backend.js";
import { canonicalPayload, payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { Watcher, type WatcherOptions } from "../../node/watcher/watcher.js";
import {
  batchJobsRoot,
  batchLeafHash,
  batchMerkleProof,
  claimWithheld,
  ContractRevertError,
  disputeBatchJob,
  getSettledBatchJobs,
  resolveBatchDispute,
  revealBatchJob,
  type AitbcContracts,
  type AitbcWriteClient,
  type BatchRevealRequest,
} from "../../sdk/src/index.js";
import { fakeAnswer, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";
import { rejection, viemClients } from "../sdk/helpers.js";

const AITBC = 10n ** 18n;
const MODEL = keccak256(stringToHex("llama3.2:1b@sha256:0b1c"));
const PRICE = 2n * 10n ** 15n;
const IDENTITY = 11n;
const DisputeStatus = { None: 0, Open: 1, Revealed: 2, ProviderAtFault: 3, ProviderNotAtFault: 4 } as const;

/** Follows the escrow up to the head, then stops. */
async function drain(w: Watcher): Promise<Watcher> {
  w.start();
  await w.caughtUp();
  await w.stop();
  return w;
}

describe("watcher on BatchEscrow: the policy's rule, leaf + Merkle proof disputes, withheld claims", function () {
  let ollama: FakeOllama;
  let archive: JobArchive;
  let archiveUrl: string;
  let closeServer: () => void;

  before(async () => {
    ollama = await startFakeOllama();
    archive = new JobArchive();
    const server = createServer((req, res) => void (handleArchiveRequest(archive, req, res) || res.writeHead(404).end())); // prettier-ignore
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    archiveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = () => server.close();
  });
  after(async () => {
    closeServer?.();
    archive?.close();
    await ollama?.close();
  });

  async function deploy() {
    const connection = await network.create();
    const { ethers } = connection;
    const [admin, treasury, provider, consumer, watcherAccount, arbiter, stranger] =
      await ethers.getSigners();
    const token = await ethers.deployContract("AITBCToken", [admin!.address, admin!.address, admin!.address, admin!.address, [admin!.address], [100_000_000n * AITBC], { votingPowerCapBps: 500n, shortAverageWindow: 86_400n, longAverageWindow: 604_800n }]); // prettier-ignore
    const reputation = await ethers.deployContract("ReputationRegistry", [admin!.address]);
    const staking = await ethers.deployContract("GPUStaking", [await token.getAddress(), await reputation.getAddress(), admin!.address]); // prettier-ignore
    const policy = await ethers.deployContract("MarketPolicy", [admin!.address, treasury!.address]);
    const verifier = await ethers.deployContract("BatchReceiptVerifierMock");
    const escrow = await ethers.deployContract("BatchEscrow", [await token.getAddress(), await staking.getAddress(), await reputation.getAddress(), await policy.getAddress(), await verifier.getAddress(), admin!.address]); // prettier-ignore
    const escrowAddress = await escrow.getAddress();
    await reputation.grantRole(await reputation.ESCROW_ROLE(), escrowAddress);
    await staking.grantRole(await staking.ESCROW_ROLE(), escrowAddress);
    await escrow.grantRole(await escrow.ARBITER_ROLE(), arbiter!.address);
    for (const a of [provider, consumer, watcherAccount, stranger])
      await token.transfer(a!.address, 10_000n * AITBC);
    await token.connect(provider).approve(await staking.getAddress(), ethers.MaxUint256);
    await staking
      .connect(provider)
      .register(IDENTITY, { model: "RTX 4090", vramGb: 24, throughput: 120 }, [MODEL]);
    await staking.connect(provider).stake(1_000n * AITBC, 0);
    await token.connect(consumer).approve(escrowAddress, ethers.MaxUint256);
    await escrow.connect(consumer).deposit(1_000n * AITBC);
    await policy.setSampleRateBps(10_000); // every job sampled: this test is about the dispute paths

    const contracts: AitbcContracts = {
      AITBCToken: (await token.getAddress()) as Address,
      BatchEscrow: escrowAddress as Address,
      MarketPolicy: (await policy.getAddress()) as Address,
      GPUStaking: (await staking.getAddress()) as Address,
    };
    const clients = viemClients(connection);
    /** A watcher for `account` on a fresh in-memory store, from `fromBlock`. */
    const watcherOf = (account: string, fromBlock: bigint, options: Partial<WatcherOptions> = {}) =>
      new Watcher({
        signer: createChainSigner({ public: clients.publicClient as never, wallet: clients.walletFor(account) as AitbcWriteClient }), // prettier-ignore
        contracts,
        store: openStore(":memory:"),
        backends: new Map([[MODEL.toLowerCase(), { model: "llama3.2:1b", backend: new OllamaBackend({ host: ollama.url }) }]]), // prettier-ignore
        sources: () => [httpArchiveSource(archiveUrl)],
        fromBlock,
        pollingIntervalMs: 20,
        log: () => undefined,
        ...options,
      });
    const domain = { name: "AITBC BatchEscrow", version: "1", chainId: (await ethers.provider.getNetwork()).chainId, verifyingContract: escrowAddress }; // prettier-ignore
    const types = {
      BatchJobRequest: [
        { name: "consumer", type: "address" },
        { name: "provider", type: "address" },
        { name: "modelDigest", type: "bytes32" },
        { name: "promptHash", type: "bytes32" },
        { name: "pricePerToken", type: "uint128" },
        { name: "maxTokens", type: "uint32" },
        { name: "deadline", type: "uint40" },
        { name: "nonce", type: "uint256" },
      ],
    };

    /** Settles one batch: each job's real answer from the runtime, transformed by `lie`; archives per `archived`. */
    async function settle(
      specs: {
        seed: number;
        lie?: "tokens" | "output";
        archived?: "both" | "payload";
        request?: "signed" | "tampered";
      }[],
    ) {
      const now = (await ethers.provider.getBlock("latest"))!.timestamp;
      const jobs = [];
      const requests: BatchRevealRequest[] = [];
      const texts: { payload: string; output: string }[] = [];
      for (const [i, spec] of specs.entries()) {
        const payload: JobPayload = { model: "llama3.2:1b", prompt: `batch question ${spec.seed}`, seed: spec.seed, nonce: `b${spec.seed}` }; // prettier-ignore
        const tokens = fakeAnswer(payload.model, payload.prompt!, spec.seed);
        const output = spec.lie === "output" ? "Sunny all week." : tokens.join("");
        const tokenCount = spec.lie === "tokens" ? 100 : tokens.length;
        const request: BatchRevealRequest = { consumer: consumer!.address as Address, provider: provider!.address as Address, modelDigest: MODEL, promptHash: payloadHash(payload), pricePerToken: PRICE, maxTokens: 100, deadline: now + 3_600, nonce: BigInt(spec.seed * 1000 + i) }; // prettier-ignore
        const signature = await consumer!.signTypedData(domain, types, request);
        jobs.push({
          request,
          signature,
          outputHash: keccak256(stringToHex(output)),
          tokenCount,
          inference: "0x",
        });
        requests.push(request);
        texts.push({ payload: canonicalPayload(payload), output });
      }
      const leaves = await Promise.all(
        jobs.map(
          async (j, i) =>
          batchLeafHash({ index: BigInt(i), requestDigest: (await escrow.requestDigest(j.request)) as Hex, consumer: j.request.consumer, outputHash: j.outputHash, tokenCount: BigInt(j.tokenCount), fee: BigInt(j.tokenCount) * PRICE }), // prettier-ignore
        ),
      );
      const commitment = await escrow.batchCommitment(provider!.address, batchJobsRoot(leaves), jobs.length);
      const proof = await verifier.proofFor([IDENTITY, commitment]);
      const tx = await escrow.connect(provider).settleBatch(jobs, [...proof]);
      const mined = await tx.wait();
      const batchId = await escrow.lastBatchId();
      for (const [i, j] of jobs.entries()) {
        const key = (await escrow.requestDigest(j.request)) as Hex;
        const archived = specs[i]!.archived ?? "both";
        archive.put(key, { payload: texts[i]!.payload, ...(archived === "both" ? { output: texts[i]!.output } : {}) }); // prettier-ignore
        const r = specs[i]!.request;
        if (r)
          archive.put(key, {
            request: { ...requests[i]!, ...(r === "tampered" ? { maxTokens: 1_000 } : {}) },
          });
      }
      return { batchId, fromBlock: BigInt(mined!.blockNumber), requests, texts, root: batchJobsRoot(leaves) };
    }
    return { connection, ethers, token, policy, escrow, contracts, watcherOf, settle, provider: provider!, consumer: consumer!, watcherAccount: watcherAccount!, arbiter: arbiter!, stranger: stranger! }; // prettier-ignore
  }

  it("disputes the padded and the wrong job of a batch with Merkle proofs the escrow accepts, leaves the honest one, claims the withheld one", async () => {
    const m = await deploy();
    const { batchId, fromBlock, root, requests, texts } = await m.settle([
      { seed: 1 },
      { seed: 2, lie: "tokens" },
      { seed: 3, lie: "output" },
      { seed: 4, archived: "payload" },
      { seed: 5 },
    ]);
    expect(((await m.escrow.batchOf(batchId)) as unknown as { jobsRoot: string }).jobsRoot).to.equal(root);
    const watcher = m.watcherOf(m.watcherAccount.address, fromBlock);
    const chain = watcher.options.signer;
    expect(await watcher.sampleRateBps()).to.equal(10_000); // the policy's rate, read on-chain
    const before = await m.token.balanceOf(m.watcherAccount.address);
    await drain(watcher);
    expect(watcher.checks().map((c) => [Number(c.index), c.outcome])).to.deep.equal([
      [0, "match"],
      [1, "mismatch"],
      [2, "mismatch"],
      [3, "withheld"],
      [4, "match"],
    ]);
    expect(watcher.checks()[1]!.reason).to.match(/^token count \d+ ≠ 100 claimed$/);
    expect(watcher.checks()[2]!.reason).to.equal("output hash differs");
    const status = async (i: number) => Number(((await m.escrow.disputeOf(batchId, i)) as unknown as { status: bigint }).status); // prettier-ignore
    expect(await Promise.all([0, 1, 2, 3, 4].map(status))).to.deep.equal([0, 1, 1, 1, 0]);
    expect(before - (await m.token.balanceOf(m.watcherAccount.address))).to.equal(300n * AITBC); // three bonds

    // A disputed job cannot be disputed again, and a tampered leaf is refused: nothing moves.
    const jobs = await getSettledBatchJobs(chain.public, { contracts: m.contracts, batchId });
    const hashes = jobs.map(batchLeafHash);
    const { walletFor } = viemClients(m.connection);
    const stranger = walletFor(m.stranger.address);
    const strangerBalance = await m.token.balanceOf(m.stranger.address);
    const tampered = await rejection<ContractRevertError>(disputeBatchJob(stranger, { contracts: m.contracts, batchId, leaf: { ...jobs[0]!, tokenCount: 3n }, proof: batchMerkleProof(hashes, 0) })); // prettier-ignore
    expect(tampered.errorName).to.equal("BatchInvalidLeaf");
    const twice = await rejection<ContractRevertError>(disputeBatchJob(stranger, { contracts: m.contracts, batchId, leaf: jobs[1]!, proof: batchMerkleProof(hashes, 1) })); // prettier-ignore
    expect(twice.errorName).to.equal("BatchWrongDisputeStatus");
    expect(await m.token.balanceOf(m.stranger.address)).to.equal(strangerBalance);

    // The provider reveals job 1 (the padded one); the watcher stops waiting for it; only the arbiter resolves.
    await revealBatchJob(walletFor(m.provider.address), { contracts: m.contracts, batchId, index: 1n, request: requests[1]!, prompt: toHex(texts[1]!.payload), output: toHex(texts[1]!.output) }); // prettier-ignore
    expect(await status(1)).to.equal(DisputeStatus.Revealed);
    const early = await rejection<ContractRevertError>(claimWithheld(stranger, { contracts: m.contracts, batchId, index: 3n })); // prettier-ignore
    expect(early.errorName).to.equal("BatchRevealWindowOpen");
    const notArbiter = await rejection<ContractRevertError>(resolveBatchDispute(stranger, { contracts: m.contracts, batchId, index: 1n, providerAtFault: false })); // prettier-ignore
    expect(notArbiter.errorName).to.equal("AccessControlUnauthorizedAccount");
    await resolveBatchDispute(walletFor(m.arbiter.address), { contracts: m.contracts, batchId, index: 1n, providerAtFault: true }); // prettier-ignore
    expect(await status(1)).to.equal(DisputeStatus.ProviderAtFault);

    // After the reveal window nobody revealed jobs 2 and 3: the watcher claims both as withheld.
    const { revealWindow } = (await m.policy.parameters()) as unknown as { revealWindow: bigint };
    await m.connection.provider.request({ method: "evm_increaseTime", params: [Number(revealWindow) + 1] });
    await m.connection.provider.request({ method: "evm_mine", params: [] });
    const consumerDeposit = ((await m.escrow.depositOf(m.consumer.address)) as unknown as { balance: bigint })
      .balance;
    expect(watcher.state.claims().map((c) => Number(c.index))).to.deep.equal([1, 2, 3]); // stored
    await watcher.claimDue();
    expect(await Promise.all([1, 2, 3].map(status))).to.deep.equal([3, 3, 3]);
    expect(watcher.state.claims()).to.deep.equal([]);
    const jobFees = jobs[2]!.fee + jobs[3]!.fee;
    expect(((await m.escrow.depositOf(m.consumer.address)) as unknown as { balance: bigint }).balance - consumerDeposit).to.equal(jobFees); // prettier-ignore
    expect(await m.escrow.withdrawable(m.watcherAccount.address)).to.be.greaterThan(300n * AITBC); // bonds + slash rewards
  });

  it("re-executes a batch job with its request's token limit when an archive serves the signed request (checked against its digest)", async () => {
    const m = await deploy();
    const { fromBlock } = await m.settle([
      { seed: 7, request: "signed" },
      { seed: 8, request: "tampered" },
      { seed: 9 },
    ]);
    const watcher = await drain(m.watcherOf(m.watcherAccount.address, fromBlock));
    expect(watcher.checks().map((c) => c.outcome)).to.deep.equal(["match", "match", "match"]);
    // The request's maxTokens (100) for the first; the claimed count where the request is forged or absent.
    expect(watcher.checks().map((c) => c.maxTokens)).to.deep.equal([100, watcher.checks()[1]!.tokenCount, watcher.checks()[2]!.tokenCount]); // prettier-ignore
    expect(watcher.checks()[1]!.tokenCount).to.be.below(100);
  });

  it("at the policy's default 1,000 bps it checks exactly the batch jobs the rule picks (seed = the batch's block hash)", async () => {
    const m = await deploy();
    await m.policy.setSampleRateBps(1_000);
    const { batchId, fromBlock } = await m.settle(Array.from({ length: 24 }, (_, i) => ({ seed: 100 + i })));
    const watcher = await drain(m.watcherOf(m.watcherAccount.address, fromBlock));
    const chain = watcher.options.signer;
    const jobs = await getSettledBatchJobs(chain.public, { contracts: m.contracts, batchId });
    const picked = [];
    for (const j of jobs) if (await m.policy.isSampled(j.blockHash, j.requestDigest)) picked.push(j.index);
    expect(
      watcher
        .checks()
        .filter((c) => c.outcome !== "not-sampled")
        .map((c) => c.index),
    ).to.deep.equal(picked);
    expect(watcher.checks().filter((c) => c.outcome === "match").length).to.equal(picked.length);
    expect(watcher.disputes()).to.deep.equal([]);
  });
});
