/**
 * Token actions: balances, delegation and counted voting power of AITBC (ERC-20 + ERC-5805 votes on
 * a timestamp clock).
 */
import type { Account, Address } from "viem";
import { getBlock } from "viem/actions";

import { aitbcTokenAbi } from "../abis/aitbcToken.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import {
  accountAddress,
  read,
  resolveAccount,
  write,
  type AitbcReadClient,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount } from "../utils/validate.js";

/** Parameters of {@link getVotingPower}. */
export interface GetVotingPowerParameters {
  /** Addresses; `AITBCToken` is used. */
  contracts: AitbcContracts;
  /** The voter (delegate) whose counted power is read. */
  account: Address;
  /** Unix time in seconds, strictly before the latest block's timestamp. Default: latest block − 1 s. */
  timepoint?: bigint;
}

/** Counted voting power and its parts, all in wei of AITBC. */
export interface GetVotingPowerReturnType {
  /** The timepoint read (Unix seconds). */
  timepoint: bigint;
  /** Delegated votes at the timepoint (ERC-5805 `getPastVotes`). */
  votes: bigint;
  /** Time-weighted average of votes over the token's `SHORT_AVERAGE_WINDOW` before the timepoint (24 h in the design). */
  average24h: bigint;
  /** Time-weighted average over the token's `MAX_AVERAGE_WINDOW` (7 days in the design): new votes vest linearly over it. */
  vested: bigint;
  /** The token's `VOTING_POWER_CAP_BPS` of the total supply at the timepoint (5% in the design). */
  cap: bigint;
  /** The counted power: min(votes, average24h, vested, cap). */
  power: bigint;
}

/** Errors {@link getVotingPower} may throw. */
export type GetVotingPowerErrorType = AitbcError;

/**
 * Reads an account's counted voting power and its parts (votes, 24 h average, 7-day vested
 * average, 5% cap) at a past timepoint: `power = min(votes, average24h, vested, cap)`.
 *
 * @param client A viem client connected to the chain.
 * @param parameters See {@link GetVotingPowerParameters}.
 * @returns See {@link GetVotingPowerReturnType}; all amounts in wei.
 * @throws {InvalidAddressError} if `account` is not an address.
 * @throws {InvalidAmountError} if `timepoint` is not a non-negative bigint.
 * @throws {ContractRevertError} `ERC5805FutureLookup` if the timepoint is not in the past.
 * @example
 * ```ts
 * const { power, votes, cap } = await getVotingPower(client, { contracts, account: "0x..." });
 * ```
 */
export async function getVotingPower(
  client: AitbcReadClient,
  parameters: GetVotingPowerParameters,
): Promise<GetVotingPowerReturnType> {
  const account = assertAddress(parameters.account, "account");
  const token = contractAddress(parameters.contracts, "AITBCToken");
  let timepoint: bigint;
  if (parameters.timepoint === undefined) {
    timepoint = (await getBlock(client)).timestamp - 1n;
  } else {
    timepoint = assertAmount(parameters.timepoint, "timepoint (Unix seconds)");
  }
  const breakdown = await read(client, {
    address: token,
    abi: aitbcTokenAbi,
    functionName: "getPastVotingPowerBreakdown",
    args: [account, timepoint],
  });
  return {
    timepoint,
    votes: breakdown.votes,
    average24h: breakdown.average24h,
    vested: breakdown.average7d,
    cap: breakdown.cap,
    power: breakdown.power,
  };
}

/** Parameters of {@link getTokenBalance}. */
export interface GetTokenBalanceParameters {
  /** Addresses; `AITBCToken` is used. */
  contracts: AitbcContracts;
  /** The holder. */
  account: Address;
}

/** Balance, current votes and delegate of an account. */
export interface GetTokenBalanceReturnType {
  /** AITBC balance, wei. */
  balance: bigint;
  /** Votes delegated to the account now, wei. */
  votes: bigint;
  /** The account's delegate (zero address if none). */
  delegate: Address;
}

/** Errors {@link getTokenBalance} may throw. */
export type GetTokenBalanceErrorType = AitbcError;

/**
 * Reads an account's AITBC balance, its current votes and its delegate.
 *
 * @param client A viem client.
 * @param parameters See {@link GetTokenBalanceParameters}.
 * @returns `{ balance, votes, delegate }`, amounts in wei.
 * @throws {InvalidAddressError} if `account` is malformed.
 * @example
 * ```ts
 * const { balance } = await getTokenBalance(client, { contracts, account });
 * ```
 */
export async function getTokenBalance(
  client: AitbcReadClient,
  parameters: GetTokenBalanceParameters,
): Promise<GetTokenBalanceReturnType> {
  const account = assertAddress(parameters.account, "account");
  const address = contractAddress(parameters.contracts, "AITBCToken");
  const [balance, votes, delegate] = await Promise.all([
    read(client, { address, abi: aitbcTokenAbi, functionName: "balanceOf", args: [account] }),
    read(client, { address, abi: aitbcTokenAbi, functionName: "getVotes", args: [account] }),
    read(client, { address, abi: aitbcTokenAbi, functionName: "delegates", args: [account] }),
  ]);
  return { balance, votes, delegate };
}

