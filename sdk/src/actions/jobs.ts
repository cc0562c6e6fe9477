/**
 * Inference job actions on `JobEscrow`: open a job (or from a provider's EIP-712 quote), sign and
 * verify quotes, claim, submit a result with its receipt proof (and, for a model with a checker in
 * the market policy, its proof of inference), finalize, dispute, reclaim, withdraw, read and watch
 * jobs, read the market's parameters, and `runJob`, which waits for settlement.
 */
import {
  decodeErrorResult,
  encodeAbiParameters,
  encodeFunctionData,
  parseEventLogs,
  toHex,
  type Account,
  type Address,
  type Hex,
  type Log,
  type WatchContractEventReturnType,
} from "viem";
import {
  getBlock,
  getChainId,
  getTransactionReceipt,
  signTypedData,
  verifyTypedData,
  watchContractEvent,
} from "viem/actions";

import { agentWalletAbi } from "../abis/agentWallet.js";
import { batchEscrowAbi } from "../abis/batchEscrow.js";
import { jobEscrowAbi } from "../abis/jobEscrow.js";
import { inferenceCheckerAbi } from "../abis/inferenceChecker.js";
import { marketPolicyAbi } from "../abis/marketPolicy.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";
import { InvalidParameterError, WaitTimeoutError } from "../errors/validation.js";
import {
  read,
  resolveAccount,
  write,
  type AitbcReadClient,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount, assertBytes32, assertModelDigest, maxUint } from "../utils/validate.js";
import { proveReceipt, type ReceiptProof } from "../zk/receipt.js";
import type { ArtifactOptions, VerifierCalldata } from "../zk/proof.js";
import { TIERS, type TierName } from "./reputation.js";
import { ensureAllowance } from "./token.js";

/** `IJobEscrow.JobStatus` names by value. */
export const JOB_STATUSES = [
  "None",
  "Open",
  "Claimed",
  "Submitted",
  "Disputed",
  "Settled",
  "Refunded",
] as const;
/** A job status name. */
export type JobStatusName = (typeof JOB_STATUSES)[number];

/** What a consumer asks for. */
export interface JobRequest {
  /** Digest of the model (bytes32, non-zero). */
  modelDigest: Hex;
  /** keccak256 of the prompt (bytes32). */
  promptHash: Hex;
  /** Maximum tokens paid for (uint32). */
  maxTokens: bigint;
  /** Price per token, wei of AITBC (uint128). The escrow pulls maxTokens × pricePerToken. */
  pricePerToken: bigint;
  /** Deadline for the result, Unix seconds (uint40, in the future). */
  deadline: bigint;
  /** Minimum provider tier (0 Bronze … 3 Platinum). Default 0. */
  minTier?: number;
}

function checkRequest(request: JobRequest, knownModels?: readonly Hex[]) {
  const minTier = request.minTier ?? 0;
  if (!Number.isInteger(minTier) || minTier < 0 || minTier > 3) {
    throw new InvalidParameterError({ what: "minTier", reason: `expected 0..3, got ${minTier}` });
  }
  return {
    modelDigest: assertModelDigest(request.modelDigest, knownModels),
    promptHash: assertBytes32(request.promptHash, "promptHash"),
    maxTokens: Number(assertAmount(request.maxTokens, "maxTokens", { positive: true, max: maxUint(32) })),
    pricePerToken: assertAmount(request.pricePerToken, "pricePerToken (wei)", {
      positive: true,
      max: maxUint(128),
    }),
    deadline: Number(assertAmount(request.deadline, "deadline (Unix seconds)", { max: maxUint(40) })),
    minTier,
  };
}

/** Parameters of {@link openJob}. */
export interface OpenJobParameters extends JobRequest, WriteParameters {
  /** Addresses; `JobEscrow` and `AITBCToken` are used. */
  contracts: AitbcContracts;
  /** If given, `modelDigest` must be one of these (else {@link UnknownModelDigestError}). */
  knownModels?: readonly Hex[];
  /**
   * Open as this AgentWallet (the job's consumer), sent by its agent or session key (or owner)
   * through the wallet's `payInto`: the escrowed amount counts against the wallet's spending limit
   * and no standing allowance is needed. Default: the sender is the consumer.
   */
  agentWallet?: Address;
}

/** Result of {@link openJob} and {@link openJobWithQuote}. */
export interface OpenJobReturnType extends WriteReturnType {
  /** The new job's id. */
  jobId: bigint;
  /** AITBC escrowed, wei. */
  escrowed: bigint;
}

/** Errors {@link openJob} may throw. */
export type OpenJobErrorType = AitbcError;

