import { expect } from "chai";

import { modelDigest } from "../../sdk/src/model/mlp.js";
import { BUILTIN_MODEL } from "../../sdk/src/model/weights.js";
import { proveInference, verifyInference } from "../../sdk/src/zk/inference.js";
import { identityCommitment, proveReceipt, verifyReceipt } from "../../sdk/src/zk/receipt.js";
import { SECRET, sampleJob } from "./helpers.js";

/**
 * Proofs started concurrently in one process share the cached witness calculator (one WASM
 * instance per circuit). Each must still prove its own statement: a miner proves job A's receipt
 * while job B's is being proved.
 */
describe("concurrent proofs in one process", function () {
  const identity = identityCommitment(SECRET);

  it("proves 4 receipts started at once; each verifies against its own job and no other", async () => {
    const jobs = [1n, 2n, 3n, 4n].map((jobId) => sampleJob({ jobId, tokenCount: 10n * jobId }));
    const receipts = await Promise.all(jobs.map((job) => proveReceipt(SECRET, job)));
    for (const [i, receipt] of receipts.entries()) {
      expect(await verifyReceipt(receipt.proof, jobs[i]!, identity, receipt.nullifier), `job ${i + 1}`).to.equal(true); // prettier-ignore
    }
    // the check is not vacuous: a proof does not verify for a neighbour's job
    expect(await verifyReceipt(receipts[0]!.proof, jobs[1]!, identity, receipts[1]!.nullifier)).to.equal(
      false,
    );
  });

  it("proves receipts and inferences interleaved; every proof verifies", async () => {
    const [r1, i1, r2, i2] = await Promise.all([
      proveReceipt(SECRET, sampleJob({ jobId: 7n })),
      proveInference("will it rain in oslo tomorrow", { jobKey: 9n }),
      proveReceipt(SECRET, sampleJob({ jobId: 8n })),
      proveInference("who won the football match", { jobKey: 10n }),
    ]);
    expect(await verifyReceipt(r1.proof, sampleJob({ jobId: 7n }), identity, r1.nullifier)).to.equal(true);
    expect(await verifyReceipt(r2.proof, sampleJob({ jobId: 8n }), identity, r2.nullifier)).to.equal(true);
    const digest = modelDigest(BUILTIN_MODEL);
    const check = { modelDigest: digest };
    expect(await verifyInference(i1, { ...check, prompt: "will it rain in oslo tomorrow", jobKey: 9n })).to.equal(true); // prettier-ignore
    expect(await verifyInference(i2, { ...check, prompt: "who won the football match", jobKey: 10n })).to.equal(true); // prettier-ignore
  });
});
