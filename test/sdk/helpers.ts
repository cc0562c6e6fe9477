/** viem clients on a Hardhat network connection, for the SDK tests. */
import { createPublicClient, createWalletClient, custom, type Address, type EIP1193Provider } from "viem";
import type { NetworkConnection } from "hardhat/types/network";

import { AitbcError } from "../../sdk/src/index.js";

export function viemClients(connection: NetworkConnection) {
  // No retries: Hardhat reports reverts as internal errors, which viem would retry for ~1 s.
  const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
  const publicClient = createPublicClient({ transport, pollingInterval: 20 });
  const walletFor = (address: string) =>
    createWalletClient({ account: address as Address, transport, pollingInterval: 20 });
  return { publicClient, walletFor };
}

/** Awaits `promise` and returns the AitbcError it rejects with (fails if it resolves). */
export async function rejection<E extends AitbcError = AitbcError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AitbcError) return error as E;
    throw error;
  }
  throw new Error("expected a rejection");
}