/**
 * Opens an inference job, escrowing `maxTokens × pricePerToken` AITBC (approved first if needed),
 * or, with `agentWallet`, as that AgentWallet through its `payInto` (sent by the agent key; the
 * amount counts against the wallet's spending limit).
 *
 * @param client A wallet client of the consumer (or of the AgentWallet's agent key).
 * @param parameters See {@link OpenJobParameters}.
 * @returns `{ hash, receipt, jobId, escrowed }`.
 * @throws {UnknownModelDigestError} | {InvalidAmountError} | {InvalidParameterError} before any request.
 * @throws {ContractRevertError} e.g. `EscrowInvalidDeadline(deadline)`,
 *   `AgentWalletSpendingLimitExceeded` through a wallet.
 * @example
 * ```ts
 * const { jobId } = await openJob(wallet, { contracts, modelDigest, promptHash: keccak256(toHex(prompt)),
 *   maxTokens: 100n, pricePerToken: 2n * 10n ** 15n, deadline: now + 3600n });
 * // As an AgentWallet, signed by its agent key:
 * await openJob(agentKeyWallet, { contracts, agentWallet, modelDigest, promptHash, maxTokens: 100n,
 *   pricePerToken: 2n * 10n ** 15n, deadline: now + 3600n });
 * ```
 */
export async function openJob(
  client: AitbcWriteClient,
  parameters: OpenJobParameters,
): Promise<OpenJobReturnType> {
  const account = resolveAccount(client, parameters.account, "openJob");
  const request = checkRequest(parameters, parameters.knownModels);
  const escrow = contractAddress(parameters.contracts, "JobEscrow");
  const escrowed = BigInt(request.maxTokens) * request.pricePerToken;
  const data = encodeFunctionData({ abi: jobEscrowAbi, functionName: "openJob", args: [request] });
  const { hash, receipt } =
    (await agentWalletPull(client, { ...parameters, account, escrow, escrowed, data })) ??
    (await write(client, { address: escrow, abi: jobEscrowAbi, functionName: "openJob", args: [request], account })); // prettier-ignore
  return { hash, receipt, jobId: openedJobId(receipt.logs, escrow), escrowed };
}

/** The escrow call's pull, through the wallet's `payInto`, or else `undefined` after approving the escrow. */
async function agentWalletPull(
  client: AitbcWriteClient,
  p: {
    contracts: AitbcContracts;
    account: Account | Address;
    agentWallet?: Address | undefined;
    escrow: Address;
    escrowed: bigint;
    data: Hex;
  },
): Promise<WriteReturnType | undefined> {
  if (p.agentWallet === undefined) {
    await ensureAllowance(client, { contracts: p.contracts, spender: p.escrow, amount: p.escrowed, account: p.account }); // prettier-ignore
    return undefined;
  }
  const { hash, receipt } = await write(client, {
    address: assertAddress(p.agentWallet, "agentWallet"),
    abi: agentWalletAbi,
    functionName: "payInto",
    args: [p.escrow, contractAddress(p.contracts, "AITBCToken"), p.escrowed, p.data],
    account: p.account,
  });
  return { hash, receipt };
}

function openedJobId(logs: Log[], escrow: Address): bigint {
  const events = parseEventLogs({ abi: jobEscrowAbi, logs, eventName: "JobOpened" });
  const event = events.find((e) => e.address.toLowerCase() === escrow.toLowerCase());
  return event?.args.jobId ?? 0n;
}

/**
 * A provider's signed offer for one job (EIP-712 `Quote` of `IJobEscrow`, domain "AITBC JobEscrow"
 * v1 with the chain id and the escrow's address). It binds every term that decides who pays and
 * whether the provider can be slashed: the consumer, model, prompt, price, size, and the provider's
 * time (`minDuration`); `openJobWithQuote` opens the job with exactly these terms.
 */
export interface Quote {
  /** The signer (an EOA, or an ERC-1271 contract wallet). */
  provider: Address;
  /** The only account that may open it (the zero address: anyone, once). */
  consumer: Address;
  /** Digest of the model (bytes32). */
  modelDigest: Hex;
  /** keccak256 of the prompt payload the provider agreed to answer (bytes32); the job's prompt hash. */
  promptHash: Hex;
  /** wei of AITBC per token (uint128). */
  pricePerToken: bigint;
  /** Most tokens paid for (uint32). */
  maxTokens: bigint;
  /**
   * Shortest time the provider accepts from the opening to the deadline, seconds (uint32): the
   * escrow refuses a deadline before `block.timestamp + minDuration` (`EscrowDeadlineTooSoon`).
   */
  minDuration: bigint;
  /** Unix seconds after which the quote is void (uint40; at most 1 day ahead when used). */
  expiry: bigint;
  /** Provider-chosen nonce; each is usable once (and can be cancelled with `cancelQuote`). */
  nonce: bigint;
}

/** The escrow's longest quote lifetime (`JobEscrow.MAX_QUOTE_LIFETIME`), seconds. */
export const MAX_QUOTE_LIFETIME_S = 86_400n;

