/**
 * The seed's hybrid router: run an inference (or an agent skill) locally or send it to the AITBC
 * network. One rule serves both callers, with thresholds as parameters:
 *
 * | threshold | inference (`HybridExecutionEngine`, defaults) | skill (`AgentSkillRouter`, {@link SKILL_ROUTE_THRESHOLDS}) |
 * |---|---|---|
 * | largest local model | 8 GB | 4 GB |
 * | local timeout (expected duration) | 300 s | 120 s |
 * | complexity / compute intensity above which the network runs it | 0.7 | 0.8 |
 * | network cost-effective when its cost is below | 80% of local | 80% of local |
 *
 * Local is possible when a local path exists, local execution is allowed, the model is at most
 * `maxLocalModelSizeGB`, available locally, and the expected duration fits the local timeout. The
 * network is chosen when local is not possible, the task is complex (> `maxLocalComplexity`), the
 * caller forces it, or the network is cost-effective (its cost below 80% of the local cost).
 * Otherwise: local. When no network path exists (`networkPath: false`, e.g. a skill with only a
 * local handler) and local can run, the answer is local with reason `no_network_path` (the
 * explanation names what the rule would have preferred).
 */
import { InvalidParameterError } from "../errors/validation.js";

/**
 * Thresholds of the seed's skill router (`AgentSkillRouter._determine_execution_strategy`): a skill
 * goes to the network when its compute intensity is above 0.8, its model above 4 GB, or its expected
 * duration above 120 s (2 minutes). Pass them to {@link routeInference} (the skill router does).
 */
export const SKILL_ROUTE_THRESHOLDS: Readonly<SkillRouteThresholds> = {
  /** Largest model a skill runs locally, GB (the seed: `> 4 * 1024**3` bytes; decimal GB here, as the gateway's). */
  maxLocalModelSizeGB: 4,
  /** Longest expected duration a skill runs locally, seconds (the seed: `> 120`). */
  localTimeoutSec: 120,
  /** Compute intensity above which a skill runs on the network (the seed: `> 0.8`). */
  maxLocalComplexity: 0.8,
};

/** Routing thresholds of {@link routeInference} (see {@link SKILL_ROUTE_THRESHOLDS}). */
export interface SkillRouteThresholds {
  /** Largest model run locally, GB. */
  maxLocalModelSizeGB: number;
  /** Longest expected duration run locally, seconds. */
  localTimeoutSec: number;
  /** Complexity (compute intensity) above which the network runs the task, in [0, 1]. */
  maxLocalComplexity: number;
}

/** Inputs of {@link routeInference}. */
export interface RouteInferenceParameters {
  /** Size of the model's weights, GB. */
  modelSizeGB: number;
  /** Whether the model is pulled in the local Ollama and Ollama is up. */
  localAvailable: boolean;
  /** Expected duration of the job on local hardware, seconds. */
  expectedDurationSec: number;
  /** Expected network cost, wei of AITBC (e.g. maxTokens × the best quote's price). */
  networkCostWei?: bigint;
  /** Expected local cost (energy, opportunity), wei-equivalent; enables the cost rule. */
  localCostWei?: bigint;
  /** Task complexity estimate in [0, 1]. */
  complexity?: number;
  /** Allow local execution (default true). */
  allowLocal?: boolean;
  /** Always use the network. */
  forceNetwork?: boolean;
  /** Largest local model, GB (default 8). */
  maxLocalModelSizeGB?: number;
  /** Local inference timeout, seconds (default 300). */
  localTimeoutSec?: number;
  /**
   * Complexity (compute intensity) above which the network runs the task, in [0, 1] (default 0.7,
   * the seed's hybrid engine; the seed's skill router uses 0.8).
   */
  maxLocalComplexity?: number;
  /** Whether a local runtime or handler exists at all (default true); false: network, `no_local_path`. */
  localPath?: boolean;
  /** Whether a network path exists (default true); false: local whenever local can run, `no_network_path`. */
  networkPath?: boolean;
}

/** Decision of {@link routeInference}. */
export interface RouteDecision {
  /** Where to run. */
  route: "local" | "network";
  /** Machine-readable reason. */
  reason:
    | "optimal_local"
    | "model_too_large"
    | "model_not_available_locally"
    | "local_execution_disabled"
    | "exceeds_local_timeout"
    | "high_complexity"
    | "forced_network"
    | "network_cost_effective"
    | "no_local_path"
    | "no_network_path";
  /** Human-readable explanation. */
  explanation: string;
}

