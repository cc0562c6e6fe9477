/**
 * Errors of the skill router (`sdk/src/agents/skills.ts`): a skill that is not registered, a price
 * that cannot be charged, a skill that cannot run anywhere, a payment that does not cover the price,
 * and a handler or offload that failed.
 */
import { AitbcError } from "./base.js";

/**
 * No skill of this name is registered with the router (HTTP 404 for a seller).
 *
 * @example
 * ```ts
 * await router.execute("translate", input); // throws UnknownSkillError when only "summarize" is registered
 * ```
 */
export class UnknownSkillError extends AitbcError {
  override name = "UnknownSkillError";
  /** The name asked for. */
  readonly skill: string;

  /**
   * @param args.skill The name asked for.
   * @param args.known The registered names.
   */
  constructor(args: { skill: string; known: readonly string[] }) {
    super(`No skill named ${JSON.stringify(args.skill)} is registered.`, {
      details: args.known.length === 0 ? "no skill is registered" : `registered: ${args.known.join(", ")}`,
    });
    this.skill = args.skill;
  }
}

/**
 * A skill's price is not a chargeable amount: not a `bigint`, zero or negative (a skill sold per
 * call costs at least 1 wei), or above `2^256 − 1` (the registry stores it as a `uint256`).
 *
 * @example
 * ```ts
 * router.register({ ...skill, priceWei: 0n }); // throws InvalidSkillPriceError
 * ```
 */
export class InvalidSkillPriceError extends AitbcError {
  override name = "InvalidSkillPriceError";
  /** The skill's name. */
  readonly skill: string;
  /** The rejected price. */
  readonly value: unknown;

  /**
   * @param args.skill The skill's name.
   * @param args.value The rejected price.
   * @param args.reason Why it is rejected.
   */
  constructor(args: { skill: string; value: unknown; reason: string }) {
    super(`The price of skill ${JSON.stringify(args.skill)} is invalid: ${args.reason}.`, {
      details: `priceWei must be a bigint in 1..2^256-1 (wei of AITBC), got ${typeof args.value === "bigint" ? `${args.value}n` : `${String(args.value)} (${typeof args.value})`}`,
    });
    this.skill = args.skill;
    this.value = args.value;
  }
}

/**
 * A skill definition has neither a local handler nor a network path (`offload`): it could never run.
 *
 * @example
 * ```ts
 * router.register({ name: "summarize", priceWei: 1n, ... }); // no `local`, no `offload`: throws
 * ```
 */
export class SkillWithoutExecutionError extends AitbcError {
  override name = "SkillWithoutExecutionError";
  /** The skill's name. */
  readonly skill: string;

  /** @param skill The skill's name. */
  constructor(skill: string) {
    super(`Skill ${JSON.stringify(skill)} has neither a local handler nor a network path.`, {
      details: "give it `local` (a handler run on this machine), `offload` (the network path), or both",
    });
    this.skill = skill;
  }
}

/** A skill of this name is already registered (names are unique per router, as on-chain per agent). */
export class SkillAlreadyRegisteredError extends AitbcError {
  override name = "SkillAlreadyRegisteredError";
  /** The skill's name. */
  readonly skill: string;

  /** @param skill The skill's name. */
  constructor(skill: string) {
    super(`Skill ${JSON.stringify(skill)} is already registered.`);
    this.skill = skill;
  }
}

/**
 * A skill cannot run for this call: its local handler is not available now (e.g. the local model is
 * not pulled) or local execution is refused, and it has no network path; or the network is forced
 * and it has no network path.
 */
export class SkillUnavailableError extends AitbcError {
  override name = "SkillUnavailableError";
  /** The skill's name. */
  readonly skill: string;

  /**
   * @param args.skill The skill's name.
   * @param args.reason Why neither path can run it.
   */
  constructor(args: { skill: string; reason: string }) {
    super(`Skill ${JSON.stringify(args.skill)} cannot run now.`, { details: args.reason });
    this.skill = args.skill;
  }
}

/**
 * The payment of a call does not cover the skill's price (amounts in wei of AITBC). Nothing was run.
 *
 * @example
 * ```ts
 * await router.execute("summarize", input, { payment: { ...facts, amountWei: 1n } }); // price 10n: throws
 * ```
 */
export class SkillUnderpaidError extends AitbcError {
  override name = "SkillUnderpaidError";
  /** The skill's name. */
  readonly skill: string;
  /** The skill's price, wei. */
  readonly priceWei: bigint;
  /** What the payment settled, wei. */
  readonly paidWei: bigint;

  /**
   * @param args.skill The skill's name.
   * @param args.priceWei The price, wei.
   * @param args.paidWei The amount paid, wei.
   */
  constructor(args: { skill: string; priceWei: bigint; paidWei: bigint }) {
    super(`The payment does not cover the price of skill ${JSON.stringify(args.skill)}.`, {
      details: `paid ${args.paidWei} wei, price ${args.priceWei} wei`,
    });
    this.skill = args.skill;
    this.priceWei = args.priceWei;
    this.paidWei = args.paidWei;
  }
}

/**
 * A skill's local handler or network path (`offload`) threw, or the offload returned a malformed
 * result; `route` says which path failed last (after a local failure fell back to the network, the
 * network's failure is reported and the local one is in {@link SkillExecutionError.localCause}).
 */
export class SkillExecutionError extends AitbcError {
  override name = "SkillExecutionError";
  /** The skill's name. */
  readonly skill: string;
  /** The path that failed. */
  readonly route: "local" | "network";
  /** The local handler's error, when the network was tried after it. */
  readonly localCause: unknown;

  /**
   * @param args.skill The skill's name.
   * @param args.route The path that failed.
   * @param args.cause Its error.
   * @param args.localCause The local error, when a fallback to the network also failed.
   */
  constructor(args: { skill: string; route: "local" | "network"; cause: unknown; localCause?: unknown }) {
    super(`Skill ${JSON.stringify(args.skill)} failed on its ${args.route} path.`, { cause: args.cause });
    this.skill = args.skill;
    this.route = args.route;
    this.localCause = args.localCause;
  }
}
