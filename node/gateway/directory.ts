/**
 * Which providers serve, and where: the chain's `ServiceRegistry`. At start the gateway reads every
 * provider's latest URI from the `ServiceURIUpdated` events (the SDK's `getServiceProviders`), then
 * follows new events with the lead's `followLogs` (cursor in the store), so a miner that publishes
 * or moves its endpoint is seen within one poll; an empty URI withdraws the provider.
 */
import { decodeEventLog, type Address, type Log, type PublicClient } from "viem";

import { getServiceProviders, serviceRegistryAbi, type AitbcContracts } from "@aitbc/sdk";
import { followLogs } from "../shared/follow.js";
import type { Store } from "../shared/store.js";

/** Options of {@link ProviderDirectory}. */
export interface ProviderDirectoryOptions {
  client: PublicClient;
  contracts: AitbcContracts;
  store: Store;
  /** Poll interval of the event follower, ms (default 1 000). */
  pollingIntervalMs?: number;
  /** Told about each provider whose URI changes (a new or moved endpoint, or a withdrawal: ""). */
  onChange?: (provider: Address, uri: string) => void;
  onError?: (error: unknown) => void;
}

/** See the module's description. */
export class ProviderDirectory {
  private readonly uris = new Map<string, { provider: Address; uri: string }>();
  private follower: { stop(): Promise<void>; caughtUp(): Promise<bigint> } | undefined;

  /** @param options See {@link ProviderDirectoryOptions}. */
  constructor(private readonly options: ProviderDirectoryOptions) {}

  /** Reads all providers from the chain, then follows `ServiceURIUpdated`. */
  async start(): Promise<void> {
    const { client, contracts } = this.options;
    const head = await client.getBlockNumber();
    const { providers } = await getServiceProviders(client, { contracts, toBlock: head });
    for (const p of providers) this.set(p.provider, p.uri);
    this.follower = followLogs({
      client,
      address: contracts.ServiceRegistry!,
      abi: serviceRegistryAbi,
      eventNames: ["ServiceURIUpdated"],
      store: this.options.store,
      cursorKey: "gateway:service-registry",
      fromBlock: head + 1n,
      pollingIntervalMs: this.options.pollingIntervalMs ?? 1_000,
      onLogs: (logs) => this.apply(logs),
      onError: this.options.onError,
    });
  }

  /** Resolves once the follower has read up to the chain's head (the block number). */
  caughtUp(): Promise<bigint> {
    return this.follower?.caughtUp() ?? Promise.resolve(0n);
  }

  /** The providers with a published (non-empty) URI. */
  list(): { provider: Address; uri: string }[] {
    return [...this.uris.values()];
  }

  /** A provider's URI, or undefined. */
  uriOf(provider: Address): string | undefined {
    return this.uris.get(provider.toLowerCase())?.uri;
  }

  /** Stops following. */
  async stop(): Promise<void> {
    await this.follower?.stop();
  }

  private apply(logs: Log[]): void {
    for (const log of logs) {
      const args = argsOf(log);
      if (args.provider !== undefined && args.uri !== undefined) this.set(args.provider, args.uri);
    }
  }

  private set(provider: Address, uri: string): void {
    const key = provider.toLowerCase();
    const before = this.uris.get(key)?.uri ?? "";
    if (uri === "") this.uris.delete(key);
    else this.uris.set(key, { provider, uri });
    if (before !== uri) this.options.onChange?.(provider, uri);
  }
}

/** The event's arguments, decoded here if the follower delivered raw logs. */
function argsOf(log: Log): { provider?: Address; uri?: string } {
  const decoded = (log as unknown as { args?: { provider?: Address; uri?: string } }).args;
  if (decoded) return decoded;
  try {
    return decodeEventLog({ abi: serviceRegistryAbi, data: log.data, topics: log.topics }).args as {
      provider?: Address;
      uri?: string;
    };
  } catch {
    return {};
  }
}
