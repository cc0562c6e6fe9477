/**
 * Batch settlement actions on `BatchEscrow`: a consumer's deposit (directly, or through its
 * AgentWallet's `payInto` so the spending limit applies), EIP-712 `BatchJobRequest`s signed
 * off-chain (by an EOA, or by an AgentWallet's key in the wallet's ERC-1271 format), the jobs'
 * Merkle tree and the batch commitment exactly as the escrow builds them, pre-checks a provider runs
 * before proving, `settleBatch`, `finalizeBatch`, the provider's withdrawal, and readers.
 */
import {
  concat,
  encodeFunctionData,
  hashTypedData,
  parseEventLogs,
  recoverTypedDataAddress,
  type Account,
  type Address,
  type Hex,
} from "viem";
import { getCode, getContractEvents, readContract, signTypedData } from "viem/actions";

import { agentWalletAbi } from "../abis/agentWallet.js";
import { batchEscrowAbi } from "../abis/batchEscrow.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { AitbcError } from "../errors/base.js";
import { InvalidParameterError } from "../errors/validation.js";
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
import { assertAddress, assertAmount, assertBytes32, assertModelDigest, maxUint } from "../utils/validate.js";
import { MAX_BATCH_SIZE, type BatchLeaf } from "../zk/batch.js";
import { ensureAllowance } from "./token.js";

/** EIP-712 domain name of `BatchEscrow` (version "1"). */
export const BATCH_ESCROW_DOMAIN_NAME = "AITBC BatchEscrow";

