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

/** Repository root. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Power of the development powers-of-tau (2^13 = 8192 constraints, enough for both circuits). */
export const PTAU_POWER = 13;

/** A circuit built by the pipeline. */
export interface CircuitSpec {
  /** File stem: circuits/<name>.circom, artifacts in circuits/artifacts/<name>/. */
  name: "receipt" | "inference";
  /** Name of the generated Solidity verifier contract (and its file). */
  contract: "ReceiptVerifier" | "InferenceVerifier";
}

/** The circuits, in build order. */
export const CIRCUITS: readonly CircuitSpec[] = [
  { name: "receipt", contract: "ReceiptVerifier" },
  { name: "inference", contract: "InferenceVerifier" },
];

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
  ptau: { power: number; sha256: string; origin: string };
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
