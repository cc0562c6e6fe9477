/**
 * Reputation actions: trust score (0–1000) with its components, tier and certification; the
 * oracle's write of a component (performance reports).
 */
import type { Address } from "viem";

import { reputationRegistryAbi } from "../abis/reputationRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import { InvalidAmountError } from "../errors/validation.js";
import {
  read,
  resolveAccount,
  write,
  type AitbcReadClient,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertOneOf } from "../utils/validate.js";

/** Reward tiers by `Tiers.Tier` value: bronze ≥0 ×1.0, silver ≥600 ×1.2, gold ≥750 ×1.5, platinum ≥900 ×2.0. */
export const TIERS = ["Bronze", "Silver", "Gold", "Platinum"] as const;
/** A tier name. */
export type TierName = (typeof TIERS)[number];
/** Tier values as the contracts take them (e.g. a job's `minTier`). */
export const Tier = { Bronze: 0, Silver: 1, Gold: 2, Platinum: 3 } as const;

/** Certification levels by value. */
export const CERTIFICATIONS = ["None", "Basic", "Intermediate", "Advanced", "Enterprise"] as const;
/** A certification level name. */
export type CertificationName = (typeof CERTIFICATIONS)[number];

/** Result of {@link getTrustScore}. */
export interface GetTrustScoreReturnType {
  /** Trust score 0–1000 (base 500 plus the components, clamped). */
  score: bigint;
  /** Components (signed): performance ±200, transactions ±150, community ±100, reliability ±50, disputes ±50. */
  components: {
    performance: bigint;
    transactions: bigint;
    community: bigint;
    reliability: bigint;
    disputes: bigint;
  };
  /** The reward tier of the score. */
  tier: TierName;
  /** Certification level, expiry (Unix seconds; certifications last 365 days) and validity now. */
  certification: { level: CertificationName; expiresAt: bigint; valid: boolean };
}

/** Errors {@link getTrustScore} may throw. */
export type GetTrustScoreErrorType = AitbcError;

/**
 * Reads an agent's trust score, its five components, its tier and its certification.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, agent }` with `ReputationRegistry`.
 * @returns See {@link GetTrustScoreReturnType}.
 * @throws {InvalidAddressError} if `agent` is malformed.
 * @example
 * ```ts
 * const { score, tier, components } = await getTrustScore(client, { contracts, agent: provider });
 * ```
 */
export async function getTrustScore(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; agent: Address },
): Promise<GetTrustScoreReturnType> {
  const agent = assertAddress(parameters.agent, "agent");
  const address = contractAddress(parameters.contracts, "ReputationRegistry");
  const registry = { address, abi: reputationRegistryAbi } as const;
  const [score, values, tier, cert] = await Promise.all([
    read(client, { ...registry, functionName: "trustScore", args: [agent] }),
    read(client, { ...registry, functionName: "componentsOf", args: [agent] }),
    read(client, { ...registry, functionName: "tierOf", args: [agent] }),
    read(client, { ...registry, functionName: "certificationOf", args: [agent] }),
  ]);

  return {
    score,
    components: {
      performance: values[0]!,
      transactions: values[1]!,
      community: values[2]!,
      reliability: values[3]!,
      disputes: values[4]!,
    },
    tier: TIERS[tier]!,
    certification: { level: CERTIFICATIONS[cert[0]]!, expiresAt: cert[1], valid: cert[2] },
  };
}

/** `IReputationRegistry.Component` names by value, with their bounds (±). */
export const REPUTATION_COMPONENTS = [
  "Performance",
  "Transactions",
  "Community",
  "Reliability",
  "Disputes",
] as const;
/** A reputation component name. */
export type ReputationComponentName = (typeof REPUTATION_COMPONENTS)[number];
/** Each component's bound: the value lies in [−bound, +bound]. */
export const REPUTATION_COMPONENT_BOUNDS: Readonly<Record<ReputationComponentName, bigint>> = {
  Performance: 200n,
  Transactions: 150n,
  Community: 100n,
  Reliability: 50n,
  Disputes: 50n,
};

/** Parameters of {@link setReputationComponent}. */
export interface SetReputationComponentParameters extends WriteParameters {
  /** Addresses; `ReputationRegistry` is used. */
  contracts: AitbcContracts;
  /** The agent (e.g. a provider). */
  agent: Address;
  /** Which component; the sender must hold its writer role (`Performance`: `ORACLE_ROLE`). */
  component: ReputationComponentName;
  /** The new absolute value, within ± the component's bound (see {@link REPUTATION_COMPONENT_BOUNDS}). */
  value: bigint;
}

/**
 * Sets one reputation component of an agent to an absolute value — the oracle's performance
 * report (latency and availability mapped to ±200) — which moves the trust score at once.
 *
 * @param client A wallet client holding the component's writer role.
 * @param parameters See {@link SetReputationComponentParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidAmountError} if `value` is not a bigint within the bound; {InvalidParameterError} on an unknown component.
 * @throws {ContractRevertError} `ReputationUnauthorizedWriter(caller, component)` without the role.
 * @example
 * ```ts
 * await setReputationComponent(oracleWallet, { contracts, agent: provider, component: "Performance", value: 120n });
 * ```
 */
export async function setReputationComponent(
  client: AitbcWriteClient,
  parameters: SetReputationComponentParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "setReputationComponent");
  const component = assertOneOf(parameters.component, REPUTATION_COMPONENTS, "component");
  const bound = REPUTATION_COMPONENT_BOUNDS[component];
  const value = parameters.value;
  if (typeof value !== "bigint" || value < -bound || value > bound) {
    throw new InvalidAmountError({ what: `value (${component})`, value, reason: `expected a bigint within ±${bound}` }); // prettier-ignore
  }
  return write(client, {
    address: contractAddress(parameters.contracts, "ReputationRegistry"),
    abi: reputationRegistryAbi,
    functionName: "setComponent",
    args: [assertAddress(parameters.agent, "agent"), REPUTATION_COMPONENTS.indexOf(component), value],
    account,
  });
}