/** EIP-712 types of `IJobEscrow.Quote`, in the escrow's field order. */
export const QUOTE_TYPES = {
  Quote: [
    { name: "provider", type: "address" },
    { name: "consumer", type: "address" },
    { name: "modelDigest", type: "bytes32" },
    { name: "promptHash", type: "bytes32" },
    { name: "pricePerToken", type: "uint128" },
    { name: "maxTokens", type: "uint32" },
    { name: "minDuration", type: "uint32" },
    { name: "expiry", type: "uint40" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

function checkQuote(quote: Quote) {
  return {
    provider: assertAddress(quote.provider, "quote.provider"),
    consumer: assertAddress(quote.consumer, "quote.consumer"),
    modelDigest: assertModelDigest(quote.modelDigest),
    promptHash: assertBytes32(quote.promptHash, "quote.promptHash"),
    pricePerToken: assertAmount(quote.pricePerToken, "quote.pricePerToken (wei)", {
      positive: true,
      max: maxUint(128),
    }),
    maxTokens: Number(assertAmount(quote.maxTokens, "quote.maxTokens", { positive: true, max: maxUint(32) })),
    minDuration: Number(assertAmount(quote.minDuration, "quote.minDuration (seconds)", { max: maxUint(32) })),
    expiry: Number(
      assertAmount(quote.expiry, "quote.expiry (Unix seconds)", { positive: true, max: maxUint(40) }),
    ),
    nonce: assertAmount(quote.nonce, "quote.nonce"),
  };
}

async function quoteDomain(client: AitbcReadClient, escrow: Address) {
  const chainId = client.chain?.id ?? Number(await client.request({ method: "eth_chainId" }));
  return { name: "AITBC JobEscrow", version: "1", chainId, verifyingContract: escrow } as const;
}

/**
 * Signs a quote as its provider (EIP-712, domain "AITBC JobEscrow" v1 of the escrow on the client's
 * chain). No transaction. Sign only for a prompt you have seen (`promptHash`) and a `minDuration`
 * you can meet: a job opened from the quote is assigned to you, and missing its deadline costs
 * stake and reputation.
 *
 * @param client A wallet client of the provider (`quote.provider`).
 * @param parameters `{ contracts, quote, account? }`.
 * @returns The 65-byte signature.
 * @throws {InvalidAddressError} | {InvalidAmountError} | {InvalidParameterError} |
 *   {UnknownModelDigestError} on a malformed quote (e.g. a zero expiry, a non-bytes32 prompt hash).
 * @example
 * ```ts
 * const quote = { provider, consumer, modelDigest, promptHash, pricePerToken: 10n ** 15n, maxTokens: 256n,
 *   minDuration: 3600n, expiry: now + 60n, nonce: 1n };
 * const signature = await signQuote(providerWallet, { contracts, quote });
 * ```
 */
export async function signQuote(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts; quote: Quote; account?: Account | Address },
): Promise<Hex> {
  const account = resolveAccount(client, parameters.account, "signQuote");
  const message = checkQuote(parameters.quote);
  const domain = await quoteDomain(client, contractAddress(parameters.contracts, "JobEscrow"));
  return signTypedData(client, { account, domain, types: QUOTE_TYPES, primaryType: "Quote", message });
}

/**
 * Verifies a quote's signature against `quote.provider` (EOA, or ERC-1271 smart account via an
 * `eth_call`).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, quote, signature }`.
 * @returns `true` if the provider signed exactly this quote for this escrow and chain.
 * @example
 * ```ts
 * if (!(await verifyQuote(client, { contracts, quote, signature }))) throw new Error("forged");
 * ```
 */
export async function verifyQuote(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; quote: Quote; signature: Hex },
): Promise<boolean> {
  const message = checkQuote(parameters.quote);
  const domain = await quoteDomain(client, contractAddress(parameters.contracts, "JobEscrow"));
  try {
    return await verifyTypedData(client, {
      address: message.provider,
      domain,
      types: QUOTE_TYPES,
      primaryType: "Quote",
      message,
      signature: parameters.signature,
    });
  } catch {
    return false;
  }
}

/** Parameters of {@link openJobWithQuote}. */
export interface OpenJobWithQuoteParameters extends WriteParameters {
  /** Addresses; `JobEscrow` and `AITBCToken` are used. */
  contracts: AitbcContracts;
  /** The provider's quote (its consumer must be the sender); the job's prompt hash is `quote.promptHash`. */
  quote: Quote;
  /** The provider's signature from {@link signQuote}. */
  signature: Hex;
  /**
   * Result deadline, Unix seconds (uint40). At least `quote.minDuration` seconds after the block
   * that opens the job (leave a margin for the time until inclusion), at most 30 days ahead.
   * Default: the latest block's timestamp + `quote.minDuration` + 60 s.
   */
  deadline?: bigint;
  /**
   * Open as this AgentWallet (the quote's consumer), sent by its agent key through `payInto`, within
   * the wallet's spending limit (see {@link OpenJobParameters.agentWallet}).
   */
  agentWallet?: Address;
}

/** Margin of the default deadline of {@link openJobWithQuote} for the time until inclusion, seconds. */
export const QUOTE_DEADLINE_MARGIN_S = 60n;

/**
 * Opens a job already assigned to the quoting provider (no `claim` needed), escrowing
 * `quote.maxTokens × quote.pricePerToken`, for the quote's prompt hash, with a deadline the quote
 * allows (never sooner than `quote.minDuration` after the opening).
 *
 * @param client A wallet client of the consumer.
 * @param parameters See {@link OpenJobWithQuoteParameters}.
 * @returns `{ hash, receipt, jobId, escrowed }`.
 * @throws {InvalidParameterError} if `deadline` is already sooner than `quote.minDuration` from the latest block.
 * @throws {ContractRevertError} e.g. `EscrowQuoteExpired`, `EscrowQuoteUsed`, `EscrowDeadlineTooSoon`,
 *   `EscrowInvalidQuoteSignature`.
 * @example
 * ```ts
 * const { jobId } = await openJobWithQuote(consumerWallet, { contracts, quote, signature });
 * // The quote's consumer is an AgentWallet: sent by its agent key through payInto.
 * await openJobWithQuote(agentKeyWallet, { contracts, quote, signature, agentWallet: quote.consumer });
 * ```
 */
export async function openJobWithQuote(
  client: AitbcWriteClient,
  parameters: OpenJobWithQuoteParameters,
): Promise<OpenJobReturnType> {
  const account = resolveAccount(client, parameters.account, "openJobWithQuote");
  const quote = checkQuote(parameters.quote);
  const now = (await getBlock(client)).timestamp;
  const earliest = now + BigInt(quote.minDuration);
  const deadline = Number(
    assertAmount(parameters.deadline ?? earliest + QUOTE_DEADLINE_MARGIN_S, "deadline (Unix seconds)", {
      max: maxUint(40),
    }),
  );
  if (BigInt(deadline) < earliest) {
    throw new InvalidParameterError({
      what: "deadline",
      reason: `${deadline} is sooner than the quote's minDuration (${quote.minDuration} s) after the latest block (${now})`,
    });
  }
  const escrow = contractAddress(parameters.contracts, "JobEscrow");
  const escrowed = BigInt(quote.maxTokens) * quote.pricePerToken;
  const args = [quote, parameters.signature, deadline] as const;
  const data = encodeFunctionData({ abi: jobEscrowAbi, functionName: "openJobWithQuote", args });
  const { hash, receipt } =
    (await agentWalletPull(client, { ...parameters, account, escrow, escrowed, data })) ??
    (await write(client, { address: escrow, abi: jobEscrowAbi, functionName: "openJobWithQuote", args, account })); // prettier-ignore
  return { hash, receipt, jobId: openedJobId(receipt.logs, escrow), escrowed };
}

/** Parameters of the actions on one job. */
export interface JobIdParameters extends WriteParameters {
  /** Addresses; `JobEscrow` is used. */
  contracts: AitbcContracts;
  /** The job id. */
  jobId: bigint;
}

async function jobCall(
  client: AitbcWriteClient,
  parameters: JobIdParameters,
  functionName: "claim" | "finalize" | "reclaim" | "cancelJob" | "dispute",
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, functionName);
  const jobId = assertAmount(parameters.jobId, "jobId", { positive: true });
  const escrow = contractAddress(parameters.contracts, "JobEscrow");
  if (functionName === "dispute") {
    const policy = await read(client, { address: escrow, abi: jobEscrowAbi, functionName: "policy" });
    const { disputeBond: bond } = await read(client, {
      address: policy,
      abi: marketPolicyAbi,
      functionName: "parameters",
    });
    await ensureAllowance(client, {
      contracts: parameters.contracts,
      spender: escrow,
      amount: bond,
      account,
    });
  }
  return write(client, { address: escrow, abi: jobEscrowAbi, functionName, args: [jobId], account });
}

