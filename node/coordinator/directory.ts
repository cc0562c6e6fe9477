/**
 * The coordinator's provider directory: follows `ServiceRegistry`'s `ServiceURIUpdated` events from a
 * cursor in the store (the lead's `followLogs`) and keeps each provider's latest URI (an empty URI removes
 * it). The URIs are the providers' own claims; whatever is fetched from them is checked (offers by their
 * EIP-712 signature, archived data by the on-chain hashes).
 */
import type { Address, PublicClient } from "viem";

import { serviceRegistryAbi, type AitbcContracts } from "@aitbc/sdk";
import { followLogs, type FollowedLog, type Follower } from "../shared/follow.js";
import type { Store } from "../shared/store.js";
import type { CoordinatorState } from "./state.js";

/** Options of {@link followProviders}. */
export interface DirectoryOptions {
  client: PublicClient;
  /** `ServiceRegistry`. */
  contracts: AitbcContracts;
  store: Store;
  state: CoordinatorState;
  /** First block read when the store has no cursor (default 0). */
  fromBlock?: bigint;
  pollingIntervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Starts following the registry into `state` (cursor key `coordinator:ServiceRegistry`).
 * @returns The follower (`caughtUp()`, `stop()`).
 * @throws Error when the deployment has no `ServiceRegistry`.
 * @example
 * ```ts
 * const directory = followProviders({ client, contracts, store, state });
 * await directory.caughtUp();
 * state.providers(); // [{ provider, uri, blockNumber }]
 * ```
 */
export function followProviders(o: DirectoryOptions): Follower {
  const address = o.contracts.ServiceRegistry;
  if (!address)
    throw new Error("the deployment has no ServiceRegistry: the coordinator cannot find providers");
  return followLogs({
    client: o.client,
    address,
    abi: serviceRegistryAbi,
    eventNames: ["ServiceURIUpdated"],
    store: o.store,
    cursorKey: "coordinator:ServiceRegistry",
    fromBlock: o.fromBlock,
    pollingIntervalMs: o.pollingIntervalMs,
    onError: o.onError,
    onLogs: (logs: FollowedLog[]) =>
      o.store.transaction(() => {
        for (const log of logs)
          o.state.setProvider(log.args.provider as Address, String(log.args.uri), log.blockNumber);
      }),
  });
}
