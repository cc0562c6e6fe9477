/**
 * The seed's skill router (`AgentSkillRouter`): an agent registers the skills it sells — each with its
 * price per call in wei of AITBC, its model and the requirements the routing rule reads — and, per
 * paid call, the router decides where the skill runs and runs it there:
 *
 * - **local**: the skill's `local` handler, on the seller's machine;
 * - **network**: the skill's `offload`, a function the program supplies that runs the work on the
 *   AITBC network as an inference job (through the gateway, or the SDK's job actions) and returns the
 *   output with the job's receipt.
 *
 * The decision is {@link routeInference} — the same rule as the gateway's, with the seed's skill
 * thresholds ({@link SKILL_ROUTE_THRESHOLDS}: compute intensity > 0.8, model > 4 GB, expected
 * duration > 120 s go to the network; the network also runs a skill when it costs less than 80% of
 * local execution). A skill with only one path runs there (reasons `no_local_path` /
 * `no_network_path`). When the local handler fails and the skill has a network path, the call falls
 * back to the network (reason `local_failed`), the seed's hybrid "fall back to AITBC".
 *
 * Payment is not the router's: the seller's paywall (x402) settles it first and passes its facts
 * ({@link PaymentFacts}) in; the router refuses a payment below the price and hands the facts to the
 * handler. The record of paid calls is the program's (node/agents/ledger.ts).
 */
import type { Address, Hex } from "viem";

import { InvalidParameterError } from "../errors/validation.js";
import {
  InvalidSkillPriceError,
  SkillAlreadyRegisteredError,
  SkillExecutionError,
  SkillUnavailableError,
  SkillUnderpaidError,
  SkillWithoutExecutionError,
  UnknownSkillError,
} from "../errors/skill.js";
import { skillMetadataKey, type AgentSkill } from "../actions/agent-skill.js";
import { assertAddress, assertAmount, assertBytes32, maxUint } from "../utils/validate.js";
import {
  routeInference,
  SKILL_ROUTE_THRESHOLDS,
  type RouteDecision,
  type SkillRouteThresholds,
} from "./router.js";

/**
 * The facts of a settled payment for one call, as the paywall reports them (x402's `SettleResponse`:
 * `payer`, `transaction`, `network`, and the amount settled).
 */
export interface PaymentFacts {
  /** Who paid (the x402 payer: an EOA or an AgentWallet). */
  payer: Address;
  /** Amount settled, wei of AITBC. */
  amountWei: bigint;
  /** The settlement's transaction hash (bytes32). */
  transaction: Hex;
  /** The chain it settled on, CAIP-2 (e.g. `eip155:31337`). */
  network: `${string}:${string}`;
}

/** What a handler (local or offload) learns about the call it serves. */
export interface SkillCallContext {
  /** The skill's name. */
  skill: string;
  /** The route decision that sent the call here. */
  decision: RouteDecision;
  /** The settled payment, when the call was paid (a seller always passes it). */
  payment?: PaymentFacts;
  /** Aborted when the caller left (the HTTP client disconnected). */
  signal?: AbortSignal;
}

/**
 * A skill's local handler: runs the skill on this machine. `input` is the caller's JSON body as
 * received (validate it); the returned value must be JSON-serialisable.
 */
export type LocalSkillHandler = (input: unknown, context: SkillCallContext) => Promise<unknown>;

/** The receipt of the inference job a skill was offloaded to. */
export interface NetworkJobReceipt {
  /** The job's bytes32 key (a quote-path job: `bytes32(jobId)`; a batch-path job: the request digest). */
  jobKey: Hex;
  /** The escrow's job id (quote path). */
  jobId?: bigint;
  /** The provider (miner) that answered. */
  provider?: Address;
  /** keccak256 of the output, as the ZK receipt binds it. */
  outputHash?: Hex;
  /** Tokens generated (and paid for). */
  tokenCount?: number;
  /** What the job cost the seller, wei of AITBC (most it can cost, when the settlement is pending). */
  feeWei?: bigint;
}

/** What an offload returns: the skill's output and the job's receipt. */
export interface OffloadResult {
  /** The skill's output (JSON-serialisable). */
  output: unknown;
  /** The job that produced it. */
  job: NetworkJobReceipt;
}

