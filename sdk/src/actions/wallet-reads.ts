/**
 * Reads of an AgentWallet's keys and state: who owns it, its agent key, its role and whether the agent is
 * frozen — what a program needs to know before it acts with the agent key.
 */
import type { Address } from "viem";

import { agentWalletAbi } from "../abis/agentWallet.js";
import type { AgentWalletRoleName } from "../agents/types.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAddress } from "../utils/validate.js";

const ROLE_NAMES: readonly AgentWalletRoleName[] = ["Provider", "Consumer", "Builder", "Coordinator"];

/** Parameters of {@link getAgentWallet}. */
export interface GetAgentWalletParameters {
  /** The AgentWallet. */
  wallet: Address;
}

/** Result of {@link getAgentWallet}. */
export interface GetAgentWalletReturnType {
  /** The wallet's address. */
  wallet: Address;
  /** Its owner (may do anything). */
  owner: Address;
  /** Its agent key (`0x0…0` when disabled). */
  agentKey: Address;
  /** Its agent role (`IAgentWallet.AgentRole`). */
  role: AgentWalletRoleName;
  /** Whether the owner froze the agent key and the session keys. */
  frozen: boolean;
}

/**
 * Reads an AgentWallet's owner, agent key, role and freeze flag.
 *
 * @param client A viem client.
 * @param parameters `{ wallet }`.
 * @returns See {@link GetAgentWalletReturnType}.
 * @throws {InvalidAddressError} for a malformed address; {ContractRevertError} or {RpcRequestError} when the
 * address is not an AgentWallet (e.g. no code: the call returns no data).
 * @example
 * ```ts
 * const { agentKey, role } = await getAgentWallet(publicClient, { wallet });
 * ```
 */
export async function getAgentWallet(
  client: AitbcReadClient,
  parameters: GetAgentWalletParameters,
): Promise<GetAgentWalletReturnType> {
  const address = assertAddress(parameters.wallet, "wallet");
  const w = { address, abi: agentWalletAbi } as const;
  const [owner, agentKey, role, frozen] = await Promise.all([
    read(client, { ...w, functionName: "owner" }),
    read(client, { ...w, functionName: "agentKey" }),
    read(client, { ...w, functionName: "role" }),
    read(client, { ...w, functionName: "frozen" }),
  ]);
  return { wallet: address, owner, agentKey, role: ROLE_NAMES[role]!, frozen };
}
