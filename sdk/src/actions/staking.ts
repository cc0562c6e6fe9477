/**
 * GPU staking actions: register with a GPU declaration, stake (lock options), unbond, withdraw,
 * claim rewards, read positions.
 */
import { parseEventLogs, type Address, type Hex } from "viem";

import { gpuStakingAbi } from "../abis/gpuStaking.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
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
import { assertAddress, assertAmount, assertModelDigest, maxUint } from "../utils/validate.js";
import { ensureAllowance } from "./token.js";

/** A GPU declaration. */
export interface GpuSpec {
  /** Marketing name, e.g. "NVIDIA RTX 4090" (≤ 64 bytes). */
  model: string;
  /** Video memory, GB. */
  vramGb: number;
  /** Declared throughput, tokens per second. */
  throughput: number;
}

/** Registration of a provider (done once, before or with the first stake). */
export interface ProviderRegistration {
  /** Poseidon identity commitment of the provider's receipt secret (`identityCommitment(secret)`). */
  identityCommitment: bigint;
  /** The GPU. */
  gpu: GpuSpec;
  /** Model digests served (bytes32 each). */
  modelDigests: readonly Hex[];
}

function checkRegistration(r: ProviderRegistration): void {
  assertAmount(r.identityCommitment, "identityCommitment", { positive: true });
  if (typeof r.gpu?.model !== "string" || r.gpu.model.length === 0) {
    throw new InvalidParameterError({ what: "gpu.model", reason: "a non-empty string is required" });
  }
  for (const key of ["vramGb", "throughput"] as const) {
    const v = r.gpu[key];
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new InvalidParameterError({
        what: `gpu.${key}`,
        reason: `expected an integer 0..2^32-1, got ${v}`,
      });
    }
  }
  r.modelDigests.forEach((d) => assertModelDigest(d));
}

/** Parameters of {@link registerProvider}. */
export interface RegisterProviderParameters extends ProviderRegistration, WriteParameters {
  /** Addresses; `GPUStaking` is used. */
  contracts: AitbcContracts;
}

/**
 * Registers the sender as a GPU provider: identity commitment (binds receipts), GPU, models served.
 *
 * @param client A wallet client of the provider.
 * @param parameters See {@link RegisterProviderParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidParameterError} | {UnknownModelDigestError} before any request.
 * @throws {ContractRevertError} e.g. `StakingAlreadyRegistered`, `StakingIdentityTaken`.
 * @example
 * ```ts
 * await registerProvider(wallet, { contracts, identityCommitment: identityCommitment(secret),
 *   gpu: { model: "RTX 4090", vramGb: 24, throughput: 120 }, modelDigests: [digest] });
 * ```
 */
export async function registerProvider(
  client: AitbcWriteClient,
  parameters: RegisterProviderParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "registerProvider");
  checkRegistration(parameters);
  return write(client, {
    address: contractAddress(parameters.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "register",
    args: [parameters.identityCommitment, parameters.gpu, parameters.modelDigests],
    account,
  });
}

/** Parameters of {@link stake}. */
export interface StakeParameters extends WriteParameters {
  /** Addresses; `GPUStaking` and `AITBCToken` are used. */
  contracts: AitbcContracts;
  /** Amount to stake, wei of AITBC (approved to the staking contract first if needed). */
  amount: bigint;
  /** Lock option index: 0 = 30 days ×1.0, 1 = 90 d ×1.2, 2 = 180 d ×1.5, 3 = 365 d ×2.0 (defaults). */
  lockOption?: number;
  /** Registers first (GPU declaration) when given and the sender is not registered yet. */
  registration?: ProviderRegistration;
}

/** Result of {@link stake}. */
export interface StakeReturnType extends WriteReturnType {
  /** Until when the stake is locked, Unix seconds. */
  lockedUntil: bigint;
}

/** Errors {@link stake} may throw. */
export type StakeErrorType = AitbcError;

/**
 * Stakes AITBC as a provider, optionally registering with a GPU declaration first.
 *
 * @param client A wallet client of the provider.
 * @param parameters See {@link StakeParameters}.
 * @returns `{ hash, receipt, lockedUntil }`.
 * @throws {InvalidAmountError} if `amount` is not a positive bigint.
 * @throws {ContractRevertError} e.g. `StakingNotRegistered`, `StakingInvalidLockOption`.
 * @example
 * ```ts
 * await stake(wallet, { contracts, amount: 1_000n * 10n ** 18n, lockOption: 1, registration });
 * ```
 */
