/**
 * Parsers of the archive flags of the miner and the gateway (`--archive-db`, `--archive-host`), as
 * commander `argParser`s: a mistake is commander's one line (`error: option '--archive-db <path>'
 * argument '' is invalid. …`) and exit code 1 at start.
 */
import { existsSync, statSync } from "node:fs";

import { InvalidArgumentError } from "commander";

/**
 * The job archive's SQLite file: a non-empty path that is not a directory, or `:memory:` (nothing kept
 * across restarts).
 *
 * @throws {InvalidArgumentError} for an empty path or a directory.
 * @example
 * ```ts
 * new Option("--archive-db <path>", "…").argParser(parseArchivePath);
 * parseArchivePath("/var/aitbc/miner.archive.sqlite"); // the same path
 * ```
 */
export function parseArchivePath(value: string): string {
  if (value.trim() === "")
    throw new InvalidArgumentError("expected a file path (a SQLite file), or :memory:.");
  if (value !== ":memory:" && existsSync(value) && statSync(value).isDirectory())
    throw new InvalidArgumentError("this is a directory; expected a file path (a SQLite file).");
  return value;
}

/**
 * A listen address: a host name or an IPv4/IPv6 address (no scheme, port or spaces).
 *
 * @throws {InvalidArgumentError} otherwise.
 * @example
 * ```ts
 * parseListenHost("0.0.0.0"); // "0.0.0.0"
 * parseListenHost("http://x"); // throws
 * ```
 */
export function parseListenHost(value: string): string {
  if (
    /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value) ||
    /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/.test(value)
  )
    return value;
  throw new InvalidArgumentError(
    "expected a host name or an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0, ::).",
  );
}
