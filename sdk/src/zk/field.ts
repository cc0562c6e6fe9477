import { FieldElementOutOfRangeError, InvalidBytes32Error } from "../errors/zk.js";

/**
 * The BN254 (alt_bn128) scalar-field modulus r: every circuit signal is an integer modulo r, and
 * every Groth16 public signal checked by the generated Solidity verifiers must be below it.
 */
export const BN254_FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

/**
 * Checks that `value` is a canonical BN254 field element (0 <= value < r) and returns it.
 * Values at or above r are rejected, never reduced, so two different protocol values can never
 * map to the same circuit input.
 *
 * @param value Any integer (e.g. a uint256 id or an identity secret).
 * @param what Name used in the error message (default "value").
 * @returns `value` unchanged.
 * @throws {FieldElementOutOfRangeError} if `value < 0` or `value >= BN254_FIELD_MODULUS`.
 * @example
 * ```ts
 * toField(42n); // 42n
 * toField(BN254_FIELD_MODULUS); // throws
 * ```
 */
export function toField(value: bigint, what = "value"): bigint {
  return checkRange(value, BN254_FIELD_MODULUS, what);
}

/**
 * Checks that `value` is an unsigned integer of at most `bits` bits and returns it.
 *
 * @param value The integer to check.
 * @param bits Width in bits (e.g. 32 for a token count, 128 for a price in wei).
 * @param what Name used in the error message.
 * @returns `value` unchanged.
 * @throws {FieldElementOutOfRangeError} if `value < 0` or `value >= 2^bits`.
 * @example
 * ```ts
 * checkUint(1000n, 32, "tokenCount"); // 1000n
 * ```
 */
export function checkUint(value: bigint, bits: number, what: string): bigint {
  return checkRange(value, 1n << BigInt(bits), what);
}

function checkRange(value: bigint, limit: bigint, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value >= limit) {
    throw new FieldElementOutOfRangeError({ what, value: BigInt(value), limit });
  }
  return value;
}

/**
 * Parses a `bytes32` hex string (0x + 64 hex digits, either case) into a 256-bit integer.
 *
 * @param hex The bytes32 value, e.g. a keccak256 digest.
 * @param what Name used in the error message (default "bytes32").
 * @returns The big-endian integer value, 0 <= n < 2^256.
 * @throws {InvalidBytes32Error} if `hex` is not exactly 32 bytes of hex.
 * @example
 * ```ts
 * bytes32ToBigInt("0x" + "00".repeat(31) + "ff"); // 255n
 * ```
 */
export function bytes32ToBigInt(hex: string, what = "bytes32"): bigint {
  if (typeof hex !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hex)) {
    throw new InvalidBytes32Error({ what, value: String(hex) });
  }
  return BigInt(hex);
}

/**
 * Formats an integer 0 <= n < 2^256 as a lower-case `bytes32` hex string.
 *
 * @param value The integer.
 * @returns `0x` followed by 64 hex digits.
 * @throws {FieldElementOutOfRangeError} if the value does not fit in 256 bits.
 * @example
 * ```ts
 * bigIntToBytes32(255n); // "0x00…ff"
 * ```
 */
export function bigIntToBytes32(value: bigint): Hex {
  checkUint(value, 256, "bytes32 value");
  return `0x${value.toString(16).padStart(64, "0")}`;
}

/**
 * Splits a `bytes32` into two 128-bit limbs, so a 256-bit digest enters the BN254 field without
 * reduction: `value = hi * 2^128 + lo`.
 *
 * @param hex The bytes32 value.
 * @param what Name used in the error message.
 * @returns `[hi, lo]`, each 0 <= limb < 2^128.
 * @throws {InvalidBytes32Error} if `hex` is not a bytes32 hex string.
 * @example
 * ```ts
 * splitBytes32("0x" + "11".repeat(16) + "22".repeat(16)); // [0x1111…n, 0x2222…n]
 * ```
 */
export function splitBytes32(hex: string, what = "bytes32"): [hi: bigint, lo: bigint] {
  const value = bytes32ToBigInt(hex, what);
  return [value >> 128n, value & ((1n << 128n) - 1n)];
}

/**
 * Inverse of {@link splitBytes32}.
 *
 * @param hi Upper 128 bits.
 * @param lo Lower 128 bits.
 * @returns The bytes32 hex string.
 * @throws {FieldElementOutOfRangeError} if a limb is not a 128-bit unsigned integer.
 * @example
 * ```ts
 * joinBytes32(...splitBytes32(digest)) === digest.toLowerCase(); // true
 * ```
 */
export function joinBytes32(hi: bigint, lo: bigint): Hex {
  checkUint(hi, 128, "hi limb");
  checkUint(lo, 128, "lo limb");
  return bigIntToBytes32((hi << 128n) | lo);
}
