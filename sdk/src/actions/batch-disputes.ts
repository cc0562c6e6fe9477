/**
 * Disputes of single jobs of a `BatchEscrow` batch: read a batch's jobs from its `BatchJobSettled`
 * events (the leaves of its Merkle tree), dispute one job with its leaf and Merkle proof, reveal a
 * disputed job's request, prompt and output on-chain, claim a dispute whose data nobody revealed in the
 * reveal window, and resolve a dispute (the arbiter, i.e. the council Safe).
 *
 * A dispute concerns one job: the other jobs of the batch are paid at `finalizeBatch` as usual.
 */
import { type Address, type Hex } from "viem";
import { getContractEvents } from "viem/actions";

import { batchEscrowAbi } from "../abis/batchEscrow.js";
import { marketPolicyAbi } from "../abis/marketPolicy.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
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
import { assertAddress, assertAmount, assertBytes32, maxUint } from "../utils/validate.js";
import type { BatchLeaf } from "../zk/batch.js";
import { ensureAllowance } from "./token.js";

/** A consumer's signed request as `revealBatchJob` takes it (`IBatchEscrow.BatchJobRequest`). */
export interface BatchRevealRequest {
  consumer: Address;
  provider: Address;
  modelDigest: Hex;
  promptHash: Hex;
  /** Wei per token (uint128). */
  pricePerToken: bigint;
  /** uint32. */
  maxTokens: number;
  /** Unix seconds (uint40). */
  deadline: number;
  nonce: bigint;
}

/** One job of a settled batch as its `BatchJobSettled` event tells it. */
export interface SettledBatchJob extends BatchLeaf {
  batchId: bigint;
  modelDigest: Hex;
  promptHash: Hex;
  /** Hash of the block that included the batch: the sampling seed. */
  blockHash: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
}

/** Parameters naming one job of a batch. */
export interface BatchJobParameters extends WriteParameters {
  /** Addresses; `BatchEscrow` is used. */
  contracts: AitbcContracts;
  batchId: bigint;
  /** The job's index in the batch. */
  index: bigint;
}

function checkLeaf(leaf: BatchLeaf) {
  return {
    index: assertAmount(leaf.index, "leaf.index", { max: maxUint(256) }),
    requestDigest: assertBytes32(leaf.requestDigest, "leaf.requestDigest"),
    consumer: assertAddress(leaf.consumer, "leaf.consumer"),
    outputHash: assertBytes32(leaf.outputHash, "leaf.outputHash"),
    tokenCount: Number(assertAmount(leaf.tokenCount, "leaf.tokenCount", { max: maxUint(32) })),
    fee: assertAmount(leaf.fee, "leaf.fee (wei)"),
  };
}

/**
 * The jobs of one batch, in index order, from its `BatchJobSettled` events.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, batchId, fromBlock? }` (`fromBlock` narrows the log search).
 * @returns The jobs with their leaf fields, model, prompt hash and the including block's hash.
 * @throws {InvalidParameterError} if the batch has no events (unknown batch id).
 * @example
 * ```ts
 * const jobs = await getSettledBatchJobs(publicClient, { contracts, batchId: 1n });
 * const proof = batchMerkleProof(jobs, 3); // the leaf fields are the tree's leaves
 * ```
 */
export async function getSettledBatchJobs(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; batchId: bigint; fromBlock?: bigint },
): Promise<SettledBatchJob[]> {
  const batchId = assertAmount(parameters.batchId, "batchId", { positive: true });
  const logs = await getContractEvents(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    eventName: "BatchJobSettled",
    args: { batchId },
    fromBlock: parameters.fromBlock ?? 0n,
  });
  if (logs.length === 0)
    throw new InvalidParameterError({
      what: "batchId",
      reason: `no BatchJobSettled event for batch ${batchId}`,
    });
  return logs
    .map((log) => ({
      batchId,
      index: log.args.index!,
      requestDigest: log.args.requestDigest!,
      consumer: log.args.consumer!,
      outputHash: log.args.outputHash!,
      tokenCount: log.args.tokenCount!,
      fee: log.args.fee!,
      modelDigest: log.args.modelDigest!,
      promptHash: log.args.promptHash!,
      blockHash: log.blockHash,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
    }))
    .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
}

