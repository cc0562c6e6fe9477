/**
 * The chain side of the miner, coordinator and gateway, on viem: a small `ChainAdapter` over
 * GPUStaking, JobEscrow, ReputationRegistry and the token.
 *
 * `@aitbc/sdk` does not have its job and staking actions yet (the SDK is being written in
 * parallel); when it has them, this adapter is the one place to switch over. ABIs and revert
 * decoding come from the SDK.
 *
 * Every transaction of one account goes through one queue (send, then wait for the receipt), so
 * concurrent jobs never race on nonces; reads are retried with backoff on transport errors.
 */
import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  type Abi,
  type Account,
  type Address,
  type EIP1193Provider,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
  parseEventLogs,
  BaseError,
  ContractFunctionRevertedError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { Hex } from "../../sdk/src/zk/field.js";
import {
  aitbcTokenAbi,
  gpuStakingAbi,
  jobEscrowAbi,
  reputationRegistryAbi,
} from "../../sdk/src/abis/index.js";
import { ContractRevertError, toAitbcError } from "../../sdk/src/errors/contract.js";
import { limiter, retry } from "./retry.js";

export const JobStatus = ["None", "Open", "Claimed", "Submitted", "Disputed", "Settled", "Refunded"] as const;
export type JobStatusName = (typeof JobStatus)[number];

export interface OnChainJob {
  id: bigint;
  consumer: Address;
  deadline: number;
  maxTokens: number;
  minTier: number;
  provider: Address;
  status: JobStatusName;
  challengeEnds: number;
  tokenCount: number;
  pricePerToken: bigint;
  escrowed: bigint;
  modelDigest: Hex;
  promptHash: Hex;
}

export interface MarketAddresses {
  token: Address;
  staking: Address;
  escrow: Address;
  reputation: Address;
}

export interface ChainConfig {
  /** An RPC URL, or an EIP-1193 provider (e.g. Hardhat's in-process network). */
  rpc: string | EIP1193Provider;
  /** A private key (0x…), or an unlocked account address of the node. */
  account: Hex | Address;
  addresses: MarketAddresses;
  /** Poll interval for receipts (ms). */
  pollingIntervalMs?: number;
}

/** A revert decoded to its custom error name and arguments, when the ABI knows it. */
export function revertName(error: unknown): string | undefined {
  if (error instanceof ContractRevertError) return error.errorName;
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName ?? revert.reason;
  }
  return undefined;
}

const isTransportError = (e: unknown) =>
  !(e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError));

export class ChainAdapter {
  readonly public: PublicClient;
  readonly wallet: WalletClient<Transport, undefined, Account>;
  readonly account: Account;
  readonly address: Address;
  readonly abis: Record<keyof MarketAddresses, Abi> = {
    token: aitbcTokenAbi,
    staking: gpuStakingAbi,
    escrow: jobEscrowAbi,
    reputation: reputationRegistryAbi,
  };
  /** Gas used per action name (for the report). */
  readonly gas = new Map<string, { count: number; total: bigint }>();
  private readonly txQueue = limiter(1);

  constructor(readonly config: ChainConfig) {
    const transport =
      typeof config.rpc === "string" ? http(config.rpc, { retryCount: 3 }) : custom(config.rpc);
    this.account =
      config.account.length === 66
        ? privateKeyToAccount(config.account as Hex)
        : ({ address: config.account as Address, type: "json-rpc" } as Account);
    this.address = this.account.address;
    this.public = createPublicClient({ transport, pollingInterval: config.pollingIntervalMs ?? 200 });
    this.wallet = createWalletClient({ transport, account: this.account, pollingInterval: config.pollingIntervalMs ?? 200 }); // prettier-ignore
  }

  /** A read call, retried on transport errors. */
  read<T>(contract: keyof MarketAddresses, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return retry(
      () =>
        this.public.readContract({
          address: this.config.addresses[contract],
          abi: this.abis[contract],
          functionName,
          args,
        }) as Promise<T>,
      { attempts: 4, baseDelayMs: 200, retryIf: isTransportError },
    );
  }