/** EIP-712 types of `IBatchEscrow.BatchJobRequest`, in the escrow's field order. */
export const BATCH_JOB_REQUEST_TYPES = {
  BatchJobRequest: [
    { name: "consumer", type: "address" },
    { name: "provider", type: "address" },
    { name: "modelDigest", type: "bytes32" },
    { name: "promptHash", type: "bytes32" },
    { name: "pricePerToken", type: "uint128" },
    { name: "maxTokens", type: "uint32" },
    { name: "deadline", type: "uint40" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

/** EIP-712 type of the AgentWallet's ERC-1271 wrapper (`AgentWalletMessage(bytes32 hash)`). */
export const AGENT_WALLET_MESSAGE_TYPES = {
  AgentWalletMessage: [{ name: "hash", type: "bytes32" }],
} as const;

/**
 * A consumer's signed request for one job, paid from its `BatchEscrow` deposit
 * (`IBatchEscrow.BatchJobRequest`).
 */
export interface BatchJobRequest {
  /** The payer and signer (an EOA, or an ERC-1271 wallet such as the AgentWallet). */
  consumer: Address;
  /** The only provider that may settle it. */
  provider: Address;
  /** Digest of the model (bytes32, non-zero). */
  modelDigest: Hex;
  /** keccak256 of the prompt payload (bytes32). */
  promptHash: Hex;
  /** wei of AITBC per token (uint128, non-zero). */
  pricePerToken: bigint;
  /** Most tokens paid for (uint32, non-zero). */
  maxTokens: bigint;
  /** Unix seconds (uint40): the batch carrying the request must be settled at or before it. */
  deadline: bigint;
  /** The consumer's single-use nonce (uint256, unordered): the job's nullifier. */
  nonce: bigint;
}

/** One job of a batch: the signed request and the provider's result. */
export interface BatchJobInput {
  /** The consumer's request. */
  request: BatchJobRequest;
  /** The consumer's signature from {@link signBatchJobRequest}. */
  signature: Hex;
  /** keccak256 of the output (bytes32). */
  outputHash: Hex;
  /** Tokens produced, at most `request.maxTokens` (uint32). The fee is `tokenCount × pricePerToken` wei. */
  tokenCount: bigint;
  /** Evidence for a model with an inference checker (`abi.encode(bytes prompt, uint256[8] proof)`), else empty. */
  inference?: Hex;
}

/** `IBatchEscrow.BatchStatus` names by value. */
export const BATCH_STATUSES = ["None", "Submitted", "Finalized"] as const;
/** A batch status name. */
export type BatchStatusName = (typeof BATCH_STATUSES)[number];

function checkBatchRequest(request: BatchJobRequest) {
  return {
    consumer: assertAddress(request.consumer, "request.consumer"),
    provider: assertAddress(request.provider, "request.provider"),
    modelDigest: assertModelDigest(request.modelDigest),
    promptHash: assertBytes32(request.promptHash, "request.promptHash"),
    pricePerToken: assertAmount(request.pricePerToken, "request.pricePerToken (wei)", {
      positive: true,
      max: maxUint(128),
    }),
    maxTokens: Number(
      assertAmount(request.maxTokens, "request.maxTokens", { positive: true, max: maxUint(32) }),
    ),
    deadline: Number(
      assertAmount(request.deadline, "request.deadline (Unix seconds)", { positive: true, max: maxUint(40) }),
    ),
    nonce: assertAmount(request.nonce, "request.nonce", { max: maxUint(256) }),
  };
}

async function chainIdOf(client: AitbcReadClient): Promise<number> {
  return client.chain?.id ?? Number(await client.request({ method: "eth_chainId" }));
}

/**
 * The EIP-712 domain of a `BatchEscrow`: "AITBC BatchEscrow", version "1", the chain id and the escrow.
 *
 * @param chainId EIP-155 chain id.
 * @param escrow The `BatchEscrow` address.
 * @returns The domain for viem's `signTypedData` / `hashTypedData`.
 * @example
 * ```ts
 * const domain = batchEscrowDomain(31337, contracts.BatchEscrow!);
 * ```
 */
export function batchEscrowDomain(chainId: number, escrow: Address) {
  return {
    name: BATCH_ESCROW_DOMAIN_NAME,
    version: "1",
    chainId,
    verifyingContract: assertAddress(escrow, "escrow"),
  } as const;
}

/**
 * The EIP-712 digest of a request, as `BatchEscrow.requestDigest` computes it (no request is made).
 *
 * @param parameters `{ chainId, escrow, request }`.
 * @returns The bytes32 digest the consumer signs; also the job's key for the sampling rule.
 * @throws {InvalidAmountError} | {InvalidAddressError} | {InvalidParameterError} on a malformed request.
 * @example
 * ```ts
 * const digest = hashBatchJobRequest({ chainId: 31337, escrow: contracts.BatchEscrow!, request });
 * ```
 */
export function hashBatchJobRequest(parameters: {
  chainId: number;
  escrow: Address;
  request: BatchJobRequest;
}): Hex {
  return hashTypedData({
    domain: batchEscrowDomain(parameters.chainId, parameters.escrow),
    types: BATCH_JOB_REQUEST_TYPES,
    primaryType: "BatchJobRequest",
    message: checkBatchRequest(parameters.request),
  });
}

/** Parameters of {@link signBatchJobRequest}. */
export interface SignBatchJobRequestParameters {
  /** Addresses; `BatchEscrow` is used. */
  contracts: AitbcContracts;
  /** The request to sign. */
  request: BatchJobRequest;
  /** The signing key (default: the client's account). */
  account?: Account | Address;
  /**
   * When the consumer is an AgentWallet: its address (must be `request.consumer`). The key (the
   * wallet's owner, or its agent key towards a `BatchEscrow` the owner allowed with
   * `setSignatureVerifier`) then signs the wallet's `messageDigest(requestDigest)` and the signature
   * is `signer ++ sig`, the wallet's ERC-1271 format.
   */
  agentWallet?: Address;
}

/**
 * Signs a `BatchJobRequest` for the consumer: an EOA's EIP-712 signature, or an AgentWallet key's
 * signature in the wallet's ERC-1271 format. No transaction. The signed request lets exactly
 * `request.provider` take `tokenCount × pricePerToken` (at most `maxTokens × pricePerToken`) wei from
 * the consumer's deposit once (the nonce), until the deadline.
 *
 * @param client A wallet client of the signing key.
 * @param parameters See {@link SignBatchJobRequestParameters}.
 * @returns The signature `BatchEscrow.settleBatch` checks.
 * @throws {InvalidParameterError} if `agentWallet` is not `request.consumer`.
 * @throws {InvalidAmountError} | {InvalidAddressError} on a malformed request.
 * @example
 * ```ts
 * const request = { consumer: wallet, provider, modelDigest, promptHash, pricePerToken: 10n ** 15n,
 *   maxTokens: 256n, deadline: now + 3600n, nonce: randomNonce() };
 * const signature = await signBatchJobRequest(agentKeyWallet, { contracts, request, agentWallet: wallet });
 * ```
 */
export async function signBatchJobRequest(
  client: AitbcWriteClient,
  parameters: SignBatchJobRequestParameters,
): Promise<Hex> {
  const account = resolveAccount(client, parameters.account, "signBatchJobRequest");
  const message = checkBatchRequest(parameters.request);
  const chainId = await chainIdOf(client);
  const escrow = contractAddress(parameters.contracts, "BatchEscrow");
  if (parameters.agentWallet === undefined) {
    return signTypedData(client, {
      account,
      domain: batchEscrowDomain(chainId, escrow),
      types: BATCH_JOB_REQUEST_TYPES,
      primaryType: "BatchJobRequest",
      message,
    });
  }
  const wallet = assertAddress(parameters.agentWallet, "agentWallet");
  if (wallet.toLowerCase() !== message.consumer.toLowerCase()) {
    throw new InvalidParameterError({
      what: "agentWallet",
      reason: `the request's consumer is ${message.consumer}, not the wallet ${wallet}`,
    });
  }
  const digest = hashBatchJobRequest({ chainId, escrow, request: parameters.request });
  const sig = await signTypedData(client, {
    account,
    domain: { name: "AgentWallet", version: "1", chainId, verifyingContract: wallet },
    types: AGENT_WALLET_MESSAGE_TYPES,
    primaryType: "AgentWalletMessage",
    message: { hash: digest },
  });
  return concat([accountAddress(account), sig]);
}

/**
 * Verifies a request's signature as `BatchEscrow` will: ECDSA recovery for an EOA consumer, and for
 * a contract consumer an `isValidSignature` call made from the escrow's address (an AgentWallet
 * accepts its agent key only towards verifiers its owner allowed, so the caller matters).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, request, signature }`.
 * @returns `true` if the escrow would accept the signature for this request, chain and escrow.
 * @example
 * ```ts
 * if (!(await verifyBatchJobRequest(client, { contracts, request, signature }))) refuse("forged");
 * ```
 */
export async function verifyBatchJobRequest(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; request: BatchJobRequest; signature: Hex },
): Promise<boolean> {
  const escrow = contractAddress(parameters.contracts, "BatchEscrow");
  const chainId = await chainIdOf(client);
  const digest = hashBatchJobRequest({ chainId, escrow, request: parameters.request });
  const consumer = parameters.request.consumer;
  const code = await getCode(client, { address: consumer });
  if (code === undefined || code === "0x") {
    try {
      const signer = await recoverTypedDataAddress({
        domain: batchEscrowDomain(chainId, escrow),
        types: BATCH_JOB_REQUEST_TYPES,
        primaryType: "BatchJobRequest",
        message: checkBatchRequest(parameters.request),
        signature: parameters.signature,
      });
      return signer.toLowerCase() === consumer.toLowerCase();
    } catch {
      return false;
    }
  }
  try {
    const magic = await readContract(client, {
      address: consumer,
      abi: agentWalletAbi,
      functionName: "isValidSignature",
      args: [digest, parameters.signature],
      account: escrow,
    });
    return magic === "0x1626ba7e";
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------------
// The batch's leaves (the tree, root, proofs and commitment are `zk/batch.ts`'s)

/**
 * The leaves of a batch, in job order: `{ index, requestDigest, consumer, outputHash, tokenCount,
 * fee = tokenCount × pricePerToken }`.
 *
 * @param parameters `{ chainId, escrow, jobs }`.
 * @returns One leaf per job.
 * @example
 * ```ts
 * const leaves = batchLeaves({ chainId: 31337, escrow: contracts.BatchEscrow!, jobs });
 * ```
 */
export function batchLeaves(parameters: {
  chainId: number;
  escrow: Address;
  jobs: readonly Pick<BatchJobInput, "request" | "outputHash" | "tokenCount">[];
}): BatchLeaf[] {
  return parameters.jobs.map((job, i) => ({
    index: BigInt(i),
    requestDigest: hashBatchJobRequest({ chainId: parameters.chainId, escrow: parameters.escrow, request: job.request }), // prettier-ignore
    consumer: job.request.consumer,
    outputHash: job.outputHash,
    tokenCount: job.tokenCount,
    fee: job.tokenCount * job.request.pricePerToken,
  }));
}

// ------------------------------------------------------------------------------------------------
// Deposits

/** Parameters of the deposit actions. */
export interface DepositParameters extends WriteParameters {
  /** Addresses; `BatchEscrow` and `AITBCToken` are used. */
  contracts: AitbcContracts;
  /** wei of AITBC (non-zero). */
  amount: bigint;
}

/**
 * Adds AITBC to the sender's `BatchEscrow` deposit (approving the escrow first if needed).
 *
 * @param client A wallet client of the consumer (an EOA; an AgentWallet uses {@link depositThroughAgentWallet}).
 * @param parameters `{ contracts, amount, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidAmountError} for a zero amount; {ContractRevertError} e.g. an ERC-20 balance too low.
 * @example
 * ```ts
 * await depositToBatchEscrow(consumerWallet, { contracts, amount: 100n * 10n ** 18n });
 * ```
 */
export async function depositToBatchEscrow(
  client: AitbcWriteClient,
  parameters: DepositParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "depositToBatchEscrow");
  const amount = assertAmount(parameters.amount, "amount (wei)", { positive: true, max: maxUint(128) });
  const escrow = contractAddress(parameters.contracts, "BatchEscrow");
  await ensureAllowance(client, { contracts: parameters.contracts, spender: escrow, amount, account });
  return write(client, {
    address: escrow,
    abi: batchEscrowAbi,
    functionName: "deposit",
    args: [amount],
    account,
  });
}

/**
 * Deposits from an AgentWallet into `BatchEscrow` with the wallet's `payInto` (approve, `deposit`,
 * allowance reset in one call), sent by its agent or session key, so the amount counts against the
 * wallet's spending limit: a deposit is never a way around the limit.
 *
 * @param client A wallet client of the agent key (or the owner).
 * @param parameters `{ contracts, amount, agentWallet, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} e.g. `AgentWalletSpendingLimitExceeded` above the limit.
 * @example
 * ```ts
 * await depositThroughAgentWallet(agentKeyWallet, { contracts, agentWallet: wallet, amount: 50n * 10n ** 18n });
 * ```
 */
export async function depositThroughAgentWallet(
  client: AitbcWriteClient,
  parameters: DepositParameters & { agentWallet: Address },
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "depositThroughAgentWallet");
  const amount = assertAmount(parameters.amount, "amount (wei)", { positive: true, max: maxUint(128) });
  const escrow = contractAddress(parameters.contracts, "BatchEscrow");
  const token = contractAddress(parameters.contracts, "AITBCToken");
  const data = encodeFunctionData({ abi: batchEscrowAbi, functionName: "deposit", args: [amount] });
  return write(client, {
    address: assertAddress(parameters.agentWallet, "agentWallet"),
    abi: agentWalletAbi,
    functionName: "payInto",
    args: [escrow, token, amount, data],
    account,
  });
}

/**
 * Announces a withdrawal of `amount` wei from the sender's deposit, possible after the escrow's
 * `WITHDRAWAL_DELAY` (1 day); the deposit stays spendable by signed requests until then.
 *
 * @param client A wallet client of the depositor.
 * @param parameters `{ contracts, amount, account? }`.
 * @returns `{ hash, receipt, unlockAt }` (Unix seconds).
 * @example
 * ```ts
 * const { unlockAt } = await requestDepositWithdrawal(consumerWallet, { contracts, amount });
 * ```
 */
export async function requestDepositWithdrawal(
  client: AitbcWriteClient,
  parameters: DepositParameters,
): Promise<WriteReturnType & { unlockAt: bigint }> {
  const account = resolveAccount(client, parameters.account, "requestDepositWithdrawal");
  const amount = assertAmount(parameters.amount, "amount (wei)", { positive: true, max: maxUint(128) });
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "requestWithdrawal",
    args: [amount],
    account,
  });
  const [event] = parseEventLogs({
    abi: batchEscrowAbi,
    logs: receipt.logs,
    eventName: "WithdrawalRequested",
  });
  return { hash, receipt, unlockAt: event?.args.unlockAt ?? 0n };
}

