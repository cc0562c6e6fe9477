/**
 * Test and benchmark fixture for batch settlement: the market of test/helpers/market.ts (with its
 * market policy) plus the generated batch-receipt verifier and `BatchEscrow` (ESCROW_ROLE in staking and
 * reputation granted by governance, ARBITER_ROLE to the arbiter), and helpers that sign EIP-712
 * `BatchJobRequest`s, build the jobs' leaves and prove a batch with the real circuit.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type { Address } from "viem";

import type { Hex } from "../../sdk/src/zk/field.js";
import {
  batchCommitment,
  batchJobsRoot,
  proveBatchReceipt,
  type BatchLeaf,
  type BatchReceiptProof,
} from "../../sdk/src/zk/batch.js";
import { deployMarket, MODEL, OUTPUT, PRICE, MAX_TOKENS, PROMPT, TOKENS } from "../helpers/market.js";

/** EIP-712 types of `IBatchEscrow.BatchJobRequest`. */
export const REQUEST_TYPES = {
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
};

/** `IBatchEscrow.BatchJobRequest` (amounts in wei, deadline in Unix seconds). */
export interface BatchJobRequest {
  consumer: string;
  provider: string;
  modelDigest: string;
  promptHash: string;
  pricePerToken: bigint;
  maxTokens: bigint;
  deadline: bigint;
  nonce: bigint;
}

/** `IBatchEscrow.BatchJob`. */
export interface BatchJob {
  request: BatchJobRequest;
  signature: string;
  outputHash: string;
  tokenCount: bigint;
  inference: string;
}

/** `IBatchEscrow.BatchStatus`. */
export const BatchStatus = { None: 0, Submitted: 1, Finalized: 2 } as const;

/**
 * Deploys the market (with its MarketPolicy, shared by both escrows) and, on top of it,
 * BatchReceiptVerifier and BatchEscrow, and wires the roles as the deployment does.
 */
export async function deployBatchMarket(connection: NetworkConnection) {
  const market = await deployMarket(connection);
  const { ethers } = connection;
  const { token, staking, reputation, policy, governance, arbiter } = market;
  const batchVerifier = await ethers.deployContract("BatchReceiptVerifier");
  const batchEscrow = await ethers.deployContract("BatchEscrow", [
    await token.getAddress(),
    await staking.getAddress(),
    await reputation.getAddress(),
    await policy.getAddress(),
    await batchVerifier.getAddress(),
    governance.address,
  ]);
  const escrowAddress = await batchEscrow.getAddress();
  await staking.connect(governance).grantRole(await staking.ESCROW_ROLE(), escrowAddress);
  await reputation.connect(governance).grantRole(await reputation.ESCROW_ROLE(), escrowAddress);
  await batchEscrow.connect(governance).grantRole(await batchEscrow.ARBITER_ROLE(), arbiter.address);
  const chainId = (await ethers.provider.getNetwork()).chainId;
  return { ...market, policy, batchVerifier, batchEscrow, chainId };
}

export type BatchMarket = Awaited<ReturnType<typeof deployBatchMarket>>;

/** The batch escrow's EIP-712 domain. */
export async function batchDomain(market: BatchMarket, escrow: BaseContract = market.batchEscrow) {
  return {
    name: "AITBC BatchEscrow",
    version: "1",
    chainId: market.chainId,
    verifyingContract: await escrow.getAddress(),
  };
}

/** A request of `consumer` for `provider` with the market defaults, valid for an hour from the latest block. */
export async function batchRequest(
  market: BatchMarket,
  consumer: string,
  provider: string,
  nonce: bigint,
  overrides: Partial<BatchJobRequest> = {},
): Promise<BatchJobRequest> {
  const latest = BigInt((await market.ethers.provider.getBlock("latest"))!.timestamp);
  return {
    consumer,
    provider,
    modelDigest: MODEL,
    promptHash: PROMPT,
    pricePerToken: PRICE,
    maxTokens: MAX_TOKENS,
    deadline: latest + 3_600n,
    nonce,
    ...overrides,
  };
}

/** A job answering `request`, signed by `signer` (EIP-712 for `escrow`), producing OUTPUT in TOKENS tokens. */
export async function signedJob(
  market: BatchMarket,
  request: BatchJobRequest,
  signer: Signer,
  escrow: BaseContract = market.batchEscrow,
): Promise<BatchJob> {
  const signature = await signer.signTypedData(await batchDomain(market, escrow), REQUEST_TYPES, request);
  return { request, signature, outputHash: OUTPUT, tokenCount: TOKENS, inference: "0x" };
}

/** The leaves the escrow builds for `jobs` (request digests computed by the escrow's `requestDigest`). */
export async function leavesOf(market: BatchMarket, jobs: readonly BatchJob[]): Promise<BatchLeaf[]> {
  return Promise.all(
    jobs.map(async (job, index) => ({
      index: BigInt(index),
      requestDigest: (await market.batchEscrow.requestDigest(job.request)) as Hex,
      consumer: job.request.consumer as Address,
      outputHash: job.outputHash as Hex,
      tokenCount: job.tokenCount,
      fee: job.tokenCount * job.request.pricePerToken,
    })),
  );
}

/** A batch-receipt proof with `args`, its `uint256[8]` as the (mutable) array ethers takes. */
export type BatchProof = BatchReceiptProof & { args: bigint[] };

/**
 * The real batch-receipt proof of `jobs` settled by `provider` with identity secret `secret`, for
 * `escrow`'s commitment (leaves built with the main escrow's request digests).
 */
export async function proveBatch(
  market: BatchMarket,
  secret: bigint,
  provider: HardhatEthersSigner,
  jobs: readonly BatchJob[],
  escrow: BaseContract = market.batchEscrow,
): Promise<BatchProof> {
  const leaves = await leavesOf(market, jobs);
  const commitment = batchCommitment({
    chainId: market.chainId,
    escrow: (await escrow.getAddress()) as Address,
    provider: provider.address as Address,
    jobsRoot: batchJobsRoot(leaves),
    jobCount: BigInt(jobs.length),
  });
  const proof = await proveBatchReceipt(secret, { commitment });
  return { ...proof, args: [...proof.calldata] };
}
