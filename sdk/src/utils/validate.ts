import { isAddress, type Address, type Hex } from "viem";

import {
  InvalidAddressError,
  InvalidAmountError,
  InvalidParameterError,
  UnknownModelDigestError,
} from "../errors/validation.js";

/**
 * Checks that `value` is an address (`0x` + 40 hex digits; EIP-55 checksum enforced on mixed case).
 *
 * @param value The value to check.
 * @param what Parameter name for the error message.
 * @returns The address, typed.
 * @throws {InvalidAddressError} if it is not an address.
 * @example
 * ```ts
 * assertAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "account");
 * ```
 */
export function assertAddress(value: unknown, what: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: true })) {
    throw new InvalidAddressError({ what, value });
  }
  return value;
}

/**
 * Checks that `value` is a non-negative integer `bigint`, optionally at most `max` (inclusive).
 *
 * @param value The value to check.
 * @param what Parameter name with unit, e.g. "amount (wei)".
 * @param options.max Inclusive upper bound (e.g. `2n ** 128n - 1n` for a uint128).
 * @param options.positive Reject zero as well.
 * @returns The value, typed.
 * @throws {InvalidAmountError} if it is not a bigint, negative, zero when `positive`, or above `max`.
 * @example
 * ```ts
 * assertAmount(10n ** 18n, "amount (wei)");
 * ```
 */
export function assertAmount(
  value: unknown,
  what: string,
  options: { max?: bigint; positive?: boolean } = {},
): bigint {
  if (typeof value !== "bigint") {
    const reason =
      typeof value === "number" && !Number.isInteger(value)
        ? "not an integer (use a bigint in the smallest unit, e.g. wei)"
        : "expected a bigint (e.g. 10n ** 18n)";
    throw new InvalidAmountError({ what, value, reason });
  }
  if (value < 0n) throw new InvalidAmountError({ what, value, reason: "negative" });
  if (options.positive === true && value === 0n)
    throw new InvalidAmountError({ what, value, reason: "zero" });
  if (options.max !== undefined && value > options.max) {
    throw new InvalidAmountError({ what, value, reason: `above the maximum ${options.max}` });
  }
  return value;
}

/**
 * Largest value of an unsigned integer type of `bits` bits.
 *
 * @param bits Width, e.g. 32 for uint32.
 * @returns `2^bits - 1`.
 * @example
 * ```ts
 * maxUint(32); // 4294967295n
 * ```
 */
export function maxUint(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/**
 * Checks that `value` is a `bytes32` hex string.
 *
 * @param value The value.
 * @param what Parameter name.
 * @returns The value, typed.
 * @throws {InvalidParameterError} if it is not 0x + 64 hex digits.
 * @example
 * ```ts
 * assertBytes32(keccak256(toHex("prompt")), "promptHash");
 * ```
 */
export function assertBytes32(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidParameterError({
      what,
      reason: `expected 0x followed by 64 hex digits, got ${JSON.stringify(String(value))}`,
    });
  }
  return value as Hex;
}

/**
 * Checks that `value` is a model digest: a non-zero `bytes32`, and one of `known` when given.
 *
 * @param value The digest.
 * @param known Optional list of accepted digests (e.g. the models a gateway serves).
 * @returns The digest, typed.
 * @throws {UnknownModelDigestError} if malformed, zero or not in `known`.
 * @example
 * ```ts
 * assertModelDigest(digest, [digest, otherDigest]);
 * ```
 */
export function assertModelDigest(value: unknown, known?: readonly Hex[]): Hex {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new UnknownModelDigestError({ modelDigest: value, reason: "not a bytes32 hex string" });
  }
  if (/^0x0{64}$/.test(value))
    throw new UnknownModelDigestError({ modelDigest: value, reason: "zero digest" });
  if (known !== undefined && !known.some((k) => k.toLowerCase() === value.toLowerCase())) {
    throw new UnknownModelDigestError({
      modelDigest: value,
      reason: `not one of the ${known.length} known digests`,
    });
  }
  return value as Hex;
}

/**
 * Checks that `value` is one of `allowed` (an enum value).
 *
 * @param value The value.
 * @param allowed The accepted values.
 * @param what Parameter name.
 * @returns The value.
 * @throws {InvalidParameterError} if not allowed.
 * @example
 * ```ts
 * assertOneOf(1, [0, 1, 2] as const, "support");
 * ```
 */
export function assertOneOf<T extends number | string>(
  value: unknown,
  allowed: readonly T[],
  what: string,
): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidParameterError({
      what,
      reason: `expected one of ${allowed.join(", ")}, got ${String(value)}`,
    });
  }
  return value as T;
}
