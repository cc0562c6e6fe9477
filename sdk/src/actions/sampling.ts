/**
 * The public sampling rule of `IMarketPolicy.isSampled`, mirrored off-chain so that anyone (the
 * coordinator, any staked watcher, the provider itself) computes the same set of jobs to re-execute:
 *
 *   sampled ⇔ uint256(keccak256(abi.encode(seed, jobKey))) % 10_000 < sampleRateBps
 *
 * `seed` is the hash of the block that included the result (`ResultSubmitted` of `JobEscrow`,
 * `BatchSettled` / `BatchJobSettled` of `BatchEscrow`): the provider signs its transaction before
 * that hash exists, so it cannot know which of its jobs will be checked. `jobKey` is `bytes32(jobId)`
 * for `JobEscrow` jobs and the request's EIP-712 digest for `BatchEscrow` jobs.
 */
import { encodeAbiParameters, keccak256, numberToHex, type Hash, type Hex } from "viem";
import { getBlock, getTransactionReceipt } from "viem/actions";

import { marketPolicyAbi } from "../abis/marketPolicy.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { AitbcError } from "../errors/base.js";
import { InvalidParameterError } from "../errors/validation.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAmount, assertBytes32, maxUint } from "../utils/validate.js";

/** Denominator of the sample rate: rates are basis points of 10,000. */
export const SAMPLE_RATE_DENOMINATOR = 10_000n;

/** Parameters of {@link isSampled}. */
export interface IsSampledParameters {
  /** bytes32 hash of the block that included the result (see {@link sampleSeedOf}). */
  seed: Hex;
  /** bytes32 job key: {@link jobKeyOfJobId} for `JobEscrow`, the request digest for `BatchEscrow`. */
  jobKey: Hex;
  /** Share of jobs sampled, basis points in [0, 10,000] (the policy's `sampleRateBps()`). */
  sampleRateBps: number | bigint;
}

/**
 * The value the rule compares with the rate: `uint256(keccak256(abi.encode(seed, jobKey))) % 10_000`.
 *
 * @param seed bytes32 block hash.
 * @param jobKey bytes32 job key.
 * @returns A number in [0, 9,999].
 * @throws {InvalidBytes32Error} if either is not a bytes32.
 * @example
 * ```ts
 * const draw = sampleDraw(blockHash, jobKeyOfJobId(7n)); // e.g. 4_213: sampled iff rate > 4_213 bps
 * ```
 */
export function sampleDraw(seed: Hex, jobKey: Hex): number {
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "bytes32" }],
    [assertBytes32(seed, "seed"), assertBytes32(jobKey, "jobKey")],
  );
  return Number(BigInt(keccak256(encoded)) % SAMPLE_RATE_DENOMINATOR);
}

/**
 * Whether a job is to be re-executed: the off-chain mirror of `IMarketPolicy.isSampled(seed, jobKey)`
 * at the given rate (pass the policy's `sampleRateBps()`, see {@link getSampleRateBps}).
 *
 * @param parameters `{ seed, jobKey, sampleRateBps }`.
 * @returns True iff `sampleDraw(seed, jobKey) < sampleRateBps`.
 * @throws {InvalidBytes32Error} for a malformed seed or key.
 * @throws {InvalidParameterError} for a rate outside [0, 10,000] or not an integer.
 * @example
 * ```ts
 * const seed = await sampleSeedOf(publicClient, { transactionHash: result.hash });
 * if (isSampled({ seed, jobKey: jobKeyOfJobId(jobId), sampleRateBps: 1_000 })) await reexecute(jobId);
 * ```
 */
export function isSampled(parameters: IsSampledParameters): boolean {
  const rate = parameters.sampleRateBps;
  const valid =
    (typeof rate === "bigint" || Number.isInteger(rate)) && BigInt(rate) >= 0n && BigInt(rate) <= SAMPLE_RATE_DENOMINATOR; // prettier-ignore
  if (!valid)
    throw new InvalidParameterError({
      what: "sampleRateBps",
      reason: `expected an integer 0..10000, got ${rate}`,
    });
  return BigInt(sampleDraw(parameters.seed, parameters.jobKey)) < BigInt(rate);
}

/**
 * The job key of a `JobEscrow` job for the sampling rule: `bytes32(jobId)` (the id left-padded).
 *
 * @param jobId The job id (uint256).
 * @returns The bytes32 key.
 * @throws {InvalidAmountError} for a negative or oversized id.
 * @example
 * ```ts
 * jobKeyOfJobId(1n); // "0x000…0001"
 * ```
 */
