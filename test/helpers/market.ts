/**
 * Test fixture for the market: the AITBC token plus ReceiptVerifier, ReputationRegistry, GPUStaking
 * and JobEscrow deployed through the Ignition module `addMarket`. Governance (the timelock in a real
 * deployment) and the arbiter (the council Safe) are plain accounts here so that unit tests can
 * call them directly; test/market/dao.ts runs the same module against the real DAO.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, toUtf8Bytes } from "ethers";

import type { Address } from "viem";

import type { AitbcContracts } from "../../sdk/src/deployments.js";
import type { Hex } from "../../sdk/src/zk/field.js";
import { buildMarketModule } from "../../deploy/modules/market.js";
import {
  identityCommitment,
  proveReceipt,
  type ReceiptDeployment,
  type ReceiptJob,
  type ReceiptProof,
} from "../../sdk/src/zk/receipt.js";

export const AITBC = 10n ** 18n;
export const DAY = 24 * 3600;
export const MIN_STAKE = 1_000n * AITBC;

/** Provider identity secrets (field elements). */
export const SECRET_1 = 0x5ec2e7_0001n;
export const SECRET_2 = 0x5ec2e7_0002n;

export const MODEL = keccak256(toUtf8Bytes("llama3.2:1b@sha256:0b1c")) as Hex;
export const OTHER_MODEL = keccak256(toUtf8Bytes("mistral:7b@sha256:77aa")) as Hex;
export const PROMPT = keccak256(toUtf8Bytes("Explain zero-knowledge proofs in one sentence.")) as Hex;
export const OUTPUT = keccak256(
  toUtf8Bytes("They prove a statement without revealing why it is true."),
) as Hex;
export const MAX_TOKENS = 100n;
export const PRICE = 2n * 10n ** 15n; // 0.002 AITBC per token
export const TOKENS = 37n;

/** `JobStatus` of IJobEscrow. */
export const Status = {
  None: 0,
  Open: 1,
  Claimed: 2,
  Submitted: 3,
  Disputed: 4,
  Settled: 5,
  Refunded: 6,
} as const;
/** `Tiers.Tier`. */
export const Tier = { Bronze: 0, Silver: 1, Gold: 2, Platinum: 3 } as const;
/** `IReputationRegistry.Component`. */
export const Component = {
  Performance: 0,
  Transactions: 1,
  Community: 2,
  Reliability: 3,
  Disputes: 4,
} as const;

/**
 * The receipt of job `jobId` on `deployment` (the escrow and chain it settles on, see
 * `market.receiptDeployment`) with the default model, prompt, output, price and token count.
 */
export function receiptJob(
  jobId: bigint,
  deployment: ReceiptDeployment,
  overrides: Partial<ReceiptJob> = {},
): ReceiptJob {
  return {
    ...deployment,
    jobId,
    modelDigest: MODEL,
    promptHash: PROMPT,
    outputHash: OUTPUT,
    tokenCount: TOKENS,
    pricePerToken: PRICE,
    ...overrides,
  };
}

const proofCache = new Map<string, Promise<ReceiptProof>>();

/** Proves a receipt once per (secret, job) for the whole test process (~0.3 s each). */
export function cachedReceipt(secret: bigint, job: ReceiptJob): Promise<ReceiptProof> {
  const key = JSON.stringify({ secret: secret.toString(), ...job, jobId: job.jobId.toString() }, (_, v) =>
    typeof v === "bigint" ? v.toString() : (v as unknown),
  );
  let proof = proofCache.get(key);
  if (proof === undefined) {
    proof = proveReceipt(secret, job);
    proofCache.set(key, proof);
  }
  return proof;
}

/** The escrow's `Groth16Proof` struct argument of a receipt. */
export function proofArg(receipt: ReceiptProof) {
  return { a: receipt.calldata.pA, b: receipt.calldata.pB, c: receipt.calldata.pC };
}

/** A GPU declaration. */
export const GPU = { model: "NVIDIA RTX 4090", vramGb: 24, throughput: 120 };

/**
 * Deploys token and market, funds the actors, registers provider1 and provider2 (staked
 * `MIN_STAKE` on the 30-day lock, serving MODEL) and approves the escrow for the consumer and the
 * challenger.
 */
