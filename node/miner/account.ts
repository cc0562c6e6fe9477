/**
 * The miner's account on the chain: its viem public and wallet clients, the deployment's contract
 * addresses under the SDK's names, and one transaction queue so the miner's concurrent jobs never race
 * on nonces. Every transaction is an `@aitbc/sdk` write action run through {@link MinerAccount.send}.
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  type Account,
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

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

/** The miner's account: clients, contracts and the transaction queue (see the module). */
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

  /**
   * An account on `rpc` (a URL, or an EIP-1193 provider such as Hardhat's in-process network) from a
   * private key (or the address of an account the node unlocks).
   *
   * @param pollingIntervalMs Receipt and block polling, ms (default 200).
   */
  static connect(o: {
    rpc: string | EIP1193Provider;
    key: Hex | Address;
    contracts: AitbcContracts;
    pollingIntervalMs?: number;
  }): MinerAccount {
    // prettier-ignore
    const transport = typeof o.rpc === "string" ? http(o.rpc, { retryCount: 3 }) : custom(o.rpc);
    const account: Account =
      o.key.length === 66 ? privateKeyToAccount(o.key) : ({ address: o.key, type: "json-rpc" } as Account);
    const pollingInterval = o.pollingIntervalMs ?? 200;
    return new MinerAccount({
      public: createPublicClient({ transport, pollingInterval }),
      wallet: createWalletClient({ transport, account, pollingInterval }),
      contracts: o.contracts,
    });
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