/**
 * Claims an open job as provider (registered, staked ≥ minStake, serving the model, tier ≥ minTier).
 *
 * @param client A wallet client of the provider.
 * @param parameters `{ contracts, jobId, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} e.g. `EscrowWrongStatus(jobId, status)`, `EscrowModelNotServed`.
 * @example
 * ```ts
 * await claimJob(providerWallet, { contracts, jobId });
 * ```
 */
export function claimJob(client: AitbcWriteClient, parameters: JobIdParameters): Promise<WriteReturnType> {
  return jobCall(client, parameters, "claim");
}

/**
 * Settles a job after its challenge window (anyone): pays the provider, the protocol fee and the
 * consumer's refund as withdrawable credit.
 *
 * @param client A wallet client (anyone).
 * @param parameters `{ contracts, jobId, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `EscrowChallengeWindowOpen(jobId, challengeEnds)` too early.
 * @example
 * ```ts
 * await finalizeJob(wallet, { contracts, jobId });
 * ```
 */
export function finalizeJob(client: AitbcWriteClient, parameters: JobIdParameters): Promise<WriteReturnType> {
  return jobCall(client, parameters, "finalize");
}

/**
 * Disputes a submitted result within the challenge window, escrowing the dispute bond (100 AITBC by
 * default; approved first if needed). The council arbitrates.
 *
 * @param client A wallet client of the disputer.
 * @param parameters `{ contracts, jobId, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `EscrowChallengeWindowClosed`, `EscrowWrongStatus`.
 * @example
 * ```ts
 * await disputeJob(consumerWallet, { contracts, jobId });
 * ```
 */
export function disputeJob(client: AitbcWriteClient, parameters: JobIdParameters): Promise<WriteReturnType> {
  return jobCall(client, parameters, "dispute");
}

