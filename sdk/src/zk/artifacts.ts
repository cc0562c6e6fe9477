import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { CircuitArtifactNotFoundError } from "../errors/zk.js";

/** The circuits the SDK can prove and verify. */
export type CircuitName = "receipt" | "batch_receipt" | "inference";

/** Paths of one circuit's run-time artifacts. */
export interface CircuitArtifacts {
  /** Witness generator compiled by circom2. */
  wasm: string;
  /** Final Groth16 proving key. */
  zkey: string;
  /** Groth16 verification key (JSON). */
  verificationKey: string;
  /** Build manifest (hashes, constraint count). */
  manifest: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Finds the artifacts directory: `dir` if given, else `$AITBC_CIRCUIT_ARTIFACTS`, else the
 * repository's `circuits/artifacts/` when the SDK runs from the repository (source or build), else
 * `artifacts/` inside the installed package. The repository's copy comes first so that a stale
 * `sdk/artifacts/` left by an earlier package build never shadows freshly rebuilt circuits.
 *
 * @param dir Optional explicit directory containing `<circuit>/` sub-directories.
 * @returns An absolute directory path.
 * @throws {CircuitArtifactNotFoundError} if no candidate directory exists.
 * @example
 * ```ts
 * artifactsDirectory(); // ".../circuits/artifacts"
 * ```
 */
export function artifactsDirectory(dir?: string): string {
  const candidates = [
    dir,
    process.env.AITBC_CIRCUIT_ARTIFACTS,
    join(here, "..", "..", "..", "circuits", "artifacts"),
    join(here, "..", "..", "artifacts"),
  ].filter((c): c is string => c !== undefined && c !== "");
  const found = candidates.find((c) => existsSync(join(c, "receipt")));
  if (found === undefined) throw new CircuitArtifactNotFoundError({ path: candidates.join(", ") });
  return resolve(found);
}

/**
 * Paths of a circuit's artifacts.
 *
 * @param circuit "receipt" or "inference".
 * @param dir Optional artifacts directory (see {@link artifactsDirectory}).
 * @returns The four paths; existence of each file is checked.
 * @throws {CircuitArtifactNotFoundError} if a file is missing.
 * @example
 * ```ts
 * const { wasm, zkey } = circuitArtifacts("receipt");
 * ```
 */
export function circuitArtifacts(circuit: CircuitName, dir?: string): CircuitArtifacts {
  const base = join(artifactsDirectory(dir), circuit);
  const paths: CircuitArtifacts = {
    wasm: join(base, `${circuit}.wasm`),
    zkey: join(base, `${circuit}.zkey`),
    verificationKey: join(base, "verification_key.json"),
    manifest: join(base, "manifest.json"),
  };
  for (const path of Object.values(paths)) {
    if (!existsSync(path)) throw new CircuitArtifactNotFoundError({ path });
  }
  return paths;
}

/**
 * Reads and parses a JSON artifact.
 *
 * @param path The file.
 * @returns The parsed JSON value.
 * @throws {CircuitArtifactNotFoundError} if the file cannot be read or parsed.
 * @example
 * ```ts
 * const vk = readJsonArtifact<VerificationKey>(circuitArtifacts("receipt").verificationKey);
 * ```
 */
export function readJsonArtifact<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (cause) {
    throw new CircuitArtifactNotFoundError({ path, cause });
  }
}