export async function stake(client: AitbcWriteClient, parameters: StakeParameters): Promise<StakeReturnType> {
  const account = resolveAccount(client, parameters.account, "stake");
  const amount = assertAmount(parameters.amount, "amount (wei)", { positive: true });
  const lockOption = parameters.lockOption ?? 0;
  if (!Number.isInteger(lockOption) || lockOption < 0) {
    throw new InvalidParameterError({
      what: "lockOption",
      reason: `expected an index ≥ 0, got ${lockOption}`,
    });
  }
  if (parameters.registration !== undefined) checkRegistration(parameters.registration);
  const address = contractAddress(parameters.contracts, "GPUStaking");
  if (parameters.registration !== undefined) {
    const provider = typeof account === "string" ? account : account.address;
    const view = await read(client, {
      address,
      abi: gpuStakingAbi,
      functionName: "providerOf",
      args: [provider],
    });
    if (!view.registered) {
      await registerProvider(client, {
        contracts: parameters.contracts,
        ...parameters.registration,
        account,
      });
    }
  }
  await ensureAllowance(client, { contracts: parameters.contracts, spender: address, amount, account });
  const { hash, receipt } = await write(client, {
    address,
    abi: gpuStakingAbi,
    functionName: "stake",
    args: [amount, BigInt(lockOption)],
    account,
  });
  const [event] = parseEventLogs({ abi: gpuStakingAbi, logs: receipt.logs, eventName: "Staked" });
  return { hash, receipt, lockedUntil: event?.args.lockedUntil ?? 0n };
}

/** Parameters of {@link requestUnbond}. */
export interface RequestUnbondParameters extends WriteParameters {
  /** Addresses; `GPUStaking` is used. */
  contracts: AitbcContracts;
  /** Amount to unbond, wei (stake must be unlocked). */
  amount: bigint;
}

/**
 * Starts unbonding part of the stake; it can be withdrawn after the unbonding period (14 days by
 * default) and stays slashable until then.
 *
 * @param client A wallet client of the provider.
 * @param parameters See {@link RequestUnbondParameters}.
 * @returns `{ hash, receipt, unbondingEnds }` (Unix seconds).
 * @throws {InvalidAmountError} before any request; {ContractRevertError} e.g. `StakingLocked(lockedUntil)`.
 * @example
 * ```ts
 * await requestUnbond(wallet, { contracts, amount: 500n * 10n ** 18n });
 * ```
 */
export async function requestUnbond(
  client: AitbcWriteClient,
  parameters: RequestUnbondParameters,
): Promise<WriteReturnType & { unbondingEnds: bigint }> {
  const account = resolveAccount(client, parameters.account, "requestUnbond");
  const amount = assertAmount(parameters.amount, "amount (wei)", { positive: true, max: maxUint(256) });
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "requestUnbond",
    args: [amount],
    account,
  });
  const [event] = parseEventLogs({ abi: gpuStakingAbi, logs: receipt.logs, eventName: "UnbondingStarted" });
  return { hash, receipt, unbondingEnds: event?.args.unbondingEnds ?? 0n };
}

/**
 * Withdraws unbonded stake after the unbonding period.
 *
 * @param client A wallet client of the provider.
 * @param parameters `{ contracts, account? }`.
 * @returns `{ hash, receipt, amount }` (wei).
 * @throws {ContractRevertError} `StakingNotWithdrawable(unbonding, unbondingEnds)` too early.
 * @example
 * ```ts
 * const { amount } = await withdrawStake(wallet, { contracts });
 * ```
 */
export async function withdrawStake(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts } & WriteParameters,
): Promise<WriteReturnType & { amount: bigint }> {
  const account = resolveAccount(client, parameters.account, "withdrawStake");
  const { hash, receipt } = await write(client, {
    address: contractAddress(parameters.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "withdraw",
    account,
  });
  const [event] = parseEventLogs({ abi: gpuStakingAbi, logs: receipt.logs, eventName: "Withdrawn" });
  return { hash, receipt, amount: event?.args.amount ?? 0n };
}

/**
 * Claims the provider's staking rewards.
 *
 * @param client A wallet client of the provider.
 * @param parameters `{ contracts, account? }`.
 * @returns `{ hash, receipt, amount }` (wei).
 * @throws {ContractRevertError} `StakingNoRewards(provider)` when nothing is pending.
 * @example
 * ```ts
 * const { amount } = await claimRewards(wallet, { contracts });
 * ```
 */
export async function claimRewards(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts } & WriteParameters,
): Promise<WriteReturnType & { amount: bigint }> {
  const account = resolveAccount(client, parameters.account, "claimRewards");
  const { hash, receipt, result } = await write(client, {
    address: contractAddress(parameters.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "claimRewards",
    account,
  });
  const [event] = parseEventLogs({ abi: gpuStakingAbi, logs: receipt.logs, eventName: "RewardsClaimed" });
  return { hash, receipt, amount: event?.args.amount ?? result };
}

/** A provider's position (all amounts in wei, times in Unix seconds, multipliers in basis points). */
export interface ProviderPosition {
  registered: boolean;
  identityCommitment: bigint;
  staked: bigint;
  unbonding: bigint;
  unbondingEnds: bigint;
  lockedUntil: bigint;
  lockMultiplierBps: bigint;
  tierMultiplierBps: bigint;
  /** Reward weight = stake × lock multiplier × tier multiplier. */
  weight: bigint;
  pendingRewards: bigint;
  /** The declared GPU. */
  gpu: GpuSpec;
}

/**
 * Reads a provider's stake, unbonding, lock, multipliers, pending rewards and GPU.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, provider }`.
 * @returns See {@link ProviderPosition}.
 * @throws {InvalidAddressError} if `provider` is malformed.
 * @example
 * ```ts
 * const { staked, pendingRewards } = await getProviderPosition(client, { contracts, provider });
 * ```
 */
export async function getProviderPosition(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; provider: Address },
): Promise<ProviderPosition> {
  const provider = assertAddress(parameters.provider, "provider");
  const address = contractAddress(parameters.contracts, "GPUStaking");
  const [view, gpu] = await Promise.all([
    read(client, {
      address,
      abi: gpuStakingAbi,
      functionName: "providerOf",
      args: [provider],
    }),
    read(client, { address, abi: gpuStakingAbi, functionName: "gpuOf", args: [provider] }),
  ]);
  return {
    ...view,
    gpu: { model: gpu.model, vramGb: Number(gpu.vramGb), throughput: Number(gpu.throughput) },
  };
}

