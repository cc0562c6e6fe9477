/**
 * Reads of `JobEscrow` the node programs need: the latest job id, a provider's withdrawable
 * earnings, a job's assignment (`JobClaimed`) and submitted result (`ResultSubmitted`), and the
 * inference checker the escrow's policy requires for a model.
 */
import { zeroAddress, type Address, type Hash, type Hex } from "viem";
import { getContractEvents } from "viem/actions";

import { batchEscrowAbi } from "../abis/batchEscrow.js";
import { jobEscrowAbi } from "../abis/jobEscrow.js";
import { marketPolicyAbi } from "../abis/marketPolicy.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { toAitbcError } from "../errors/contract.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAddress, assertAmount, assertModelDigest } from "../utils/validate.js";

/**
 * The id of the most recent job of `JobEscrow` (0 before the first; ids are 1, 2, …).
 *
 * @param client A viem client.
 * @param parameters `{ contracts }` (`JobEscrow` is used).
 * @returns `{ jobId }`.
 * @example
 * ```ts
 * const { jobId: last } = await getLastJobId(publicClient, { contracts });
 * ```
 */
export async function getLastJobId(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts },
): Promise<{ jobId: bigint }> {
  const jobId = await read(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    functionName: "lastJobId",
  });
  return { jobId };
}

/**
 * Wei of AITBC `JobEscrow` has credited to an account and not yet paid out (a provider's earnings,
 * refunds, dispute rewards); `withdrawEarnings` pays it. For `BatchEscrow` see `getBatchWithdrawable`.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, account }` (`JobEscrow` is used).
 * @returns `{ amount }` in wei.
 * @throws {InvalidAddressError} if `account` is malformed.
 * @example
 * ```ts
 * const { amount } = await getWithdrawable(publicClient, { contracts, account: provider });
 * if (amount > 0n) await withdrawEarnings(providerWallet, { contracts });
 * ```
 */
export async function getWithdrawable(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; account: Address },
): Promise<{ amount: bigint }> {
  const amount = await read(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    functionName: "withdrawable",
    args: [assertAddress(parameters.account, "account")],
  });
  return { amount };
}

/** A job's result as `JobEscrow` recorded it (the `ResultSubmitted` event). */
export interface ResultSubmission {
  /** The job id. */
  jobId: bigint;
  /** The provider that submitted. */
  provider: Address;
  /** keccak256 of the output (bytes32). */
  outputHash: Hex;
  /** Tokens billed. */
  tokenCount: bigint;
  /** The receipt's nullifier. */
  nullifier: bigint;
  /** End of the challenge window, Unix seconds. */
  challengeEnds: bigint;
  /** The submitting transaction. */
  transactionHash: Hash;
  /** Its block. */
  blockNumber: bigint;
}

/**
 * Finds a job's submitted result (one `eth_getLogs` filtered on the indexed job id). A job has at
 * most one: the escrow accepts a result once.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, jobId, fromBlock? }` (`JobEscrow` is used; `fromBlock` default 0,
 *   pass the job's opening block on long chains).
 * @returns The submission, or `undefined` if none was mined yet.
 * @throws {InvalidAmountError} on a malformed id; {RpcRequestError} on transport errors.
 * @example
 * ```ts
 * const sub = await getResultSubmission(publicClient, { contracts, jobId });
 * if (sub && sub.outputHash === keccak256(toHex(output))) accept(output);
 * ```
 */
export async function getResultSubmission(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; jobId: bigint; fromBlock?: bigint },
): Promise<ResultSubmission | undefined> {
  const jobId = assertAmount(parameters.jobId, "jobId", { positive: true });
  const address = contractAddress(parameters.contracts, "JobEscrow");
  const fromBlock = assertAmount(parameters.fromBlock ?? 0n, "fromBlock");
  let logs;
  try {
    logs = await getContractEvents(client, {
      address,
      abi: jobEscrowAbi,
      eventName: "ResultSubmitted",
      args: { jobId },
      fromBlock,
      strict: true,
    });
  } catch (error) {
    throw toAitbcError(error, "getResultSubmission");
  }
  const log = logs.at(-1);
  if (log === undefined) return undefined;
  const { provider, outputHash, tokenCount, nullifier, challengeEnds } = log.args;
  return {
    jobId,
    provider,
    outputHash,
    tokenCount,
    nullifier,
    challengeEnds,
    transactionHash: log.transactionHash,
    blockNumber: log.blockNumber,
  };
}

