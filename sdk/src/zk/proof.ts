import { readFileSync } from "node:fs";

import { encodeFunctionData, type Hex } from "viem";

import { WitnessCalculatorBuilder, type WitnessCalculator } from "circom_runtime";
import * as snarkjs from "snarkjs";
import type { SnarkjsGroth16Proof, SnarkjsSignals, SnarkjsVerificationKey } from "snarkjs";

import { MalformedProofError, WitnessGenerationError } from "../errors/zk.js";
import { circuitArtifacts, readJsonArtifact, type CircuitName } from "./artifacts.js";
import { BN254_FIELD_MODULUS } from "./field.js";

/** A Groth16 proof over BN254 in snarkjs' JSON shape (decimal strings). */
export type Groth16Proof = SnarkjsGroth16Proof;

/** A Groth16 verification key in snarkjs' JSON shape. */
export type VerificationKey = SnarkjsVerificationKey;

/** Circuit inputs: signal name to a field element or an array of field elements. */
export type CircuitInput = Record<string, bigint | readonly bigint[]>;

/** A proof with its public signals (field elements, in the circuit's public-signal order). */
export interface ProofWithSignals {
  proof: Groth16Proof;
  publicSignals: bigint[];
}

/** Arguments of the generated Solidity verifiers' `verifyProof(pA, pB, pC, pubSignals)`. */
export interface VerifierCalldata {
  pA: [bigint, bigint];
  pB: [[bigint, bigint], [bigint, bigint]];
  pC: [bigint, bigint];
  pubSignals: bigint[];
}

/** Where to find the artifacts; defaults as in `artifactsDirectory`. */
export interface ArtifactOptions {
  /** Directory containing `receipt/` and `inference/` artifact folders. */
  artifactsDir?: string;
}

function toSnarkjsInput(input: CircuitInput): SnarkjsSignals {
  return Object.fromEntries(
    Object.entries(input).map(([name, value]) => [
      name,
      typeof value === "bigint" ? value.toString() : value.map((v) => v.toString()),
    ]),
  );
}

/**
 * snarkjs builds its BN254 curve (with one worker thread per core) on first use and caches it in a
 * global; two first uses at once (two proofs started together) would each build one, and the
 * workers of the one not cached would keep the process alive forever. Built once here, before any
 * prove or verify; reset by {@link releaseProverResources}.
 */
let curveReady: Promise<unknown> | undefined;

function ensureCurve(): Promise<unknown> {
  curveReady ??= snarkjs.curves.getCurveFromName("bn128").catch((error: unknown) => {
    curveReady = undefined;
    throw error;
  });
  return curveReady;
}

const calculators = new Map<string, Promise<WitnessCalculator>>();
const zkeys = new Map<string, Uint8Array>();

/** One witness calculator per WASM file, compiled once (compiling a 5 MB module takes ~0.1 s). */
function witnessCalculator(wasmPath: string): Promise<WitnessCalculator> {
  let calculator = calculators.get(wasmPath);
  if (calculator === undefined) {
    calculator = WitnessCalculatorBuilder(readFileSync(wasmPath));
    calculators.set(wasmPath, calculator);
  }
  return calculator;
}

/** The tail of each calculator's queue: one witness computation at a time per WASM instance. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `run` on the circuit's cached calculator, after every computation already queued on it.
 * A circom witness calculator is one WASM instance with one memory: two computations interleaved
 * on it (e.g. two jobs proved concurrently in one process) overwrite each other's signals and
 * yield proofs the verifier rejects, so computations on one instance are serialised here.
 */
async function runCalculator<T>(
  circuit: CircuitName,
  wasmPath: string,
  run: (calculator: WitnessCalculator) => Promise<T>,
): Promise<T> {
  const previous = queues.get(wasmPath) ?? Promise.resolve();
  const current = previous.then(async () => {
    try {
      return await run(await witnessCalculator(wasmPath));
    } catch (cause) {
      calculators.delete(wasmPath); // never reuse an instance that stopped mid-computation
      throw new WitnessGenerationError({ circuit, cause });
    }
  });
  const tail = current.catch(() => undefined);
  queues.set(wasmPath, tail);
  void tail.then(() => {
    if (queues.get(wasmPath) === tail) queues.delete(wasmPath);
  });
  return current;
}

