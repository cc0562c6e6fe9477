/**
 * What every part of one gateway shares: the chain clients and addresses, who pays, the offer book,
 * the load per provider, the deposit, the job state, the consumer's archive, the metrics and the
 * local Ollama of the hybrid router.
 */
import type { X402Paywall } from "@aitbc/sdk";
import type { Address, Hex, PublicClient, WalletClient } from "viem";

import type { AitbcContracts } from "@aitbc/sdk";
import type { JobArchive } from "../archive/archive.js";
import type { GatewayMetrics } from "../shared/metrics.js";
import type { ChainClock } from "./clock.js";
import type { DepositKeeper } from "./deposit.js";
import type { LocalOllama } from "./local.js";
import type { OfferBook } from "./offers.js";
import type { LoadTracker } from "./ranking.js";
import type { GatewayState } from "./state.js";

/** The gateway's policy, from its options. */
export interface GatewayPolicy {
  /** The most the gateway pays, wei per token (offers above are dropped). */
  maxPricePerToken: bigint;
  /** A job's duration: a batch request's deadline is now + this; a quote is asked for it. Seconds. */
  durationS: number;
  /** How long to wait for a miner's answer after acceptance, ms. */
  resultTimeoutMs: number;
  /** Whether jobs go as signed batch requests first (needs a `BatchEscrow` and a deposit keeper). */
  batch: boolean;
  /** Whether the quote path (JobEscrow) is tried when no provider accepts a batch request. */
  quote: boolean;
  /** How long a job waits for some provider to accept it (all busy), ms. */
  placementTimeoutMs: number;
}

/** See the module's description. */
export interface GatewayContext {
  publicClient: PublicClient;
  walletClient: WalletClient;
  contracts: AitbcContracts;
  chainId: number;
  /** The payer: the AgentWallet, or the wallet client's account. */
  consumer: Address;
  agentWallet?: Address;
  clock: ChainClock;
  offers: OfferBook;
  load: LoadTracker;
  deposit?: DepositKeeper;
  state: GatewayState;
  archive: JobArchive;
  metrics: GatewayMetrics;
  /** The local Ollama of the hybrid router (`--local-ollama`); absent: everything goes to the network. */
  local?: LocalOllama;
  policy: GatewayPolicy;
  /** With `--facilitator`: clients pay each request over x402 (see node/gateway/x402.ts). */
  x402?: X402Paywall;
  /** Aborted when the gateway closes: loops waiting on a miner stop (see `resultEvents`). */
  shutdown: AbortSignal;
  /** Runs the gateway's transactions one at a time (one account, one nonce sequence). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  log(line: string): void;
}

/** One job being placed: what the client asked for, as the network sees it. */
export interface JobIntent {
  /** The model's name (in the payload) and digest (on-chain). */
  model: string;
  modelDigest: Hex;
  /** The payload (canonical JSON, the preimage of `promptHash`) and its hash. */
  payload: string;
  promptHash: Hex;
  /** Most tokens paid for. */
  maxTokens: number;
}

/** A serializer: `fn`s run one after another, in call order. */
export function serializer(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