/**
 * Reads the AITBC total supply.
 *
 * @param client A viem client.
 * @param parameters `contracts` with `AITBCToken`.
 * @returns The total supply in wei (1e27 for the fixed 1,000,000,000 AITBC).
 * @example
 * ```ts
 * await getTotalSupply(client, { contracts }); // 10n ** 27n
 * ```
 */
export async function getTotalSupply(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts },
): Promise<bigint> {
  return read(client, {
    address: contractAddress(parameters.contracts, "AITBCToken"),
    abi: aitbcTokenAbi,
    functionName: "totalSupply",
  });
}

/** Parameters of {@link delegate}. */
export interface DelegateParameters extends WriteParameters {
  /** Addresses; `AITBCToken` is used. */
  contracts: AitbcContracts;
  /** Who receives the votes (yourself to vote directly; an agent wallet works too). */
  delegatee: Address;
}

/** Errors {@link delegate} may throw. */
export type DelegateErrorType = AitbcError;

/**
 * Delegates the sender's votes. Counted power then vests over 7 days (see {@link getVotingPower}).
 *
 * @param client A wallet client.
 * @param parameters See {@link DelegateParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidAddressError} if `delegatee` is malformed.
 * @throws {AccountNotFoundError} if no account is given.
 * @throws {ContractRevertError} on a revert.
 * @example
 * ```ts
 * await delegate(walletClient, { contracts, delegatee: walletClient.account.address });
 * ```
 */
export async function delegate(
  client: AitbcWriteClient,
  parameters: DelegateParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "delegate");
  const delegatee = assertAddress(parameters.delegatee, "delegatee");
  const address = contractAddress(parameters.contracts, "AITBCToken");
  return write(client, { address, abi: aitbcTokenAbi, functionName: "delegate", args: [delegatee], account });
}

/** Parameters of {@link approveToken} and {@link transferToken}. */
export interface TokenAmountParameters extends WriteParameters {
  /** Addresses; `AITBCToken` is used. */
  contracts: AitbcContracts;
  /** The spender (approve) or recipient (transfer). */
  to: Address;
  /** Amount in wei of AITBC (1 AITBC = 10n ** 18n). */
  amount: bigint;
}

/**
 * Approves `to` to spend `amount` wei of the sender's AITBC.
 *
 * @param client A wallet client.
 * @param parameters See {@link TokenAmountParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidAddressError} | {InvalidAmountError} before any request; {ContractRevertError} on a revert.
 * @example
 * ```ts
 * await approveToken(walletClient, { contracts, to: contracts.JobEscrow!, amount: 10n ** 18n });
 * ```
 */
export async function approveToken(
  client: AitbcWriteClient,
  parameters: TokenAmountParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "approveToken");
  const to = assertAddress(parameters.to, "to");
  const amount = assertAmount(parameters.amount, "amount (wei)");
  return write(client, {
    address: contractAddress(parameters.contracts, "AITBCToken"),
    abi: aitbcTokenAbi,
    functionName: "approve",
    args: [to, amount],
    account,
  });
}

/**
 * Transfers `amount` wei of AITBC from the sender to `to`.
 *
 * @param client A wallet client.
 * @param parameters See {@link TokenAmountParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidAddressError} | {InvalidAmountError} before any request; {ContractRevertError}
 *   (e.g. `ERC20InsufficientBalance`) on a revert.
 * @example
 * ```ts
 * await transferToken(walletClient, { contracts, to, amount: 5n * 10n ** 18n });
 * ```
 */
export async function transferToken(
  client: AitbcWriteClient,
  parameters: TokenAmountParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "transferToken");
  const to = assertAddress(parameters.to, "to");
  const amount = assertAmount(parameters.amount, "amount (wei)");
  return write(client, {
    address: contractAddress(parameters.contracts, "AITBCToken"),
    abi: aitbcTokenAbi,
    functionName: "transfer",
    args: [to, amount],
    account,
  });
}

/**
 * @internal Makes sure `spender` may spend at least `amount` of the sender's AITBC, approving
 * exactly `amount` if the allowance is lower.
 * @example
 * ```ts
 * await ensureAllowance(wallet, { contracts, spender: contracts.JobEscrow!, amount: 10n ** 18n, account });
 * ```
 */
export async function ensureAllowance(
  client: AitbcWriteClient,
  args: {
    contracts: AitbcContracts;
    spender: Address;
    amount: bigint;
    account: Account | Address;
  },
): Promise<void> {
  const owner = accountAddress(args.account);
  const token = contractAddress(args.contracts, "AITBCToken");
  const allowance = await read(client, {
    address: token,
    abi: aitbcTokenAbi,
    functionName: "allowance",
    args: [owner, args.spender],
  });
  if (allowance >= args.amount) return;
  await write(client, {
    address: token,
    abi: aitbcTokenAbi,
    functionName: "approve",
    args: [args.spender, args.amount],
    account: args.account,
  });
}
