/**
 * The seed's hybrid router: run an inference on the local Ollama or send it to the AITBC network.
 *
 * Local is possible when the model is at most 8 GB (`maxLocalModelSizeGB`), available locally,
 * local execution is allowed, and the expected duration fits the local timeout (300 s). The
 * network is chosen when local is not possible, the task is complex (> 0.7), the caller forces it,
 * or the network is cost-effective (its cost below 80% of the local cost). Otherwise: local.
 */
import { InvalidParameterError } from "../errors/validation.js";

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
    | "network_cost_effective";
  /** Human-readable explanation. */
  explanation: string;
}

/**
 * Decides local Ollama vs the AITBC network for one inference.
 *
 * @param parameters See {@link RouteInferenceParameters}.
 * @returns `{ route, reason, explanation }`.
 * @throws {InvalidParameterError} for negative sizes or durations, or complexity outside [0, 1].
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
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidParameterError({ what, reason: `expected a number ≥ 0, got ${value}` });
  }
  const complexity = parameters.complexity ?? 0;
  if (!(complexity >= 0 && complexity <= 1))
    throw new InvalidParameterError({ what: "complexity", reason: "expected 0..1" });

  const network = (reason: RouteDecision["reason"], explanation: string): RouteDecision => ({
    route: "network",
    reason,
    explanation,
  });
  if (parameters.forceNetwork === true)
    return network("forced_network", "the caller forces network execution");
  if (parameters.allowLocal === false)
    return network("local_execution_disabled", "local execution is not allowed");
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
  if (complexity > 0.7) return network("high_complexity", `complexity ${complexity} > 0.7`);
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
