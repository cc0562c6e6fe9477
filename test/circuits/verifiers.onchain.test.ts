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
  receiptPublicSignals,
  type ReceiptProof,
} from "../../sdk/src/zk/receipt.js";
import { bigIntToBytes32 } from "../../sdk/src/zk/field.js";
import { flatProof, P, SECRET, sampleJob } from "./helpers.js";

const { ethers } = await network.create();
type Six = [bigint, bigint, bigint, bigint, bigint, bigint];
const asSix = (signals: readonly bigint[]) => [...signals] as Six;
const receiptVerifier = await ethers.deployContract("ReceiptVerifier");
const inferenceVerifier = await ethers.deployContract("InferenceVerifier");
const harness = await ethers.deployContract("ReceiptPublicSignalsHarness", [
  await receiptVerifier.getAddress(),
]);

describe("generated verifiers on-chain", function () {
  const jobA = sampleJob();
  const jobB = sampleJob({ jobId: jobA.jobId + 1n });
  const identity = identityCommitment(SECRET);
  let receiptA: ReceiptProof;
  let receiptB: ReceiptProof;
  let inference: InferenceProof;

  before(async () => {
    receiptA = await proveReceipt(SECRET, jobA);
    receiptB = await proveReceipt(SECRET, jobB);
    inference = await proveInference("is my portfolio of bitcoin too volatile this weekend");
  });

  after(async () => {
    await releaseProverResources();
  });

  const callReceipt = (proof: ReceiptProof, signals: readonly bigint[]) => {
    const c = proof.calldata;
    return receiptVerifier.verifyProof(c.pA, c.pB, c.pC, asSix(signals));
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
      receiptVerifier.interface.encodeFunctionData("verifyProof", [c.pA, c.pB, c.pC, asSix(c.pubSignals)]),
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
        async (jobId, tokenCount, pricePerToken, [m, p, o], nullifier) => {
          const job = {
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
    await expect(harness.build(1n, identity, 2n ** 64n, 1n, 1n, ...d)).to.be.revertedWithCustomError(
      harness,
      "ReceiptJobIdTooLarge",
    );
    await expect(harness.build(1n, identity, 1n, 2n ** 32n, 1n, ...d)).to.be.revertedWithCustomError(
      harness,
      "ReceiptTokenCountTooLarge",
    );
    await expect(harness.build(1n, identity, 1n, 1n, 2n ** 128n, ...d)).to.be.revertedWithCustomError(
      harness,
      "ReceiptPriceTooLarge",
    );
    await expect(harness.build(P, identity, 1n, 1n, 1n, ...d)).to.be.revertedWithCustomError(
      harness,
      "ReceiptNotAFieldElement",
    );
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

  it("accepts a real inference proof and rejects any changed public signal", async () => {
    const c = inference.calldata;
    const call = (signals: readonly bigint[]) =>
      inferenceVerifier.verifyProof(c.pA, c.pB, c.pC, [...signals] as [bigint, bigint, bigint]);
    expect(inference.label).to.equal("finance");
    expect(await call(inference.publicSignals)).to.equal(true);
    for (let i = 0; i < 3; i++) {
      const signals = [...inference.publicSignals];
      signals[i] = (signals[i]! + 1n) % P;
      expect(await call(signals), `signal ${i}`).to.equal(false);
    }
    // The proof of one prompt does not verify another prompt's features.
    const other = buildInferenceInput("will it snow in paris tomorrow");
    expect(
      await call([inference.publicSignals[0], inference.publicSignals[1], other.publicSignals[2]]),
    ).to.equal(false);
  });
});
