/** `getAgentSummary`: an agent's proven wallet and its trust (ERC-8004's reputation read side). */
import type { Address } from "viem";

import { agentIdentityRegistryAbi } from "../abis/agentIdentityRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";
import { CERTIFICATIONS, TIERS, type CertificationName, type TierName } from "./reputation.js";

/** Result of {@link getAgentSummary}. */
export interface GetAgentSummaryReturnType {
  /** The agent's proven wallet (`undefined` = none; then the score is 0). */
  wallet: Address | undefined;
  /** Trust score of the wallet, 0–1000 (500 = neutral start), written by the escrows, oracle and timelock. */
  trustScore: bigint;
  /** Tier of the score. */
  tier: TierName;
  /** Certification level of the wallet and whether it is unexpired. */
  certification: { level: CertificationName; valid: boolean };
}

/**
 * Reads an agent's trust: `AgentIdentityRegistry.getSummary`, i.e. the protocol reputation of the
 * wallet the agent proved it controls (a stranger cannot show another wallet's score).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, agentId }` with `AgentIdentityRegistry`.
 * @returns See {@link GetAgentSummaryReturnType}.
 * @throws {ContractRevertError} `AgentNonexistent(agentId)`.
 * @example
 * ```ts
 * const { trustScore, tier } = await getAgentSummary(client, { contracts, agentId: 1n });
 * ```
 */
export async function getAgentSummary(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; agentId: bigint },
): Promise<GetAgentSummaryReturnType> {
  const s = await read(client, {
    address: contractAddress(parameters.contracts, "AgentIdentityRegistry"),
    abi: agentIdentityRegistryAbi,
    functionName: "getSummary",
    args: [assertAmount(parameters.agentId, "agentId")],
  });
  const none = /^0x0{40}$/.test(s.wallet);
  return {
    wallet: none ? undefined : s.wallet,
    trustScore: s.trustScore,
    tier: TIERS[s.tier]!,
    certification: { level: CERTIFICATIONS[s.certification]!, valid: s.certificationValid },
  };
}