/** A skill's network path: runs the call as an inference job on the AITBC network. */
export type SkillOffload = (input: unknown, context: SkillCallContext) => Promise<OffloadResult>;

/** Per-call requirements; a skill's `assess` may override its static ones from the input. */
export interface SkillRequirements {
  /** Size of the model's weights, GB (decimal, as `ollama list`). */
  modelSizeGB: number;
  /** Compute intensity (complexity) in [0, 1]. */
  computeIntensity: number;
  /** Expected duration on local hardware, seconds. */
  expectedDurationSec: number;
  /** Expected local cost (energy, opportunity), wei of AITBC; with `networkCostWei`, enables the cost rule. */
  localCostWei?: bigint;
  /** Expected network cost (tokens × the best quote's price), wei of AITBC. */
  networkCostWei?: bigint;
}

/** A skill an agent sells. */
export interface SkillDefinition extends SkillRequirements {
  /** Name, 1–64 characters of `[a-z0-9._-]` (as in the registry's `skill:<name>` key). */
  name: string;
  /** Price per call, wei of AITBC (18 decimals); 1..2^256−1. */
  priceWei: bigint;
  /** The model the skill uses (Ollama `name:tag`), e.g. `"llama3.2:3b"`. */
  model: string;
  /** One line for buyers. */
  description?: string;
  /** Runs the skill on this machine. */
  local?: LocalSkillHandler;
  /** Whether the local handler can run now (e.g. the model is pulled); default: it can. */
  localAvailable?: () => boolean | Promise<boolean>;
  /** Runs the skill on the network (an inference job). */
  offload?: SkillOffload;
  /** Requirements of one call from its input (e.g. a longer text, a longer expected duration). */
  assess?: (input: unknown) => Partial<SkillRequirements> | Promise<Partial<SkillRequirements>>;
}

/** Options of {@link SkillRouter}. */
export interface SkillRouterOptions {
  /** Routing thresholds (default {@link SKILL_ROUTE_THRESHOLDS}: 4 GB, 120 s, 0.8). */
  thresholds?: Partial<SkillRouteThresholds>;
  /** Run a failed local call on the network when the skill has a network path (default true). */
  fallbackToNetwork?: boolean;
}

/** Options of one call's plan. */
export interface PlanSkillOptions {
  /** Always use the network. */
  forceNetwork?: boolean;
  /** Allow local execution (default true). */
  allowLocal?: boolean;
}

/** Where one call will run, and why. */
export interface SkillPlan {
  /** The skill's name. */
  skill: string;
  /** Its price per call, wei of AITBC. */
  priceWei: bigint;
  /** The call's requirements (static, overridden by `assess`). */
  requirements: SkillRequirements;
  /** The router's decision. */
  decision: RouteDecision;
}

/** Why a call ran where it did: the rule's reason, or `local_failed` after a fallback. */
export type SkillRouteReason = RouteDecision["reason"] | "local_failed";

/** The outcome of one call. */
export interface SkillCallResult {
  /** The skill's name. */
  skill: string;
  /** Its price, wei of AITBC. */
  priceWei: bigint;
  /** Where it ran. */
  route: "local" | "network";
  /** Why. */
  reason: SkillRouteReason;
  /** Human-readable explanation of the decision. */
  explanation: string;
  /** The skill's output. */
  output: unknown;
  /** The inference job's receipt, when it ran on the network. */
  job?: NetworkJobReceipt;
}

const CAIP2 = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;

/**
 * Checks a paywall's payment facts.
 *
 * @param facts The facts to check.
 * @returns The facts, typed.
 * @throws {InvalidAddressError} for a bad payer; {InvalidAmountError} for an amount that is not a
 *   positive bigint; {InvalidParameterError} for a transaction hash that is not bytes32 or a
 *   network that is not CAIP-2.
 * @example
 * ```ts
 * assertPaymentFacts({ payer, amountWei: 10n ** 15n, transaction: hash, network: "eip155:31337" });
 * ```
 */
