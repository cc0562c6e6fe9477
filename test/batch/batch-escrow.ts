/**
 * BatchEscrow with the real batch-receipt circuit and verifier: a batch settled with a proof made by
 * the SDK (`proveBatchReceipt`), the SDK's `batchLeafHash` / `batchJobsRoot` / `batchMerkleProof` /
 * `batchCommitment` against the contract's `leafHash`, stored root, `MerkleProof` and
 * `batchCommitment`, real proofs that must not move to another provider, escrow or job count, and a
 * real AgentWallet consumer whose agent key cannot deposit beyond its spending limit.
 * Attack tests assert the exact custom error and that no balance moved.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { getBytes } from "ethers";
import { network } from "hardhat";
import type { Address } from "viem";

import { inferenceEvidence } from "../../sdk/src/actions/jobs.js";
import {
  batchCommitment,
  batchJobKey,
  batchJobsRoot,
  batchLeafHash,
  batchMerkleProof,
} from "../../sdk/src/zk/batch.js";
import { proveInference } from "../../sdk/src/zk/inference.js";
import { BUILTIN_MODEL_DIGEST } from "../../deploy/modules/market.js";
import type { Hex } from "../../sdk/src/zk/field.js";
import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import { AITBC, DAY, PRICE, SECRET_1, SECRET_2, TOKENS } from "../helpers/market.js";
import {
  BatchStatus,
  batchRequest,
  deployBatchMarket,
  leavesOf,
  proveBatch,
  signedJob,
  type BatchJob,
  type BatchMarket,
} from "./helpers.js";

const connection = await network.create();
const { networkHelpers, ethers } = connection;

const FEE = TOKENS * PRICE;
const DEPOSIT = 1_000n * AITBC;

describe("BatchEscrow with real batch-receipt proofs", function () {
  const fixture = async () => {
    const market = await deployBatchMarket(connection);
    const address = await market.batchEscrow.getAddress();
    for (const consumer of [market.consumer, market.outsider]) {
      await market.token.connect(consumer).approve(address, ethers.MaxUint256);
      await market.batchEscrow.connect(consumer).deposit(DEPOSIT);
    }
    await market.token.connect(market.challenger).approve(address, ethers.MaxUint256);
    return market;
  };
  let market: BatchMarket;
  beforeEach(async function () {
    market = await networkHelpers.loadFixture(fixture);
  });

  /** Token balances of the escrow and the actors, and the actors' deposits and credits. */
  async function balances(m: BatchMarket): Promise<bigint[]> {
    const out: bigint[] = [await m.token.balanceOf(await m.batchEscrow.getAddress())];
    for (const account of [m.consumer, m.outsider, m.provider1, m.provider2, m.challenger, m.treasury]) {
      out.push(await m.token.balanceOf(account.address));
      out.push((await m.batchEscrow.depositOf(account.address)).balance);
      out.push(await m.batchEscrow.withdrawable(account.address));
      out.push(await m.staking.stakeOf(account.address));
    }
    return out;
  }

  async function jobsFor(
    m: BatchMarket,
    provider: HardhatEthersSigner,
    count: number,
    firstNonce = 1n,
  ): Promise<BatchJob[]> {
    const jobs: BatchJob[] = [];
    for (let i = 0; i < count; ++i) {
      const signer = i % 2 === 0 ? m.consumer : m.outsider;
      const request = await batchRequest(m, signer.address, provider.address, firstNonce + BigInt(i));
      jobs.push(await signedJob(m, request, signer));
    }
    return jobs;
  }

  it("settles a batch with a real proof; the SDK's leaf hash, root, Merkle proofs and commitment are the contract's", async function () {
    const { batchEscrow, provider1, challenger } = market;
    const jobs = await jobsFor(market, provider1, 5);
    const proof = await proveBatch(market, SECRET_1, provider1, jobs);
    expect(proof.publicSignals[0]).to.equal(identityCommitment(SECRET_1));
    await expect(batchEscrow.connect(provider1).settleBatch(jobs, proof.args))
      .to.emit(batchEscrow, "BatchSettled")
      .withArgs(
        1n,
        provider1.address,
        5n,
        5n * FEE,
        batchJobsRoot(await leavesOf(market, jobs)),
        (v: bigint) => v > 0n,
      );

    const leaves = await leavesOf(market, jobs);
    const batch = await batchEscrow.batchOf(1n);
    expect(batch.jobsRoot).to.equal(batchJobsRoot(leaves));
    expect(batch.status).to.equal(BatchStatus.Submitted);
    for (const leaf of leaves) expect(await batchEscrow.leafHash(leaf)).to.equal(batchLeafHash(leaf));
    expect(await batchEscrow.batchCommitment(provider1.address, batch.jobsRoot, 5n)).to.equal(
      batchCommitment({
        chainId: market.chainId,
        escrow: (await batchEscrow.getAddress()) as Address,
        provider: provider1.address as Address,
        jobsRoot: batch.jobsRoot as Hex,
        jobCount: 5n,
      }),
    );
    expect(proof.publicSignals[1]).to.equal(
      await batchEscrow.batchCommitment(provider1.address, batch.jobsRoot, 5n),
    );
    expect((await batchEscrow.depositOf(market.consumer.address)).balance).to.equal(DEPOSIT - 3n * FEE);
    expect((await batchEscrow.depositOf(market.outsider.address)).balance).to.equal(DEPOSIT - 2n * FEE);

    // The SDK's Merkle proof of the odd last leaf (carried up) is accepted by the contract's MerkleProof.
    await expect(batchEscrow.connect(challenger).disputeBatchJob(1n, leaves[4]!, batchMerkleProof(leaves, 4)))
      .to.emit(batchEscrow, "BatchJobDisputed")
      .withArgs(1n, 4n, challenger.address, 100n * AITBC);
    await networkHelpers.time.increase(DAY + 1);
    await batchEscrow.finalizeBatch(1n);
    const paid = 4n * FEE;
    expect(await batchEscrow.withdrawable(provider1.address)).to.equal(paid - (paid * 250n) / 10_000n);
  });

  it("refuses a real proof of another provider, another escrow or another job count, and nothing moves", async function () {
    const {
      batchEscrow,
      provider1,
      provider2,
      token,
      staking,
      reputation,
      policy,
      batchVerifier,
      governance,
    } = market;
    const jobs = await jobsFor(market, provider1, 3);
    const root = batchJobsRoot(await leavesOf(market, jobs));
    const before = await balances(market);

    // provider2 proves the same jobs with its own identity (valid for provider2's identity, not provider1's).
    const other = await proveBatch(market, SECRET_2, provider1, jobs);
    await expect(batchEscrow.connect(provider1).settleBatch(jobs, other.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchInvalidProof")
      .withArgs(root);
    // provider1's own proof of these jobs, submitted by provider2 for requests addressed to provider1.
    const own = await proveBatch(market, SECRET_1, provider1, jobs);
    await expect(batchEscrow.connect(provider2).settleBatch(jobs, own.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchRequestNotForProvider")
      .withArgs(0n, provider1.address);

    // A second deployment: a proof made for it is refused here.
    const second = await ethers.deployContract("BatchEscrow", [
      await token.getAddress(),
      await staking.getAddress(),
      await reputation.getAddress(),
      await policy.getAddress(),
      await batchVerifier.getAddress(),
      governance.address,
    ]);
    const forSecond = await proveBatch(market, SECRET_1, provider1, jobs, second);
    await expect(batchEscrow.connect(provider1).settleBatch(jobs, forSecond.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchInvalidProof")
      .withArgs(root);

    // A proof for two of the three jobs' count.
    const twoJobs = await proveBatch(market, SECRET_1, provider1, jobs.slice(0, 2));
    await expect(batchEscrow.connect(provider1).settleBatch(jobs, twoJobs.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchInvalidProof")
      .withArgs(root);

    // The valid proof, then one output hash changed: another root.
    const tampered = jobs.map((job, i) =>
      i === 1 ? { ...job, outputHash: ethers.id("another output") } : job,
    );
    await expect(batchEscrow.connect(provider1).settleBatch(tampered, own.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchInvalidProof")
      .withArgs(batchJobsRoot(await leavesOf(market, tampered)));
    expect(await balances(market)).to.deep.equal(before);
    expect(await batchEscrow.lastBatchId()).to.equal(0n);

    // The untouched proof settles, once.
    await batchEscrow.connect(provider1).settleBatch(jobs, own.args);
    await expect(batchEscrow.connect(provider1).settleBatch(jobs, own.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchNonceUsed")
      .withArgs(market.consumer.address, 1n);
  });

  it("an AgentWallet pays from a deposit its agent key funded within the spending limit, never beyond", async function () {
    const { batchEscrow, token, ecosystem, provider1 } = market;
    const entryPoint = await ethers.deployContract("EntryPoint");
    const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
    const owner = new ethers.Wallet(ethers.id("batch wallet owner"), ethers.provider);
    const agent = new ethers.Wallet(ethers.id("batch wallet agent"), ethers.provider);
    for (const key of [owner, agent]) await ecosystem.sendTransaction({ to: key.address, value: 10n ** 18n });
    await factory.createAccount(owner.address, agent.address, 1, 1n); // role Consumer
    const walletAddress: string = await factory.getFunction("getAddress")(
      owner.address,
      agent.address,
      1,
      1n,
    );
    const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
    await token.connect(ecosystem).transfer(walletAddress, 1_000n * AITBC);
    await wallet.connect(owner).setSpendingLimit(await token.getAddress(), 100n * AITBC, DAY);
    const escrowAddress = await batchEscrow.getAddress();
    const depositCall = (amount: bigint) => batchEscrow.interface.encodeFunctionData("deposit", [amount]);
    const tokenAddress = await token.getAddress();

    // Beyond the limit in one deposit, and in two.
    const before = await balances(market);
    await expect(
      wallet.connect(agent).payInto(escrowAddress, tokenAddress, 150n * AITBC, depositCall(150n * AITBC)),
    ).to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded");
    await wallet.connect(agent).payInto(escrowAddress, tokenAddress, 60n * AITBC, depositCall(60n * AITBC));
    await expect(
      wallet.connect(agent).payInto(escrowAddress, tokenAddress, 60n * AITBC, depositCall(60n * AITBC)),
    ).to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded");
    // A direct deposit by the agent key through `execute` is an approval counted the same way.
    await expect(
      wallet
        .connect(agent)
        .execute(
          tokenAddress,
          0n,
          token.interface.encodeFunctionData("approve", [escrowAddress, 50n * AITBC]),
        ),
    ).to.be.revertedWithCustomError(wallet, "AgentWalletSpendingLimitExceeded");
    expect((await batchEscrow.depositOf(walletAddress)).balance).to.equal(60n * AITBC);
    expect(await token.balanceOf(walletAddress)).to.equal(940n * AITBC);
    const after = await balances(market);
    expect(after.slice(1)).to.deep.equal(before.slice(1));
    expect(after[0]).to.equal(before[0]! + 60n * AITBC);

    // The agent key signs a request in the wallet's ERC-1271 format (signer ++ signature over messageDigest).
    const request = await batchRequest(market, walletAddress, provider1.address, 7n);
    const digest = await batchEscrow.requestDigest(request);
    const agentSignature = ethers.concat([
      agent.address,
      agent.signingKey.sign(getBytes(await wallet.messageDigest(digest))).serialized,
    ]);
    const job: BatchJob = { ...(await signedJob(market, request, agent)), signature: agentSignature };
    const proof = await proveBatch(market, SECRET_1, provider1, [job]);
    // Until the owner allows this escrow as a verifier of the agent's signatures, they are not the wallet's.
    await expect(batchEscrow.connect(provider1).settleBatch([job], proof.args))
      .to.be.revertedWithCustomError(batchEscrow, "BatchInvalidRequestSignature")
      .withArgs(0n, walletAddress);
    await wallet.connect(owner).setSignatureVerifier(escrowAddress, true);
    await batchEscrow.connect(provider1).settleBatch([job], proof.args);
    expect((await batchEscrow.depositOf(walletAddress)).balance).to.equal(60n * AITBC - FEE);
  });
  it("a batch job of the built-in model settles only with its own proof of inference, checked on-chain", async function () {
    const { batchEscrow, checker, staking, provider1, consumer } = market;
    await staking.connect(provider1).setModelServing(BUILTIN_MODEL_DIGEST, true);
    const prompt = '{"model":"aitbc-topic","prompt":"storms and heavy rain expected over the weekend"}';
    const promptHash = ethers.keccak256(ethers.toUtf8Bytes(prompt));
    const requestOf = (nonce: bigint) =>
      batchRequest(market, consumer.address, provider1.address, nonce, {
        modelDigest: BUILTIN_MODEL_DIGEST,
        promptHash,
        maxTokens: 1n,
      });
    const first = await signedJob(market, await requestOf(1n), consumer);
    const second = await signedJob(market, await requestOf(2n), consumer);
    const keyOf = async (job: BatchJob) => batchJobKey((await batchEscrow.requestDigest(job.request)) as Hex);
    const inference = await proveInference(prompt, { jobKey: await keyOf(first) });
    const answered = (job: BatchJob, label: string, evidence: string): BatchJob => ({
      ...job,
      outputHash: ethers.keccak256(ethers.toUtf8Bytes(label)),
      tokenCount: 1n,
      inference: evidence,
    });
    const evidence = inferenceEvidence(prompt, inference.calldata);
    const before = await balances(market);
    const settle = async (jobs: BatchJob[]) =>
      batchEscrow
        .connect(provider1)
        .settleBatch(jobs, (await proveBatch(market, SECRET_1, provider1, jobs)).args);

    // No evidence at all.
    await expect(settle([answered(first, inference.label, "0x")]))
      .to.be.revertedWithCustomError(batchEscrow, "BatchInferenceProofRequired")
      .withArgs(0n, BUILTIN_MODEL_DIGEST);
    // The first job's proof carried by the second job (same prompt, another request): bound to another job key.
    await expect(
      settle([answered(first, inference.label, evidence), answered(second, inference.label, evidence)]),
    )
      .to.be.revertedWithCustomError(checker, "InferenceInvalidProof")
      .withArgs(await keyOf(second));
    // Another label than the model's answer.
    const wrong = inference.label === "finance" ? "sports" : "finance";
    await expect(settle([answered(first, wrong, evidence)]))
      .to.be.revertedWithCustomError(checker, "InferenceInvalidProof")
      .withArgs(await keyOf(first));
    expect(await balances(market)).to.deep.equal(before);

    await settle([answered(first, inference.label, evidence)]);
    expect((await batchEscrow.depositOf(consumer.address)).balance).to.equal(DEPOSIT - PRICE);
  });
});
