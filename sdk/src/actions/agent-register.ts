/** `registerAgent`: publishes an agent's ERC-8004 identity and skills in the `AgentIdentityRegistry`. */
import { parseEventLogs } from "viem";

import { agentIdentityRegistryAbi } from "../abis/agentIdentityRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { InvalidParameterError } from "../errors/validation.js";
import {
  resolveAccount,
  write,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { encodeSkill, type AgentSkill } from "./agent-skill.js";

/** Longest agent URI the registry accepts, bytes of UTF-8 (`AgentIdentityRegistry.MAX_URI_LENGTH`). */
export const MAX_AGENT_URI_BYTES = 512;

/** Parameters of {@link registerAgent}. */
export interface RegisterAgentParameters extends WriteParameters {
  /** Addresses; `AgentIdentityRegistry` is used. */
  contracts: AitbcContracts;
  /** URI of the agent's ERC-8004 registration file (≤ 512 bytes). */
  agentURI: string;
  /** Skills to publish as `skill:<name>` metadata entries. */
  skills?: readonly AgentSkill[];
}

/** Result of {@link registerAgent}. */
export interface RegisterAgentReturnType extends WriteReturnType {
  /** The new agent's id (the ERC-721 token id; ids start at 1). */
  agentId: bigint;
}

/**
 * Registers an agent owned by the sender, with its skills. The sender's address becomes the agent's
 * `agentWallet` (whose trust score buyers read) unless it is already bound to another agent.
 *
 * @param client A wallet client of the agent's owner.
 * @param parameters See {@link RegisterAgentParameters}.
 * @returns `{ hash, receipt, agentId }`.
 * @throws {InvalidParameterError} for a URI over 512 bytes or a malformed skill (before any request).
 * @throws {ContractRevertError} `AgentURITooLong`, `AgentReservedMetadataKey`.
 * @example
 * ```ts
 * const { agentId } = await registerAgent(wallet, {
 *   contracts,
 *   agentURI: "https://seller.example/agent.json",
 *   skills: [{ name: "summarize", priceWei: 10n ** 15n, endpoint: "https://seller.example/summarize", execution: "local" }],
 * });
 * ```
 */
export async function registerAgent(
  client: AitbcWriteClient,
  parameters: RegisterAgentParameters,
): Promise<RegisterAgentReturnType> {
  const account = resolveAccount(client, parameters.account, "registerAgent");
  const { agentURI } = parameters;
  if (typeof agentURI !== "string" || new TextEncoder().encode(agentURI).length > MAX_AGENT_URI_BYTES) {
    throw new InvalidParameterError({ what: "agentURI", reason: `expected a string of at most ${MAX_AGENT_URI_BYTES} bytes` }); // prettier-ignore
  }
  const metadata = (parameters.skills ?? []).map(encodeSkill);
  const result = await write(client, {
    address: contractAddress(parameters.contracts, "AgentIdentityRegistry"),
    abi: agentIdentityRegistryAbi,
    functionName: "register",
    args: [agentURI, metadata],
    account,
  });
  const [registered] = parseEventLogs({ abi: agentIdentityRegistryAbi, eventName: "Registered", logs: result.receipt.logs }); // prettier-ignore
  return { ...result, agentId: registered!.args.agentId };
}
