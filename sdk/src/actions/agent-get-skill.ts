/** `getAgentSkill`: reads one skill of an agent from the `AgentIdentityRegistry`. */
import { agentIdentityRegistryAbi } from "../abis/agentIdentityRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";
import { decodeSkill, skillMetadataKey, type AgentSkill } from "./agent-skill.js";

/** Parameters of {@link getAgentSkill}. */
export interface GetAgentSkillParameters {
  /** Addresses; `AgentIdentityRegistry` is used. */
  contracts: AitbcContracts;
  /** The agent's id. */
  agentId: bigint;
  /** The skill's name. */
  name: string;
}

/**
 * Reads one skill (price in wei of AITBC, endpoint, execution) an agent publishes.
 *
 * @param client A viem client.
 * @param parameters See {@link GetAgentSkillParameters}.
 * @returns The skill, or `undefined` if the agent does not publish it.
 * @throws {InvalidParameterError} for a malformed name; {InvalidAmountError} for a bad id.
 * @example
 * ```ts
 * const skill = await getAgentSkill(client, { contracts, agentId: 1n, name: "summarize" });
 * ```
 */
export async function getAgentSkill(
  client: AitbcReadClient,
  parameters: GetAgentSkillParameters,
): Promise<AgentSkill | undefined> {
  const value = await read(client, {
    address: contractAddress(parameters.contracts, "AgentIdentityRegistry"),
    abi: agentIdentityRegistryAbi,
    functionName: "getMetadata",
    args: [assertAmount(parameters.agentId, "agentId"), skillMetadataKey(parameters.name)],
  });
  return decodeSkill(parameters.name, value);
}