/**
 * Pays the sender its announced withdrawal (or the whole balance if smaller) once unlocked.
 *
 * @param client A wallet client of the depositor.
 * @param parameters `{ contracts, account? }`.
 * @returns `{ hash, receipt, amount }` (wei).
 * @throws {ContractRevertError} `BatchWithdrawalLocked(account, unlockAt)` before the unlock.
 * @example
 * ```ts
 * const { amount } = await withdrawDeposit(consumerWallet, { contracts });
 * ```
 */
export async function withdrawDeposit(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts } & WriteParameters,
): Promise<WriteReturnType & { amount: bigint }> {
  const account = resolveAccount(client, parameters.account, "withdrawDeposit");
  const { hash, receipt, result } = await write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "withdrawDeposit",
    account,
  });
  return { hash, receipt, amount: result };
}

/** A consumer's deposit (`IBatchEscrow.Deposit`). */
export interface BatchDeposit {
  /** Spendable wei. */
  balance: bigint;
  /** Announced withdrawal, wei. */
  pendingWithdrawal: bigint;
  /** Unix seconds from which the announced withdrawal can be taken (0: none). */
  unlockAt: bigint;
}

/**
 * Reads an account's deposit.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, account }`.
 * @returns {@link BatchDeposit}.
 * @example
 * ```ts
 * const { balance } = await getBatchDeposit(client, { contracts, account: wallet });
 * ```
 */