/**
 * Computes the full witness (all signals) of a circuit. Useful to read outputs without proving
 * and to check inputs; much faster than proving.
 *
 * @param circuit "receipt" or "inference".
 * @param input The circuit inputs (see `buildReceiptInput` / `buildInferenceInput`).
 * @param options Artifact location.
 * @returns The witness: `[1, ...outputs, ...public inputs, ...private signals]` as field elements.
 * @throws {WitnessGenerationError} if a constraint is not satisfied.
 * @example
 * ```ts
 * const witness = await calculateWitness("inference", built.input);
 * const predictedClass = witness[1];
 * ```
 */
export async function calculateWitness(
  circuit: CircuitName,
  input: CircuitInput,
  options: ArtifactOptions = {},
): Promise<bigint[]> {
  const { wasm } = circuitArtifacts(circuit, options.artifactsDir);
  return runCalculator(circuit, wasm, (c) => c.calculateWitness(toSnarkjsInput(input), true));
}

/**
 * Generates a Groth16 proof (witness from a cached calculator, then snarkjs' prover with the
 * proving key held in memory).
 *
 * @param circuit "receipt" or "inference".
 * @param input The circuit inputs.
 * @param options Artifact location.
 * @returns The proof and its public signals.
 * @throws {WitnessGenerationError} if the inputs do not satisfy the circuit.
 * @example
 * ```ts
 * const { proof, publicSignals } = await prove("receipt", buildReceiptInput(secret, job).input);
 * ```
 */
export async function prove(
  circuit: CircuitName,
  input: CircuitInput,
  options: ArtifactOptions = {},
): Promise<ProofWithSignals> {
  const { wasm, zkey } = circuitArtifacts(circuit, options.artifactsDir);
  const witness = await runCalculator(circuit, wasm, (c) => c.calculateWTNSBin(toSnarkjsInput(input), true));
  let zkeyBytes = zkeys.get(zkey);
  if (zkeyBytes === undefined) {
    zkeyBytes = readFileSync(zkey);
    zkeys.set(zkey, zkeyBytes);
  }
  await ensureCurve();
  const { proof, publicSignals } = await snarkjs.groth16.prove(
    { type: "mem", data: zkeyBytes },
    { type: "mem", data: witness },
  );
  return { proof, publicSignals: publicSignals.map((s) => BigInt(s)) };
}

/**
 * Loads a circuit's verification key.
 *
 * @param circuit "receipt" or "inference".
 * @param options Artifact location.
 * @returns The verification key JSON.
 * @throws {CircuitArtifactNotFoundError} if it cannot be read.
 * @example
 * ```ts
 * const vk = loadVerificationKey("receipt");
 * ```
 */
export function loadVerificationKey(circuit: CircuitName, options: ArtifactOptions = {}): VerificationKey {
  return readJsonArtifact<VerificationKey>(circuitArtifacts(circuit, options.artifactsDir).verificationKey);
}

/**
 * Verifies a proof off-chain with the circuit's verification key.
 *
 * @param circuit "receipt" or "inference".
 * @param proof The proof.
 * @param publicSignals Its public signals (each must be a field element).
 * @param options Artifact location.
 * @returns `true` iff the proof is valid for these public signals.
 * @throws {MalformedProofError} if the number of public signals is wrong or one is not below the
 * field modulus.
 * @example
 * ```ts
 * await verifyProof("receipt", proof, publicSignals); // true
 * ```
 */
export async function verifyProof(
  circuit: CircuitName,
  proof: Groth16Proof,
  publicSignals: readonly bigint[],
  options: ArtifactOptions = {},
): Promise<boolean> {
  const vkey = loadVerificationKey(circuit, options);
  checkSignals(publicSignals, vkey.nPublic);
  await ensureCurve();
  return snarkjs.groth16.verify(
    vkey,
    publicSignals.map((s) => s.toString()),
    proof,
  );
}

