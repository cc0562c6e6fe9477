/** The gateway's start-up check of the wallet it is told to pay from (`--agent-wallet`). */
import { getAddress, isAddressEqual, type Address, type Hex, type PublicClient } from "viem";

import { agentWalletAbi, agentWalletFactoryAbi } from "@aitbc/sdk";

/** ERC-1167 minimal proxy runtime code around `implementation` (EIP-1167). */
export function erc1167Code(implementation: Address): Hex {
  return `0x363d3d373d3d3d363d73${implementation.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3`;
}

/**
 * Checks, before the gateway serves anyone, that `wallet` is an AgentWallet the gateway's key may
 * pay from: contract code at the address; when the deployment names an `AgentWalletFactory`, exactly
 * an ERC-1167 clone of that factory's implementation; and the key is the wallet's agent key or owner.
 *
 * @param client A public client of the chain.
 * @param key The gateway's paying key (its account address).
 * @param wallet The `--agent-wallet` address.
 * @param factory The deployment's `AgentWalletFactory`, if it has one.
 * @throws Error with one readable line saying which check failed.
 */
export async function assertAgentWallet(
  client: PublicClient,
  key: Address,
  wallet: Address,
  factory?: Address,
): Promise<void> {
  const code = (await client.getCode({ address: wallet })) ?? "0x";
  if (code === "0x") throw new Error(`--agent-wallet ${wallet} has no contract code on this chain: it is not an AgentWallet`); // prettier-ignore
  if (factory) {
    const implementation = await client.readContract({ address: factory, abi: agentWalletFactoryAbi, functionName: "implementation" }); // prettier-ignore
    if (code.toLowerCase() !== erc1167Code(implementation)) {
      throw new Error(`--agent-wallet ${wallet} is not an AgentWallet of the deployment's AgentWalletFactory ${getAddress(factory)}`); // prettier-ignore
    }
  }
  const read = (functionName: "agentKey" | "owner") =>
    client.readContract({ address: wallet, abi: agentWalletAbi, functionName }).catch(() => {
      throw new Error(`--agent-wallet ${wallet} does not answer ${functionName}(): it is not an AgentWallet`);
    });
  const [agentKey, owner] = await Promise.all([read("agentKey"), read("owner")]);
  if (!isAddressEqual(agentKey, key) && !isAddressEqual(owner, key)) {
    throw new Error(`the key's account ${key} is neither the agent key nor the owner of AgentWallet ${wallet}: pass the agent key with --private-key`); // prettier-ignore
  }
}

/**
 * Whether the AgentWallet accepts its agent key's signatures towards `batchEscrow` (its owner's
 * `setSignatureVerifier`): without it, batch requests signed by the agent key would be refused.
 */
export function allowsBatchSignatures(
  client: PublicClient,
  wallet: Address,
  batchEscrow: Address,
): Promise<boolean> {
  return client.readContract({ address: wallet, abi: agentWalletAbi, functionName: "isSignatureVerifier", args: [batchEscrow] }); // prettier-ignore
}
