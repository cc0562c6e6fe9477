/**
 * Token streams of the jobs being answered: the backend pushes each piece of text as it is generated,
 * then one `done` (or `error`) event; any number of HTTP clients subscribe and get every event from the
 * first (a second upload of the same prompt replays what was sent so far, then follows live). A client
 * that goes away only unsubscribes: the job runs on regardless. Finished streams are dropped after
 * `keepMs`; their result stays in the journal (see the result route).
 */
import type { StreamEvent } from "../shared/provider-api.js";

export type { StreamEvent };

/** The events of one job: kept in order, fanned out to subscribers. */
export class JobStream {
  readonly events: StreamEvent[] = [];
  private readonly listeners = new Set<(e: StreamEvent) => void>();

  /** Whether `done` or `error` was pushed. */
  get finished(): boolean {
    const last = this.events.at(-1);
    return last !== undefined && last.type !== "token";
  }

  /** Appends an event and passes it to every subscriber (ignored once finished). */
  push(event: StreamEvent): void {
    if (this.finished) return;
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }

  /**
   * Calls `listener` with every event so far, then with each new one.
   * @returns Unsubscribes.
   */
  subscribe(listener: (e: StreamEvent) => void): () => void {
    for (const e of this.events) listener(e);
    if (!this.finished) this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the `done`/`error` event. */
  end(): Promise<StreamEvent> {
    return new Promise((resolve) => {
      const stop = this.subscribe((e) => {
        if (e.type !== "token") {
          resolve(e);
          queueMicrotask(() => stop());
        }
      });
    });
  }
}

/** The streams of the jobs in flight, by job key (a job id's decimal string or a request digest). */
export class StreamHub {
  private readonly streams = new Map<string, JobStream>();

  /** @param keepMs How long a finished stream is kept for late subscribers, ms (default 60 000). */
  constructor(private readonly keepMs = 60_000) {}

  /** The stream of `key`, if one is live or recently finished. */
  get(key: string): JobStream | undefined {
    return this.streams.get(key.toLowerCase());
  }

  /** The stream of `key`, created if absent; a finished one is forgotten `keepMs` after its end. */
  open(key: string): JobStream {
    const k = key.toLowerCase();
    let stream = this.streams.get(k);
    if (stream) return stream;
    stream = new JobStream();
    this.streams.set(k, stream);
    const created = stream;
    void created.end().then(() => {
      const timer = setTimeout(() => {
        if (this.streams.get(k) === created) this.streams.delete(k);
      }, this.keepMs);
      timer.unref();
    });
    return stream;
  }

  /** Streams not yet finished. */
  get live(): number {
    let n = 0;
    for (const s of this.streams.values()) if (!s.finished) n++;
    return n;
  }
}