export async function getBatchDeposit(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; account: Address },
): Promise<BatchDeposit> {
  const d = await read(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "depositOf",
    args: [assertAddress(parameters.account, "account")],
  });
  return { balance: d.balance, pendingWithdrawal: d.pendingWithdrawal, unlockAt: BigInt(d.unlockAt) };
}

/**
 * Whether a consumer's nonce was already settled (each settles once, ever).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, consumer, nonce }`.
 * @returns `true` once a batch carried the request with this nonce.
 * @example
 * ```ts
 * if (await isBatchNonceUsed(client, { contracts, consumer, nonce })) skip();
 * ```
 */
export function isBatchNonceUsed(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; consumer: Address; nonce: bigint },
): Promise<boolean> {
  return read(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "nonceUsed",
    args: [assertAddress(parameters.consumer, "consumer"), assertAmount(parameters.nonce, "nonce")],
  });
}

// ------------------------------------------------------------------------------------------------
// Pre-checks, settlement, finalization, withdrawal

/** Why the escrow would refuse one job of a batch (found before proving). */
export type BatchJobProblem =
  | "not-for-provider"
  | "nonce-used"
  | "deadline-too-close"
  | "too-many-tokens"
  | "bad-signature"
  | "deposit-too-low";

/**
 * A job a provider should not put in a batch: `settleBatch` would revert for the whole batch.
 *
 * @example
 * ```ts
 * const { problems } = await checkBatchJobs(client, { contracts, provider, jobs, minDeadline });
 * for (const p of problems) console.log(p.index, p.problem, p.message);
 * ```
 */
