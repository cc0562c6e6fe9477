import {
  type Abi,
  type Account,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
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

type ReadMutability = "pure" | "view";
type WriteMutability = "nonpayable" | "payable";

/**
 * @internal A contract call typed by a literal (`as const`) ABI: the function name, the arguments
 * and the return value are all checked against the ABI.
 */
export interface TypedCall<
  abi extends Abi,
  mutability extends ReadMutability | WriteMutability,
  functionName extends ContractFunctionName<abi, mutability>,
  args extends ContractFunctionArgs<abi, mutability, functionName>,
> {
  address: Address;
  abi: abi;
  functionName: functionName;
  args?: args;
  value?: bigint;
}

/** @internal Reads a view function; reverts become {@link ContractRevertError}. */
export async function read<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, ReadMutability>,
  const args extends ContractFunctionArgs<abi, ReadMutability, functionName>,
>(
  client: AitbcReadClient,
  call: TypedCall<abi, ReadMutability, functionName, args>,
): Promise<ContractFunctionReturnType<abi, ReadMutability, functionName, args>> {
  try {
    return (await readContract(client, call as never)) as ContractFunctionReturnType<
      abi,
      ReadMutability,
      functionName,
      args
    >;
  } catch (error) {
    throw toAitbcError(error, call.functionName);
  }
}

/**
 * @internal Simulates (so a revert is decoded before anything is sent), sends and waits for the
 * receipt. Returns the hash, the receipt and the simulated return value.
 */
export async function write<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, WriteMutability>,
  const args extends ContractFunctionArgs<abi, WriteMutability, functionName>,
>(
  client: AitbcWriteClient,
  call: TypedCall<abi, WriteMutability, functionName, args> & { account: Account | Address },
): Promise<
  WriteReturnType & { result: ContractFunctionReturnType<abi, WriteMutability, functionName, args> }
> {
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
  return {
    hash,
    receipt,
    result: result as ContractFunctionReturnType<abi, WriteMutability, functionName, args>,
  };
}
