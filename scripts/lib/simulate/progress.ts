/**
 * A progress bar on stderr: redrawn in place on a terminal (`\r`), plain lines (one per 10% step and
 * per phase) when stderr is not a TTY, so logs stay readable. No dependency.
 */

/** What {@link createProgress} returns. */
export interface Progress {
  /** Reports `done` of `total` in `phase`. */
  update(phase: string, done: number, total: number): void;
  /** Ends the bar (a newline on a terminal). */
  done(): void;
}

/**
 * A progress reporter.
 *
 * @param stream where to draw (default `process.stderr`)
 * @param enabled false: report nothing (tests)
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  const tty = stream.isTTY === true;
  let last = "";
  let lastStep = -1;
  let drawn = false;
  return {
    update(phase, done, total) {
      if (!enabled) return;
      const share = total <= 0 ? 1 : Math.min(1, done / total);
      if (tty) {
        const width = 30;
        const filled = Math.round(share * width);
        stream.write(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${phase} ${done}/${total}   `); // prettier-ignore
        drawn = true;
        return;
      }
      const step = Math.floor(share * 10);
      if (phase !== last || step !== lastStep) {
        stream.write(`[simulate] ${phase}: ${done}/${total} (${(share * 100).toFixed(0)}%)\n`);
        last = phase;
        lastStep = step;
      }
    },
    done() {
      if (enabled && tty && drawn) stream.write("\n");
    },
  };
}