export function jobKeyOfJobId(jobId: bigint): Hex {
  return numberToHex(assertAmount(jobId, "jobId", { max: maxUint(256) }), { size: 32 });
}

/**
 * Where the sampled result was included: a block hash (returned as is), a block number, or the hash
 * of the result's transaction (its receipt's block).
 */
export type SampleSeedSource = { blockHash: Hash } | { blockNumber: bigint } | { transactionHash: Hash };

/**
 * The block the seed names is not (yet) on the chain, or the transaction was not mined.
 *
 * @example
 * ```ts
 * await sampleSeedOf(client, { blockNumber: 10n ** 9n }); // throws SampleSeedNotFoundError
 * ```
 */
export class SampleSeedNotFoundError extends AitbcError {
  override name = "SampleSeedNotFoundError";

  /**
   * @param args.source What was looked up.
   * @param args.cause The RPC error, if any.
   */
  constructor(args: { source: string; cause?: unknown }) {
    super("No block to take the sampling seed from.", { details: args.source, cause: args.cause });
  }
}

/**
 * The sampling seed of a result: the hash of the block that included it. Logs carry it already
 * (`log.blockHash`); this fetches it from a transaction hash or a block number.
 *
 * @param client A viem client.
 * @param source `{ transactionHash }`, `{ blockNumber }` or `{ blockHash }`.
 * @returns The bytes32 block hash.
 * @throws {SampleSeedNotFoundError} if the transaction is not mined or the block does not exist.
 * @example
 * ```ts
 * const { hash } = await submitResult(providerWallet, { contracts, jobId, ... });
 * const seed = await sampleSeedOf(publicClient, { transactionHash: hash });
 * ```
 */
export async function sampleSeedOf(client: AitbcReadClient, source: SampleSeedSource): Promise<Hash> {
  if ("blockHash" in source) return assertBytes32(source.blockHash, "blockHash");
  try {
    if ("transactionHash" in source) {
      const receipt = await getTransactionReceipt(client, {
        hash: assertBytes32(source.transactionHash, "transactionHash"),
      });
      return receipt.blockHash;
    }
    const block = await getBlock(client, { blockNumber: assertAmount(source.blockNumber, "blockNumber") });
    if (block.hash === null) throw new Error(`block ${source.blockNumber} is pending`);
    return block.hash;
  } catch (error) {
    if (error instanceof AitbcError) throw error;
    throw new SampleSeedNotFoundError({ source: JSON.stringify(source, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)), cause: error }); // prettier-ignore
  }
}

/**
 * The policy's current sample rate (`IMarketPolicy.sampleRateBps()`), basis points.
 *
 * @param client A viem client.
 * @param parameters `{ contracts }` with `MarketPolicy`.
 * @returns The rate in basis points (default 1,000 = 10%).
 * @throws {DeploymentNotFoundError} without a `MarketPolicy` address.
 * @example
 * ```ts
 * const rate = await getSampleRateBps(publicClient, { contracts });
 * ```
 */
export async function getSampleRateBps(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts },
): Promise<number> {
  const rate = await read(client, {
    address: contractAddress(parameters.contracts, "MarketPolicy"),
    abi: marketPolicyAbi,
    functionName: "sampleRateBps",
  });
  return Number(rate);
}

/**
 * The probability that at least one of `cheated` cheated jobs is sampled at `sampleRateBps`:
 * `1 − (1 − rate/10,000)^cheated` (each job's draw is independent of the provider's choices because the
 * seed is fixed only after its result is committed).
 *
 * @param sampleRateBps Basis points in [0, 10,000].
 * @param cheated Number of cheated jobs (≥ 0).
 * @returns A probability in [0, 1].
 * @throws {InvalidParameterError} for a rate or count out of range.
 * @example
 * ```ts
 * catchProbability(1_000, 1); // 0.1
 * catchProbability(1_000, 10); // ≈ 0.6513
 * ```
 */
export function catchProbability(sampleRateBps: number, cheated: number): number {
  if (!Number.isInteger(sampleRateBps) || sampleRateBps < 0 || sampleRateBps > 10_000)
    throw new InvalidParameterError({ what: "sampleRateBps", reason: `expected an integer 0..10000, got ${sampleRateBps}` }); // prettier-ignore
  if (!Number.isInteger(cheated) || cheated < 0)
    throw new InvalidParameterError({
      what: "cheated",
      reason: `expected a non-negative integer, got ${cheated}`,
    });
  return 1 - (1 - sampleRateBps / 10_000) ** cheated;
}