export class BatchJobRefusedError extends AitbcError {
  override name = "BatchJobRefusedError";
  /** Position of the job in the checked list. */
  readonly index: number;
  /** What is wrong. */
  readonly problem: BatchJobProblem;

  /**
   * @param args.index The job's position.
   * @param args.problem What is wrong.
   * @param args.details Values (deadline, balance, nonce).
   */
  constructor(args: { index: number; problem: BatchJobProblem; details: string }) {
    super(`Batch job ${args.index} would be refused by the escrow (${args.problem}).`, {
      details: args.details,
    });
    this.index = args.index;
    this.problem = args.problem;
  }
}

/**
 * Checks jobs before a provider proves and settles them, as `settleBatch` will: addressed to the
 * provider, tokens within `maxTokens`, nonce unused (and not twice in the list), deadline at or after
 * `minDeadline`, signature valid ({@link verifyBatchJobRequest}), and each consumer's deposit
 * covering the sum of its fees in the list (in list order: the first jobs that fit are kept).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, provider, jobs, minDeadline }` (`minDeadline` Unix seconds: the
 *   latest time the batch may be mined, e.g. now + a margin).
 * @returns `{ accepted, problems }`: the indices that can settle together, and one
 *   {@link BatchJobRefusedError} per refused job.
 * @example
 * ```ts
 * const { accepted, problems } = await checkBatchJobs(client, { contracts, provider, jobs, minDeadline: now + 60n });
 * ```
 */
