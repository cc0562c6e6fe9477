/**
 * Follows one contract's events from a block cursor kept in the {@link Store}, so a program reads
 * the chain by what happened instead of re-reading every job it waits on.
 *
 * Every `pollingIntervalMs` a step reads the head (`eth_blockNumber`) and, when it moved, asks for the
 * logs of the blocks after the cursor with one `eth_getLogs` (`getContractEvents`, at most
 * `maxBlockRange` blocks per call), hands them to `onLogs` in chain order, and only then moves the
 * cursor. The RPC load is one block-number poll plus one `eth_getLogs` per new range — flat in the
 * number of jobs waiting. (The poll is an interval timer of its own, not viem's `watchBlockNumber`:
 * viem's unwatch leaves its pending wait running for up to one interval, which kept test processes
 * alive after they had stopped every follower; `stop()` here clears the timer at once.)
 *
 * Delivery is at least once: a crash between `onLogs` and the cursor update re-delivers that range on
 * the next start, never skips it; handlers must be idempotent (key their effects by transaction hash and
 * log index, or by the job id). A failing `onLogs` or RPC call is reported to `onError` and retried at
 * the next poll, with the cursor unchanged.
 *
 * @example
 * ```ts
 * const follower = followLogs({
 *   client, address: contracts.JobEscrow, abi: jobEscrowAbi, eventNames: ["JobDisputed"],
 *   store, cursorKey: "escrow", fromBlock: deployBlock,
 *   onLogs: (logs) => { for (const log of logs) markDisputed(log.args.jobId) },
 * });
 * await follower.caughtUp();
 * // …
 * await follower.stop();
 * ```
 */
import type { Abi, Address, Log, PublicClient } from "viem";

import type { Store } from "./store.js";

/** A decoded log as `onLogs` receives it. */
export type FollowedLog = Log<bigint, number, false> & { eventName: string; args: Record<string, unknown> };

/** Options of {@link followLogs}. */
export interface FollowOptions<abi extends Abi = Abi> {
  /** A viem public client (any transport). */
  client: PublicClient;
  /** The contract whose logs are followed. */
  address: Address;
  /** Its ABI (events are decoded with it). */
  abi: abi;
  /** Only these events (default: every event of `abi`); filtered in the same `eth_getLogs`. */
  eventNames?: readonly string[];
  /** Where the cursor lives. */
  store: Store;
  /** The cursor's name in the store (one per follower). */
  cursorKey: string;
  /** The first block to read when the store has no cursor yet (default 0). */
  fromBlock?: bigint;
  /** How often to look for a new block, ms (default 1 000). */
  pollingIntervalMs?: number;
  /** Most blocks per `eth_getLogs` (default 2 000). */
  maxBlockRange?: bigint;
  /** Handles the logs of one range, in chain order; the cursor moves once it resolves. */
  onLogs(logs: FollowedLog[]): void | Promise<void>;
  /** Told of a failed step (the step is retried at the next poll). Default: ignored. */
  onError?(error: unknown): void;
}

/** A running follower. */
export interface Follower {
  /** Stops watching; resolves once the step in progress (if any) has finished. */
  stop(): Promise<void>;
  /** Resolves with the cursor once every block up to the head at the time of the call is handled. */
  caughtUp(): Promise<bigint>;
  /** The last block handled (undefined before the first). */
  cursor(): bigint | undefined;
}

/**
 * Starts following `address`'s logs. See the module comment for the delivery guarantees.
 *
 * @returns The {@link Follower}; a first step runs at once.
 */
export function followLogs<abi extends Abi>(options: FollowOptions<abi>): Follower {
  const state = new FollowState(options as unknown as FollowOptions);
  return state.start();
}

class FollowState {
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private waiters: { target: bigint; resolve: (cursor: bigint) => void }[] = [];
  private readonly names: Set<string> | undefined;

  constructor(private readonly o: FollowOptions) {
    this.names = o.eventNames === undefined ? undefined : new Set(o.eventNames);
  }

  start(): Follower {
    this.timer = setInterval(() => this.kick(), this.o.pollingIntervalMs ?? 1_000);
    this.kick();
    return {
      stop: async () => {
        this.stopped = true;
        clearInterval(this.timer);
        await this.running;
      },
      caughtUp: async () => {
        const head = await this.o.client.getBlockNumber({ cacheTime: 0 });
        return new Promise<bigint>((resolve) => {
          this.waiters.push({ target: head, resolve });
          this.kick();
        });
      },
      cursor: () => this.cursor(),
    };
  }

  private cursor(): bigint | undefined {
    return this.o.store.getCursor(this.o.cursorKey);
  }

  /** Runs steps one at a time; a kick during a step schedules one more. */
  private kick(): void {
    if (this.stopped) return;
    if (this.pending) return;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      await this.drain();
    });
  }

  /** Handles ranges until the cursor reaches the head. */
  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const head = await this.o.client.getBlockNumber({ cacheTime: 0 });
        const done = this.cursor() ?? (this.o.fromBlock ?? 0n) - 1n;
        if (done >= head) return this.release(done);
        const to = minBig(head, done + (this.o.maxBlockRange ?? 2_000n));
        await this.step(done + 1n, to);
        this.release(to);
      }
    } catch (e) {
      this.o.onError?.(e); // the next poll retries, new block or not (an idle chain must not stall caughtUp)
    }
  }

  private async step(fromBlock: bigint, toBlock: bigint): Promise<void> {
    const logs = (await this.o.client.getContractEvents({
      address: this.o.address,
      abi: this.o.abi,
      fromBlock,
      toBlock,
      strict: true,
    })) as unknown as FollowedLog[];
    const wanted = this.names === undefined ? logs : logs.filter((l) => this.names!.has(l.eventName));
    wanted.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1)); // prettier-ignore
    if (wanted.length > 0) await this.o.onLogs(wanted);
    this.o.store.setCursor(this.o.cursorKey, toBlock);
  }

  private release(cursor: bigint): void {
    const ready = this.waiters.filter((w) => w.target <= cursor);
    this.waiters = this.waiters.filter((w) => w.target > cursor);
    for (const w of ready) w.resolve(cursor);
  }
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