/**
 * Decides local Ollama vs the AITBC network for one inference.
 *
 * @param parameters See {@link RouteInferenceParameters}.
 * @returns `{ route, reason, explanation }`.
 * @throws {InvalidParameterError} for negative sizes or durations, complexity or `maxLocalComplexity`
 *   outside [0, 1], or when neither path can run the task (no network path, and local not possible
 *   or the network forced).
 * @example
 * ```ts
 * routeInference({ modelSizeGB: 40, localAvailable: true, expectedDurationSec: 20 });
 * // { route: "network", reason: "model_too_large", ... }
 * ```
 */
export function routeInference(parameters: RouteInferenceParameters): RouteDecision {
  const maxSize = parameters.maxLocalModelSizeGB ?? 8;
  const timeout = parameters.localTimeoutSec ?? 300;
  for (const [what, value] of [
    ["modelSizeGB", parameters.modelSizeGB],
    ["expectedDurationSec", parameters.expectedDurationSec],
    ["maxLocalModelSizeGB", maxSize],
    ["localTimeoutSec", timeout],
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidParameterError({ what, reason: `expected a number ≥ 0, got ${value}` });
  }
  const complexity = parameters.complexity ?? 0;
  if (!(complexity >= 0 && complexity <= 1))
    throw new InvalidParameterError({ what: "complexity", reason: "expected 0..1" });
  const maxComplexity = parameters.maxLocalComplexity ?? 0.7;
  if (!(maxComplexity >= 0 && maxComplexity <= 1))
    throw new InvalidParameterError({ what: "maxLocalComplexity", reason: "expected 0..1" });

  const preferred = preferredRoute(parameters, { maxSize, timeout, complexity, maxComplexity });
  if (preferred.route === "local" || parameters.networkPath !== false) return preferred;
  // No network path: local if local can run at all, whatever the rule prefers.
  const localBlocked =
    preferred.reason === "forced_network" ||
    preferred.reason === "local_execution_disabled" ||
    preferred.reason === "no_local_path" ||
    preferred.reason === "model_not_available_locally";
  if (localBlocked) {
    throw new InvalidParameterError({
      what: "networkPath",
      reason: `no route: there is no network path and local cannot run (${preferred.explanation})`,
    });
  }
  return {
    route: "local",
    reason: "no_network_path",
    explanation: `the rule prefers the network (${preferred.reason}: ${preferred.explanation}), but there is no network path`,
  };
}

/** The rule itself, as if both paths existed. */
function preferredRoute(
  parameters: RouteInferenceParameters,
  limits: { maxSize: number; timeout: number; complexity: number; maxComplexity: number },
): RouteDecision {
  const { maxSize, timeout, complexity, maxComplexity } = limits;
  const network = (reason: RouteDecision["reason"], explanation: string): RouteDecision => ({
    route: "network",
    reason,
    explanation,
  });
  if (parameters.forceNetwork === true)
    return network("forced_network", "the caller forces network execution");
  if (parameters.allowLocal === false)
    return network("local_execution_disabled", "local execution is not allowed");
  if (parameters.localPath === false) return network("no_local_path", "there is no local path");
  if (parameters.modelSizeGB > maxSize) {
    return network(
      "model_too_large",
      `model of ${parameters.modelSizeGB} GB exceeds the local limit of ${maxSize} GB`,
    );
  }
  if (!parameters.localAvailable)
    return network("model_not_available_locally", "the model is not available on the local Ollama");
  if (parameters.expectedDurationSec > timeout) {
    return network(
      "exceeds_local_timeout",
      `expected ${parameters.expectedDurationSec} s exceeds the local timeout of ${timeout} s`,
    );
  }
  if (complexity > maxComplexity)
    return network("high_complexity", `complexity ${complexity} > ${maxComplexity}`);
  if (
    parameters.networkCostWei !== undefined &&
    parameters.localCostWei !== undefined &&
    parameters.networkCostWei * 10n < parameters.localCostWei * 8n
  ) {
    return network("network_cost_effective", "the network costs less than 80% of local execution");
  }
  return {
    route: "local",
    reason: "optimal_local",
    explanation: `model of ${parameters.modelSizeGB} GB runs locally within ${timeout} s`,
  };
}