/**
 * Refunds a job whose deadline passed without a result (anyone); the assigned provider is penalised.
 *
 * @param client A wallet client (anyone).
 * @param parameters `{ contracts, jobId, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `EscrowDeadlineNotPassed(jobId, deadline)`.
 * @example
 * ```ts
 * await reclaimJob(wallet, { contracts, jobId });
 * ```
 */
export function reclaimJob(client: AitbcWriteClient, parameters: JobIdParameters): Promise<WriteReturnType> {
  return jobCall(client, parameters, "reclaim");
}

/**
 * Withdraws the sender's credited payouts (provider earnings, refunds, returned bonds).
 *
 * @param client A wallet client.
 * @param parameters `{ contracts, account? }`.
 * @returns `{ hash, receipt, amount }` (wei).
 * @throws {ContractRevertError} `EscrowNothingToWithdraw(account)`.
 * @example
 * ```ts
 * const { amount } = await withdrawEarnings(providerWallet, { contracts });
 * ```
 */
export async function withdrawEarnings(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts } & WriteParameters,
): Promise<WriteReturnType & { amount: bigint }> {
  const account = resolveAccount(client, parameters.account, "withdrawEarnings");
  const { hash, receipt, result } = await write(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    functionName: "withdraw",
    account,
  });
  return { hash, receipt, amount: result };
}

/** Parameters of {@link submitResult}. */
export interface SubmitResultParameters extends JobIdParameters {
  /** keccak256 of the output (bytes32). */
  outputHash: Hex;
  /** Tokens produced (≤ the job's maxTokens). */
  tokenCount: bigint;
  /**
   * The receipt proof from `proveReceipt` for exactly this job, output and token count; only its
   * verifier `calldata` and `nullifier` are sent (so a proof kept on disk, e.g. in a miner's
   * journal, can be submitted without the rest).
   */
  proof: { nullifier: bigint; calldata: Pick<VerifierCalldata, "pA" | "pB" | "pC"> };
}

/**
 * Submits a result with its zero-knowledge receipt proof; the challenge window starts.
 *
 * @param client A wallet client of the assigned provider.
 * @param parameters See {@link SubmitResultParameters}.
 * @returns `{ hash, receipt, challengeEnds }` (Unix seconds).
 * @throws {ContractRevertError} e.g. `EscrowInvalidProof(jobId)`, `EscrowNullifierSpent`, `EscrowTooManyTokens`.
 * @example
 * ```ts
 * const proof = await proveReceipt(secret, {
 *   chainId, escrow, jobId, modelDigest, promptHash, outputHash, tokenCount, pricePerToken,
 * });
 * await submitResult(providerWallet, { contracts, jobId, outputHash, tokenCount, proof });
 * ```
 */
export async function submitResult(
  client: AitbcWriteClient,
  parameters: SubmitResultParameters,
): Promise<WriteReturnType & { challengeEnds: bigint }> {
  const account = resolveAccount(client, parameters.account, "submitResult");
  const jobId = assertAmount(parameters.jobId, "jobId", { positive: true });
  const outputHash = assertBytes32(parameters.outputHash, "outputHash");
  const tokenCount = assertAmount(parameters.tokenCount, "tokenCount", { max: maxUint(32) });
  const { calldata, nullifier } = parameters.proof;
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    functionName: "submitResult",
    args: [jobId, outputHash, tokenCount, nullifier, { a: calldata.pA, b: calldata.pB, c: calldata.pC }],
    account,
  });
  const [event] = parseEventLogs({ abi: jobEscrowAbi, logs: receipt.logs, eventName: "ResultSubmitted" });
  return { hash, receipt, challengeEnds: event?.args.challengeEnds ?? 0n };
}

/** Parameters of {@link submitInferenceResult}: those of {@link submitResult} and the proof of inference. */
export interface SubmitInferenceResultParameters extends SubmitResultParameters {
  /**
   * The job's prompt payload: the exact bytes (or a string, as its UTF-8 bytes) whose keccak256 is
   * the job's prompt hash. The checker tokenizes it on-chain.
   */
  prompt: string | Uint8Array;
  /**
   * The proof of inference for this job (`proveInference(prompt, { jobKey: jobId })`); only its
   * verifier calldata is sent.
   */
  inference: { calldata: Pick<VerifierCalldata, "pA" | "pB" | "pC"> };
}

/**
 * The evidence `TopicClassifierChecker.checkInference` takes: `abi.encode(bytes prompt, uint256[8]
 * proof)`, the proof as `[pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]]`
 * (the generated verifier's argument order, as `toVerifierCalldata` gives it).
 *
 * @param prompt The prompt payload (bytes, or a string as its UTF-8 bytes).
 * @param calldata The proof of inference's verifier calldata.
 * @returns The ABI-encoded evidence.
 * @example
 * ```ts
 * const proof = await proveInference(payload, { jobKey: jobId });
 * const evidence = inferenceEvidence(payload, proof.calldata);
 * ```
 */
