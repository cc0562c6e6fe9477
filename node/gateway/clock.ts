/**
 * The chain's clock without a round trip per request: the latest block's timestamp, read in the
 * background, advanced by the local clock since the read. Signed requests and quotes are dated with
 * it (deadlines, offer expiry), so a chain whose time was moved (a dev node's `evm_increaseTime`)
 * is followed within one refresh.
 */
import type { PublicClient } from "viem";

/** Options of {@link ChainClock}. */
export interface ChainClockOptions {
  /** How often the latest block is read, ms (default 2 000). */
  refreshMs?: number;
}

/** See the module's description. */
export class ChainClock {
  private base: { chainS: number; localMs: number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** @param client A viem public client. */
  constructor(
    private readonly client: PublicClient,
    private readonly options: ChainClockOptions = {},
  ) {}

  /** Reads the chain once, then keeps refreshing in the background. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(
      () => void this.refresh().catch(() => undefined),
      this.options.refreshMs ?? 2_000,
    );
    this.timer.unref();
  }

  /** Reads the latest block's timestamp now. */
  async refresh(): Promise<void> {
    const block = await this.client.getBlock({ blockTag: "latest" });
    this.base = { chainS: Number(block.timestamp), localMs: Date.now() };
  }

  /** The chain's time now, Unix seconds (whole). @throws if never started. */
  nowS(): bigint {
    if (!this.base) throw new Error("ChainClock: not started");
    return BigInt(this.base.chainS + Math.floor((Date.now() - this.base.localMs) / 1000));
  }

  /** Stops the background refresh. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