export function assertPaymentFacts(facts: PaymentFacts): PaymentFacts {
  if (typeof facts !== "object" || facts === null)
    throw new InvalidParameterError({ what: "payment", reason: "expected an object" });
  assertAddress(facts.payer, "payment.payer");
  assertAmount(facts.amountWei, "payment.amountWei (wei)", { positive: true });
  assertBytes32(facts.transaction, "payment.transaction");
  if (typeof facts.network !== "string" || !CAIP2.test(facts.network)) {
    throw new InvalidParameterError({
      what: "payment.network",
      reason: `expected a CAIP-2 chain id such as eip155:31337, got ${String(facts.network)}`,
    });
  }
  return facts;
}

/**
 * Checks a skill's price: a bigint in 1..2^256−1 wei.
 *
 * @param skill The skill's name (for the error).
 * @param priceWei The price.
 * @returns The price.
 * @throws {InvalidSkillPriceError} otherwise.
 */
export function assertSkillPrice(skill: string, priceWei: unknown): bigint {
  if (typeof priceWei !== "bigint")
    throw new InvalidSkillPriceError({ skill, value: priceWei, reason: "not a bigint" });
  if (priceWei <= 0n)
    throw new InvalidSkillPriceError({ skill, value: priceWei, reason: priceWei === 0n ? "zero" : "negative" }); // prettier-ignore
  if (priceWei > maxUint(256))
    throw new InvalidSkillPriceError({ skill, value: priceWei, reason: "above 2^256-1" });
  return priceWei;
}

function checkRequirements(where: string, r: Partial<SkillRequirements>): void {
  for (const key of ["modelSizeGB", "expectedDurationSec"] as const) {
    const v = r[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0))
      throw new InvalidParameterError({ what: `${where}.${key}`, reason: `expected a number ≥ 0, got ${String(v)}` }); // prettier-ignore
  }
  const ci = r.computeIntensity;
  if (ci !== undefined && !(typeof ci === "number" && ci >= 0 && ci <= 1))
    throw new InvalidParameterError({ what: `${where}.computeIntensity`, reason: `expected 0..1, got ${String(ci)}` }); // prettier-ignore
  if (r.localCostWei !== undefined) assertAmount(r.localCostWei, `${where}.localCostWei (wei)`);
  if (r.networkCostWei !== undefined) assertAmount(r.networkCostWei, `${where}.networkCostWei (wei)`);
}

function checkDefinition(skill: SkillDefinition): void {
  if (typeof skill !== "object" || skill === null)
    throw new InvalidParameterError({ what: "skill", reason: "expected an object" });
  skillMetadataKey(skill.name);
  assertSkillPrice(skill.name, skill.priceWei);
  if (typeof skill.model !== "string" || skill.model.length === 0)
    throw new InvalidParameterError({ what: `${skill.name}.model`, reason: "expected a model name" });
  for (const key of ["modelSizeGB", "computeIntensity", "expectedDurationSec"] as const) {
    if (skill[key] === undefined)
      throw new InvalidParameterError({ what: `${skill.name}.${key}`, reason: "required" });
  }
  checkRequirements(skill.name, skill);
  for (const key of ["local", "offload", "localAvailable", "assess"] as const) {
    if (skill[key] !== undefined && typeof skill[key] !== "function")
      throw new InvalidParameterError({ what: `${skill.name}.${key}`, reason: "expected a function" });
  }
  if (skill.local === undefined && skill.offload === undefined)
    throw new SkillWithoutExecutionError(skill.name);
}

/** The skill thresholds with `overrides` (an `undefined` override keeps the default). */
function withThresholds(overrides: Partial<SkillRouteThresholds> = {}): SkillRouteThresholds {
  return {
    maxLocalModelSizeGB: overrides.maxLocalModelSizeGB ?? SKILL_ROUTE_THRESHOLDS.maxLocalModelSizeGB,
    localTimeoutSec: overrides.localTimeoutSec ?? SKILL_ROUTE_THRESHOLDS.localTimeoutSec,
    maxLocalComplexity: overrides.maxLocalComplexity ?? SKILL_ROUTE_THRESHOLDS.maxLocalComplexity,
  };
}