export function inferenceEvidence(
  prompt: string | Uint8Array,
  calldata: Pick<VerifierCalldata, "pA" | "pB" | "pC">,
): Hex {
  const bytes = typeof prompt === "string" ? new TextEncoder().encode(prompt) : prompt;
  const { pA, pB, pC } = calldata;
  return encodeAbiParameters(
    [{ type: "bytes" }, { type: "uint256[8]" }],
    [toHex(bytes), [pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]]],
  );
}

/**
 * Submits the result of a job whose model has a checker in the market policy (the built-in model):
 * the receipt proof as in {@link submitResult} plus the proof of inference, which the checker verifies
 * on-chain against the prompt payload (its hash must be the job's), the output hash (keccak256 of a
 * label) and the job id. A wrong answer cannot be settled at all; the challenge window starts.
 *
 * @param client A wallet client of the assigned provider.
 * @param parameters See {@link SubmitInferenceResultParameters}.
 * @returns `{ hash, receipt, challengeEnds }` (Unix seconds).
 * @throws {ContractRevertError} e.g. `InferenceInvalidProof(jobKey)`, `InferencePromptMismatch`,
 *   `InferenceTokenCountMismatch`, `EscrowNoInferenceChecker`, and those of {@link submitResult}.
 * @example
 * ```ts
 * const inference = await proveInference(payload, { jobKey: jobId });
 * const outputHash = keccak256(stringToHex(inference.label));
 * const proof = await proveReceipt(secret, { chainId, escrow, jobId, modelDigest, promptHash, outputHash, tokenCount: 1n, pricePerToken });
 * await submitInferenceResult(providerWallet, { contracts, jobId, outputHash, tokenCount: 1n, proof, prompt: payload, inference });
 * ```
 */
export async function submitInferenceResult(
  client: AitbcWriteClient,
  parameters: SubmitInferenceResultParameters,
): Promise<WriteReturnType & { challengeEnds: bigint }> {
  const account = resolveAccount(client, parameters.account, "submitInferenceResult");
  const jobId = assertAmount(parameters.jobId, "jobId", { positive: true });
  const outputHash = assertBytes32(parameters.outputHash, "outputHash");
  const tokenCount = assertAmount(parameters.tokenCount, "tokenCount", { max: maxUint(32) });
  const { calldata, nullifier } = parameters.proof;
  const evidence = inferenceEvidence(parameters.prompt, parameters.inference.calldata);
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    functionName: "submitInferenceResult",
    args: [
      jobId,
      outputHash,
      tokenCount,
      nullifier,
      { a: calldata.pA, b: calldata.pB, c: calldata.pC },
      evidence,
    ],
    account,
  }).catch((error: unknown) => {
    throw withCheckerError(error);
  });
  const [event] = parseEventLogs({ abi: jobEscrowAbi, logs: receipt.logs, eventName: "ResultSubmitted" });
  return { hash, receipt, challengeEnds: event?.args.challengeEnds ?? 0n };
}

/**
 * The checker's `Inference*` errors reach the caller through the escrow unchanged, but are declared
 * in `IInferenceChecker`, not in the escrow's ABI: decode them when the generic decoder could not.
 */
function withCheckerError(error: unknown): unknown {
  if (!(error instanceof ContractRevertError) || error.errorName !== undefined || error.data === undefined) {
    return error;
  }
  try {
    const decoded = decodeErrorResult({ abi: inferenceCheckerAbi, data: error.data });
    return new ContractRevertError({
      errorName: decoded.errorName,
      args: decoded.args ?? [],
      data: error.data,
      functionName: error.functionName,
      cause: error,
    });
  } catch {
    return error;
  }
}

/** The market's parameters as `MarketPolicy` holds them (wei, seconds, basis points). */
export interface MarketParameters {
  /** Share of a job's fee for the treasury, basis points. */
  protocolFeeBps: number;
  /** Seconds after a result during which it can be disputed. */
  challengeWindow: number;
  /** Wei of AITBC a dispute escrows. */
  disputeBond: bigint;
  /** Stake slashed from a provider found at fault, basis points. */
  disputeSlashBps: number;
  /** Stake slashed for a penalisable missed deadline, basis points. */
  deadlineSlashBps: number;
  /** Share of a slash for the wronged party or challenger, basis points. */
  slashRewardBps: number;
  /** Least seconds from assignment to deadline for a miss to be penalised. */
  minPenaltyWindow: number;
  /** Seconds to reveal a disputed batch job's data. */
  revealWindow: number;
  /** Share of jobs sampled for re-execution, basis points. */
  sampleRateBps: number;
  /** Receiver of protocol fees and the treasury's share of slashes. */
  treasury: Address;
  /** The policy contract read (the escrow's `policy()`). */
  policy: Address;
}

/**
 * Reads the market's parameters from the policy the escrow uses (`JobEscrow.policy()`, or
 * `BatchEscrow.policy()` with `escrow: "BatchEscrow"`), so the values are the ones that escrow applies.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, escrow? }` (`JobEscrow` by default).
 * @returns See {@link MarketParameters}.
 * @example
 * ```ts
 * const { challengeWindow, disputeBond } = await getMarketParameters(client, { contracts });
 * const { revealWindow } = await getMarketParameters(client, { contracts, escrow: "BatchEscrow" });
 * ```
 */
