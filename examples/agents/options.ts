/**
 * Command-line values of the two example agents (commander `argParser`s): each turns the user's string
 * into a typed value or throws commander's `InvalidArgumentError`, printed as one line before exit 1.
 * The private key is checked by the program instead, so that no error line ever repeats it.
 */
import { readFileSync } from "node:fs";

import { InvalidArgumentError } from "commander";
import { getAddress, isAddress, parseUnits, type Address, type Hex } from "viem";

import { assertAddress, getDeployment, type AitbcContracts } from "@aitbc/sdk";

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
  return value.replace(/\/+$/, "");
}

/** An amount of AITBC above 0 (`0.01`, `2`), at most 18 decimals, returned in wei. */
export function parseAitbc(value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value))
    throw new InvalidArgumentError("expected an amount of AITBC such as 0.01 or 2 (not negative, at most 18 decimals).");
  const wei = parseUnits(value, 18);
  if (wei === 0n) throw new InvalidArgumentError("the amount must be more than 0.");
  return wei;
} // prettier-ignore

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 65_535) throw new InvalidArgumentError("expected a port from 0 to 65535.");
  return n;
} // prettier-ignore

/** A skill name as the registry keys it: 1–64 characters of `[a-z0-9._-]`. */
export function parseSkillName(value: string): string {
  if (!/^[a-z0-9._-]{1,64}$/.test(value))
    throw new InvalidArgumentError("expected 1–64 characters of a-z, 0-9, '.', '_' or '-'.");
  return value;
}

/** A 20-byte address (checksum checked when mixed case), returned checksummed. */
export function parseAddress(value: string): Address {
  if (!isAddress(value, { strict: true }))
    throw new InvalidArgumentError("not an address (0x + 40 hex digits, valid checksum).");
  return getAddress(value);
}

/**
 * A secp256k1 private key: `0x` + 64 hex digits.
 * @param flag How the key was given, for the message.
 * @throws Error "`flag`: a private key is 0x followed by 64 hex digits…" (the key itself is never repeated)
 */
export function parsePrivateKey(value: string | undefined, flag: string): Hex {
  if (value === undefined || value === "") throw new Error(`${flag} is required (0x followed by 64 hex digits).`);
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value as Hex;
  const what = /^0x[0-9a-fA-F]*$/.test(value) ? `${value.length - 2} hex digits` : `${value.length} characters, not all hex after 0x`; // prettier-ignore
  throw new Error(`${flag}: a private key is 0x followed by 64 hex digits (32 bytes); this one has ${what}.`);
} // prettier-ignore

/** The one line a program prints when it cannot start (viem's short message and URL, or the first line). */
export function oneLine(error: unknown): string {
  const e = error as { shortMessage?: string; url?: string; code?: string; address?: string; port?: number };
  if (e?.code === "EADDRINUSE") return `${e.address}:${e.port} is already in use: choose another --port`;
  if (typeof e?.shortMessage === "string") return `${e.shortMessage}${e.url ? ` (${e.url})` : ""}`;
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/** True when `metaUrl` is the module node was started with. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && new URL(metaUrl).pathname === new URL(`file://${entry}`).pathname;
}

/**
 * The deployment's addresses: `--deployment <file>` (shaped like `deployments/<chainId>.json`; read
 * before the chain is touched), or the SDK's `getDeployment(chainId)` (the repository's
 * `deployments/<chainId>.json`, with the chain id asked of the chain).
 * @param file The `--deployment` file, if given.
 * @param chainId Asks the chain its id (called only without a file).
 * @throws DeploymentNotFoundError (no file for the chain); Error naming a contract the agents need and the deployment lacks.
 */
export async function deploymentContracts(file: string | undefined, chainId: () => Promise<number>): Promise<AitbcContracts> {
  let given: Record<string, string>;
  let source: string;
  if (file !== undefined) {
    given = (JSON.parse(readFileSync(file, "utf8")) as { contracts?: Record<string, string> }).contracts ?? {};
    source = file;
  } else {
    const id = await chainId();
    given = getDeployment(id).contracts as Record<string, string>;
    source = `deployments/${id}.json`;
  }
  const contracts: Record<string, Address> = {};
  for (const [name, address] of Object.entries(given)) contracts[name] = assertAddress(address, `${name} in ${source}`);
  for (const name of ["AITBCToken", "AgentIdentityRegistry"])
    if (contracts[name] === undefined) throw new Error(`no ${name} address in ${source} (deploy the market with the agent registry first, or pass --deployment <file>)`);
  return contracts;
} // prettier-ignore

/** Wei as a decimal amount of AITBC (`10000000000000000` → `0.01`). */
export function formatAitbc(wei: bigint): string {
  const whole = wei / 10n ** 18n;
  const fraction = (wei % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return fraction === "" ? whole.toString() : `${whole}.${fraction}`;
}
