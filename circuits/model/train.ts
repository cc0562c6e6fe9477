/**
 * Trains the built-in model (a 64-8-4 MLP over bag-of-words counts on a 64-word vocabulary chosen
 * from the training set), quantizes it to
 * 8-bit integers and writes `sdk/src/model/weights.ts` and `circuits/model/training-report.json`.
 *
 * Deterministic: a fixed seed drives data generation, initialisation and shuffling.
 * Run: `npm run model:train` (then `npm run circuits:build`, since the model digest changes).
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { extractFeatures, FEATURE_SLOTS, tokenize } from "../../sdk/src/model/features.js";
import { modelDigest, runMlp, type QuantizedMlp } from "../../sdk/src/model/mlp.js";
import { generateDataset, LABELS, mulberry32, type Example } from "./dataset.js";

const HIDDEN = 8;
const EPOCHS = 100;
const LEARNING_RATE = 0.01;
const L2 = 1e-3;
const SEED = 20261120;

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface FloatMlp {
  w1: number[][];
  b1: number[];
  w2: number[][];
  b2: number[];
}

function forward(m: FloatMlp, x: readonly number[]): { z: number[]; h: number[]; y: number[] } {
  const z = m.w1.map((row, j) => row.reduce((s, w, i) => s + w * x[i]!, m.b1[j]!));
  const h = z.map((v) => Math.max(0, v));
  const y = m.w2.map((row, k) => row.reduce((s, w, j) => s + w * h[j]!, m.b2[k]!));
  return { z, h, y };
}

function train(data: { x: number[]; label: number }[], nIn: number, nOut: number): FloatMlp {
  const rand = mulberry32(SEED);
  const uniform = (limit: number) => (rand() * 2 - 1) * limit;
  const l1 = Math.sqrt(6 / (nIn + HIDDEN));
  const l2 = Math.sqrt(6 / (HIDDEN + nOut));
  const m: FloatMlp = {
    w1: Array.from({ length: HIDDEN }, () => Array.from({ length: nIn }, () => uniform(l1))),
    b1: new Array<number>(HIDDEN).fill(0.01),
    w2: Array.from({ length: nOut }, () => Array.from({ length: HIDDEN }, () => uniform(l2))),
    b2: new Array<number>(nOut).fill(0),
  };
  // Adam state, one flat array per parameter tensor.
  const params = () => [m.w1.flat(), m.b1, m.w2.flat(), m.b2];
  const mom = params().map((p) => p.map(() => 0));
  const vel = params().map((p) => p.map(() => 0));
  let step = 0;
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < order.length; start += 32) {
      const batch = order.slice(start, start + 32);
      const gw1 = m.w1.map((r) => r.map(() => 0));
      const gb1 = m.b1.map(() => 0);
      const gw2 = m.w2.map((r) => r.map(() => 0));
      const gb2 = m.b2.map(() => 0);
      for (const index of batch) {
        const { x, label } = data[index]!;
        const { z, h, y } = forward(m, x);
        const max = Math.max(...y);
        const exp = y.map((v) => Math.exp(v - max));
        const sum = exp.reduce((a, b) => a + b, 0);
        const dy = exp.map((e, k) => e / sum - (k === label ? 1 : 0));
        const dh = new Array<number>(HIDDEN).fill(0);
        dy.forEach((d, k) => {
          gb2[k]! += d;
          for (let j = 0; j < HIDDEN; j++) {
            gw2[k]![j]! += d * h[j]!;
            dh[j]! += d * m.w2[k]![j]!;
          }
        });
        dh.forEach((d, j) => {
          if (z[j]! <= 0) return;
          gb1[j]! += d;
          for (let i = 0; i < nIn; i++) gw1[j]![i]! += d * x[i]!;
        });
      }
      step++;
      const grads = [gw1.flat(), gb1, gw2.flat(), gb2];
      const flat = params();
      const updated = flat.map((p, t) =>
        p.map((value, n) => {
          const g = grads[t]![n]! / batch.length + L2 * value;
          mom[t]![n] = 0.9 * mom[t]![n]! + 0.1 * g;
          vel[t]![n] = 0.999 * vel[t]![n]! + 0.001 * g * g;
          const mh = mom[t]![n]! / (1 - 0.9 ** step);
          const vh = vel[t]![n]! / (1 - 0.999 ** step);
          return value - (LEARNING_RATE * mh) / (Math.sqrt(vh) + 1e-8);
        }),
      );
      m.w1 = m.w1.map((r, j) => r.map((_, i) => updated[0]![j * nIn + i]!));
      m.b1 = updated[1]!;
      m.w2 = m.w2.map((r, k) => r.map((_, j) => updated[2]![k * HIDDEN + j]!));
      m.b2 = updated[3]!;
    }
  }
  return m;
}

const clamp8 = (v: number) => Math.max(-128, Math.min(127, Math.round(v)));

function quantize(m: FloatMlp, shift: number, nIn: number, nOut: number): QuantizedMlp {
  const s1 = 127 / Math.max(...m.w1.flat().map(Math.abs), ...m.b1.map(Math.abs));
  const hScale = s1 / 2 ** shift;
  const s2 = 127 / Math.max(...m.w2.flat().map(Math.abs), ...m.b2.map((b) => Math.abs(b) * hScale));
  return {
    version: 1,
    nIn,
    nHidden: HIDDEN,
    nOut,
    shift,
    w1: m.w1.map((r) => r.map((w) => clamp8(w * s1))),
    b1: m.b1.map((b) => clamp8(b * s1)),
    w2: m.w2.map((r) => r.map((w) => clamp8(w * s2))),
    b2: m.b2.map((b) => clamp8(b * s2 * hScale)),
    labels: [...LABELS],
    vocabulary,
  };
}

function accuracy(predict: (x: number[]) => number, data: { x: number[]; label: number }[]): number {
  return data.filter(({ x, label }) => predict(x) === label).length / data.length;
}

function argmax(values: readonly number[]): number {
  return values.reduce((best, v, k) => (v > values[best]! ? k : best), 0);
}

const { train: trainSet, test: testSet } = generateDataset();

/** Function words never chosen for the vocabulary. */
const STOP_WORDS = new Set(
  "a an the is are was be to of in on at for my i it me you your do does did what how why when who which will can should if this that there with and or so by from after before about".split(
    " ",
  ),
);