export async function getMarketParameters(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; escrow?: "JobEscrow" | "BatchEscrow" },
): Promise<MarketParameters> {
  const name = parameters.escrow ?? "JobEscrow";
  const escrow = contractAddress(parameters.contracts, name);
  const policy =
    name === "JobEscrow"
      ? await read(client, { address: escrow, abi: jobEscrowAbi, functionName: "policy" })
      : await read(client, { address: escrow, abi: batchEscrowAbi, functionName: "policy" });
  const [p, sampleRateBps, treasury] = await Promise.all([
    read(client, { address: policy, abi: marketPolicyAbi, functionName: "parameters" }),
    read(client, { address: policy, abi: marketPolicyAbi, functionName: "sampleRateBps" }),
    read(client, { address: policy, abi: marketPolicyAbi, functionName: "treasury" }),
  ]);
  return {
    protocolFeeBps: p.protocolFeeBps,
    challengeWindow: p.challengeWindow,
    disputeBond: p.disputeBond,
    disputeSlashBps: p.disputeSlashBps,
    deadlineSlashBps: p.deadlineSlashBps,
    slashRewardBps: p.slashRewardBps,
    minPenaltyWindow: p.minPenaltyWindow,
    revealWindow: p.revealWindow,
    sampleRateBps,
    treasury,
    policy,
  };
}

/**
 * Reads the job from the chain, proves its receipt with the provider's secret and submits it.
 *
 * @param client A wallet client of the assigned provider.
 * @param parameters `{ contracts, jobId, secret, outputHash, tokenCount, artifactsDir? }`; `secret` is
 *   the identity secret whose commitment the provider registered.
 * @returns `{ hash, receipt, challengeEnds, proof }`.
 * @throws {WitnessGenerationError} if the values violate the circuit; {ContractRevertError} as {@link submitResult}.
 * @example
 * ```ts
 * await proveAndSubmitResult(providerWallet, { contracts, jobId, secret, outputHash, tokenCount: 37n });
 * ```
 */
export async function proveAndSubmitResult(
  client: AitbcWriteClient,
  parameters: Omit<SubmitResultParameters, "proof"> & { secret: bigint } & ArtifactOptions,
): Promise<WriteReturnType & { challengeEnds: bigint; proof: ReceiptProof }> {
  const job = await getJob(client, parameters);
  const proof = await proveReceipt(
    parameters.secret,
    {
      chainId: BigInt(await getChainId(client)),
      escrow: contractAddress(parameters.contracts, "JobEscrow"),
      jobId: parameters.jobId,
      modelDigest: job.modelDigest,
      promptHash: job.promptHash,
      outputHash: assertBytes32(parameters.outputHash, "outputHash"),
      tokenCount: parameters.tokenCount,
      pricePerToken: job.pricePerToken,
    },
    {
      maxTokens: job.maxTokens,
      ...(parameters.artifactsDir === undefined ? {} : { artifactsDir: parameters.artifactsDir }),
    },
  );
  return { ...(await submitResult(client, { ...parameters, proof })), proof };
}

/** A job as stored by the escrow (amounts in wei, times in Unix seconds). */
export interface Job {
  jobId: bigint;
  consumer: Address;
  provider: Address;
  status: JobStatusName;
  modelDigest: Hex;
  promptHash: Hex;
  maxTokens: bigint;
  pricePerToken: bigint;
  deadline: bigint;
  minTier: TierName;
  /** End of the challenge window once a result is submitted (0 before). */
  challengeEnds: bigint;
  /** Tokens reported by the result (0 before). */
  tokenCount: bigint;
  /** AITBC held for the job. */
  escrowed: bigint;
}

/**
 * Reads a job.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, jobId }`.
 * @returns See {@link Job}; status `"None"` for an unknown id.
 * @example
 * ```ts
 * const { status, provider } = await getJob(client, { contracts, jobId });
 * ```
 */
export async function getJob(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; jobId: bigint },
): Promise<Job> {
  const jobId = assertAmount(parameters.jobId, "jobId");
  const job = await read(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    functionName: "jobOf",
    args: [jobId],
  });
  return {
    jobId,
    consumer: job.consumer,
    provider: job.provider,
    status: JOB_STATUSES[job.status]!,
    modelDigest: job.modelDigest,
    promptHash: job.promptHash,
    maxTokens: BigInt(job.maxTokens),
    pricePerToken: job.pricePerToken,
    deadline: BigInt(job.deadline),
    minTier: TIERS[job.minTier]!,
    challengeEnds: BigInt(job.challengeEnds),
    tokenCount: BigInt(job.tokenCount),
    escrowed: job.escrowed,
  };
}

/** A decoded JobEscrow event about a job. */
export interface JobEvent {
  /** Event name, e.g. `"JobOpened"`, `"ResultSubmitted"`, `"JobSettled"`. */
  eventName: string;
  /** The job it concerns. */
  jobId: bigint;
  /** Decoded arguments. */
  args: Readonly<Record<string, unknown>>;
  /** Transaction hash. */
  transactionHash: Hex | null;
  /** Block number. */
  blockNumber: bigint | null;
}