export async function checkBatchJobs(
  client: AitbcReadClient,
  parameters: {
    contracts: AitbcContracts;
    provider: Address;
    jobs: readonly BatchJobInput[];
    minDeadline: bigint;
  },
): Promise<{ accepted: number[]; problems: BatchJobRefusedError[] }> {
  const { contracts, jobs } = parameters;
  const accepted: number[] = [];
  const problems: BatchJobRefusedError[] = [];
  const seen = new Set<string>();
  const spent = new Map<string, bigint>();
  const balances = new Map<string, bigint>();
  const refuse = (index: number, problem: BatchJobProblem, details: string) =>
    problems.push(new BatchJobRefusedError({ index, problem, details }));
  for (const [index, job] of jobs.entries()) {
    const r = job.request;
    const key = `${r.consumer.toLowerCase()}:${r.nonce}`;
    if (r.provider.toLowerCase() !== parameters.provider.toLowerCase()) {
      refuse(index, "not-for-provider", `the request names ${r.provider}`);
    } else if (job.tokenCount > r.maxTokens) {
      refuse(index, "too-many-tokens", `${job.tokenCount} tokens, at most ${r.maxTokens}`);
    } else if (r.deadline < parameters.minDeadline) {
      refuse(index, "deadline-too-close", `deadline ${r.deadline} is before ${parameters.minDeadline}`);
    } else if (
      seen.has(key) ||
      (await isBatchNonceUsed(client, { contracts, consumer: r.consumer, nonce: r.nonce }))
    ) {
      refuse(index, "nonce-used", `nonce ${r.nonce} of ${r.consumer} is already settled or in this batch`);
    } else if (!(await verifyBatchJobRequest(client, { contracts, request: r, signature: job.signature }))) {
      refuse(index, "bad-signature", `not ${r.consumer}'s signature of this request for this escrow`);
    } else {
      const consumer = r.consumer.toLowerCase();
      if (!balances.has(consumer))
        balances.set(consumer, (await getBatchDeposit(client, { contracts, account: r.consumer })).balance);
      const fee = job.tokenCount * r.pricePerToken;
      const total = (spent.get(consumer) ?? 0n) + fee;
      if (total > balances.get(consumer)!) {
        refuse(index, "deposit-too-low", `deposit ${balances.get(consumer)} wei, the batch's fees of ${r.consumer} need ${total}`); // prettier-ignore
      } else {
        spent.set(consumer, total);
        seen.add(key);
        accepted.push(index);
      }
    }
  }
  return { accepted, problems };
}

/** Parameters of {@link settleBatch}. */
export interface SettleBatchParameters extends WriteParameters {
  /** Addresses; `BatchEscrow` is used. */
  contracts: AitbcContracts;
  /** 1 to {@link MAX_BATCH_SIZE} jobs, all addressed to the sender. */
  jobs: readonly BatchJobInput[];
  /**
   * The batch-receipt Groth16 proof as `[pA0, pA1, pB00, pB01, pB10, pB11, pC0, pC1]` (the
   * verifier's argument order), for the commitment {@link batchCommitment} of these jobs.
   */
  proof: readonly bigint[];
}

/** Result of {@link settleBatch}. */
export interface SettleBatchReturnType extends WriteReturnType {
  /** The new batch's id. */
  batchId: bigint;
  /** Sum of the jobs' fees, wei. */
  totalFee: bigint;
  /** The jobs' Merkle root. */
  jobsRoot: Hex;
  /** Unix seconds until which the batch's jobs can be disputed. */
  challengeEnds: bigint;
}

/**
 * Settles jobs in one transaction with one batch-receipt proof; the batch's challenge window starts.
 *
 * @param client A wallet client of the provider.
 * @param parameters See {@link SettleBatchParameters}.
 * @returns `{ hash, receipt, batchId, totalFee, jobsRoot, challengeEnds }`.
 * @throws {InvalidParameterError} for 0 or more than 256 jobs, or a proof that is not 8 words.
 * @throws {ContractRevertError} e.g. `BatchNonceUsed`, `BatchDepositTooLow`, `BatchInvalidProof`.
 * @example
 * ```ts
 * const { batchId } = await settleBatch(providerWallet, { contracts, jobs, proof });
 * ```
 */
