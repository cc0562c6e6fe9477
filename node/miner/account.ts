/**
 * The miner's account on the chain: its viem public and wallet clients, the deployment's contract
 * addresses under the SDK's names, and one transaction queue so the miner's concurrent jobs never race
 * on nonces. Every transaction is an `@aitbc/sdk` write action run through {@link MinerAccount.send}.
 */
import type { Account, Address, PublicClient, Transport, WalletClient } from "viem";

import type { AitbcContracts, WriteReturnType } from "@aitbc/sdk";
import { limiter } from "../shared/retry.js";

/** A wallet client with its account (what the SDK's write actions take). */
export type MinerWallet = WalletClient<Transport, undefined, Account>;

/** What a {@link MinerAccount} is built from. */
export interface MinerAccountOptions {
  public: PublicClient;
  wallet: MinerWallet;
  /** The deployment's addresses under the SDK's names (`JobEscrow`, `BatchEscrow`, `ServiceRegistry`, …). */
  contracts: AitbcContracts;
}

export class MinerAccount {
  readonly public: PublicClient;
  readonly wallet: MinerWallet;
  readonly contracts: AitbcContracts;
  /** Gas used per action label (for reports). */
  readonly gas = new Map<string, { count: number; total: bigint }>();
  private readonly queue = limiter(1);
  private chainIdValue?: number;

  constructor(options: MinerAccountOptions) {
    this.public = options.public;
    this.wallet = options.wallet;
    this.contracts = options.contracts;
  }

  /** The provider's address. */
  get address(): Address {
    return this.wallet.account.address;
  }

  /** The chain id (read once). */
  async chainId(): Promise<number> {
    this.chainIdValue ??= await this.public.getChainId();
    return this.chainIdValue;
  }

  /** Chain time: the latest block's timestamp, Unix seconds. */
  async now(): Promise<number> {
    return Number((await this.public.getBlock()).timestamp);
  }

  /**
   * Runs one SDK write action inside the account's transaction queue and adds its receipt's gas to
   * {@link gas} under `label`.
   *
   * @example
   * ```ts
   * await account.send("finalize", (w) => finalizeJob(w, { contracts: account.contracts, jobId }));
   * ```
   */
  send<T extends WriteReturnType>(label: string, action: (wallet: MinerWallet) => Promise<T>): Promise<T> {
    return this.queue(async () => {
      const result = await action(this.wallet);
      const g = this.gas.get(label) ?? { count: 0, total: 0n };
      g.count++;
      g.total += result.receipt.gasUsed;
      this.gas.set(label, g);
      return result;
    });
  }
}

/** The custom error name of a revert decoded by the SDK (`ContractRevertError.errorName`), if any. */
export function revertName(error: unknown): string | undefined {
  const e = error as { errorName?: unknown; cause?: unknown } | undefined;
  if (e && typeof e.errorName === "string") return e.errorName;
  return e?.cause ? revertName(e.cause) : undefined;
}
