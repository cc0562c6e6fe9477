/** Minimal type declarations for circom_runtime 0.1.28 (the witness calculator snarkjs uses). */
declare module "circom_runtime" {
  /** A compiled circom witness generator. */
  export interface WitnessCalculator {
    /** All signals of the witness, `[1, ...outputs, ...public inputs, ...private]`. */
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
    /** The witness in snarkjs' binary `.wtns` format. */
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
  }

  /** Instantiates a witness calculator from a circom WASM module. */
  export function WitnessCalculatorBuilder(
    code: Uint8Array,
    options?: { sanityCheck?: boolean },
  ): Promise<WitnessCalculator>;
}
