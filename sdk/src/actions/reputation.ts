/** Reputation actions: trust score (0–1000) with its components, tier and certification. */
import type { Address } from "viem";

import { reputationRegistryAbi } from "../abis/reputationRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAddress } from "../utils/validate.js";

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
