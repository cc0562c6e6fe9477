import { expect } from "chai";
import { network } from "hardhat";
import { keccak256 } from "viem";

import { canonicalPayload } from "../../node/shared/protocol.js";
import { InvalidInferenceError } from "../../sdk/src/errors/zk.js";
import { extractFeatures, packFeatures, promptBytes, tokenize } from "../../sdk/src/model/features.js";
import { modelDigest, vocabularyHash, type QuantizedMlp } from "../../sdk/src/model/mlp.js";
import { BUILTIN_MODEL } from "../../sdk/src/model/weights.js";
import { bigIntToBytes32 } from "../../sdk/src/zk/field.js";
import {
  buildInferenceInput,
  proveInference,
  verifyInference,
  type InferenceProof,
} from "../../sdk/src/zk/inference.js";
import { releaseProverResources, verifyProof } from "../../sdk/src/zk/proof.js";
import { expectWitnessFailure, P } from "./helpers.js";

/** The job's prompt: a finance question, as the exact payload bytes its prompt hash commits to. */
const FINANCE_PAYLOAD = canonicalPayload({
  model: "aitbc-topic:builtin",
  prompt: "is my portfolio of bitcoin too volatile this weekend",
  seed: 0,
  nonce: "00a1b2c3d4e5f607",
});
const JOB_ID = 31n;
const BUILTIN_DIGEST = bigIntToBytes32(modelDigest(BUILTIN_MODEL));

const { ethers } = await network.create();
const inferenceVerifier = await ethers.deployContract("InferenceVerifier");

/** On-chain verification with the given five signals. */
function onChain(proof: InferenceProof, signals: readonly bigint[]): Promise<boolean> {
  const c = proof.calldata;
  return inferenceVerifier.verifyProof(c.pA, c.pB, c.pC, [...signals] as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ]);
}

/** The five signals a checker recomputes from the job's prompt, with the claimed class. */
function recomputed(claimedClass: bigint, prompt: string, jobKey: bigint): bigint[] {
  return [
    claimedClass,
    modelDigest(BUILTIN_MODEL),
    packFeatures(extractFeatures(prompt, BUILTIN_MODEL.vocabulary)),
    vocabularyHash(BUILTIN_MODEL),
    jobKey,
  ];
}

