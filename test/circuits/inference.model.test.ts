import { expect } from "chai";
import fc from "fast-check";

import { generateDataset } from "../../circuits/model/dataset.js";
import {
  extractFeatures,
  FEATURE_MAX_COUNT,
  FEATURE_SLOTS,
  packFeatures,
} from "../../sdk/src/model/features.js";
import { modelDigest, runMlp, type QuantizedMlp } from "../../sdk/src/model/mlp.js";
import { BUILTIN_MODEL } from "../../sdk/src/model/weights.js";
import { buildInferenceInput } from "../../sdk/src/zk/inference.js";
import { calculateWitness } from "../../sdk/src/zk/proof.js";
import { expectWitnessFailure } from "./helpers.js";

/** Runs the circuit (witness only) and returns [predictedClass, modelDigest, features]. */
async function circuitOutput(features: readonly number[], model: QuantizedMlp): Promise<bigint[]> {
  const witness = await calculateWitness(
    "inference",
    buildInferenceInput(features, { jobKey: 1n, model }).input,
  );
  return witness.slice(1, 4);
}

const weight = fc.integer({ min: -128, max: 127 });
const featureVector = fc.array(fc.integer({ min: 0, max: FEATURE_MAX_COUNT }), {
  minLength: FEATURE_SLOTS,
  maxLength: FEATURE_SLOTS,
});
const randomModel = fc
  .record({
    w1: fc.array(fc.array(weight, { minLength: 64, maxLength: 64 }), { minLength: 8, maxLength: 8 }),
    b1: fc.array(weight, { minLength: 8, maxLength: 8 }),
    w2: fc.array(fc.array(weight, { minLength: 8, maxLength: 8 }), { minLength: 4, maxLength: 4 }),
    b2: fc.array(weight, { minLength: 4, maxLength: 4 }),
  })
  .map((params): QuantizedMlp => ({ ...BUILTIN_MODEL, ...params }));

describe("built-in model: TypeScript and circuit agree bit for bit", function () {
  it("on every sentence of the held-out and training sets", async () => {
    const { train, test } = generateDataset();
    const examples = [...test, ...train];
    let correct = 0;
    for (const { text, label } of examples) {
      const features = extractFeatures(text, BUILTIN_MODEL.vocabulary);
      const ts = runMlp(BUILTIN_MODEL, features).predictedClass;
      const [circuitClass, digest, packed] = await circuitOutput(features, BUILTIN_MODEL);
      expect(circuitClass, text).to.equal(BigInt(ts));
      expect(digest).to.equal(modelDigest(BUILTIN_MODEL));
      expect(packed).to.equal(packFeatures(features));
      if (ts === label) correct++;
    }
    // Sanity: the model is far better than chance (25%) on these sentences.
    expect(correct / examples.length).to.be.greaterThan(0.8);
  });

  it("on random feature vectors, including saturated counts (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(featureVector, async (features) => {
        const [circuitClass] = await circuitOutput(features, BUILTIN_MODEL);
        expect(circuitClass).to.equal(BigInt(runMlp(BUILTIN_MODEL, features).predictedClass));
      }),
      { numRuns: 300 },
    );
  });

  it("on random 8-bit models of the same shape (extreme weights, negative logits, digests)", async () => {
    await fc.assert(
      fc.asyncProperty(randomModel, featureVector, async (model, features) => {
        const [circuitClass, digest] = await circuitOutput(features, model);
        expect(circuitClass).to.equal(BigInt(runMlp(model, features).predictedClass));
        expect(digest).to.equal(modelDigest(model));
      }),
      { numRuns: 100 },
    );
  });

  it("breaks ties towards the smallest class index, like the TypeScript argmax", async () => {
    const zero = (rows: number, cols: number) =>
      Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
    const tied: QuantizedMlp = {
      ...BUILTIN_MODEL,
      w1: zero(8, 64),
      b1: new Array(8).fill(5),
      w2: zero(4, 8),
      b2: [1, 3, 3, 2],
    };
    const features = new Array<number>(64).fill(FEATURE_MAX_COUNT);
    expect(runMlp(tied, features).predictedClass).to.equal(1);
    const [circuitClass] = await circuitOutput(features, tied);
    expect(circuitClass).to.equal(1n);
  });

  it("rejects weights that do not hash to the public model digest", async () => {
    const built = buildInferenceInput("is my laptop slow", { jobKey: 1n });
    const weights = [...(built.input.weights as bigint[])];
    weights[0] = weights[0]! ^ 1n; // flip one bit of the first weight
    await expectWitnessFailure("inference", { ...built.input, weights });
    await expectWitnessFailure("inference", {
      ...built.input,
      modelDigest: (built.input.modelDigest as bigint) + 1n,
    });
    await expectWitnessFailure("inference", {
      ...built.input,
      vocabularyHash: (built.input.vocabularyHash as bigint) + 1n,
    });
  });

  it("rejects features wider than 64 x 3 bits", async () => {
    const built = buildInferenceInput("is my laptop slow", { jobKey: 1n });
    await expectWitnessFailure("inference", { ...built.input, features: 1n << 192n });
  });
});