/**
 * The inference checker the escrow's policy requires for a model (jobs of such a model settle only
 * with a verified proof of inference), read from the policy the escrow itself uses.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, modelDigest, escrow? }` — `escrow` "JobEscrow" (default) or "BatchEscrow".
 * @returns `{ checker, policy }`: the checker address, or `undefined` if the model needs none.
 * @throws {UnknownModelDigestError} on a malformed digest.
 * @example
 * ```ts
 * const { checker } = await getModelChecker(publicClient, { contracts, modelDigest });
 * if (checker) evidence = await inferenceEvidence(...);
 * ```
 */
export async function getModelChecker(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; modelDigest: Hex; escrow?: "JobEscrow" | "BatchEscrow" },
): Promise<{ checker: Address | undefined; policy: Address }> {
  const modelDigest = assertModelDigest(parameters.modelDigest);
  const name = parameters.escrow ?? "JobEscrow";
  const address = contractAddress(parameters.contracts, name);
  const policy =
    name === "JobEscrow"
      ? await read(client, { address, abi: jobEscrowAbi, functionName: "policy" })
      : await read(client, { address, abi: batchEscrowAbi, functionName: "policy" });
  const checker = await read(client, {
    address: policy,
    abi: marketPolicyAbi,
    functionName: "checkerOf",
    args: [modelDigest],
  });
  return { checker: checker === zeroAddress ? undefined : checker, policy };
}

/** How a job was assigned (the `JobClaimed` event). */
export interface JobClaim {
  /** The job id. */
  jobId: bigint;
  /** The provider it is assigned to. */
  provider: Address;
  /** Whether it was opened with the provider's quote (assigned at opening) rather than claimed. */
  byQuote: boolean;
  /** The quote's nonce when `byQuote` (else 0). */
  quoteNonce: bigint;
  /** The block of the assignment. */
  blockNumber: bigint;
}

/**
 * Finds how a job was assigned: claimed by a provider, or opened with its quote (one `eth_getLogs`
 * filtered on the indexed job id). A miner uses it to recognise a job opened with one of its quotes.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, jobId, fromBlock? }` (`JobEscrow` is used; `fromBlock` default 0).
 * @returns The assignment, or `undefined` while the job is unassigned.
 * @throws {InvalidAmountError} on a malformed id; {RpcRequestError} on transport errors.
 * @example
 * ```ts
 * const claim = await getJobClaim(publicClient, { contracts, jobId });
 * if (claim?.byQuote && myQuoteNonces.has(claim.quoteNonce)) adopt(jobId);
 * ```
 */
export async function getJobClaim(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; jobId: bigint; fromBlock?: bigint },
): Promise<JobClaim | undefined> {
  const jobId = assertAmount(parameters.jobId, "jobId", { positive: true });
  const fromBlock = assertAmount(parameters.fromBlock ?? 0n, "fromBlock");
  let logs;
  try {
    logs = await getContractEvents(client, {
      address: contractAddress(parameters.contracts, "JobEscrow"),
      abi: jobEscrowAbi,
      eventName: "JobClaimed",
      args: { jobId },
      fromBlock,
      strict: true,
    });
  } catch (error) {
    throw toAitbcError(error, "getJobClaim");
  }
  const log = logs.at(-1);
  if (log === undefined) return undefined;
  const { provider, byQuote, quoteNonce } = log.args;
  return { jobId, provider, byQuote, quoteNonce, blockNumber: log.blockNumber };
}
