/**
 * viem clients over a Hardhat network connection, for the entry points that drive the SDK's actions
 * (`scripts/main.ts`, `scripts/demo.ts`): one public client, and a wallet client per unlocked account.
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  type Address,
  type EIP1193Provider,
  type PublicClient,
  type WalletClient,
} from "viem";

import type { AitbcContracts } from "@aitbc/sdk";

/** A public client and a factory of wallet clients on one EIP-1193 provider. */
export interface ViemClients {
  /** Reads, waits for receipts. */
  publicClient: PublicClient;
  /** A wallet client whose account is `address` (an account the node signs for). */
  walletFor(address: string): WalletClient;
}

/**
 * viem clients on a Hardhat connection's provider (the embedded chain, or `--network localhost`).
 * No retries: Hardhat reports reverts as internal errors, which viem would otherwise retry for ~1 s.
 *
 * @param connection `{ provider }` of `network.create()`
 * @param pollingIntervalMs receipt polling interval, ms (default 20: the embedded chain mines at once)
 */
export function viemClients(connection: { provider: unknown }, pollingIntervalMs = 20): ViemClients {
  const transport = custom(connection.provider as EIP1193Provider, { retryCount: 0 });
  return {
    publicClient: createPublicClient({ transport, pollingInterval: pollingIntervalMs }),
    walletFor: (address) =>
      createWalletClient({ account: address as Address, transport, pollingInterval: pollingIntervalMs }),
  };
}

/** A deployment record's addresses (by deployment name) as the SDK's `contracts`. */
export function toContracts(addresses: Record<string, string>): AitbcContracts {
  return Object.fromEntries(
    Object.entries(addresses).map(([name, a]) => [name, a as Address]),
  ) as AitbcContracts;
}
