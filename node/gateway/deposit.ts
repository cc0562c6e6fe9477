/**
 * The consumer's `BatchEscrow` deposit, kept large enough for every batch request the gateway has
 * signed and not seen settled, without a chain read per request: the balance is read at start and
 * after each top-up, lowered by each `BatchJobSettled` fee as the gateway sees it, and compared
 * with the jobs reserved (each job's most, `maxTokens × pricePerToken` wei). When a new job would
 * not fit, the balance is re-read and, if still short, topped up by `topUp` wei (or the shortfall,
 * if larger) with the SDK's `depositToBatchEscrow`, or `depositThroughAgentWallet` for an
 * AgentWallet (so its spending limit applies). Reservations are serialized.
 */
import type { Address, PublicClient, WalletClient } from "viem";

import {
  depositThroughAgentWallet,
  depositToBatchEscrow,
  getBatchDeposit,
  type AitbcContracts,
} from "@aitbc/sdk";

/** Options of {@link DepositKeeper}. */
export interface DepositKeeperOptions {
  publicClient: PublicClient;
  walletClient: WalletClient;
  contracts: AitbcContracts;
  /** The payer: the AgentWallet, or the wallet client's account. */
  consumer: Address;
  /** Set when the consumer is an AgentWallet paid through its agent key. */
  agentWallet?: Address;
  /** wei added at a time. */
  topUp: bigint;
  log?: (line: string) => void;
}

/** See the module's description. */
export class DepositKeeper {
  private balance: bigint | undefined;
  private readonly reserved = new Map<string, bigint>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Deposits made, wei each, in order. */
  readonly deposits: bigint[] = [];

  /** @param options See {@link DepositKeeperOptions}. */
  constructor(private readonly options: DepositKeeperOptions) {}

  /** wei reserved for jobs not settled. */
  reservedTotal(): bigint {
    let total = 0n;
    for (const v of this.reserved.values()) total += v;
    return total;
  }

  /** Restores a reservation (a restarted gateway's unsettled jobs), without any check. */
  restore(jobKey: string, amount: bigint): void {
    this.reserved.set(jobKey.toLowerCase(), amount);
  }

  /** Reserves `amount` wei for `jobKey`, topping the deposit up first if it would not cover it. */
  reserve(jobKey: string, amount: bigint): Promise<void> {
    const step = this.queue.then(async () => {
      const need = this.reservedTotal() + amount;
      if (this.balance === undefined || this.balance < need) await this.readBalance();
      if (this.balance! < need) await this.deposit(need - this.balance!);
      this.reserved.set(jobKey.toLowerCase(), amount);
    });
    this.queue = step.catch(() => undefined);
    return step;
  }

  /** Drops a reservation (the job was refused or can no longer settle). */
  release(jobKey: string): void {
    this.reserved.delete(jobKey.toLowerCase());
  }

  /** A job was settled for `fee` wei: the deposit is lower by it, its reservation ends. */
  settled(jobKey: string, fee: bigint): void {
    if (this.balance !== undefined) this.balance -= fee;
    this.release(jobKey);
  }

  private async readBalance(): Promise<void> {
    const { balance } = await getBatchDeposit(this.options.publicClient, {
      contracts: this.options.contracts,
      account: this.options.consumer,
    });
    this.balance = balance;
  }

  private async deposit(shortfall: bigint): Promise<void> {
    const { walletClient, contracts, agentWallet } = this.options;
    const amount = this.options.topUp > shortfall ? this.options.topUp : shortfall;
    if (agentWallet) await depositThroughAgentWallet(walletClient, { contracts, agentWallet, amount });
    else await depositToBatchEscrow(walletClient, { contracts, amount });
    this.deposits.push(amount);
    this.options.log?.(`deposited ${amount} wei into BatchEscrow for ${this.options.consumer}`);
    await this.readBalance();
  }
}
