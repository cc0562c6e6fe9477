/**
 * Shared by the circuit build (circuits/build.ts) and the artifacts check
 * (test/circuits/artifacts.test.ts): which circuits exist, how they are compiled, and how the
 * committed artifacts are fingerprinted.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, parse, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import * as snarkjs from "snarkjs";

/** Repository root. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Power of the development powers-of-tau (2^13 = 8192 constraints, enough for every circuit). */
export const PTAU_POWER = 13;

/**
 * The fixed public beacon of the reproducible development phase 1:
 * sha256("AITBC development powers of tau, power 13, issue 14 - public, NOT a secret").
 * Anyone can regenerate the phase-1 file from it (see {@link PTAU_COMMANDS}); the same fact means
 * anyone can derive its trapdoor: the setup is for development only.
 */
export const PTAU_BEACON = "16dff4b467df5d6836073671bb7bafb71ad3bae46ce0c1f9a41ff09288148d8c";
/** Beacon iterations exponent (2^10 hash iterations), as `snarkjs powersoftau beacon` takes it. */
export const PTAU_BEACON_ITERATIONS = 10;
/** Name recorded in the beacon contribution. */
export const PTAU_BEACON_NAME = "AITBC development beacon";

/** The committed phase-1 file (prepared for phase 2), relative to the repository root. */
export const PTAU_FILE = `circuits/ptau/pot${PTAU_POWER}_final.ptau`;

/**
 * The exact snarkjs commands that regenerate {@link PTAU_FILE} byte for byte (run from the
 * repository root, `snarkjs` = `node node_modules/snarkjs/build/cli.cjs`).
 */
export const PTAU_COMMANDS: readonly string[] = [
  `snarkjs powersoftau new bn128 ${PTAU_POWER} pot${PTAU_POWER}_0000.ptau`,
  `snarkjs powersoftau beacon pot${PTAU_POWER}_0000.ptau pot${PTAU_POWER}_beacon.ptau ${PTAU_BEACON} ` +
    `${PTAU_BEACON_ITERATIONS} -n="${PTAU_BEACON_NAME}"`,
  `snarkjs powersoftau prepare phase2 pot${PTAU_POWER}_beacon.ptau pot${PTAU_POWER}_final.ptau`,
];

/** A circuit built by the pipeline. */
export interface CircuitSpec {
  /** File stem: circuits/<name>.circom, artifacts in circuits/artifacts/<name>/. */
  name: "receipt" | "batch_receipt" | "inference";
  /** Name of the generated Solidity verifier contract (and its file). */
  contract: "ReceiptVerifier" | "BatchReceiptVerifier" | "InferenceVerifier";
}

/** The circuits, in build order. */
export const CIRCUITS: readonly CircuitSpec[] = [
  { name: "receipt", contract: "ReceiptVerifier" },
  { name: "batch_receipt", contract: "BatchReceiptVerifier" },
  { name: "inference", contract: "InferenceVerifier" },
];

/** One phase-2 contribution as `snarkjs zkey verify` lists it. */
export interface ZkeyContribution {
  /** Contribution name (`--name`). */
  name: string;
  /** The contribution hash snarkjs prints (64 bytes, hex, no spaces). */
  hash: string;
}

/** What circuits/artifacts/<name>/manifest.json records. */
export interface CircuitManifest {
  circuit: string;
  contract: string;
  generatedBy: string;
  compiler: string;
  constraints: number;
  publicSignals: number;
  /** sha256 of every .circom source under circuits/ and of circomlib's package.json. */
  sources: Record<string, string>;
  r1csSha256: string;
  wasmSha256: string;
  zkeySha256: string;
  verificationKeySha256: string;
  verifierSha256: string;
  ptau: { power: number; sha256: string; origin: string; file?: string; commands?: readonly string[] };
  /** Phase 2: the commands that made the zkey and every contribution's hash, in order. */
  phase2?: { commands: readonly string[]; contributions: ZkeyContribution[] };
}

/** sha256 of a file, hex. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function circomFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "build" || entry.name === "artifacts" ? [] : circomFiles(path);
    return entry.name.endsWith(".circom") ? [path] : [];
  });
}

/** sha256 of the circuit sources (all circuits/**.circom, plus the circomlib version). */
export function sourceHashes(): Record<string, string> {
  const files = [
    ...circomFiles(join(REPO_ROOT, "circuits")),
    join(REPO_ROOT, "node_modules", "circomlib", "package.json"),
  ];
  return Object.fromEntries(files.sort().map((f) => [relative(REPO_ROOT, f), sha256File(f)]));
}

/** Result of {@link compileCircuit}. */
export interface CompiledCircuit {
  r1csPath: string;
  wasmPath: string;
  constraints: number;
  publicSignals: number;
  compilerVersion: string;
}

