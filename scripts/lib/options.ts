/**
 * Parsers for the programs' command-line values (commander `argParser`s). Each turns a user's string
 * into a typed value or throws commander's `InvalidArgumentError`, which commander prints as one line
 * (`error: option '--stake <aitbc>' argument '-5' is invalid. …`) before exiting with code 1 — so a
 * mistake in a flag or its environment variable stops the program at start, never mid-request.
 */
import { InvalidArgumentError } from "commander";
import { getAddress, isAddress, parseUnits, type Address, type Hex } from "viem";

import { BN254_FIELD_MODULUS } from "@aitbc/sdk";

/**
 * A secp256k1 private key: `0x` + 64 hex digits. Not a commander `argParser` on purpose: commander's
 * error line repeats the value, and this message never does.
 * @param flag How the key was given, for the message.
 * @throws Error "`flag`: a private key is 0x followed by 64 hex digits…"
 */
export function parsePrivateKey(value: string, flag: string): Hex {
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value as Hex;
  const what = /^0x[0-9a-fA-F]*$/.test(value) ? `${value.length - 2} hex digits` : `${value.length} characters, not all hex after 0x`; // prettier-ignore
  throw new Error(`${flag}: a private key is 0x followed by 64 hex digits (32 bytes); this one has ${what}.`);
}

/** A 20-byte address (checksum checked when mixed case), returned checksummed. */
export function parseAddress(value: string): Address {
  if (!isAddress(value, { strict: true }))
    throw new InvalidArgumentError("not an address (0x + 40 hex digits, valid checksum).");
  return getAddress(value);
}

/** A whole number in `[min, max]` (decimal digits only: no sign, exponent or fraction). */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? "any" : max}.`,
      );
    }
    return n;
  };
}

/** A TCP port: 0 (any free port) to 65535. */
export const parsePort = integerIn(0, 65_535);

/** A whole number of wei (no sign, no decimals). */
export function parseWei(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number of wei (digits only).");
  return BigInt(value);
}

/**
 * An amount of AITBC as a decimal (`1000`, `0.5`), at most 18 decimals, returned in wei.
 * @param allowZero Whether 0 is accepted (a price of 0 is; a stake of 0 is not).
 */
export function aitbcAmount(allowZero: boolean): (value: string) => bigint {
  return (value) => {
    if (!/^\d+(\.\d{1,18})?$/.test(value)) {
      throw new InvalidArgumentError(
        "expected an amount of AITBC such as 1000 or 0.5 (not negative, at most 18 decimals).",
      );
    }
    const wei = parseUnits(value, 18);
    if (!allowZero && wei === 0n) throw new InvalidArgumentError("the amount must be more than 0.");
    return wei;
  };
}

/** A share from 0 to 1 inclusive (e.g. a sample rate). */
export function parseShare(value: string): number {
  const n = /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("expected a number from 0 to 1.");
  return n;
}

/** A share above 0 and at most 1 (a fraction of the cores or of the memory a miner may use). */
export function parsePositiveShare(value: string): number {
  const n = /^\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError("expected a number above 0 and at most 1.");
  return n;
}

/** An http(s) URL. */
export function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("not a URL (e.g. http://127.0.0.1:8545).");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError("expected an http:// or https:// URL.");
  return value;
}

/** A BN254 field element from 1 to p − 1, decimal or 0x-hex (a receipt identity secret). */
export function parseFieldElement(value: string): bigint {
  const n = /^(\d+|0x[0-9a-fA-F]+)$/.test(value) ? BigInt(value) : -1n;
  if (n < 1n || n >= BN254_FIELD_MODULUS) {
    throw new InvalidArgumentError(
      "expected a number from 1 to the BN254 field modulus − 1 (decimal or 0x hex).",
    );
  }
  return n;
}