export async function deployMarket(connection: NetworkConnection) {
  const { ethers, ignition } = connection;
  const signers = await ethers.getSigners();
  const [deployer, governance, arbiter, treasury, ecosystem, oracle, certifier] = signers;
  const [consumer, provider1, provider2, challenger, outsider, unstaked, walletOwner] = signers.slice(7);

  const token = await ethers.deployContract("AITBCToken", [
    treasury!.address,
    ecosystem!.address,
    ecosystem!.address,
    ecosystem!.address,
    [ecosystem!.address],
    [100_000_000n * AITBC],
    { votingPowerCapBps: 500n, shortAverageWindow: 86_400n, longAverageWindow: 604_800n },
  ]);
  const deployed = await ignition.deploy(
    buildMarketModule({
      token: await token.getAddress(),
      timelock: governance!.address,
      council: arbiter!.address,
      treasury: treasury!.address,
      oracle: oracle!.address,
      certifier: certifier!.address,
    }),
  );
  const verifier = await ethers.getContractAt("ReceiptVerifier", await deployed.receiptVerifier.getAddress());
  const reputation = await ethers.getContractAt("ReputationRegistry", await deployed.reputation.getAddress());
  const staking = await ethers.getContractAt("GPUStaking", await deployed.staking.getAddress());
  const escrow = await ethers.getContractAt("JobEscrow", await deployed.escrow.getAddress());
  const policy = await ethers.getContractAt("MarketPolicy", await deployed.policy.getAddress());
  const checker = await ethers.getContractAt("TopicClassifierChecker", await deployed.checker.getAddress());

  for (const account of [consumer, provider1, provider2, challenger, outsider, unstaked]) {
    await token.connect(ecosystem).transfer(account!.address, 1_000_000n * AITBC);
  }
  for (const account of [consumer, challenger, outsider]) {
    await token.connect(account).approve(await escrow.getAddress(), ethers.MaxUint256);
  }
  for (const [provider, secret] of [
    [provider1!, SECRET_1],
    [provider2!, SECRET_2],
  ] as const) {
    await staking.connect(provider).register(identityCommitment(secret), GPU, [MODEL]);
    await token.connect(provider).approve(await staking.getAddress(), ethers.MaxUint256);
    await staking.connect(provider).stake(MIN_STAKE, 0);
  }
  await token.connect(unstaked).approve(await staking.getAddress(), ethers.MaxUint256);

  /** The deployment receipts of this market's escrow are bound to. */
  const receiptDeployment: ReceiptDeployment = {
    chainId: (await ethers.provider.getNetwork()).chainId,
    escrow: (await escrow.getAddress()) as Address,
  };

  return {
    ...connection,
    receiptDeployment,
    token,
    verifier,
    reputation,
    staking,
    escrow,
    policy,
    checker,
    deployer: deployer!,
    governance: governance!,
    arbiter: arbiter!,
    treasury: treasury!,
    ecosystem: ecosystem!,
    oracle: oracle!,
    certifier: certifier!,
    consumer: consumer!,
    provider1: provider1!,
    provider2: provider2!,
    challenger: challenger!,
    outsider: outsider!,
    unstaked: unstaked!,
    walletOwner: walletOwner!,
  };
}

export type Market = Awaited<ReturnType<typeof deployMarket>>;

/**
 * The market's addresses by contract name, as the SDK's actions and the programs take them, plus a
 * fresh `ServiceRegistry` on the market's staking when `serviceRegistry` is set (the miner publishes
 * its URI there at start).
 */
export async function marketContracts(
  market: Market,
  { serviceRegistry = false }: { serviceRegistry?: boolean } = {},
): Promise<AitbcContracts> {
  const staking = (await market.staking.getAddress()) as Address;
  const contracts: Record<string, Address> = {
    AITBCToken: (await market.token.getAddress()) as Address,
    GPUStaking: staking,
    JobEscrow: (await market.escrow.getAddress()) as Address,
    ReputationRegistry: (await market.reputation.getAddress()) as Address,
    MarketPolicy: (await market.policy.getAddress()) as Address,
  };
  if (serviceRegistry) {
    const registry = await market.ethers.deployContract("ServiceRegistry", [staking]);
    contracts.ServiceRegistry = (await registry.getAddress()) as Address;
  }
  return contracts;
}

/** A job request with the defaults, deadline one day from the latest block. */
export async function jobRequest(market: Market, overrides: Record<string, unknown> = {}) {
  const now = await market.networkHelpers.time.latest();
  return {
    modelDigest: MODEL,
    promptHash: PROMPT,
    maxTokens: MAX_TOKENS,
    pricePerToken: PRICE,
    deadline: BigInt(now + DAY),
    minTier: Tier.Bronze,
    ...overrides,
  };
}

/** Opens a job as `consumer` (default: the fixture's consumer); returns its id. */
export async function openJob(
  market: Market,
  overrides: Record<string, unknown> = {},
  consumer: HardhatEthersSigner = market.consumer,
): Promise<bigint> {
  await market.escrow.connect(consumer).openJob(await jobRequest(market, overrides));
  return market.escrow.lastJobId();
}

/** Opens a job and has `provider` claim it; returns its id. */
export async function openAndClaim(
  market: Market,
  provider: HardhatEthersSigner = market.provider1,
  overrides: Record<string, unknown> = {},
): Promise<bigint> {
  const jobId = await openJob(market, overrides);
  await market.escrow.connect(provider).claim(jobId);
  return jobId;
}

/** Submits the default result of `jobId` with provider1's real proof. */
export async function submitDefault(
  market: Market,
  jobId: bigint,
  secret = SECRET_1,
  provider = market.provider1,
) {
  const receipt = await cachedReceipt(secret, receiptJob(jobId, market.receiptDeployment));
  return market.escrow
    .connect(provider)
    .submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt));
}

/** EIP-712 types of a quote (`IJobEscrow.Quote`; `minDuration` in seconds, `expiry` Unix seconds). */
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
};

/** The escrow's EIP-712 domain. */
export async function quoteDomain(market: Market) {
  return {
    name: "AITBC JobEscrow",
    version: "1",
    chainId: (await market.ethers.provider.getNetwork()).chainId,
    verifyingContract: await market.escrow.getAddress(),
  };
}

/**
 * A quote by `provider1` for the fixture's consumer, model and prompt at {@link PRICE} for
 * {@link MAX_TOKENS}, agreeing to a one-hour minimum duration, valid for 10 minutes from the latest
 * block, nonce 1 — with `overrides` applied; and its EIP-712 signature by `signer` (default provider1).
 */
export async function signedQuote(
  market: Market,
  overrides: Record<string, unknown> = {},
  signer = market.provider1,
) {
  const latest = BigInt((await market.ethers.provider.getBlock("latest"))!.timestamp);
  const quote = {
    provider: market.provider1.address,
    consumer: market.consumer.address,
    modelDigest: MODEL,
    promptHash: PROMPT,
    pricePerToken: PRICE,
    maxTokens: MAX_TOKENS,
    minDuration: 3_600n,
    expiry: latest + 600n,
    nonce: 1n,
    ...overrides,
  };
  const signature = await signer.signTypedData(await quoteDomain(market), QUOTE_TYPES, quote);
  return { quote, signature };
}