/**
 * Watches JobEscrow events (all jobs, or one `jobId`) and calls `onEvent` for each, in order.
 *
 * @param client A viem client (polling is used on HTTP and custom transports).
 * @param parameters `{ contracts, jobId?, onEvent, onError?, pollingInterval? }` (interval in ms).
 * @returns A function that stops watching.
 * @example
 * ```ts
 * const unwatch = watchJobEvents(client, { contracts, jobId, onEvent: (e) => console.log(e.eventName) });
 * ```
 */
export function watchJobEvents(
  client: AitbcReadClient,
  parameters: {
    contracts: AitbcContracts;
    jobId?: bigint;
    onEvent: (event: JobEvent) => void;
    onError?: (error: Error) => void;
    pollingInterval?: number;
  },
): WatchContractEventReturnType {
  const jobId = parameters.jobId === undefined ? undefined : assertAmount(parameters.jobId, "jobId");
  return watchContractEvent(client, {
    address: contractAddress(parameters.contracts, "JobEscrow"),
    abi: jobEscrowAbi,
    poll: true,
    ...(parameters.pollingInterval === undefined ? {} : { pollingInterval: parameters.pollingInterval }),
    ...(parameters.onError === undefined ? {} : { onError: parameters.onError }),
    onLogs: (logs) => {
      for (const log of logs) {
        const args = (log.args ?? {}) as Record<string, unknown>;
        const id = args.jobId;
        if (typeof id !== "bigint") continue;
        if (jobId !== undefined && id !== jobId) continue;
        parameters.onEvent({
          eventName: log.eventName ?? "unknown",
          jobId: id,
          args,
          transactionHash: log.transactionHash,
          blockNumber: log.blockNumber,
        });
      }
    },
  });
}

/** Parameters of {@link runJob}. */
export interface RunJobParameters extends OpenJobParameters {
  /** Call `finalize` once the challenge window is over (default true). */
  finalize?: boolean;
  /** Give up after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
  /** Poll interval, milliseconds (default: the client's polling interval). */
  pollingInterval?: number;
  /** Called on each status change. */
  onStatus?: (job: Job) => void;
}

/** Result of {@link runJob}. */
export interface RunJobReturnType {
  /** The job id. */
  jobId: bigint;
  /** The settled (or refunded) job. */
  job: Job;
  /** Settlement split (wei) from `JobSettled`, if settled by this call or found. */
  settlement?: { providerAmount: bigint; protocolFee: bigint; refund: bigint };
}

/**
 * Opens a job and waits until it is settled: a provider claims it and submits a proven result;
 * after the challenge window this call finalizes it (unless `finalize: false`). Returns on
 * `Settled` or `Refunded`.
 *
 * @param client A wallet client of the consumer.
 * @param parameters See {@link RunJobParameters}.
 * @returns `{ jobId, job, settlement? }`.
 * @throws {WaitTimeoutError} if not settled within `timeoutMs`; errors of {@link openJob}.
 * @example
 * ```ts
 * const { job } = await runJob(wallet, { contracts, modelDigest, promptHash, maxTokens: 100n,
 *   pricePerToken: 10n ** 15n, deadline: now + 3600n });
 * ```
 */
export async function runJob(
  client: AitbcWriteClient,
  parameters: RunJobParameters,
): Promise<RunJobReturnType> {
  const timeoutMs = parameters.timeoutMs ?? 600_000;
  const interval = parameters.pollingInterval ?? client.pollingInterval;
  const { jobId } = await openJob(client, parameters);
  const started = Date.now();
  let last: JobStatusName | undefined;
  let finalizeHash: Hex | undefined;
  for (;;) {
    const job = await getJob(client, { contracts: parameters.contracts, jobId });
    if (job.status !== last) {
      last = job.status;
      parameters.onStatus?.(job);
    }
    if (job.status === "Settled" || job.status === "Refunded") {
      let settlement: RunJobReturnType["settlement"];
      if (finalizeHash !== undefined) {
        const receipt = await getTransactionReceipt(client, { hash: finalizeHash });
        const [event] = parseEventLogs({ abi: jobEscrowAbi, logs: receipt.logs, eventName: "JobSettled" });
        if (event !== undefined)
          settlement = {
            providerAmount: event.args.providerAmount,
            protocolFee: event.args.protocolFee,
            refund: event.args.refund,
          };
      }
      return { jobId, job, ...(settlement === undefined ? {} : { settlement }) };
    }
    if (job.status === "Submitted" && parameters.finalize !== false) {
      const now = (await getBlock(client)).timestamp;
      if (now >= job.challengeEnds) {
        finalizeHash = (
          await finalizeJob(client, {
            contracts: parameters.contracts,
            jobId,
            ...(parameters.account === undefined ? {} : { account: parameters.account }),
          })
        ).hash;
        continue;
      }
    }
    if (Date.now() - started > timeoutMs)
      throw new WaitTimeoutError({ what: `job ${jobId} to settle`, timeoutMs });
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
