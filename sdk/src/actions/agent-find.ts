/** `findAgentsWithSkill`: every agent currently publishing a skill, from the registry's `MetadataSet` events. */
import { getBlockNumber, getContractEvents } from "viem/actions";

import { agentIdentityRegistryAbi } from "../abis/agentIdentityRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { toAitbcError } from "../errors/contract.js";
import type { AitbcReadClient } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";
import { decodeSkill, skillMetadataKey, type AgentSkill } from "./agent-skill.js";

/** Parameters of {@link findAgentsWithSkill}. */
export interface FindAgentsWithSkillParameters {
  /** Addresses; `AgentIdentityRegistry` is used. */
  contracts: AitbcContracts;
  /** The skill's name. */
  name: string;
  /** First block searched (default 0; use the registry's deployment block on long chains). */
  fromBlock?: bigint;
  /** Last block searched (default the latest). */
  toBlock?: bigint;
}

/** One agent selling the skill. */
export interface SkillListing {
  /** The agent's id. */
  agentId: bigint;
  /** The skill as last published. */
  skill: AgentSkill;
}

/**
 * Lists the agents whose latest `MetadataSet` of `skill:<name>` in the range is non-empty (one
 * `eth_getLogs`, filtered by the indexed key). Order: by each agent's latest update, oldest first.
 * Rank them with `rankSkillSellers` after reading each one's trust (`getAgentSummary`).
 *
 * @param client A viem client.
 * @param parameters See {@link FindAgentsWithSkillParameters}.
 * @returns `{ listings, toBlock }`.
 * @throws {InvalidParameterError} for a malformed name; {RpcRequestError} on transport errors.
 * @example
 * ```ts
 * const { listings } = await findAgentsWithSkill(client, { contracts, name: "summarize" });
 * ```
 */
export async function findAgentsWithSkill(
  client: AitbcReadClient,
  parameters: FindAgentsWithSkillParameters,
): Promise<{ listings: SkillListing[]; toBlock: bigint }> {
  const key = skillMetadataKey(parameters.name);
  const address = contractAddress(parameters.contracts, "AgentIdentityRegistry");
  const fromBlock = assertAmount(parameters.fromBlock ?? 0n, "fromBlock");
  try {
    const toBlock =
      parameters.toBlock === undefined
        ? await getBlockNumber(client, { cacheTime: 0 })
        : assertAmount(parameters.toBlock, "toBlock");
    const logs = await getContractEvents(client, {
      address,
      abi: agentIdentityRegistryAbi,
      eventName: "MetadataSet",
      args: { indexedMetadataKey: key }, // viem hashes an indexed string into its topic
      fromBlock,
      toBlock,
      strict: true,
    });
    const latest = new Map<bigint, SkillListing>();
    for (const log of logs) {
      if (log.args.metadataKey !== key) continue;
      latest.delete(log.args.agentId);
      const skill = decodeSkill(parameters.name, log.args.metadataValue);
      if (skill !== undefined) latest.set(log.args.agentId, { agentId: log.args.agentId, skill });
    }
    return { listings: [...latest.values()], toBlock };
  } catch (error) {
    throw toAitbcError(error, "findAgentsWithSkill");
  }
}