export async function settleBatch(
  client: AitbcWriteClient,
  parameters: SettleBatchParameters,
): Promise<SettleBatchReturnType> {
  const account = resolveAccount(client, parameters.account, "settleBatch");
  const { jobs, proof } = parameters;
  if (jobs.length === 0 || jobs.length > MAX_BATCH_SIZE)
    throw new InvalidParameterError({ what: "jobs", reason: `expected 1..${MAX_BATCH_SIZE} jobs, got ${jobs.length}` }); // prettier-ignore
  if (proof.length !== 8)
    throw new InvalidParameterError({ what: "proof", reason: `expected 8 words, got ${proof.length}` });
  const args = jobs.map((job, i) => {
    const tokenCount = Number(assertAmount(job.tokenCount, `jobs[${i}].tokenCount`, { max: maxUint(32) }));
    return {
      request: checkBatchRequest(job.request),
      signature: job.signature,
      outputHash: assertBytes32(job.outputHash, `jobs[${i}].outputHash`),
      tokenCount,
      inference: job.inference ?? "0x",
    };
  });
  const { hash, receipt, result } = await write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "settleBatch",
    args: [
      args,
      proof as unknown as readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint],
    ],
    account,
  });
  const [event] = parseEventLogs({ abi: batchEscrowAbi, logs: receipt.logs, eventName: "BatchSettled" });
  return {
    hash,
    receipt,
    batchId: event?.args.batchId ?? result,
    totalFee: event?.args.totalFee ?? 0n,
    jobsRoot: event?.args.jobsRoot ?? "0x",
    challengeEnds: event?.args.challengeEnds ?? 0n,
  };
}

/**
 * Pays a batch after its challenge window (anyone may call): the provider's credit for every
 * undisputed job at once, the protocol fee to the treasury.
 *
 * @param client A wallet client (anyone).
 * @param parameters `{ contracts, batchId, account? }`.
 * @returns `{ hash, receipt, providerAmount, protocolFee, jobsPaid }` (wei, wei, jobs).
 * @throws {ContractRevertError} `BatchChallengeWindowOpen(batchId, challengeEnds)` too early,
 *   `BatchWrongStatus` when already finalized.
 * @example
 * ```ts
 * await finalizeBatch(wallet, { contracts, batchId });
 * ```
 */
export async function finalizeBatch(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts; batchId: bigint } & WriteParameters,
): Promise<WriteReturnType & { providerAmount: bigint; protocolFee: bigint; jobsPaid: bigint }> {
  const account = resolveAccount(client, parameters.account, "finalizeBatch");
  const batchId = assertAmount(parameters.batchId, "batchId", { positive: true });
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "finalizeBatch",
    args: [batchId],
    account,
  });
  const [event] = parseEventLogs({ abi: batchEscrowAbi, logs: receipt.logs, eventName: "BatchFinalized" });
  return {
    hash,
    receipt,
    providerAmount: event?.args.providerAmount ?? 0n,
    protocolFee: event?.args.protocolFee ?? 0n,
    jobsPaid: event?.args.jobsPaid ?? 0n,
  };
}

/**
 * Withdraws everything `BatchEscrow` credited to the sender (a provider's earnings, a disputer's
 * bond and reward).
 *
 * @param client A wallet client.
 * @param parameters `{ contracts, account? }`.
 * @returns `{ hash, receipt, amount }` (wei).
 * @throws {ContractRevertError} `BatchNothingToWithdraw(account)`.
 * @example
 * ```ts
 * const { amount } = await withdrawBatchEarnings(providerWallet, { contracts });
 * ```
 */
export async function withdrawBatchEarnings(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts } & WriteParameters,
): Promise<WriteReturnType & { amount: bigint }> {
  const account = resolveAccount(client, parameters.account, "withdrawBatchEarnings");
  const { hash, receipt, result } = await write(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "withdraw",
    account,
  });
  return { hash, receipt, amount: result };
}

/**
 * Credited, unwithdrawn wei of an account in `BatchEscrow`.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, account }`.
 * @returns wei.
 * @example
 * ```ts
 * const credit = await getBatchWithdrawable(client, { contracts, account: provider });
 * ```
 */
export function getBatchWithdrawable(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; account: Address },
): Promise<bigint> {
  return read(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "withdrawable",
    args: [assertAddress(parameters.account, "account")],
  });
}

