/**
 * The chain side of the miner, coordinator and gateway: one account's viem clients plus the
 * `@aitbc/sdk` actions (jobs, staking, reputation, token), with two things the programs need on
 * top — one transaction queue per account and gas accounting per action for the reports.
 *
 * Every transaction of one account goes through {@link ChainAdapter.send} (the SDK action
 * simulates, sends and waits for the receipt inside the queue), so concurrent jobs never race on
 * nonces; reads are retried with backoff on transport errors. Reverts arrive as the SDK's
 * `ContractRevertError` with the custom error's name and arguments.
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

import {
  type Hex,
  aitbcTokenAbi,
  batchEscrowAbi,
  gpuStakingAbi,
  marketPolicyAbi,
  jobEscrowAbi,
  reputationRegistryAbi,
  getJob,
  JOB_STATUSES,
  type JobStatusName,
  TIERS,
  type AitbcContracts,
  AitbcError,
  ContractRevertError,
  RpcRequestError,
} from "@aitbc/sdk";
// eslint-disable-next-line no-restricted-imports -- temporary: chain.ts gives way to the SDK actions (issue 15)
import { write as sdkWrite, type WriteReturnType } from "../../sdk/src/utils/client.js";
import { limiter, retry } from "./retry.js";

/** Job statuses in the escrow's order (the SDK's list). */
export const JobStatus = JOB_STATUSES;
export type { JobStatusName };

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
  /** `BatchEscrow` (batch settlement), when the deployment has one. */
  batchEscrow?: Address;
  /** `MarketPolicy` (per-model verification, sampling), when the deployment has one. */
  policy?: Address;
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

/** Transport trouble (worth a retry), as opposed to a revert or a rejected input. */
const isTransportError = (e: unknown) =>
  e instanceof AitbcError
    ? e instanceof RpcRequestError
    : !(e instanceof BaseError && e.walk((x) => x instanceof ContractFunctionRevertedError));

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
    batchEscrow: batchEscrowAbi,
    policy: marketPolicyAbi,
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
          address: this.addressOf(contract),
          abi: this.abis[contract],
          functionName,
          args,
        }) as Promise<T>,
      { attempts: 4, baseDelayMs: 200, retryIf: isTransportError },
    );
  }

  /** The address of one of the market contracts; throws a readable error for one the deployment lacks. */
  addressOf(contract: keyof MarketAddresses): Address {
    const address = this.config.addresses[contract];
    if (!address) throw new Error(`the deployment has no ${contract === "batchEscrow" ? "BatchEscrow" : contract === "policy" ? "MarketPolicy" : contract} address`); // prettier-ignore
    return address;
  }

  /** The deployment's addresses under the SDK's contract names (for the SDK actions). */
  get contracts(): AitbcContracts {
    const { token, staking, escrow, reputation, batchEscrow, policy } = this.config.addresses;
    return {
      AITBCToken: token,
      GPUStaking: staking,
      JobEscrow: escrow,
      ReputationRegistry: reputation,
      ...(batchEscrow ? { BatchEscrow: batchEscrow } : {}),
      ...(policy ? { MarketPolicy: policy } : {}),
    };
  }

  /**
   * Runs one `@aitbc/sdk` write action (e.g. `claimJob`, `submitResult`) with this account's wallet
   * client, inside the account's transaction queue, and adds the receipt's gas to {@link gas}
   * under `label`. Actions that send several transactions (an allowance first) count the last.
   *
   * @param label Name in the gas report (e.g. "claim").
   * @param action `(client) => sdkAction(client, {...})`.
   * @returns What the action returns.
   * @throws {ContractRevertError} as decoded by the SDK (simulated first: nothing is mined on a revert).
   * @example
   * ```ts
   * await chain.send("claim", (client) => claimJob(client, { contracts: chain.contracts, jobId }));
   * ```
   */
  send<T extends WriteReturnType>(label: string, action: (client: this["wallet"]) => Promise<T>): Promise<T> {
    return this.txQueue(async () => {
      const result = await action(this.wallet);
      const g = this.gas.get(label) ?? { count: 0, total: 0n };
      g.count++;
      g.total += result.receipt.gasUsed;
      this.gas.set(label, g);
      return result;
    });
  }

  /** Sends a transaction to one of the market contracts (see {@link writeTo}). */
  write(
    contract: keyof MarketAddresses,
    functionName: string,
    args: readonly unknown[] = [],
    label = functionName,
  ) {
    return this.writeTo(this.addressOf(contract), this.abis[contract], functionName, args, label);
  }

  /**
   * Sends a call the SDK has no action for (e.g. an agent wallet's `execute`) through this
   * account's queue with the SDK's `write` (simulate, send, wait for the receipt).
   * @throws {ContractRevertError} decoded by the SDK (simulated first: nothing is mined on a revert).
   */
  writeTo(
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[] = [],
    label = functionName,
  ) {
    return this.send(label, (client) =>
      sdkWrite(client, { address, abi, functionName, args, account: this.account } as never),
    ).then(({ receipt }) => receipt);
  }

  /** A job as the escrow stores it (the SDK's `getJob`, retried on transport errors). */
  async job(id: bigint): Promise<OnChainJob> {
    const j = await retry(() => getJob(this.public, { contracts: this.contracts, jobId: id }), {
      attempts: 4,
      baseDelayMs: 200,
      retryIf: isTransportError,
    });
    return {
      id,
      consumer: j.consumer,
      deadline: Number(j.deadline),
      maxTokens: Number(j.maxTokens),
      minTier: TIERS.indexOf(j.minTier),
      provider: j.provider,
      status: j.status,
      challengeEnds: Number(j.challengeEnds),
      tokenCount: Number(j.tokenCount),
      pricePerToken: j.pricePerToken,
      escrowed: j.escrowed,
      modelDigest: j.modelDigest,
      promptHash: j.promptHash,
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
