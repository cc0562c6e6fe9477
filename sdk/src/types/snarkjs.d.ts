/**
 * Minimal type declarations for the parts of snarkjs 0.7.6 the SDK uses (snarkjs ships no types).
 */
declare module "snarkjs" {
  /** A Groth16 proof as snarkjs produces it (decimal strings, projective coordinates). */
  export interface SnarkjsGroth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }

  /** A Groth16 verification key as exported by `zkey export verificationkey`. */
  export interface SnarkjsVerificationKey {
    protocol: string;
    curve: string;
    nPublic: number;
    [key: string]: unknown;
  }

  /** Circuit inputs: signal name to a value or a (nested) array of values. */
  export type SnarkjsSignals = Record<string, bigint | string | number | readonly (bigint | string)[]>;

  /** An in-memory file for snarkjs' fastfile layer. */
  export interface SnarkjsMemFile {
    type: "mem";
    data?: Uint8Array;
  }

  export const groth16: {
    prove(
      zkey: string | SnarkjsMemFile,
      witness: string | SnarkjsMemFile,
    ): Promise<{ proof: SnarkjsGroth16Proof; publicSignals: string[] }>;
    fullProve(
      input: SnarkjsSignals,
      wasm: string | Uint8Array,
      zkey: string | Uint8Array,
    ): Promise<{ proof: SnarkjsGroth16Proof; publicSignals: string[] }>;
    verify(
      vkey: SnarkjsVerificationKey,
      publicSignals: readonly string[],
      proof: SnarkjsGroth16Proof,
    ): Promise<boolean>;
    exportSolidityCallData(proof: SnarkjsGroth16Proof, publicSignals: readonly string[]): Promise<string>;
  };

  /** The curves snarkjs uses (ffjavascript's, with worker threads). */
  export const curves: {
    getCurveFromName(name: string): Promise<{ terminate(): Promise<void> }>;
  };

  export const wtns: {
    calculate(input: SnarkjsSignals, wasm: string | Uint8Array, out: SnarkjsMemFile | string): Promise<void>;
    exportJson(wtns: SnarkjsMemFile | string): Promise<bigint[]>;
  };

  /** The logger snarkjs' long-running commands report through (e.g. `zKey.verifyFromR1cs`). */
  export interface SnarkjsLogger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }

  export const zKey: {
    exportVerificationKey(zkey: string | Uint8Array): Promise<SnarkjsVerificationKey>;
    /** `snarkjs zkey verify <r1cs> <ptau> <zkey>`: true iff the zkey derives from both. */
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: SnarkjsLogger): Promise<boolean>;
    exportSolidityVerifier(zkey: string, templates: { groth16: string }): Promise<string>;
  };
}
