import { expect } from "chai";
import { keccak256, stringToBytes } from "viem";

import { WitnessGenerationError } from "../../sdk/src/errors/zk.js";
import type { ReceiptJob } from "../../sdk/src/zk/receipt.js";
import { calculateWitness, type CircuitInput } from "../../sdk/src/zk/proof.js";
import type { CircuitName } from "../../sdk/src/zk/artifacts.js";
import type { VerifierCalldata } from "../../sdk/src/zk/proof.js";

/** BN254 scalar field modulus. */
export const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A provider secret used across the tests. */
export const SECRET = 0x1234_5678_9abc_def0_1122_3344_5566_7788n;

/** Deployment A: an escrow on a local chain. */
export const DEPLOYMENT_A = {
  chainId: 31337n,
  escrow: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
} as const;

/** A realistic job (on {@link DEPLOYMENT_A} unless overridden). */
export function sampleJob(overrides: Partial<ReceiptJob> = {}): ReceiptJob {
  return {
    ...DEPLOYMENT_A,
    jobId: 42n,
    modelDigest: keccak256(stringToBytes("llama3.2:1b@sha256:deadbeef")),
    promptHash: keccak256(stringToBytes("Explain zero-knowledge proofs in one sentence.")),
    outputHash: keccak256(stringToBytes("They prove a statement without revealing why it is true.")),
    tokenCount: 37n,
    pricePerToken: 2n * 10n ** 12n,
    ...overrides,
  };
}

/**
 * Asserts that witness generation rejects the input (a constraint fails). The witness calculator's
 * own "ERROR: 4 Error in template ..." lines (console.error) are kept out of the test output and
 * checked to name a failed constraint.
 */
export async function expectWitnessFailure(circuit: CircuitName, input: CircuitInput): Promise<void> {
  let error: unknown;
  const printed: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    await calculateWitness(circuit, input);
  } catch (caught) {
    error = caught;
  } finally {
    console.error = original;
  }
  expect(error, "the circuit accepted an invalid input").to.be.instanceOf(WitnessGenerationError);
  expect(String((error as Error).cause)).to.match(/Assert Failed|Error in template/);
}

/** The harness' flat proof argument: `[pA, pB, pC]` flattened to 8 words. */
export function flatProof(calldata: VerifierCalldata): bigint[] {
  return [...calldata.pA, ...calldata.pB[0], ...calldata.pB[1], ...calldata.pC];
}