  /** Sends a transaction to one of the market contracts (see {@link writeTo}). */
  write(
    contract: keyof MarketAddresses,
    functionName: string,
    args: readonly unknown[] = [],
    label = functionName,
  ) {
    return this.writeTo(this.config.addresses[contract], this.abis[contract], functionName, args, label);
  }

  /**
   * Sends a transaction to any contract through this account's queue and waits for its receipt.
   * @throws {ContractRevertError} decoded by the SDK (simulated first: nothing is mined on a revert).
   */
  writeTo(
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
    label = functionName,
  ) {
    return this.txQueue(async () => {
      let request;
      try {
        ({ request } = await this.public.simulateContract({
          address,
          abi,
          functionName,
          args,
          account: this.account,
        }));
      } catch (error) {
        throw toAitbcError(error, functionName);
      }
      const hash: Hash = await this.wallet.writeContract({
        ...(request as Parameters<typeof this.wallet.writeContract>[0]),
        chain: null,
      });
      const receipt = await retry(() => this.public.waitForTransactionReceipt({ hash, timeout: 60_000 }), {
        attempts: 3,
        retryIf: isTransportError,
      });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted in transaction ${hash}`);
      const g = this.gas.get(label) ?? { count: 0, total: 0n };
      g.count++;
      g.total += receipt.gasUsed;
      this.gas.set(label, g);
      return receipt;
    });
  }

  async job(id: bigint): Promise<OnChainJob> {
    const j = await this.read<Record<string, unknown>>("escrow", "jobOf", [id]);
    return {
      id,
      consumer: j.consumer as Address,
      deadline: Number(j.deadline),
      maxTokens: Number(j.maxTokens),
      minTier: Number(j.minTier),
      provider: j.provider as Address,
      status: JobStatus[Number(j.status)]!,
      challengeEnds: Number(j.challengeEnds),
      tokenCount: Number(j.tokenCount),
      pricePerToken: j.pricePerToken as bigint,
      escrowed: j.escrowed as bigint,
      modelDigest: j.modelDigest as Hex,
      promptHash: j.promptHash as Hex,
    };
  }

  lastJobId(): Promise<bigint> {
    return this.read<bigint>("escrow", "lastJobId");
  }

  async now(): Promise<number> {
    const block = await retry(() => this.public.getBlock(), { retryIf: isTransportError });
    return Number(block.timestamp);
  }

  /** The `ResultSubmitted` event of a job (output hash, token count, nullifier), if any. */
  async submission(jobId: bigint) {
    const logs = await this.public.getContractEvents({
      address: this.config.addresses.escrow,
      abi: this.abis.escrow,
      eventName: "ResultSubmitted",
      args: { jobId },
      fromBlock: 0n,
    });
    const last = logs.at(-1) as { args: Record<string, unknown>; transactionHash: Hash } | undefined;
    if (!last) return undefined;
    return {
      provider: last.args.provider as Address,
      outputHash: last.args.outputHash as Hex,
      tokenCount: last.args.tokenCount as bigint,
      nullifier: last.args.nullifier as bigint,
      challengeEnds: last.args.challengeEnds as bigint,
      txHash: last.transactionHash,
    };
  }

  /** Job id from the `JobOpened` event of a receipt. */
  openedJobId(receipt: { logs: readonly unknown[] }): bigint {
    const events = parseEventLogs({
      abi: this.abis.escrow,
      logs: receipt.logs as Parameters<typeof parseEventLogs>[0]["logs"],
      eventName: "JobOpened",
    }) as unknown as { args: { jobId: bigint } }[];
    if (events.length === 0) throw new Error("no JobOpened event in the receipt");
    return events[0]!.args.jobId;
  }

  balanceOf(account: Address = this.address): Promise<bigint> {
    return this.read<bigint>("token", "balanceOf", [account]);
  }
}
