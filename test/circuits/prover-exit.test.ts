import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { expect } from "chai";

const sdk = (path: string) =>
  pathToFileURL(resolve(import.meta.dirname, "..", "..", "sdk", "src", path)).href;

/** The child: proves two receipts started at once (its first use of the prover), then releases. */
const CHILD = `
import { releaseProverResources } from ${JSON.stringify(sdk("zk/proof.ts"))};
import { proveReceipt } from ${JSON.stringify(sdk("zk/receipt.ts"))};
const job = (jobId) => ({ chainId: 31337n, escrow: "0x${"44".repeat(20)}", jobId, modelDigest: "0x${"11".repeat(32)}", promptHash: "0x${"22".repeat(32)}",
  outputHash: "0x${"33".repeat(32)}", tokenCount: 5n, pricePerToken: 7n });
const receipts = await Promise.all([proveReceipt(12345n, job(1n)), proveReceipt(12345n, job(2n))]);
await releaseProverResources();
console.log("proved " + receipts.length);
`;

/**
 * snarkjs builds its curve (worker threads) on first use; two proofs started at once in a fresh
 * process used to build two and leak one's workers, so the process never exited (a test run or a
 * benchmark hung after its last line). The SDK builds it once; after `releaseProverResources` the
 * process exits by itself.
 */
describe("prover: a process that proved concurrently exits after releaseProverResources", function () {
  it("exits by itself with code 0 (killed 60 s after its last proof otherwise)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aitbc-prover-exit-"));
    const script = join(dir, "child.mts");
    writeFileSync(script, CHILD);
    try {
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        stdio: ["ignore", "pipe", "pipe"],
        cwd: resolve(import.meta.dirname, "..", ".."),
      });
      let output = "";
      // The clock starts once both proofs are done (however long a busy machine takes for them):
      // from then on only the release remains, which takes milliseconds; a leak never ends.
      let killer: NodeJS.Timeout | undefined;
      const collect = (d: Buffer) => {
        output += d.toString();
        if (!killer && output.includes("proved 2")) killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
        child.on("exit", (c, s) => done([c, s])),
      );
      clearTimeout(killer);
      expect(output).to.contain("proved 2");
      expect(signal, "the process had to be killed: something kept it alive").to.equal(null);
      expect(code).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