function checkOffloadResult(value: unknown): OffloadResult {
  if (typeof value !== "object" || value === null || !("output" in value) || !("job" in value))
    throw new InvalidParameterError({ what: "offload result", reason: "expected { output, job }" });
  const job = (value as OffloadResult).job;
  if (typeof job !== "object" || job === null)
    throw new InvalidParameterError({ what: "offload result.job", reason: "expected an object" });
  assertBytes32(job.jobKey, "offload result.job.jobKey");
  if (job.jobId !== undefined) assertAmount(job.jobId, "offload result.job.jobId");
  if (job.provider !== undefined) assertAddress(job.provider, "offload result.job.provider");
  if (job.outputHash !== undefined) assertBytes32(job.outputHash, "offload result.job.outputHash");
  if (job.feeWei !== undefined) assertAmount(job.feeWei, "offload result.job.feeWei (wei)");
  if (job.tokenCount !== undefined && !(Number.isInteger(job.tokenCount) && job.tokenCount >= 0))
    throw new InvalidParameterError({ what: "offload result.job.tokenCount", reason: "expected an integer ≥ 0" }); // prettier-ignore
  return value as OffloadResult;
}

/**
 * Registers skills and routes each call (see the module's description).
 *
 * @example
 * ```ts
 * const router = new SkillRouter();
 * router.register({
 *   name: "summarize",
 *   priceWei: 10n ** 15n, // 0.001 AITBC per call
 *   model: "llama3.2:3b",
 *   modelSizeGB: 2,
 *   computeIntensity: 0.3,
 *   expectedDurationSec: 20,
 *   local: async (input) => summarizeOnOllama(input),
 *   offload: async (input) => runAsInferenceJob(input), // { output, job: { jobKey, jobId } }
 * });
 * const result = await router.execute("summarize", { text }, { payment });
 * // result.route === "local", result.reason === "optimal_local"
 * ```
 */
export class SkillRouter {
  private readonly skills = new Map<string, SkillDefinition>();
  private readonly thresholds: SkillRouteThresholds;
  private readonly fallbackToNetwork: boolean;

  /** @param options See {@link SkillRouterOptions}. */
  constructor(options: SkillRouterOptions = {}) {
    this.thresholds = withThresholds(options.thresholds);
    this.fallbackToNetwork = options.fallbackToNetwork ?? true;
  }

  /**
   * Registers a skill.
   *
   * @param skill See {@link SkillDefinition}.
   * @returns The registered definition (a frozen copy).
   * @throws {InvalidSkillPriceError} for a price outside 1..2^256−1 wei; {SkillWithoutExecutionError}
   *   for a skill with neither `local` nor `offload`; {SkillAlreadyRegisteredError} for a second skill
   *   of the same name; {InvalidParameterError} | {InvalidAmountError} for a malformed name, model,
   *   size, intensity, duration or cost.
   */
  register(skill: SkillDefinition): SkillDefinition {
    checkDefinition(skill);
    if (this.skills.has(skill.name)) throw new SkillAlreadyRegisteredError(skill.name);
    const copy = Object.freeze({ ...skill });
    this.skills.set(skill.name, copy);
    return copy;
  }

  /** Whether a skill of this name is registered. */
  has(name: string): boolean {
    return this.skills.has(name);
  }

  /**
   * The registered skill of this name.
   *
   * @throws {UnknownSkillError} when none is.
   */
  get(name: string): SkillDefinition {
    const skill = this.skills.get(name);
    if (skill === undefined) throw new UnknownSkillError({ skill: name, known: [...this.skills.keys()] });
    return skill;
  }

  /** Every registered skill, in registration order. */
  list(): SkillDefinition[] {
    return [...this.skills.values()];
  }