describe("inference proofs bound to the job, the prompt and the model", function () {
  after(releaseProverResources);

  it("an honest proof for the job's payload verifies off-chain and on-chain against recomputed signals", async () => {
    const proof = await proveInference(FINANCE_PAYLOAD, { jobKey: JOB_ID });
    expect(proof.label).to.equal("finance");
    const expected = { prompt: FINANCE_PAYLOAD, modelDigest: BUILTIN_DIGEST, jobKey: JOB_ID };
    expect(await verifyInference(proof, expected)).to.equal(true);
    expect(await verifyInference(proof, { ...expected, predictedClass: 2 })).to.equal(true);
    expect(await verifyInference(proof, { ...expected, prompt: promptBytes(FINANCE_PAYLOAD) })).to.equal(
      true,
    );
    // With the job's on-chain prompt hash: the prompt must be the one it commits to.
    const promptHash = keccak256(promptBytes(FINANCE_PAYLOAD));
    expect(await verifyInference(proof, { ...expected, promptHash })).to.equal(true);
    const otherHash = keccak256(promptBytes(FINANCE_PAYLOAD + " "));
    expect(await verifyInference(proof, { ...expected, promptHash: otherHash })).to.equal(false);
    expect(await onChain(proof, recomputed(2n, FINANCE_PAYLOAD, JOB_ID))).to.equal(true);
    // A class other than the proof's is refused (the output of a built-in job is its label).
    expect(await verifyInference(proof, { ...expected, predictedClass: 0 })).to.equal(false);
    expect(await onChain(proof, recomputed(0n, FINANCE_PAYLOAD, JOB_ID))).to.equal(false);
  });

  it('proofs made from "laptop", "score", "storms" and "currencies" verify for their own signals but not for the finance job', async () => {
    const expected = { prompt: FINANCE_PAYLOAD, modelDigest: BUILTIN_DIGEST, jobKey: JOB_ID };
    const classes = new Set<number>();
    for (const word of ["laptop", "score", "storms", "currencies"]) {
      const forged = await proveInference(word, { jobKey: JOB_ID });
      classes.add(forged.predictedClass);
      // The attack the issue describes: the proof is valid for the signals the prover supplies...
      expect(await verifyProof("inference", forged.proof, forged.publicSignals), word).to.equal(true);
      expect(await onChain(forged, forged.publicSignals), word).to.equal(true);
      // ...but its features are not the job prompt's, so the checks that recompute them refuse it.
      expect(await verifyInference(forged, expected), word).to.equal(false);
      expect(await onChain(forged, recomputed(forged.publicSignals[0], FINANCE_PAYLOAD, JOB_ID)), word).to.equal(false); // prettier-ignore
    }
    // The words do pick different classes, so "any class one picks" was really on offer.
    expect(classes.size).to.be.greaterThanOrEqual(3);
  });

  it("a made-up model of the same shape (digest nothing compared before) does not verify for the built-in digest", async () => {
    const madeUp: QuantizedMlp = {
      ...BUILTIN_MODEL,
      b2: BUILTIN_MODEL.b2.map((b, k) => (k === 0 ? 127 : b)), // biased towards class 0
    };
    const forged = await proveInference(FINANCE_PAYLOAD, { jobKey: JOB_ID, model: madeUp });
    expect(forged.publicSignals[1]).to.not.equal(modelDigest(BUILTIN_MODEL));
    expect(await verifyProof("inference", forged.proof, forged.publicSignals)).to.equal(true);
    const expected = { prompt: FINANCE_PAYLOAD, modelDigest: BUILTIN_DIGEST, jobKey: JOB_ID };
    expect(await verifyInference(forged, expected)).to.equal(false);
    expect(await onChain(forged, recomputed(forged.publicSignals[0], FINANCE_PAYLOAD, JOB_ID))).to.equal(
      false,
    );
    // Verified against its own digest it is fine: the check is the expected digest, not the proof's.
    expect(await verifyInference(forged, { ...expected, modelDigest: forged.publicSignals[1], model: madeUp })).to.equal(true); // prettier-ignore
  });

  it("a model with another vocabulary (same weights) has another vocabulary hash and digest", async () => {
    const vocabulary = [...BUILTIN_MODEL.vocabulary];
    vocabulary[0] = "zzzz";
    const other: QuantizedMlp = { ...BUILTIN_MODEL, vocabulary };
    expect(vocabularyHash(other)).to.not.equal(vocabularyHash(BUILTIN_MODEL));
    expect(modelDigest(other)).to.not.equal(modelDigest(BUILTIN_MODEL));
    // The circuit refuses a vocabulary hash that is not the one the digest was made with.
    const built = buildInferenceInput(FINANCE_PAYLOAD, { jobKey: JOB_ID });
    await expectWitnessFailure("inference", { ...built.input, vocabularyHash: vocabularyHash(other) });
  });

  it("a proof for one job does not verify for another job key", async () => {
    const proof = await proveInference(FINANCE_PAYLOAD, { jobKey: JOB_ID });
    const expected = { prompt: FINANCE_PAYLOAD, modelDigest: BUILTIN_DIGEST, jobKey: JOB_ID + 1n };
    expect(await verifyInference(proof, expected)).to.equal(false);
    expect(await onChain(proof, recomputed(2n, FINANCE_PAYLOAD, JOB_ID + 1n))).to.equal(false);
    // A batch job key (top 248 bits of a request digest) is a field element too.
    const digest = keccak256(promptBytes("request"));
    const batchKey = BigInt(digest) >> 8n;
    const batchProof = await proveInference(FINANCE_PAYLOAD, { jobKey: batchKey });
    expect(await verifyInference(batchProof, { ...expected, jobKey: batchKey })).to.equal(true);
    expect(() => buildInferenceInput(FINANCE_PAYLOAD, { jobKey: P })).to.throw();
  });

  it("rejects malformed expectations with a typed error", async () => {
    const proof = await proveInference("rain", { jobKey: 1n });
    await verifyInference(proof, { prompt: "rain", modelDigest: "0x1234", jobKey: 1n }).then(
      () => expect.fail("accepted a short digest"),
      (error: unknown) => expect(error).to.be.instanceOf(InvalidInferenceError),
    );
    await verifyInference(proof, { prompt: "rain", modelDigest: P, jobKey: 1n }).then(
      () => expect.fail("accepted a digest outside the field"),
      (error: unknown) => expect(error).to.be.instanceOf(InvalidInferenceError),
    );
    // A claimed class outside 0..3 is simply not valid.
    const signals = [...proof.publicSignals];
    signals[0] = 4n;
    expect(
      await verifyInference(
        { ...proof, publicSignals: signals },
        { prompt: "rain", modelDigest: BUILTIN_DIGEST, jobKey: 1n },
      ),
    ).to.equal(false);
  });

  it("tokenizes the payload bytes as the on-chain checker does: ASCII case folding only", () => {
    expect(tokenize("Will it RAIN in Paris?")).to.deep.equal(["will", "it", "rain", "in", "paris"]);
    // U+212A KELVIN SIGN lower-cases to ASCII "k" in JavaScript; its UTF-8 bytes are separators here.
    expect("\u212Aey".toLowerCase()).to.equal("key");
    expect(tokenize("\u212Aey")).to.deep.equal(["ey"]);
    // U+0130 would become "i" + a combining dot: not a token letter here either.
    expect(tokenize("\u0130n")).to.deep.equal(["n"]);
    expect(tokenize(new Uint8Array([0x52, 0x41, 0x49, 0x4e, 0xff, 0x31]))).to.deep.equal(["rain", "1"]);
    // No JSON key, model-name token or hex nonce of the canonical payload is a vocabulary word.
    const vocabulary = new Set(BUILTIN_MODEL.vocabulary);
    const envelope = canonicalPayload({ model: "aitbc-topic:builtin", messages: [{ role: "user", content: "" }], seed: 123, nonce: "0123456789abcdef" }); // prettier-ignore
    expect(tokenize(envelope).filter((t) => vocabulary.has(t))).to.deep.equal([]);
    expect(BUILTIN_MODEL.vocabulary.filter((w) => /^[0-9a-f]+$/.test(w))).to.deep.equal([]);
  });
});