/**
 * Chooses the vocabulary from the training set only: words seen at least 3 times, ranked by
 * count x (share of the majority class - 1/classes), ties broken alphabetically.
 */
function chooseVocabulary(examples: Example[]): string[] {
  const perClass = new Map<string, number[]>();
  for (const { text, label } of examples) {
    for (const token of new Set(tokenize(text))) {
      if (STOP_WORDS.has(token)) continue;
      const counts = perClass.get(token) ?? new Array<number>(LABELS.length).fill(0);
      counts[label]!++;
      perClass.set(token, counts);
    }
  }
  const scored = [...perClass.entries()]
    .map(([word, counts]) => {
      const total = counts.reduce((a, b) => a + b, 0);
      return { word, total, score: total * (Math.max(...counts) / total - 1 / LABELS.length) };
    })
    .filter((w) => w.total >= 3)
    .sort((a, b) => b.score - a.score || (a.word < b.word ? -1 : 1));
  return scored.slice(0, FEATURE_SLOTS).map((w) => w.word);
}

const vocabulary = chooseVocabulary(trainSet);
const featurize = (examples: Example[]) =>
  examples.map((e) => ({ x: extractFeatures(e.text, vocabulary), label: e.label }));
// Word-dropout augmentation: noisy copies of each training sentence, so the network cannot rely on
// a template's fixed wording alone.
const augRand = mulberry32(SEED + 1);
const DROPOUT = 0.4;
const COPIES = 4;
const augmented: Example[] = trainSet.flatMap((e) => [
  e,
  ...Array.from({ length: COPIES }, () => ({
    text: e.text
      .split(" ")
      .filter(() => augRand() >= DROPOUT)
      .join(" "),
    label: e.label,
  })),
]);
const trainData = featurize(trainSet);
const fitData = featurize(augmented);
const testData = featurize(testSet);
const nIn = trainData[0]!.x.length;
const float = train(fitData, nIn, LABELS.length);
const floatPredict = (x: number[]) => argmax(forward(float, x).y);

// Choose the shift on the training set only.
let best: QuantizedMlp | undefined;
let bestTrain = -1;
for (let shift = 0; shift <= 6; shift++) {
  const q = quantize(float, shift, nIn, LABELS.length);
  const acc = accuracy((x) => runMlp(q, x).predictedClass, trainData);
  if (acc > bestTrain) [best, bestTrain] = [q, acc];
}
const model = best!;
const intPredict = (x: number[]) => runMlp(model, x).predictedClass;

const report = {
  task: "topic classification of short English requests: " + LABELS.join(", "),
  architecture: `bag of words over a ${nIn}-word vocabulary, MLP ${nIn}-${HIDDEN}-${LABELS.length}, ReLU, 8-bit weights, shift ${model.shift}`,
  trainExamples: trainData.length,
  heldOutExamples: testData.length,
  heldOutNote: "held-out sentences come from sentence frames never used in training (same topic word lists)",
  floatTrainAccuracy: accuracy(floatPredict, trainData),
  floatHeldOutAccuracy: accuracy(floatPredict, testData),
  quantizedTrainAccuracy: bestTrain,
  quantizedHeldOutAccuracy: accuracy(intPredict, testData),
  perClassHeldOutAccuracy: Object.fromEntries(
    LABELS.map((name, label) => [
      name,
      accuracy(
        intPredict,
        testData.filter((d) => d.label === label),
      ),
    ]),
  ),
  modelDigest: "0x" + modelDigest(model).toString(16).padStart(64, "0"),
  seed: SEED,
};

const json = (value: unknown) => JSON.stringify(value);
const weightsTs = `// GENERATED by circuits/model/train.ts (npm run model:train) — do not edit by hand.
import type { QuantizedMlp } from "./mlp.js";

/**
 * The built-in model: ${report.task}.
 * ${report.architecture}; held-out accuracy ${(report.quantizedHeldOutAccuracy * 100).toFixed(1)}%
 * (${report.heldOutExamples} sentences from unseen sentence frames). Digest: ${report.modelDigest}.
 */
export const BUILTIN_MODEL: QuantizedMlp = {
  version: ${model.version},
  nIn: ${model.nIn},
  nHidden: ${model.nHidden},
  nOut: ${model.nOut},
  shift: ${model.shift},
  w1: [
${model.w1.map((r) => `    ${json(r)},`).join("\n")}
  ],
  b1: ${json(model.b1)},
  w2: [
${model.w2.map((r) => `    ${json(r)},`).join("\n")}
  ],
  b2: ${json(model.b2)},
  labels: ${json(model.labels)},
  vocabulary: ${json(model.vocabulary)},
};
`;
writeFileSync(join(root, "sdk", "src", "model", "weights.ts"), weightsTs);
writeFileSync(
  join(root, "circuits", "model", "training-report.json"),
  JSON.stringify(report, null, 2) + "\n",
);
console.log(JSON.stringify(report, null, 2));