/** A settled batch (`IBatchEscrow.Batch`), amounts in wei, times in Unix seconds. */
export interface Batch {
  id: bigint;
  provider: Address;
  status: BatchStatusName;
  challengeEnds: bigint;
  jobCount: number;
  disputedCount: number;
  totalFee: bigint;
  disputedFee: bigint;
  jobsRoot: Hex;
  /** The block that included the batch: its hash seeds the sampling rule. */
  settledBlock: bigint;
}

/**
 * Reads a batch.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, batchId }`.
 * @returns {@link Batch} (status "None" for an unknown id).
 * @example
 * ```ts
 * const { status, challengeEnds } = await getBatch(client, { contracts, batchId });
 * ```
 */
export async function getBatch(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; batchId: bigint },
): Promise<Batch> {
  const b = await read(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    functionName: "batchOf",
    args: [parameters.batchId],
  });
  return {
    id: parameters.batchId,
    provider: b.provider,
    status: BATCH_STATUSES[b.status] ?? "None",
    challengeEnds: BigInt(b.challengeEnds),
    jobCount: Number(b.jobCount),
    disputedCount: Number(b.disputedCount),
    totalFee: b.totalFee,
    disputedFee: b.disputedFee,
    jobsRoot: b.jobsRoot,
    settledBlock: BigInt(b.settledBlock),
  };
}

/** One job's `BatchJobSettled` event. */
export interface BatchJobSettlement {
  batchId: bigint;
  index: bigint;
  consumer: Address;
  modelDigest: Hex;
  requestDigest: Hex;
  promptHash: Hex;
  outputHash: Hex;
  tokenCount: bigint;
  /** wei. */
  fee: bigint;
  /** The transaction that settled the batch. */
  transactionHash: Hex;
  blockNumber: bigint;
}

/**
 * Finds the settlement of a request (its `BatchJobSettled` event), e.g. for a consumer waiting for
 * its answer or a miner reconciling after a crash.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, consumer, requestDigest, fromBlock? }`.
 * @returns The settlement, or `undefined` if no batch carried the request yet.
 * @example
 * ```ts
 * const s = await findBatchJobSettlement(client, { contracts, consumer, requestDigest });
 * if (s && s.outputHash === keccak256(toHex(output))) accept();
 * ```
 */
export async function findBatchJobSettlement(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; consumer: Address; requestDigest: Hex; fromBlock?: bigint },
): Promise<BatchJobSettlement | undefined> {
  const logs = await getContractEvents(client, {
    address: contractAddress(parameters.contracts, "BatchEscrow"),
    abi: batchEscrowAbi,
    eventName: "BatchJobSettled",
    args: { consumer: assertAddress(parameters.consumer, "consumer") },
    fromBlock: parameters.fromBlock ?? 0n,
  });
  const digest = assertBytes32(parameters.requestDigest, "requestDigest").toLowerCase();
  const log = logs.find((l) => l.args.requestDigest?.toLowerCase() === digest);
  if (!log) return undefined;
  const a = log.args;
  return {
    batchId: a.batchId!,
    index: a.index!,
    consumer: a.consumer!,
    modelDigest: a.modelDigest!,
    requestDigest: a.requestDigest!,
    promptHash: a.promptHash!,
    outputHash: a.outputHash!,
    tokenCount: a.tokenCount!,
    fee: a.fee!,
    transactionHash: log.transactionHash,
    blockNumber: log.blockNumber,
  };
}

/**
 * Whether an AgentWallet's owner allowed `BatchEscrow` to accept the agent key's ERC-1271
 * signatures (`setSignatureVerifier`): without it, batch requests signed by the agent key are
 * refused at settlement. A gateway checks it before taking the batch path.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, agentWallet }` (`BatchEscrow` is used).
 * @returns `true` if allowed.
 * @throws {InvalidAddressError} if `agentWallet` is malformed; {ContractRevertError} if it is no AgentWallet.
 * @example
 * ```ts
 * const batch = await isBatchEscrowSignatureVerifier(publicClient, { contracts, agentWallet });
 * ```
 */
export function isBatchEscrowSignatureVerifier(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; agentWallet: Address },
): Promise<boolean> {
  return read(client, {
    address: assertAddress(parameters.agentWallet, "agentWallet"),
    abi: agentWalletAbi,
    functionName: "isSignatureVerifier",
    args: [contractAddress(parameters.contracts, "BatchEscrow")],
  });
}