/** Parameters of {@link setModelServing}. */
export interface SetModelServingParameters extends WriteParameters {
  /** Addresses; `GPUStaking` is used. */
  contracts: AitbcContracts;
  /** The model (bytes32, non-zero). */
  modelDigest: Hex;
  /** `true` to start serving it, `false` to stop. */
  serving: boolean;
}

/**
 * Starts or stops serving a model (after registration; `registerProvider` declares the first ones).
 *
 * @param client A wallet client of the provider.
 * @param parameters See {@link SetModelServingParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {UnknownModelDigestError} | {InvalidParameterError} before any request.
 * @throws {ContractRevertError} `StakingNotRegistered(provider)`.
 * @example
 * ```ts
 * if (!(await isServingModel(client, { contracts, provider, modelDigest })))
 *   await setModelServing(wallet, { contracts, modelDigest, serving: true });
 * ```
 */
export async function setModelServing(
  client: AitbcWriteClient,
  parameters: SetModelServingParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "setModelServing");
  if (typeof parameters.serving !== "boolean") {
    throw new InvalidParameterError({ what: "serving", reason: "expected a boolean" });
  }
  return write(client, {
    address: contractAddress(parameters.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "setModelServing",
    args: [assertModelDigest(parameters.modelDigest), parameters.serving],
    account,
  });
}

/**
 * Whether a provider serves a model (as `GPUStaking.servesModel`; the escrows check it on claim).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, provider, modelDigest }`.
 * @returns `true` if it does.
 * @throws {InvalidAddressError} | {UnknownModelDigestError} on malformed input.
 * @example
 * ```ts
 * const serves = await isServingModel(client, { contracts, provider, modelDigest });
 * ```
 */
export function isServingModel(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; provider: Address; modelDigest: Hex },
): Promise<boolean> {
  return read(client, {
    address: contractAddress(parameters.contracts, "GPUStaking"),
    abi: gpuStakingAbi,
    functionName: "servesModel",
    args: [assertAddress(parameters.provider, "provider"), assertModelDigest(parameters.modelDigest)],
  });
}

/** The staking contract's parameters (set by governance within documented bounds). */
export interface StakingParameters {
  /** Least stake to serve jobs, wei. */
  minStake: bigint;
  /** Unbonding period, seconds. */
  unbondingPeriod: bigint;
  /** Largest share slashed per incident, basis points. */
  maxSlashBps: bigint;
  /** Rewards streamed per second while weight is staked, wei. */
  rewardRate: bigint;
}

/**
 * Reads the staking parameters (a miner compares `minStake` with its stake before serving).
 *
 * @param client A viem client.
 * @param parameters `{ contracts }` (`GPUStaking` is used).
 * @returns See {@link StakingParameters}.
 * @example
 * ```ts
 * const { minStake } = await getStakingParameters(client, { contracts });
 * const { staked } = await getProviderPosition(client, { contracts, provider });
 * if (staked < minStake) await stake(wallet, { contracts, amount: minStake - staked });
 * ```
 */
export async function getStakingParameters(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts },
): Promise<StakingParameters> {
  const address = contractAddress(parameters.contracts, "GPUStaking");
  const [minStake, unbondingPeriod, maxSlashBps, rewardRate] = await Promise.all([
    read(client, { address, abi: gpuStakingAbi, functionName: "minStake" }),
    read(client, { address, abi: gpuStakingAbi, functionName: "unbondingPeriod" }),
    read(client, { address, abi: gpuStakingAbi, functionName: "maxSlashBps" }),
    read(client, { address, abi: gpuStakingAbi, functionName: "rewardRate" }),
  ]);
  return { minStake, unbondingPeriod, maxSlashBps, rewardRate };
}