function checkSignals(publicSignals: readonly bigint[], expected: number): void {
  if (publicSignals.length !== expected) {
    throw new MalformedProofError(`expected ${expected} public signals, got ${publicSignals.length}`);
  }
  publicSignals.forEach((s, i) => {
    if (s < 0n || s >= BN254_FIELD_MODULUS) {
      throw new MalformedProofError(`public signal ${i} is not a BN254 field element`);
    }
  });
}

/**
 * Formats a proof for the generated Solidity verifiers' `verifyProof(pA, pB, pC, pubSignals)`
 * (G2 coordinates are swapped into the order the EVM pairing precompile expects).
 *
 * @param proof The proof.
 * @param publicSignals Its public signals.
 * @returns The four arguments, as bigints (viem and ethers accept them directly).
 * @throws {MalformedProofError} if the proof does not have the Groth16 shape.
 * @example
 * ```ts
 * const { pA, pB, pC, pubSignals } = toVerifierCalldata(proof, publicSignals);
 * await receiptVerifier.verifyProof(pA, pB, pC, pubSignals);
 * ```
 */
export function toVerifierCalldata(proof: Groth16Proof, publicSignals: readonly bigint[]): VerifierCalldata {
  const n = (value: string | undefined, what: string): bigint => {
    if (value === undefined || !/^\d+$/.test(value)) throw new MalformedProofError(`${what} is not a number`);
    return BigInt(value);
  };
  const [a, b, c] = [proof.pi_a, proof.pi_b, proof.pi_c];
  if (a.length < 2 || b.length < 2 || c.length < 2 || b[0]!.length < 2 || b[1]!.length < 2) {
    throw new MalformedProofError("the proof does not have the Groth16 shape");
  }
  return {
    pA: [n(a[0], "pi_a[0]"), n(a[1], "pi_a[1]")],
    pB: [
      [n(b[0]![1], "pi_b[0][1]"), n(b[0]![0], "pi_b[0][0]")],
      [n(b[1]![1], "pi_b[1][1]"), n(b[1]![0], "pi_b[1][0]")],
    ],
    pC: [n(c[0], "pi_c[0]"), n(c[1], "pi_c[1]")],
    pubSignals: [...publicSignals],
  };
}

/**
 * ABI-encodes a `verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[n])` call to a
 * generated verifier (n = the number of public signals), e.g. for a raw `eth_call`.
 *
 * @param calldata The arguments from {@link toVerifierCalldata}.
 * @returns The call data (4-byte selector + arguments) as hex.
 * @example
 * ```ts
 * await client.call({ to: receiptVerifier, data: encodeVerifyProofCall(receipt.calldata) });
 * ```
 */
export function encodeVerifyProofCall(calldata: VerifierCalldata): Hex {
  const abi = [
    {
      type: "function",
      name: "verifyProof",
      stateMutability: "view",
      inputs: [
        { name: "_pA", type: "uint256[2]" },
        { name: "_pB", type: "uint256[2][2]" },
        { name: "_pC", type: "uint256[2]" },
        { name: "_pubSignals", type: `uint256[${calldata.pubSignals.length}]` },
      ],
      outputs: [{ name: "", type: "bool" }],
    },
  ] as const;
  return encodeFunctionData({
    abi,
    functionName: "verifyProof",
    args: [calldata.pA, calldata.pB, calldata.pC, calldata.pubSignals],
  });
}

/**
 * Stops snarkjs' worker threads (the cached BN254 curve), so a Node process can exit. Call once
 * when done proving; later calls to {@link prove} start them again.
 *
 * @returns Resolves when the workers are terminated.
 * @example
 * ```ts
 * after(releaseProverResources); // in a test suite that proves
 * ```
 */
export async function releaseProverResources(): Promise<void> {
  const building = curveReady;
  curveReady = undefined;
  await building?.catch(() => undefined);
  const cached = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  const curve = cached.curve_bn128;
  if (curve !== undefined && curve !== null) await curve.terminate();
}