/**
 * Disputes one job of a batch within its challenge window, escrowing the dispute bond (the policy's
 * `disputeBond`, wei; approved first if needed). Any account may dispute: the consumer or a watcher.
 *
 * @param client A wallet client of the disputer.
 * @param parameters `{ contracts, batchId, leaf, proof, account? }`: the job's leaf (from
 * {@link getSettledBatchJobs}) and its Merkle proof against the batch's `jobsRoot`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `BatchInvalidLeaf`, `BatchChallengeWindowClosed`, `BatchWrongStatus`,
 * `BatchWrongDisputeStatus` (already disputed).
 * @example
 * ```ts
 * await disputeBatchJob(watcherWallet, { contracts, batchId, leaf: jobs[3], proof });
 * ```
 */
export async function disputeBatchJob(
  client: AitbcWriteClient,
  parameters: {
    contracts: AitbcContracts;
    batchId: bigint;
    leaf: BatchLeaf;
    proof: readonly Hex[];
  } & WriteParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "disputeBatchJob");
  const batchId = assertAmount(parameters.batchId, "batchId", { positive: true });
  const leaf = checkLeaf(parameters.leaf);
  const proof = parameters.proof.map((p, i) => assertBytes32(p, `proof[${i}]`));
  const escrow = contractAddress(parameters.contracts, "BatchEscrow");
  const { disputeBond } = await read(client, {
    address: contractAddress(parameters.contracts, "MarketPolicy"),
    abi: marketPolicyAbi,
    functionName: "parameters",
  });
  await ensureAllowance(client, {
    contracts: parameters.contracts,
    spender: escrow,
    amount: disputeBond,
    account,
  });
  return write(client, {
    address: escrow,
    abi: batchEscrowAbi,
    functionName: "disputeBatchJob",
    args: [batchId, leaf, proof],
    account,
  });
}

/**
 * Reveals a disputed batch job's request, prompt payload and output on-chain (the provider, the
 * consumer, or anyone who has them). The escrow checks them against the committed hashes.
 *
 * @param client A wallet client.
 * @param parameters `{ contracts, batchId, index, request, prompt, output, account? }`; `prompt` and
 * `output` are the exact bytes whose keccak256 are the job's promptHash and outputHash.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `BatchRevealMismatch`, `BatchWrongDisputeStatus`.
 * @example
 * ```ts
 * await revealBatchJob(providerWallet, { contracts, batchId, index: 3n, request, prompt: toHex(payload), output: toHex(text) });
 * ```
 */
export function revealBatchJob(
  client: AitbcWriteClient,
  parameters: BatchJobParameters & { request: BatchRevealRequest; prompt: Hex; output: Hex },
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "revealBatchJob");
  const r = parameters.request;
  const request = {
    consumer: assertAddress(r.consumer, "request.consumer"),
    provider: assertAddress(r.provider, "request.provider"),
    modelDigest: assertBytes32(r.modelDigest, "request.modelDigest"),
    promptHash: assertBytes32(r.promptHash, "request.promptHash"),
    pricePerToken: assertAmount(r.pricePerToken, "request.pricePerToken (wei)", { max: maxUint(128) }),
    maxTokens: Number(assertAmount(BigInt(r.maxTokens), "request.maxTokens", { max: maxUint(32) })),
    deadline: Number(assertAmount(BigInt(r.deadline), "request.deadline (s)", { max: maxUint(40) })),
    nonce: assertAmount(r.nonce, "request.nonce"),
  };
  return write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "revealBatchJob",
    args: [
      assertAmount(parameters.batchId, "batchId", { positive: true }),
      assertAmount(parameters.index, "index"),
      request,
      parameters.prompt,
      parameters.output,
    ],
    account,
  });
}

