/** `releaseEcosystemStream`: pays a reward stream's accrual from the EcosystemPool to its recipient. */
import type { Address } from "viem";

import { ecosystemPoolAbi } from "../abis/ecosystemPool.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import {
  resolveAccount,
  write,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress } from "../utils/validate.js";

/** Parameters of {@link releaseEcosystemStream}. */
export interface ReleaseEcosystemStreamParameters extends WriteParameters {
  /** Addresses; `EcosystemPool` is used. */
  contracts: AitbcContracts;
  /** The stream's recipient (e.g. `contracts.ParticipationRewards`); omitted: every stream (`releaseAll`). */
  recipient?: Address;
}

/** Result of {@link releaseEcosystemStream}. */
export interface ReleaseEcosystemStreamReturnType extends WriteReturnType {
  /** Wei of AITBC released (rate in wei per second × seconds since the last release, capped at the pool's balance). */
  amount: bigint;
}

/**
 * Releases what a stream (or every stream) has accrued into its recipient's `fundRewards`. Anyone may call.
 *
 * @param client A wallet client (any account).
 * @param parameters See {@link ReleaseEcosystemStreamParameters}.
 * @returns `{ hash, receipt, amount }`.
 * @throws {ContractRevertError} `PoolNoStream(recipient)`, `PoolNothingToRelease(recipient)` (one stream only).
 * @example
 * ```ts
 * await releaseEcosystemStream(wallet, { contracts, recipient: contracts.ParticipationRewards });
 * ```
 */
export async function releaseEcosystemStream(
  client: AitbcWriteClient,
  parameters: ReleaseEcosystemStreamParameters,
): Promise<ReleaseEcosystemStreamReturnType> {
  const account = resolveAccount(client, parameters.account, "releaseEcosystemStream");
  const address = contractAddress(parameters.contracts, "EcosystemPool");
  const { result, ...sent } =
    parameters.recipient === undefined
      ? await write(client, { address, abi: ecosystemPoolAbi, functionName: "releaseAll", account })
      : await write(client, {
          address,
          abi: ecosystemPoolAbi,
          functionName: "release",
          args: [assertAddress(parameters.recipient, "recipient")],
          account,
        });
  return { ...sent, amount: result };
}
