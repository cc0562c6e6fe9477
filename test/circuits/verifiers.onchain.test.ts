import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { buildInferenceInput, proveInference, type InferenceProof } from "../../sdk/src/zk/inference.js";
import {
  encodeVerifyProofCall,
  releaseProverResources,
  toVerifierCalldata,
  verifyProof,
} from "../../sdk/src/zk/proof.js";
import {
  identityCommitment,
  proveReceipt,
  receiptDomain,
  receiptPublicSignals,
  type ReceiptProof,
} from "../../sdk/src/zk/receipt.js";
import { bigIntToBytes32 } from "../../sdk/src/zk/field.js";
import { flatProof, P, SECRET, sampleJob } from "./helpers.js";

const { ethers } = await network.create();
type Seven = [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
const asSeven = (signals: readonly bigint[]) => [...signals] as Seven;
const receiptVerifier = await ethers.deployContract("ReceiptVerifier");
const inferenceVerifier = await ethers.deployContract("InferenceVerifier");
const harness = await ethers.deployContract("ReceiptPublicSignalsHarness", [
  await receiptVerifier.getAddress(),
]);
/** A second escrow-style deployment on the same chain (escrow B). */
const harnessB = await ethers.deployContract("ReceiptPublicSignalsHarness", [
  await receiptVerifier.getAddress(),
]);
const chainId = (await ethers.provider.getNetwork()).chainId;
/** The harness' deployment: the proofs below are made for it (chain A, escrow A). */
const deploymentA = { chainId, escrow: (await harness.getAddress()) as `0x${string}` };

/**
 * The same contracts deployed in the same order on another chain (chain B, chain id 4242): the
 * harness there has the very same address as on chain A.
 */
const chainB = await network.create({ override: { chainId: 4242 } });
const verifierOnB = await chainB.ethers.deployContract("ReceiptVerifier");
await chainB.ethers.deployContract("InferenceVerifier");
const harnessOnB = await chainB.ethers.deployContract("ReceiptPublicSignalsHarness", [
  await verifierOnB.getAddress(),
]);

const INFERENCE_PROMPT = "is my portfolio of bitcoin too volatile this weekend";

describe("generated verifiers on-chain", function () {
  const jobA = sampleJob(deploymentA);
  const jobB = sampleJob({ ...deploymentA, jobId: jobA.jobId + 1n });
  const identity = identityCommitment(SECRET);
  let receiptA: ReceiptProof;
  let receiptB: ReceiptProof;
  let inference: InferenceProof;

  before(async () => {
    receiptA = await proveReceipt(SECRET, jobA);
    receiptB = await proveReceipt(SECRET, jobB);
    inference = await proveInference(INFERENCE_PROMPT, { jobKey: 77n });
  });

  after(async () => {
    await releaseProverResources();
  });

  const callReceipt = (proof: ReceiptProof, signals: readonly bigint[]) => {
    const c = proof.calldata;
    return receiptVerifier.verifyProof(c.pA, c.pB, c.pC, asSeven(signals));
  };

  it("accepts a real receipt proof, and the SDK agrees off-chain", async () => {
    expect(await callReceipt(receiptA, receiptA.publicSignals)).to.equal(true);
    expect(await verifyProof("receipt", receiptA.proof, receiptA.publicSignals)).to.equal(true);
  });

  it("rejects the proof when any one public signal is changed", async () => {
    for (let i = 0; i < receiptA.publicSignals.length; i++) {
      const signals = [...receiptA.publicSignals];
      signals[i] = (signals[i]! + 1n) % P;
      expect(await callReceipt(receiptA, signals), `signal ${i}`).to.equal(false);
      expect(await verifyProof("receipt", receiptA.proof, signals), `signal ${i} off-chain`).to.equal(false);
    }
  });

  it("encodeVerifyProofCall produces the calldata ethers encodes, accepted by the verifier", async () => {
    const c = receiptA.calldata;
    const data = encodeVerifyProofCall(c);
    expect(data).to.equal(
      receiptVerifier.interface.encodeFunctionData("verifyProof", [c.pA, c.pB, c.pC, asSeven(c.pubSignals)]),
    );
    const [signer] = await ethers.getSigners();
    const result = await signer!.call({ to: await receiptVerifier.getAddress(), data });
    expect(BigInt(result)).to.equal(1n);
    const inferenceData = encodeVerifyProofCall(inference.calldata);
    const ok = await signer!.call({ to: await inferenceVerifier.getAddress(), data: inferenceData });
    expect(BigInt(ok)).to.equal(1n);
  });

  it("rejects a proof for another job", async () => {
    expect(await callReceipt(receiptB, receiptA.publicSignals)).to.equal(false);
    expect(await callReceipt(receiptA, receiptB.publicSignals)).to.equal(false);
  });

  it("rejects malformed calldata", async () => {
    const c = receiptA.calldata;
    // A public signal at or above the field modulus (the aliased value of a valid one).
    const aliased = [...receiptA.publicSignals];
    aliased[2] = aliased[2]! + P;
    expect(await receiptVerifier.verifyProof(c.pA, c.pB, c.pC, aliased)).to.equal(false);
    // Proof points not on the curve / swapped.
    expect(
      await receiptVerifier.verifyProof([c.pA[0], c.pA[1] + 1n], c.pB, c.pC, [...receiptA.publicSignals]),
    ).to.equal(false);
    expect(
      await receiptVerifier.verifyProof(c.pA, [c.pB[1], c.pB[0]], c.pC, [...receiptA.publicSignals]),
    ).to.equal(false);
    expect(await receiptVerifier.verifyProof(c.pC, c.pB, c.pA, [...receiptA.publicSignals])).to.equal(false);
    // Truncated raw calldata: the ABI decoder reverts.
    const data = receiptVerifier.interface.encodeFunctionData("verifyProof", [
      c.pA,
      c.pB,
      c.pC,
      [...receiptA.publicSignals],
    ]);
    const [signer] = await ethers.getSigners();
    let reverted = false;
    try {
      await signer!.call({ to: await receiptVerifier.getAddress(), data: data.slice(0, data.length - 64) });
    } catch {
      reverted = true;
    }
    expect(reverted).to.equal(true);
    // The SDK formats only well-shaped proofs.
    expect(() => toVerifierCalldata({ ...receiptA.proof, pi_a: ["1"] }, receiptA.publicSignals)).to.throw();
  });

  it("ReceiptPublicSignals.sol builds exactly the TypeScript public signals", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), { minLength: 3, maxLength: 3 }),
        fc.bigInt({ min: 0n, max: P - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 160n - 1n }),
        async (jobId, tokenCount, pricePerToken, [m, p, o], nullifier, chain, escrowValue) => {
          const escrow = `0x${escrowValue.toString(16).padStart(40, "0")}` as const;
          const domain: bigint = await harness.domain(chain, escrow);
          expect(domain).to.equal(receiptDomain({ chainId: chain, escrow }));
          const job = {
            chainId: chain,
            escrow,
            jobId,
            tokenCount,
            pricePerToken,
            modelDigest: bigIntToBytes32(m!),
            promptHash: bigIntToBytes32(p!),
            outputHash: bigIntToBytes32(o!),
          };
          const onChain: bigint[] = await harness.build(
            nullifier,
            identity,
            domain,
            jobId,
            tokenCount,
            pricePerToken,
            job.modelDigest,
            job.promptHash,
            job.outputHash,
          );
          expect([...onChain]).to.deep.equal(receiptPublicSignals(job, identity, nullifier));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("ReceiptPublicSignals.sol reverts on values outside the circuit's ranges", async () => {
    const d = [jobA.modelDigest, jobA.promptHash, jobA.outputHash] as const;
    await expect(harness.build(1n, identity, 5n, 2n ** 64n, 1n, 1n, ...d))
      .to.be.revertedWithCustomError(harness, "ReceiptJobIdTooLarge")
      .withArgs(2n ** 64n);
    await expect(harness.build(1n, identity, 5n, 1n, 2n ** 32n, 1n, ...d))
      .to.be.revertedWithCustomError(harness, "ReceiptTokenCountTooLarge")
      .withArgs(2n ** 32n);
    await expect(harness.build(1n, identity, 5n, 1n, 1n, 2n ** 128n, ...d))
      .to.be.revertedWithCustomError(harness, "ReceiptPriceTooLarge")
      .withArgs(2n ** 128n);
    await expect(harness.build(P, identity, 5n, 1n, 1n, 1n, ...d))
      .to.be.revertedWithCustomError(harness, "ReceiptNotAFieldElement")
      .withArgs(P);
    await expect(harness.build(1n, identity, P, 1n, 1n, 1n, ...d))
      .to.be.revertedWithCustomError(harness, "ReceiptNotAFieldElement")
      .withArgs(P);
    const escrow = await harness.getAddress();
    expect(await harness.domain(2n ** 64n - 1n, escrow)).to.equal(
      ((2n ** 64n - 1n) << 160n) | BigInt(escrow),
    );
    await expect(harness.domain(2n ** 64n, escrow))
      .to.be.revertedWithCustomError(harness, "ReceiptChainIdTooLarge")
      .withArgs(2n ** 64n);
  });

  it("an escrow-style contract settles a receipt once and rejects the reused nullifier", async () => {
    const settle = (proof: ReceiptProof, job: typeof jobA) =>
      harness.settle(
        flatProof(proof.calldata),
        proof.nullifier,
        identity,
        job.jobId,
        job.tokenCount,
        job.pricePerToken,
        [job.modelDigest, job.promptHash, job.outputHash],
      );
    // Wrong values (another job's id with A's proof) are rejected.
    await expect(settle(receiptA, jobB)).to.be.revertedWithCustomError(harness, "HarnessInvalidReceipt");
    await expect(settle(receiptA, jobA))
      .to.emit(harness, "ReceiptSettled")
      .withArgs(jobA.jobId, receiptA.nullifier);
    // Same receipt again (and a fresh proof of the same job): same nullifier, rejected.
    const again = await proveReceipt(SECRET, jobA);
    expect(again.nullifier).to.equal(receiptA.nullifier);
    await expect(settle(again, jobA))
      .to.be.revertedWithCustomError(harness, "HarnessNullifierSpent")
      .withArgs(receiptA.nullifier);
    await expect(settle(receiptB, jobB)).to.emit(harness, "ReceiptSettled");
  });

  it("a receipt proved for escrow A on chain A settles on neither escrow B nor chain B", async () => {
    const job = sampleJob({ ...deploymentA, jobId: 500n });
    const receipt = await proveReceipt(SECRET, job);
    type Args = [bigint[], bigint, bigint, bigint, bigint, bigint, [string, string, string]];
    const args = (proof: ReceiptProof): Args => [
      flatProof(proof.calldata),
      proof.nullifier,
      identity,
      job.jobId,
      job.tokenCount,
      job.pricePerToken,
      [job.modelDigest, job.promptHash, job.outputHash],
    ];
    // Same chain, another escrow with the same job fields: rejected.
    expect(await harnessB.verifyReceipt(...args(receipt))).to.equal(false);
    await expect(harnessB.settle(...args(receipt))).to.be.revertedWithCustomError(
      harnessB,
      "HarnessInvalidReceipt",
    );
    expect(await harnessB.nullifierSpent(receipt.nullifier)).to.equal(false);
    // Another chain, the escrow at the very same address, the same job fields: rejected, because
    // the chain id differs.
    const escrowOnB = (await harnessOnB.getAddress()) as `0x${string}`;
    expect(escrowOnB).to.equal(deploymentA.escrow);
    expect(await harnessOnB.verifyReceipt(...args(receipt))).to.equal(false);
    await expect(harnessOnB.settle(...args(receipt))).to.be.revertedWithCustomError(
      harnessOnB,
      "HarnessInvalidReceipt",
    );
    expect(await harnessOnB.nullifierSpent(receipt.nullifier)).to.equal(false);
    // The honest proofs for each deployment are accepted there.
    expect(await harness.verifyReceipt(...args(receipt))).to.equal(true);
    const forB = await proveReceipt(SECRET, { ...job, chainId: 4242n, escrow: escrowOnB });
    expect(await harnessOnB.verifyReceipt(...args(forB))).to.equal(true);
    const forEscrowB = await proveReceipt(SECRET, {
      ...job,
      escrow: (await harnessB.getAddress()) as `0x${string}`,
    });
    expect(await harnessB.verifyReceipt(...args(forEscrowB))).to.equal(true);
    // The nullifiers differ per deployment, so no spent-set entry carries over either.
    expect(new Set([receipt.nullifier, forB.nullifier, forEscrowB.nullifier]).size).to.equal(3);
  });

  it("accepts a real inference proof and rejects any changed public signal", async () => {
    const c = inference.calldata;
    const call = (signals: readonly bigint[]) =>
      inferenceVerifier.verifyProof(c.pA, c.pB, c.pC, [...signals] as [
        bigint,
        bigint,
        bigint,
        bigint,
        bigint,
      ]);
    expect(inference.label).to.equal("finance");
    expect(inference.publicSignals).to.have.length(5);
    expect(inference.publicSignals[4]).to.equal(77n);
    expect(await call(inference.publicSignals)).to.equal(true);
    for (let i = 0; i < 5; i++) {
      const signals = [...inference.publicSignals];
      signals[i] = (signals[i]! + 1n) % P;
      expect(await call(signals), `signal ${i}`).to.equal(false);
    }
    // The proof of one prompt does not verify another prompt's features, nor another job.
    const other = buildInferenceInput("will it snow in paris tomorrow", { jobKey: 77n });
    const [cls, digest, , vocabulary, jobKey] = inference.publicSignals;
    expect(await call([cls, digest, other.publicSignals[2], vocabulary, jobKey])).to.equal(false);
    expect(await call([cls, digest, inference.publicSignals[2], vocabulary, 78n])).to.equal(false);
  });
});
