/**
 * Parsing and checking of the simulator's flags (`scripts/simulate.ts`): `--set name=value` and
 * `--compare name=value[,name=value]` name {@link SimulationParameters} fields. Every mistake is a
 * {@link SimulateUsageError} with one readable line, raised before anything starts.
 *
 * Units of `--set` values: `proposalThreshold` in whole AITBC (e.g. `500`); the windows, periods and
 * delays in seconds, or with a suffix `h` (hours) or `d` (days) (e.g. `votingPeriod=3d`);
 * `quorumPercent` percent of supply; `votingPowerCapBps` basis points; `humanShare` a share 0..1.
 */
import type { SimulationParameters } from "./types.js";

/** A bad flag: the message is the one line the CLI prints. */
export class SimulateUsageError extends Error {
  override name = "SimulateUsageError";
}

const AITBC = 10n ** 18n;

type Parser = (raw: string, name: string) => number | bigint;

function integer(min: number, max: number): Parser {
  return (raw, name) => {
    if (!/^\d+$/.test(raw)) throw new SimulateUsageError(`--set ${name}=${raw}: expected a whole number`);
    const n = Number(raw);
    if (n < min || n > max) throw new SimulateUsageError(`--set ${name}=${raw}: expected ${min}..${max}`);
    return n;
  };
}

function seconds(min: number, max: number): Parser {
  return (raw, name) => {
    const m = /^(\d+)([hd]?)$/.exec(raw);
    if (!m)
      throw new SimulateUsageError(
        `--set ${name}=${raw}: expected seconds, or a number with h or d (e.g. 3d)`,
      );
    const n = Number(m[1]) * (m[2] === "d" ? 86_400 : m[2] === "h" ? 3_600 : 1);
    if (n < min || n > max)
      throw new SimulateUsageError(`--set ${name}=${raw}: expected ${min}..${max} seconds`);
    return n;
  };
}

/** The settable parameters and how each value is read (bounds: the contracts' or the twin's). */
export const PARAMETER_PARSERS: Readonly<Record<keyof SimulationParameters, Parser>> = {
  quorumPercent: integer(1, 50),
  proposalThreshold: (raw, name) => {
    if (!/^\d+$/.test(raw))
      throw new SimulateUsageError(`--set ${name}=${raw}: expected whole AITBC (e.g. 500)`);
    const n = BigInt(raw);
    if (n < 1n || n > 1_000_000_000n)
      throw new SimulateUsageError(`--set ${name}=${raw}: expected 1..1000000000 AITBC`);
    return n * AITBC;
  },
  votingPowerCapBps: integer(1, 10_000),
  shortAverageWindow: seconds(1, 90 * 86_400),
  longAverageWindow: seconds(1, 90 * 86_400),
  votingPeriod: seconds(3_600, 90 * 86_400),
  emergencyVotingPeriod: seconds(3_600, 90 * 86_400),
  timelockDelay: seconds(0, 90 * 86_400),
  councilThreshold: integer(1, 5),
  weeks: integer(1, 52),
  humanShare: (raw, name) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1)
      throw new SimulateUsageError(`--set ${name}=${raw}: expected a share 0..1`);
    return n;
  },
};

/** One `name=value` assignment, checked. */
export function parseAssignment(
  text: string,
  flag = "--set",
): [keyof SimulationParameters, number | bigint, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new SimulateUsageError(`${flag} ${text}: expected name=value`);
  const name = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  if (!(name in PARAMETER_PARSERS))
    throw new SimulateUsageError(`${flag} ${text}: unknown parameter ${name} (one of ${Object.keys(PARAMETER_PARSERS).join(", ")})`); // prettier-ignore
  const key = name as keyof SimulationParameters;
  return [key, PARAMETER_PARSERS[key](raw, name), raw];
}

/** `--set` values as partial parameters. */
export function parseSets(texts: readonly string[]): Partial<SimulationParameters> {
  const out: Record<string, number | bigint> = {};
  for (const t of texts) {
    const [k, v] = parseAssignment(t);
    out[k] = v;
  }
  return out as Partial<SimulationParameters>;
}

/** One `--compare` run: its label, its changes as written, and as parameters. */
export interface CompareRun {
  label: string;
  changes: Record<string, string>;
  parameters: Partial<SimulationParameters>;
}

/** `--compare name=value[,name=value]` (one what-if run each). */
export function parseCompare(texts: readonly string[]): CompareRun[] {
  return texts.map((text) => {
    const parts = text.split(",").filter((p) => p.trim() !== "");
    if (parts.length === 0)
      throw new SimulateUsageError(`--compare ${text}: expected name=value[,name=value]`);
    const changes: Record<string, string> = {};
    const parameters: Record<string, number | bigint> = {};
    for (const part of parts) {
      const [k, v, raw] = parseAssignment(part, "--compare");
      changes[k] = raw;
      parameters[k] = v;
    }
    return { label: parts.join(","), changes, parameters: parameters as Partial<SimulationParameters> };
  });
}

/** A whole number flag within bounds. */
export function parseCount(raw: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new SimulateUsageError(`${flag} ${raw}: expected a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new SimulateUsageError(`${flag} ${raw}: expected ${min}..${max}`);
  return n;
}
