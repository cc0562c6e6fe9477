/**
 * Proofs of inference that count on-chain: the deployed TopicClassifierChecker (with the generated
 * InferenceVerifier) against the SDK — its tokenizer equals `extractFeatures` on every data-set
 * sentence wrapped in canonical payloads and on edge cases, real proofs verify for exactly their
 * job, prompt, class and model and nothing else (each attack with its exact `Inference*` error), the
 * gas of `checkInference` on the demo prompts, and a built-in job settled through
 * `JobEscrow.submitInferenceResult` with real receipt and inference proofs.
 */
import { readFileSync } from "node:fs";

import { expect } from "chai";
import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";

import { generateDataset } from "../../circuits/model/dataset.js";
import { BUILTIN_MODEL_DIGEST } from "../../deploy/modules/market.js";
import { canonicalPayload, type JobPayload } from "../../node/shared/protocol.js";
import {
  BUILTIN_MODEL,
  ContractRevertError,
  extractFeatures,
  getMarketParameters,
  submitInferenceResult,
  identityCommitment,
  inferenceEvidence,
  packFeatures,
  proveInference,
  releaseProverResources,
  type InferenceProof,
} from "../../sdk/src/index.js";
import {
  cachedReceipt,
  DAY,
  deployMarket,
  GPU,
  MIN_STAKE,
  proofArg,
  receiptJob,
  Status,
  type Market,
} from "../helpers/market.js";
import { rejection, viemClients } from "../sdk/helpers.js";

const connection = await network.create();
const { networkHelpers } = connection;

const MODEL_NAME = "aitbc-topic:builtin";
const SECRET_3 = 0x5ec2e7_0003n;
const PRICE = 10n ** 15n;
/** Labels in class order, as literals (the design's four topics). */
const WEATHER = "weather";
const SPORTS = "sports";
const FINANCE = "finance";

function payload(prompt: string, seed = 0, nonce = "0f1e2d3c"): string {
  const p: JobPayload = { model: MODEL_NAME, prompt, seed, nonce };
  return canonicalPayload(p);
}

const labelHash = (label: string) => keccak256(toUtf8Bytes(label));

function evidenceOf(prompt: string, proof: InferenceProof): string {
  return inferenceEvidence(prompt, proof.calldata);
}