/**
 * Compiles circuits/<name>.circom with circom2 (WASM) and full simplification (--O2).
 * circom2's WASI sandbox opens only its working directory and that directory's parents, and does
 * not follow symbolic links out of them; so it runs from the file-system root with real absolute
 * paths (this also works when node_modules is a symlink or hoisted elsewhere).
 *
 * @param circuit The circuit.
 * @param outDir Output directory (absolute).
 * @returns Paths of the r1cs and wasm files and the counts circom reports.
 */
export function compileCircuit(circuit: CircuitSpec, outDir: string): CompiledCircuit {
  const require = createRequire(import.meta.url);
  const bin = realpathSync(require.resolve("circom2/cli.js"));
  // circomlib's parent directory: the circuits include "circomlib/circuits/...".
  const includes = dirname(dirname(realpathSync(require.resolve("circomlib/package.json"))));
  const source = realpathSync(join(REPO_ROOT, "circuits", `${circuit.name}.circom`));
  const args = [source, "--r1cs", "--wasm", "--O2", "-l", includes, "-o", resolve(outDir)];
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: parse(source).root, encoding: "utf8" });
  // Strip ANSI colours from circom's report.
  // eslint-disable-next-line no-control-regex
  const output = `${result.stdout}\n${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, "");
  if (result.status !== 0 || !output.includes("Everything went okay")) {
    throw new Error(`circom2 failed on ${circuit.name}.circom:\n${output}`);
  }
  const count = (label: string) => Number(new RegExp(`^${label}: (\\d+)`, "m").exec(output)?.[1] ?? NaN);
  const version = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).stdout.trim();
  return {
    r1csPath: join(outDir, `${circuit.name}.r1cs`),
    wasmPath: join(outDir, `${circuit.name}_js`, `${circuit.name}.wasm`),
    constraints: count("non-linear constraints") + count("linear constraints"),
    publicSignals: count("public inputs") + count("public outputs"),
    compilerVersion: version.replace(/\s+/g, " "),
  };
}

/**
 * Turns snarkjs' generated verifier into the committed file: renames `Groth16Verifier` to the
 * circuit's contract name and prepends a "generated, do not edit" header.
 *
 * @param source The file snarkjs exported.
 * @param circuit The circuit.
 * @returns The Solidity source to write to contracts/verifiers/<contract>.sol.
 */
export function renameVerifier(source: string, circuit: CircuitSpec): string {
  if (!source.includes("contract Groth16Verifier")) throw new Error("unexpected snarkjs verifier template");
  const header = [
    `// GENERATED by circuits/build.ts (npm run circuits:build) from circuits/${circuit.name}.circom.`,
    "// DO NOT EDIT: regenerate instead. Development trusted setup only (see circuits/README.md).",
    "",
  ].join("\n");
  return header + source.replace("contract Groth16Verifier", `contract ${circuit.contract}`);
}

/** Result of {@link verifyZkey}. */
export interface ZkeyVerification {
  /** Whether snarkjs accepted the zkey for this r1cs and powers-of-tau file. */
  ok: boolean;
  /** The circuit hash snarkjs prints (hex, no spaces). */
  circuitHash: string;
  /** Every phase-2 contribution, first to last, with its hash. */
  contributions: ZkeyContribution[];
  /** Everything snarkjs logged (for error messages). */
  log: string[];
}

/** Parses a hash block of snarkjs' `formatHash` (4 lines of 4 groups of 8 hex digits) into hex. */
function joinHash(lines: string): string {
  return lines.replace(/\s+/g, "").toLowerCase();
}

/**
 * Runs `snarkjs zkey verify <r1cs> <ptau> <zkey>` (the JS API `zKey.verifyFromR1cs`): checks that the
 * zkey is the Groth16 setup of exactly this r1cs over exactly this powers-of-tau file, followed by
 * valid phase-2 contributions; and returns the contribution hashes snarkjs lists.
 *
 * @param r1cs The compiled circuit.
 * @param ptau The prepared powers-of-tau file.
 * @param zkey The final proving key.
 * @returns Whether it verified, the circuit hash and the contributions, first to last.
 */
export async function verifyZkey(r1cs: string, ptau: string, zkey: string): Promise<ZkeyVerification> {
  const log: string[] = [];
  const record = (message: string) => void log.push(String(message));
  const ok = await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, {
    debug: () => undefined,
    info: record,
    warn: record,
    error: record,
  });
  let circuitHash = "";
  const contributions: ZkeyContribution[] = [];
  for (const entry of log) {
    const [title = "", ...rest] = entry.split("\n");
    if (title.startsWith("Circuit Hash:")) circuitHash = joinHash(rest.join(""));
    const match = /^contribution #(\d+) ?(.*):$/.exec(title);
    if (match)
      contributions[Number(match[1]) - 1] = { name: match[2]!.trim(), hash: joinHash(rest.join("")) };
  }
  return { ok, circuitHash, contributions, log };
}
