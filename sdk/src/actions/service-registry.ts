/**
 * Service endpoint actions on `ServiceRegistry`: a registered provider publishes the URI of its own
 * API (`setServiceURI`); anyone reads one provider's (`getServiceURI`) or lists every provider's
 * latest non-empty URI from the `ServiceURIUpdated` events (`getServiceProviders`).
 */
import type { Address } from "viem";
import { getBlockNumber, getContractEvents } from "viem/actions";

import { serviceRegistryAbi } from "../abis/serviceRegistry.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { toAitbcError } from "../errors/contract.js";
import { InvalidParameterError } from "../errors/validation.js";
import {
  read,
  resolveAccount,
  write,
  type AitbcReadClient,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount } from "../utils/validate.js";

/** Longest service URI the registry accepts, bytes of UTF-8 (`ServiceRegistry.MAX_URI_LENGTH`). */
export const MAX_SERVICE_URI_BYTES = 256;

/** Parameters of {@link setServiceURI}. */
export interface SetServiceURIParameters extends WriteParameters {
  /** Addresses; `ServiceRegistry` is used. */
  contracts: AitbcContracts;
  /** The provider's API base URL, e.g. `https://gpu1.example.org:8080` (≤ 256 bytes); `""` clears it. */
  uri: string;
}

/**
 * Publishes (or, with `uri: ""`, clears) the sender's service URI. The sender must be registered in
 * `GPUStaking`. Gateways find the provider through the `ServiceURIUpdated` event this emits.
 *
 * @param client A wallet client of the provider.
 * @param parameters See {@link SetServiceURIParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidParameterError} if `uri` is not a string or longer than 256 bytes (before any request).
 * @throws {ContractRevertError} `ServiceRegistryNotProvider(account)` for an unregistered sender.
 * @example
 * ```ts
 * await setServiceURI(providerWallet, { contracts, uri: "https://gpu1.example.org:8080" });
 * ```
 */
export async function setServiceURI(
  client: AitbcWriteClient,
  parameters: SetServiceURIParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "setServiceURI");
  const uri = parameters.uri;
  if (typeof uri !== "string") {
    throw new InvalidParameterError({ what: "uri", reason: "a string is required" });
  }
  const length = new TextEncoder().encode(uri).length;
  if (length > MAX_SERVICE_URI_BYTES) {
    throw new InvalidParameterError({
      what: "uri",
      reason: `${length} bytes, at most ${MAX_SERVICE_URI_BYTES} allowed`,
    });
  }
  return write(client, {
    address: contractAddress(parameters.contracts, "ServiceRegistry"),
    abi: serviceRegistryAbi,
    functionName: "setServiceURI",
    args: [uri],
    account,
  });
}

/**
 * Reads the URI a provider published last (`""` if none or cleared).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, provider }`.
 * @returns `{ uri }`.
 * @throws {InvalidAddressError} if `provider` is malformed.
 * @example
 * ```ts
 * const { uri } = await getServiceURI(publicClient, { contracts, provider });
 * if (uri !== "") await new ProviderClient(uri).health();
 * ```
 */
export async function getServiceURI(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; provider: Address },
): Promise<{ uri: string }> {
  const uri = await read(client, {
    address: contractAddress(parameters.contracts, "ServiceRegistry"),
    abi: serviceRegistryAbi,
    functionName: "getServiceURI",
    args: [assertAddress(parameters.provider, "provider")],
  });
  return { uri };
}

/** Parameters of {@link getServiceProviders}. */
export interface GetServiceProvidersParameters {
  /** Addresses; `ServiceRegistry` is used. */
  contracts: AitbcContracts;
  /** First block searched (default 0; use the registry's deployment block on long chains). */
  fromBlock?: bigint;
  /** Last block searched (default the latest). */
  toBlock?: bigint;
}

/** One provider with a published endpoint. */
export interface ServiceProvider {
  /** The provider's address. */
  provider: Address;
  /** Its latest non-empty service URI. */
  uri: string;
  /** Block of the `ServiceURIUpdated` event that set it. */
  blockNumber: bigint;
}

/**
 * Lists every provider's latest service URI from the `ServiceURIUpdated` events in a block range
 * (one `eth_getLogs`): a provider whose last event in the range cleared its URI is left out. Order:
 * by the block (then log index) of each provider's latest update, oldest first. The URIs are the
 * providers' own claims; authenticate what each serves through its signed offers (`verifyOffer`).
 * To follow later changes, call again from `toBlock + 1n` (or watch the event).
 *
 * @param client A viem client.
 * @param parameters See {@link GetServiceProvidersParameters}.
 * @returns `{ providers, toBlock }` — `toBlock` is the last block searched.
 * @throws {InvalidAmountError} if a block number is not a non-negative bigint; {RpcRequestError} on transport errors.
 * @example
 * ```ts
 * const { providers } = await getServiceProviders(publicClient, { contracts });
 * for (const { provider, uri } of providers) console.log(provider, uri);
 * ```
 */
export async function getServiceProviders(
  client: AitbcReadClient,
  parameters: GetServiceProvidersParameters,
): Promise<{ providers: ServiceProvider[]; toBlock: bigint }> {
  const address = contractAddress(parameters.contracts, "ServiceRegistry");
  const fromBlock = assertAmount(parameters.fromBlock ?? 0n, "fromBlock");
  try {
    const toBlock =
      parameters.toBlock === undefined
        ? await getBlockNumber(client, { cacheTime: 0 }) // viem caches the head for pollingInterval
        : assertAmount(parameters.toBlock, "toBlock");
    const logs = await getContractEvents(client, {
      address,
      abi: serviceRegistryAbi,
      eventName: "ServiceURIUpdated",
      fromBlock,
      toBlock,
      strict: true,
    });
    const latest = new Map<string, ServiceProvider>();
    for (const log of logs) {
      const key = log.args.provider.toLowerCase();
      latest.delete(key); // re-insert: Map order follows the latest update
      if (log.args.uri !== "") {
        latest.set(key, { provider: log.args.provider, uri: log.args.uri, blockNumber: log.blockNumber });
      }
    }
    return { providers: [...latest.values()], toBlock };
  } catch (error) {
    throw toAitbcError(error, "getServiceProviders");
  }
}