/**
 * After the reveal window of a dispute nobody answered (anyone may call): the provider withheld the
 * data and loses the dispute (fee back to the consumer, bond and slash reward to the disputer).
 *
 * @param client A wallet client.
 * @param parameters `{ contracts, batchId, index, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `BatchRevealWindowOpen`, `BatchWrongDisputeStatus` (revealed or resolved).
 * @example
 * ```ts
 * await claimWithheld(watcherWallet, { contracts, batchId, index: 3n });
 * ```
 */
export function claimWithheld(
  client: AitbcWriteClient,
  parameters: BatchJobParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "claimWithheld");
  return write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "claimWithheld",
    args: [
      assertAmount(parameters.batchId, "batchId", { positive: true }),
      assertAmount(parameters.index, "index"),
    ],
    account,
  });
}

/**
 * Resolves a disputed batch job (role: arbiter, the council Safe; use it from a Safe transaction or an
 * account holding `ARBITER_ROLE`).
 *
 * @param client A wallet client of the arbiter.
 * @param parameters `{ contracts, batchId, index, providerAtFault, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `AccessControlUnauthorizedAccount`, `BatchWrongDisputeStatus`.
 * @example
 * ```ts
 * await resolveBatchDispute(arbiterWallet, { contracts, batchId, index: 3n, providerAtFault: true });
 * ```
 */
export function resolveBatchDispute(
  client: AitbcWriteClient,
  parameters: BatchJobParameters & { providerAtFault: boolean },
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "resolveBatchDispute");
  if (typeof parameters.providerAtFault !== "boolean")
    throw new InvalidParameterError({ what: "providerAtFault", reason: "expected a boolean" });
  return write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "resolveBatchDispute",
    args: [
      assertAmount(parameters.batchId, "batchId", { positive: true }),
      assertAmount(parameters.index, "index"),
      parameters.providerAtFault,
    ],
    account,
  });
}

/** `IBatchEscrow.DisputeStatus` names by value. */
export const BATCH_DISPUTE_STATUSES = [
  "None",
  "Open",
  "Revealed",
  "ProviderAtFault",
  "ProviderNotAtFault",
] as const;
/** A batch dispute status name. */
export type BatchDisputeStatusName = (typeof BATCH_DISPUTE_STATUSES)[number];

/** The dispute of one job of a batch (`IBatchEscrow.JobDispute`). */
export interface BatchJobDispute {
  /** The challenger (zero address: no dispute). */
  disputer: Address;
  /** Where it stands. */
  status: BatchDisputeStatusName;
  /** Until when the provider may reveal the job's data, Unix seconds. */
  revealDeadline: bigint;
  /** The job's consumer. */
  consumer: Address;
  /** The challenger's bond, wei. */
  bond: bigint;
  /** The job's fee, wei (withheld while disputed). */
  fee: bigint;
  /** The job's request digest (bytes32). */
  requestDigest: Hex;
  /** The committed output hash (bytes32). */
  outputHash: Hex;
}

/**
 * Reads the dispute of job `index` of batch `batchId` (status `None` when nobody disputed it).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, batchId, index }` (`BatchEscrow` is used).
 * @returns See {@link BatchJobDispute}.
 * @throws {InvalidAmountError} on a malformed id or index.
 * @example
 * ```ts
 * const d = await getBatchDispute(publicClient, { contracts, batchId, index: 3n });
 * if (d.status === "Open") await revealBatchJob(providerWallet, { contracts, batchId, index: 3n, ... });
 * ```
 */
export async function getBatchDispute(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; batchId: bigint; index: bigint },
): Promise<BatchJobDispute> {
  const d = await read(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "disputeOf",
    args: [
      assertAmount(parameters.batchId, "batchId", { positive: true }),
      assertAmount(parameters.index, "index", { max: maxUint(256) }),
    ],
  });
  return {
    disputer: d.disputer,
    status: BATCH_DISPUTE_STATUSES[d.status] ?? "None",
    revealDeadline: BigInt(d.revealDeadline),
    consumer: d.consumer,
    bond: d.bond,
    fee: d.fee,
    requestDigest: d.requestDigest,
    outputHash: d.outputHash,
  };
}
