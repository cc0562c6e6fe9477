import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";

import { ContractRevertError, toAitbcError } from "../errors/contract.js";
import { AccountNotFoundError } from "../errors/validation.js";
import { assertAddress } from "./validate.js";

/** Any viem client that can read (a `PublicClient`, or a `WalletClient` on a node that serves reads). */
export type AitbcReadClient = Client<Transport, Chain | undefined>;

/** A viem client that can send transactions: a `WalletClient` (account on the client or passed per call). */
export type AitbcWriteClient = Client<Transport, Chain | undefined, Account | undefined>;

/** Parameters every write action accepts. */
export interface WriteParameters {
  /** The sender: a local account or an address the node signs for. Default: the client's account. */
  account?: Account | Address;
}

/** What every write action returns. */
export interface WriteReturnType {
  /** Transaction hash. */
  hash: Hash;
  /** The mined receipt (status `success`). */
  receipt: TransactionReceipt;
}

/** @internal Resolves the sender of a write action. */
export function resolveAccount(
  client: AitbcWriteClient,
  account: Account | Address | undefined,
  action: string,
): Account | Address {
  const resolved = account ?? client.account;
  if (resolved === undefined) throw new AccountNotFoundError(action);
  if (typeof resolved === "string") return assertAddress(resolved, "account");
  return resolved;
}

/** @internal The address of an account. */
export function accountAddress(account: Account | Address): Address {
  return typeof account === "string" ? account : account.address;
}

/** @internal A typed-enough contract call description. */
export interface CallRequest {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
}

/** @internal Reads a view function; reverts become {@link ContractRevertError}. */
export async function read<T>(client: AitbcReadClient, call: CallRequest): Promise<T> {
  try {
    return (await readContract(client, call as never)) as T;
  } catch (error) {
    throw toAitbcError(error, call.functionName);
  }
}

/**
 * @internal Simulates (so a revert is decoded before anything is sent), sends and waits for the
 * receipt. Returns the hash, the receipt and the simulated return value.
 */
export async function write<T = unknown>(
  client: AitbcWriteClient,
  call: CallRequest & { account: Account | Address },
): Promise<WriteReturnType & { result: T }> {
  let request: unknown;
  let result: unknown;
  try {
    ({ request, result } = await simulateContract(client, { ...call, chain: client.chain ?? null } as never));
  } catch (error) {
    throw toAitbcError(error, call.functionName);
  }
  let hash: Hash;
  let receipt: TransactionReceipt;
  try {
    hash = await writeContract(client, { ...(request as object), chain: client.chain ?? null } as never);
    receipt = await waitForTransactionReceipt(client, { hash });
  } catch (error) {
    throw toAitbcError(error, call.functionName);
  }
  if (receipt.status !== "success") {
    throw new ContractRevertError({
      errorName: undefined,
      args: [],
      data: undefined,
      functionName: call.functionName,
      cause: new Error(`transaction ${hash} reverted`),
    });
  }
  return { hash, receipt, result: result as T };
}