describe("proofs of inference on-chain (TopicClassifierChecker)", function () {
  const fixture = () => deployMarket(connection);
  let market: Market;

  beforeEach(async () => {
    market = await networkHelpers.loadFixture(fixture);
  });

  after(async () => {
    await releaseProverResources();
  });

  it("is the one the deployment registered for the built-in model", async () => {
    const { checker, policy } = market;
    expect(await policy.checkerOf(BUILTIN_MODEL_DIGEST)).to.equal(await checker.getAddress());
    expect(await checker.modelDigest()).to.equal(BUILTIN_MODEL_DIGEST);
    // sha256 of the 64 words joined by "\n", shifted right by 8 (computed independently, node:crypto).
    expect(await checker.vocabularyHash()).to.equal(
      236577917544091150715676547207370948546092916048099197122390519525878605917n,
    );
  });

  it("tokenizes every data-set sentence in canonical payloads exactly as the SDK's extractFeatures", async () => {
    const { checker } = market;
    const { train, test } = generateDataset();
    const sentences = [...train, ...test].map((e) => e.text);
    expect(sentences.length).to.be.greaterThan(700); // 768 when written (circuits/model/dataset.ts)
    const payloads: string[] = [];
    sentences.forEach((text, i) => {
      payloads.push(payload(text, i, i.toString(16)));
      // The same sentence shouted, and as a chat message (another payload shape).
      if (i % 4 === 0) payloads.push(payload(text.toUpperCase(), i));
      if (i % 4 === 1) {
        payloads.push(
          canonicalPayload({
            model: MODEL_NAME,
            messages: [{ role: "user", content: text }],
            seed: i,
            nonce: "aa",
          }),
        );
      }
    });
    let differing = 0;
    let nonZero = 0;
    for (let start = 0; start < payloads.length; start += 100) {
      const chunk = payloads.slice(start, start + 100);
      const onChain = await Promise.all(chunk.map((p) => checker.features(toUtf8Bytes(p))));
      chunk.forEach((p, i) => {
        const expected = packFeatures(extractFeatures(p, BUILTIN_MODEL.vocabulary));
        if (onChain[i] !== expected) differing += 1;
        if (expected !== 0n) nonZero += 1;
      });
    }
    expect(differing).to.equal(0);
    expect(nonZero).to.be.greaterThan(payloads.length * 0.9); // the sentences do carry topic words
  });

  it("tokenizes edge cases exactly as the SDK: case, digits, non-ASCII, long tokens, empty, punctuation, saturation", async () => {
    const { checker } = market;
    const cases = [
      "",
      "RAIN Rain rain",
      "rain,rain.rain!rain?rain;rain:rain-rain",
      "rain ".repeat(12),
      "rain2 2rain rain 2",
      "BAN\u212A bank", // the Kelvin sign lower-cases to "k" in Unicode, not in the byte rule
      "B\u0130TCOIN bitcoin", // dotted capital I
      "storms\u00e9storms \u{1F327}\u{FE0F}rain\u00a0fog",
      "x".repeat(40) + " laptop" + "q".repeat(31) + " " + "encrypted".repeat(4),
      '{"prompt":"line\\nrain \\"quoted\\" rain"}',
      "\u0000rain\u0000",
    ];
    for (const text of cases) {
      for (const p of [text, payload(text)]) {
        expect(await checker.features(toUtf8Bytes(p)), JSON.stringify(p)).to.equal(
          packFeatures(extractFeatures(p, BUILTIN_MODEL.vocabulary)),
        );
      }
    }
    // Saturation at 7 (slot 42 is "rain", bits 126..128), pinned as a literal.
    expect(await checker.features(toUtf8Bytes("rain ".repeat(12)))).to.equal(7n << 126n);
  });

  it("accepts a real proof for exactly its job, prompt and class; measures checkInference gas on the demo prompts", async () => {
    const { checker } = market;
    const demo = readFileSync("examples/prompts.jsonl", "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Pick<JobPayload, "prompt" | "messages">);
    expect(demo.length).to.equal(12);
    const gas: { prompt: string; label: string; gas: bigint; bytes: number }[] = [];
    for (const [i, request] of demo.entries()) {
      const p = canonicalPayload({ model: MODEL_NAME, ...request, seed: 0, nonce: `demo${i}` });
      const jobKey = BigInt(i + 1);
      const proof = await proveInference(p, { jobKey });
      const args = [
        jobKey,
        keccak256(toUtf8Bytes(p)),
        labelHash(proof.label),
        1n,
        evidenceOf(p, proof),
      ] as const;
      await checker.checkInference(...args); // reverts if anything is off
      gas.push({
        prompt: (request.prompt ?? request.messages![0]!.content).slice(0, 40),
        label: proof.label,
        gas: await checker.checkInference.estimateGas(...args),
        bytes: toUtf8Bytes(p).length,
      });
    }
    const verifierGas = await (async () => {
      const p = payload("will it rain tonight");
      const proof = await proveInference(p, { jobKey: 1n });
      const verifier = await market.ethers.getContractAt("InferenceVerifier", await checker.verifier());
      const { pA, pB, pC } = proof.calldata;
      const pubSignals = proof.publicSignals;
      expect(await verifier.verifyProof(pA, pB, pC, pubSignals)).to.equal(true);
      return verifier.verifyProof.estimateGas(pA, pB, pC, pubSignals);
    })();
    console.log("      checkInference gas (eth_estimateGas, includes 21,000 intrinsic and calldata):");
    for (const row of gas)
      console.log(`        ${row.gas}  ${row.bytes} B payload  ${row.label}  "${row.prompt}"`);
    console.log(`      InferenceVerifier.verifyProof alone: ${verifierGas}`);
    const max = gas.reduce((m, r) => (r.gas > m ? r.gas : m), 0n);
    expect(max).to.be.lessThan(320_000n); // 292k–310k when written (the verifier alone: 245k)
  });

  it("refuses each attack with its exact error: words of another topic, another class, prompt, model, job, token count", async () => {
    const { checker, ethers } = market;
    const finance = payload("should i buy stocks or bonds with the dividend");
    const financeHash = keccak256(toUtf8Bytes(finance));
    const jobKey = 42n;
    const honest = await proveInference(finance, { jobKey });
    expect(honest.label).to.equal(FINANCE);
    await checker.checkInference(jobKey, financeHash, labelHash(FINANCE), 1n, evidenceOf(finance, honest));

    // The attack: proofs made from "laptop", "score", "storms", "currencies" (one topic word
    // each), claimed for the finance prompt with their own class: the features are computed here.
    for (const word of ["laptop", "score", "storms", "currencies"]) {
      const forged = await proveInference(payload(word), { jobKey });
      await expect(
        checker.checkInference(jobKey, financeHash, labelHash(forged.label), 1n, evidenceOf(finance, forged)),
        word,
      )
        .to.be.revertedWithCustomError(checker, "InferenceInvalidProof")
        .withArgs(jobKey);
    }
    // The honest proof with another class's label.
    for (const label of [WEATHER, SPORTS, "technology"]) {
      await expect(
        checker.checkInference(jobKey, financeHash, labelHash(label), 1n, evidenceOf(finance, honest)),
      )
        .to.be.revertedWithCustomError(checker, "InferenceInvalidProof")
        .withArgs(jobKey);
    }
    // An output that is no label at all.
    const noLabel = labelHash("Finance");
    await expect(checker.checkInference(jobKey, financeHash, noLabel, 1n, evidenceOf(finance, honest)))
      .to.be.revertedWithCustomError(checker, "InferenceOutputMismatch")
      .withArgs(noLabel, ethers.ZeroHash);
    // Another prompt in the evidence than the job's hash.
    const other = payload("should i buy stocks");
    await expect(
      checker.checkInference(jobKey, financeHash, labelHash(FINANCE), 1n, evidenceOf(other, honest)),
    )
      .to.be.revertedWithCustomError(checker, "InferencePromptMismatch")
      .withArgs(financeHash, keccak256(toUtf8Bytes(other)));
    // The proof for another job.
    await expect(
      checker.checkInference(jobKey + 1n, financeHash, labelHash(FINANCE), 1n, evidenceOf(finance, honest)),
    )
      .to.be.revertedWithCustomError(checker, "InferenceInvalidProof")
      .withArgs(jobKey + 1n);
    // A made-up model whose only difference is its digest (same weights, same vocabulary).
    const madeUp = await ethers.deployContract("TopicClassifierChecker", [
      await checker.verifier(),
      keccak256(toUtf8Bytes("made-up model")),
      [...BUILTIN_MODEL.vocabulary],
      [...BUILTIN_MODEL.labels],
    ]);
    await expect(
      madeUp.checkInference(jobKey, financeHash, labelHash(FINANCE), 1n, evidenceOf(finance, honest)),
    )
      .to.be.revertedWithCustomError(madeUp, "InferenceInvalidProof")
      .withArgs(jobKey);
    // Token counts other than 1.
    for (const tokens of [0n, 2n, 100n]) {
      await expect(
        checker.checkInference(jobKey, financeHash, labelHash(FINANCE), tokens, evidenceOf(finance, honest)),
      )
        .to.be.revertedWithCustomError(checker, "InferenceTokenCountMismatch")
        .withArgs(tokens, 1n);
    }
    // Evidence that is not abi.encode(bytes, uint256[8]).
    const wrongShape = AbiCoder.defaultAbiCoder().encode(["uint256[8]", "bytes"], [[1, 2, 3, 4, 5, 6, 7, 8], toUtf8Bytes(finance)]); // prettier-ignore
    await expect(
      checker.checkInference(jobKey, financeHash, labelHash(FINANCE), 1n, wrongShape),
    ).to.be.revertedWithCustomError(checker, "InferenceMalformedEvidence");
  });

  describe("a built-in job through JobEscrow", () => {
    async function builtinJob(prompt: string) {
      const { escrow, staking, token, consumer, outsider: provider } = market;
      await staking.connect(provider).register(identityCommitment(SECRET_3), GPU, [BUILTIN_MODEL_DIGEST]);
      await token.connect(provider).approve(await staking.getAddress(), MIN_STAKE);
      await staking.connect(provider).stake(MIN_STAKE, 0);
      const p = payload(prompt);
      const deadline = BigInt((await networkHelpers.time.latest()) + DAY);
      const request = { modelDigest: BUILTIN_MODEL_DIGEST, promptHash: keccak256(toUtf8Bytes(p)), maxTokens: 1n, pricePerToken: PRICE, deadline, minTier: 0 }; // prettier-ignore
      await escrow.connect(consumer).openJob(request);
      const jobId = await escrow.lastJobId();
      await escrow.connect(provider).claim(jobId);
      return { jobId, p, provider, promptHash: request.promptHash };
    }

    it("settles only with a valid proof of inference (submitInferenceResult gas measured), then finalizes", async () => {
      const { escrow, token, consumer } = market;
      const { jobId, p, provider, promptHash } = await builtinJob("will it rain tonight, bring an umbrella");
      const inference = await proveInference(p, { jobKey: jobId });
      expect(inference.label).to.equal(WEATHER);
      const outputHash = labelHash(inference.label);
      const receipt = await cachedReceipt(
        SECRET_3,
        receiptJob(jobId, market.receiptDeployment, {
          modelDigest: BUILTIN_MODEL_DIGEST,
          promptHash: promptHash as `0x${string}`,
          outputHash: outputHash as `0x${string}`,
          tokenCount: 1n,
          pricePerToken: PRICE,
        }),
      );
      // The receipt alone no longer settles a built-in job.
      await expect(
        escrow.connect(provider).submitResult(jobId, outputHash, 1n, receipt.nullifier, proofArg(receipt)),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowInferenceProofRequired")
        .withArgs(jobId, BUILTIN_MODEL_DIGEST);
      // A wrong answer with a real proof of another class: refused, nothing moves.
      const escrowBalance = await token.balanceOf(await escrow.getAddress());
      const wrong = labelHash(FINANCE);
      await expect(
        escrow
          .connect(provider)
          .submitInferenceResult(
            jobId,
            wrong,
            1n,
            receipt.nullifier,
            proofArg(receipt),
            evidenceOf(p, inference),
          ),
      )
        .to.be.revertedWithCustomError(market.checker, "InferenceInvalidProof")
        .withArgs(jobId);
      expect((await escrow.jobOf(jobId)).status).to.equal(Status.Claimed);
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(escrowBalance);

      const tx = await escrow
        .connect(provider)
        .submitInferenceResult(
          jobId,
          outputHash,
          1n,
          receipt.nullifier,
          proofArg(receipt),
          evidenceOf(p, inference),
        );
      const gasUsed = (await tx.wait())!.gasUsed;
      console.log(`      submitInferenceResult gas: ${gasUsed}`);
      expect(gasUsed).to.be.lessThan(600_000n);
      await expect(tx).to.emit(escrow, "ResultSubmitted");
      await networkHelpers.time.increase(DAY + 1);
      await expect(escrow.finalize(jobId))
        .to.emit(escrow, "JobSettled")
        .withArgs(jobId, PRICE - (PRICE * 250n) / 10_000n, (PRICE * 250n) / 10_000n, 0n);
      expect(await escrow.withdrawable(provider.address)).to.equal(PRICE - (PRICE * 250n) / 10_000n);
      expect(await escrow.withdrawable(consumer.address)).to.equal(0n);
    });

    it("through the SDK: getMarketParameters reads the policy, submitInferenceResult settles the job", async () => {
      const { escrow, policy } = market;
      const contracts = { JobEscrow: (await escrow.getAddress()) as `0x${string}` };
      const clients = viemClients(connection);
      const read = await getMarketParameters(clients.publicClient, { contracts });
      expect(read).to.deep.equal({
        protocolFeeBps: 250,
        challengeWindow: 86_400,
        disputeBond: 100n * 10n ** 18n,
        disputeSlashBps: 1_000,
        deadlineSlashBps: 100,
        slashRewardBps: 5_000,
        minPenaltyWindow: 600,
        revealWindow: 86_400,
        sampleRateBps: 1_000,
        treasury: market.treasury.address,
        policy: await policy.getAddress(),
      });
      const { jobId, p, provider, promptHash } = await builtinJob(
        "who won the football match, what was the score",
      );
      const inference = await proveInference(p, { jobKey: jobId });
      expect(inference.label).to.equal(SPORTS);
      const outputHash = labelHash(SPORTS) as `0x${string}`;
      const proof = await cachedReceipt(
        SECRET_3,
        receiptJob(jobId, market.receiptDeployment, {
          modelDigest: BUILTIN_MODEL_DIGEST,
          promptHash: promptHash as `0x${string}`,
          outputHash,
          tokenCount: 1n,
          pricePerToken: PRICE,
        }),
      );
      const wallet = clients.walletFor(provider.address);
      // Another label with the same proofs: the checker's error, decoded by the SDK.
      const error = await rejection<ContractRevertError>(
        submitInferenceResult(wallet, { contracts, jobId, outputHash: labelHash(WEATHER) as `0x${string}`, tokenCount: 1n, proof, prompt: p, inference }), // prettier-ignore
      );
      expect(error).to.be.instanceOf(ContractRevertError);
      expect(error.errorName).to.equal("InferenceInvalidProof");
      expect(error.args).to.deep.equal([jobId]);
      const { challengeEnds } = await submitInferenceResult(wallet, {
        contracts,
        jobId,
        outputHash,
        tokenCount: 1n,
        proof,
        prompt: p,
        inference,
      });
      expect(challengeEnds).to.equal((await escrow.jobOf(jobId)).challengeEnds);
      expect((await escrow.jobOf(jobId)).status).to.equal(Status.Submitted);
    });
  });
});
