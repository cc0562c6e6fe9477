/**
 * Benchmark section for the zero-knowledge circuits: constraint counts, proving and verification
 * times (in-process, after warm-up), and on-chain verification gas of the generated verifiers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { network } from "hardhat";

import { REPO_ROOT, type CircuitManifest } from "../circuits/pipeline.js";
import {
  proveInference,
  releaseProverResources,
  verifyProof,
  type VerifierCalldata,
  identityCommitment,
  proveReceipt,
  type ReceiptJob,
} from "@aitbc/sdk";
import { median, type BenchRow, type BenchSection } from "./lib.js";

const WARM_UP = 2;
const RECEIPT_RUNS = 15;
const INFERENCE_RUNS = 7;
const VERIFY_RUNS = 15;

async function timed(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP; i++) await fn(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times;
}

function timingRow(name: string, times: number[], target?: number, note?: string): BenchRow {
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    name,
    value: round(median(times)),
    unit: "ms",
    spread: [round(Math.min(...times)), round(Math.max(...times))],
    runs: times.length,
    ...(target !== undefined ? { target: { value: target, comparison: "<=" as const } } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

function manifest(name: string): CircuitManifest {
  return JSON.parse(
    readFileSync(join(REPO_ROOT, "circuits", "artifacts", name, "manifest.json"), "utf8"),
  ) as CircuitManifest;
}

/**
 * Runs the circuit benchmarks on a fresh in-process Hardhat network.
 *
 * @returns The "Zero-knowledge circuits" section.
 */
export async function benchCircuits(): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const secret = 987654321n;
  const job = (i: number): ReceiptJob => ({
    chainId: 31337n,
    escrow: `0x${"e5".repeat(20)}`,
    jobId: BigInt(1000 + i),
    modelDigest: `0x${"11".repeat(32)}`,
    promptHash: `0x${(i + 3).toString(16).padStart(64, "0")}`,
    outputHash: `0x${"ab".repeat(32)}`,
    tokenCount: 512n,
    pricePerToken: 3n * 10n ** 12n,
  });

  for (const name of ["receipt", "inference"]) {
    const m = manifest(name);
    rows.push({
      name: `${name} circuit constraints`,
      value: m.constraints,
      unit: "constraints",
      note: `${m.publicSignals} public signals; ${m.compiler}; --O2`,
    });
  }

  // Proving (witness + Groth16 prove, in-process, artifacts cached in memory after warm-up).
  const receiptTimes = await timed(RECEIPT_RUNS, (i) => proveReceipt(secret, job(i)));
  rows.push(timingRow("receipt proof (witness + groth16 prove)", receiptTimes, 400));
  const prompts = [
    "will there be snow in berlin tomorrow",
    "who won the tennis final today",
    "is my portfolio of bitcoin too volatile",
    "my laptop is slow after the update",
  ];
  const inferenceTimes = await timed(INFERENCE_RUNS, (i) =>
    proveInference(prompts[Math.abs(i) % prompts.length]!, { jobKey: BigInt(1000 + i) }),
  );
  rows.push(timingRow("inference proof (witness + groth16 prove)", inferenceTimes, 3000));

  const receipt = await proveReceipt(secret, job(0));
  const inference = await proveInference(prompts[0]!, { jobKey: 1000n });
  rows.push(
    timingRow(
      "receipt proof off-chain verify (snarkjs groth16.verify)",
      await timed(VERIFY_RUNS, () => verifyProof("receipt", receipt.proof, receipt.publicSignals)),
    ),
  );
  rows.push(
    timingRow(
      "inference proof off-chain verify (snarkjs groth16.verify)",
      await timed(VERIFY_RUNS, () => verifyProof("inference", inference.proof, inference.publicSignals)),
    ),
  );
  await releaseProverResources();

  // On-chain gas.
  const { ethers } = await network.create();
  const probe = await ethers.deployContract("VerifierGasProbe");
  const [signer] = await ethers.getSigners();
  const measure = async (contract: string, calldata: VerifierCalldata) => {
    const verifier = await ethers.deployContract(contract);
    const data = verifier.interface.encodeFunctionData("verifyProof", [
      calldata.pA,
      calldata.pB,
      calldata.pC,
      calldata.pubSignals,
    ]);
    const target = await verifier.getAddress();
    const [ok, result, gasUsed] = (await probe.measure(target, data)) as [boolean, string, bigint];
    if (!ok || BigInt(result) !== 1n) throw new Error(`${contract} rejected a valid proof`);
    const direct = await signer!.estimateGas({ to: target, data });
    return { internal: Number(gasUsed), direct: Number(direct) };
  };
  const receiptGas = await measure("ReceiptVerifier", receipt.calldata);
  rows.push({
    name: "ReceiptVerifier.verifyProof gas (called from a contract)",
    value: receiptGas.internal,
    unit: "gas",
    target: { value: 230_000, comparison: "<=" },
    note: `gasleft() around a STATICCALL from VerifierGasProbe: excludes the 21k intrinsic gas and tx calldata; as a standalone transaction (estimateGas, incl. 21k + calldata): ${receiptGas.direct}`,
  });
  const inferenceGas = await measure("InferenceVerifier", inference.calldata);
  rows.push({
    name: "InferenceVerifier.verifyProof gas (called from a contract)",
    value: inferenceGas.internal,
    unit: "gas",
    note: `same method; standalone transaction (estimateGas, incl. 21k + calldata): ${inferenceGas.direct}`,
  });
  const harness = await ethers.deployContract("ReceiptPublicSignalsHarness", [
    await (await ethers.deployContract("ReceiptVerifier")).getAddress(),
  ]);
  // The harness settles like an escrow, for its own deployment: prove for its address and chain.
  const j: ReceiptJob = {
    ...job(0),
    chainId: (await ethers.provider.getNetwork()).chainId,
    escrow: (await harness.getAddress()) as ReceiptJob["escrow"],
  };
  const settled = await proveReceipt(secret, j);
  await releaseProverResources();
  const c = settled.calldata;
  const settleGas = await harness.settle.estimateGas(
    [...c.pA, ...c.pB[0], ...c.pB[1], ...c.pC],
    settled.nullifier,
    identityCommitment(secret),
    j.jobId,
    j.tokenCount,
    j.pricePerToken,
    [j.modelDigest, j.promptHash, j.outputHash],
  );
  rows.push({
    name: "escrow-style settle: rebuild signals on-chain + verify + spend nullifier",
    value: Number(settleGas),
    unit: "gas",
    note: "ReceiptPublicSignalsHarness.settle, estimateGas incl. 21k intrinsic and calldata (a lower bound for JobEscrow.submitResult)",
  });
  return { title: "Zero-knowledge circuits (receipt and built-in model inference)", rows };
}