  /**
   * Decides where one call runs: the skill's requirements (overridden by `assess(input)`), whether
   * its local handler is available now, and which paths it has, through {@link routeInference} with
   * the router's thresholds.
   *
   * @param name The skill.
   * @param input The call's input (passed to `assess`).
   * @param options Force the network or refuse local execution for this call.
   * @returns The plan (requirements and decision).
   * @throws {UnknownSkillError}; {SkillUnavailableError} when no path can run the call;
   *   {InvalidParameterError} | {InvalidAmountError} when `assess` returns malformed requirements.
   */
  async plan(name: string, input: unknown, options: PlanSkillOptions = {}): Promise<SkillPlan> {
    const skill = this.get(name);
    const assessed = skill.assess === undefined ? {} : await skill.assess(input);
    checkRequirements(`${name}.assess()`, assessed);
    const requirements: SkillRequirements = {
      modelSizeGB: assessed.modelSizeGB ?? skill.modelSizeGB,
      computeIntensity: assessed.computeIntensity ?? skill.computeIntensity,
      expectedDurationSec: assessed.expectedDurationSec ?? skill.expectedDurationSec,
      ...((assessed.localCostWei ?? skill.localCostWei) !== undefined ? { localCostWei: (assessed.localCostWei ?? skill.localCostWei)! } : {}), // prettier-ignore
      ...((assessed.networkCostWei ?? skill.networkCostWei) !== undefined ? { networkCostWei: (assessed.networkCostWei ?? skill.networkCostWei)! } : {}), // prettier-ignore
    };
    const hasLocal = skill.local !== undefined;
    const hasNetwork = skill.offload !== undefined;
    const localAvailable = hasLocal && (skill.localAvailable === undefined || (await skill.localAvailable()));
    if (!hasNetwork) {
      const why =
        options.forceNetwork === true
          ? "the network is forced and the skill has no network path"
          : options.allowLocal === false
            ? "local execution is refused and the skill has no network path"
            : !localAvailable
              ? "its local handler is not available and it has no network path"
              : undefined;
      if (why !== undefined) throw new SkillUnavailableError({ skill: name, reason: why });
    }
    const decision = routeInference({
      modelSizeGB: requirements.modelSizeGB,
      localAvailable,
      expectedDurationSec: requirements.expectedDurationSec,
      complexity: requirements.computeIntensity,
      ...(requirements.localCostWei !== undefined ? { localCostWei: requirements.localCostWei } : {}),
      ...(requirements.networkCostWei !== undefined ? { networkCostWei: requirements.networkCostWei } : {}), // prettier-ignore
      ...(options.allowLocal !== undefined ? { allowLocal: options.allowLocal } : {}),
      ...(options.forceNetwork !== undefined ? { forceNetwork: options.forceNetwork } : {}),
      localPath: hasLocal,
      networkPath: hasNetwork,
      maxLocalModelSizeGB: this.thresholds.maxLocalModelSizeGB,
      localTimeoutSec: this.thresholds.localTimeoutSec,
      maxLocalComplexity: this.thresholds.maxLocalComplexity,
    });
    return { skill: name, priceWei: skill.priceWei, requirements, decision };
  }

  /**
   * Runs one call where `plan` says. A paid call's payment must cover the price (checked before
   * anything runs). A local failure falls back to the network when the skill has a network path
   * (and the router allows it, and the caller has not left).
   *
   * @param plan From {@link SkillRouter.plan}.
   * @param input The call's input.
   * @param context The payment's facts and the caller's abort signal.
   * @returns The outcome (route, reason, output, the job's receipt on the network).
   * @throws {UnknownSkillError}; {SkillUnderpaidError} | {InvalidAddressError} | {InvalidAmountError} |
   *   {InvalidParameterError} for a payment below the price or malformed
   *   facts; {SkillExecutionError} when the handler or offload failed (or returned a malformed result).
   */
  async run(
    plan: SkillPlan,
    input: unknown,
    context: { payment?: PaymentFacts; signal?: AbortSignal } = {},
  ): Promise<SkillCallResult> {
    const skill = this.get(plan.skill);
    if (context.payment !== undefined) {
      assertPaymentFacts(context.payment);
      if (context.payment.amountWei < skill.priceWei) {
        throw new SkillUnderpaidError({ skill: skill.name, priceWei: skill.priceWei, paidWei: context.payment.amountWei }); // prettier-ignore
      }
    }
    const ctx: SkillCallContext = {
      skill: skill.name,
      decision: plan.decision,
      ...(context.payment !== undefined ? { payment: context.payment } : {}),
      ...(context.signal !== undefined ? { signal: context.signal } : {}),
    };
    const base = { skill: skill.name, priceWei: skill.priceWei, explanation: plan.decision.explanation };
    if (plan.decision.route === "local") {
      if (skill.local === undefined)
        throw new SkillUnavailableError({ skill: skill.name, reason: "the plan says local, the skill has no local handler" }); // prettier-ignore
      let localError: unknown;
      try {
        const output = await skill.local(input, ctx);
        return { ...base, route: "local", reason: plan.decision.reason, output };
      } catch (error) {
        localError = error;
      }
      if (!this.fallbackToNetwork || skill.offload === undefined || context.signal?.aborted === true)
        throw new SkillExecutionError({ skill: skill.name, route: "local", cause: localError });
      return this.offload(skill, input, ctx, base, "local_failed", localError);
    }
    return this.offload(skill, input, ctx, base, plan.decision.reason, undefined);
  }

