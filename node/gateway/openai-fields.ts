/**
 * Type and range checks of `/v1` request fields, with OpenAI's error wording
 * (`Invalid type for 'max_tokens': expected an integer, but got a string instead.`), so a bad
 * request is refused with the field at fault before any job is placed.
 */
import { OpenAIRequestError } from "./openai-errors.js";

/** A JSON object of a request. */
export type JsonObject = Record<string, unknown>;

/** How OpenAI names a JSON value's type in its errors. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a decimal";
  if (typeof v === "string") return "a string";
  if (typeof v === "boolean") return "a boolean";
  return "an object";
}

/** `Invalid type for '<param>': expected <expected>, but got <type> instead.` */
export function invalidType(param: string, expected: string, v: unknown): OpenAIRequestError {
  return new OpenAIRequestError(`Invalid type for '${param}': expected ${expected}, but got ${typeName(v)} instead.`, param, "invalid_type"); // prettier-ignore
}

/** `Missing required parameter: '<param>'.` */
export function missing(param: string): OpenAIRequestError {
  return new OpenAIRequestError(
    `Missing required parameter: '${param}'.`,
    param,
    "missing_required_parameter",
  );
}

/** `Invalid value: '<v>'. Supported values are: 'a', 'b' and 'c'.` */
export function invalidValue(param: string, v: unknown, supported: readonly string[]): OpenAIRequestError {
  const list = supported.map((s) => `'${s}'`);
  const names = list.length > 1 ? `${list.slice(0, -1).join(", ")} and ${list.at(-1)}` : list.join("");
  return new OpenAIRequestError(`Invalid value: '${String(v)}'. Supported values are: ${names}.`, param, "invalid_value"); // prettier-ignore
}

/** A field this gateway does not serve (HTTP 400, `unsupported_parameter`). */
export function unsupported(param: string, why: string): OpenAIRequestError {
  return new OpenAIRequestError(`Unsupported parameter: '${param}' ${why}.`, param, "unsupported_parameter");
}

/** `v` as a JSON object. @throws {OpenAIRequestError} invalid_type. */
export function object(param: string, v: unknown): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalidType(param, "an object", v);
  return v as JsonObject;
}

/** `v` as a string. @throws {OpenAIRequestError} invalid_type. */
export function string(param: string, v: unknown): string {
  if (typeof v !== "string") throw invalidType(param, "a string", v);
  return v;
}

/** `v` as a boolean, or undefined when absent (null counts as absent). @throws {OpenAIRequestError}. */
export function optionalBoolean(param: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalidType(param, "a boolean", v);
  return v;
}

/**
 * `v` as a number within `[min, max]` (an integer when `integer`), or undefined when absent or null.
 *
 * @throws {OpenAIRequestError} invalid_type, or `<integer|decimal>_below_min_value` / `_above_max_value`.
 */
export function optionalNumber(
  param: string,
  v: unknown,
  range: { min?: number; max?: number; integer?: boolean },
): number | undefined {
  if (v === undefined || v === null) return undefined;
  const kind = range.integer ? "integer" : "decimal";
  if (typeof v !== "number" || !Number.isFinite(v) || (range.integer && !Number.isSafeInteger(v)))
    throw invalidType(param, range.integer ? "an integer" : "a number", v);
  if (range.min !== undefined && v < range.min)
    throw new OpenAIRequestError(`Invalid '${param}': ${kind} below minimum value. Expected a value >= ${range.min}, but got ${v} instead.`, param, `${kind}_below_min_value`); // prettier-ignore
  if (range.max !== undefined && v > range.max)
    throw new OpenAIRequestError(`Invalid '${param}': ${kind} above maximum value. Expected a value <= ${range.max}, but got ${v} instead.`, param, `${kind}_above_max_value`); // prettier-ignore
  return v;
}

/** `stop`: a string or a list of strings, as a list; undefined when absent. @throws {OpenAIRequestError}. */
export function optionalStop(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return [v];
  if (!Array.isArray(v)) throw invalidType("stop", "a string or an array of strings", v);
  return v.map((s, i) => string(`stop[${i}]`, s));
}