  private async offload(
    skill: SkillDefinition,
    input: unknown,
    ctx: SkillCallContext,
    base: { skill: string; priceWei: bigint; explanation: string },
    reason: SkillRouteReason,
    localError: unknown,
  ): Promise<SkillCallResult> {
    if (skill.offload === undefined)
      throw new SkillUnavailableError({ skill: skill.name, reason: "the plan says network, the skill has no network path" }); // prettier-ignore
    const fail = (cause: unknown) =>
      new SkillExecutionError({ skill: skill.name, route: "network", cause, ...(localError !== undefined ? { localCause: localError } : {}) }); // prettier-ignore
    let result: OffloadResult;
    try {
      result = checkOffloadResult(await skill.offload(input, ctx));
    } catch (error) {
      throw fail(error);
    }
    return {
      ...base,
      ...(reason === "local_failed"
        ? { explanation: `the local handler failed; ran on the network instead` }
        : {}),
      route: "network",
      reason,
      output: result.output,
      job: result.job,
    };
  }

  /**
   * Plans and runs one call ({@link SkillRouter.plan} then {@link SkillRouter.run}).
   *
   * @param name The skill.
   * @param input The call's input.
   * @param options Plan options, the payment's facts and the abort signal.
   * @returns The outcome.
   * @throws See {@link SkillRouter.plan} and {@link SkillRouter.run}.
   */
  async execute(
    name: string,
    input: unknown,
    options: PlanSkillOptions & { payment?: PaymentFacts; signal?: AbortSignal } = {},
  ): Promise<SkillCallResult> {
    const plan = await this.plan(name, input, options);
    return this.run(plan, input, options);
  }
}

/**
 * The on-chain form of a skill for `registerAgent` / `setMetadata`: its name, price, the
 * endpoint that serves it, and where it runs for its declared requirements (the rule's route with
 * the local handler taken as available).
 *
 * @param skill A skill definition.
 * @param endpoint The URL of its `POST /skills/<name>` endpoint.
 * @param thresholds Routing thresholds (default {@link SKILL_ROUTE_THRESHOLDS}).
 * @returns The {@link AgentSkill} to publish.
 * @throws As {@link SkillRouter.register} for a malformed definition; {InvalidParameterError} for an empty endpoint.
 * @example
 * ```ts
 * const { metadataKey, metadataValue } = encodeSkill(toAgentSkill(summarize, "https://agent.example/skills/summarize"));
 * ```
 */
export function toAgentSkill(
  skill: SkillDefinition,
  endpoint: string,
  thresholds: Partial<SkillRouteThresholds> = {},
): AgentSkill {
  checkDefinition(skill);
  if (typeof endpoint !== "string" || endpoint.length === 0)
    throw new InvalidParameterError({ what: "endpoint", reason: "expected a URL" });
  const t = withThresholds(thresholds);
  const decision = routeInference({
    modelSizeGB: skill.modelSizeGB,
    localAvailable: skill.local !== undefined,
    expectedDurationSec: skill.expectedDurationSec,
    complexity: skill.computeIntensity,
    ...(skill.localCostWei !== undefined ? { localCostWei: skill.localCostWei } : {}),
    ...(skill.networkCostWei !== undefined ? { networkCostWei: skill.networkCostWei } : {}),
    localPath: skill.local !== undefined,
    networkPath: skill.offload !== undefined,
    ...t,
  });
  return { name: skill.name, priceWei: skill.priceWei, endpoint, execution: decision.route };
}
