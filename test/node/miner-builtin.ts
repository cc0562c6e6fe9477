/**
 * The built-in model through the miner's API: the policy names a checker for its digest, so the miner
 * settles the job with `submitInferenceResult` (receipt proof plus the full proof of inference bound to
 * the job), after streaming the label as its one token.
 */
import { expect } from "chai";

import { getJob, openJobWithQuote } from "@aitbc/sdk";
import { BUILTIN_DIGEST, BUILTIN_MODEL_NAME, BuiltinBackend } from "../../node/backends/backend.js";
import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { payloadHash } from "../../node/shared/protocol.js";
import { ProviderClient, type StreamEvent } from "../../node/shared/provider-api.js";
import { minerFixture, until, type MinerFixture } from "./miner-fixture.js";

describe("node/miner: the built-in model settles with its proof of inference", function () {
  let f: MinerFixture;
  before(async () => {
    f = await minerFixture({ backend: new BuiltinBackend(), batch: undefined });
    // the timelock names the checker of the built-in model in JobEscrow's policy
    const policy = await f.connection.ethers.getContractAt("MarketPolicy", await f.market.escrow.policy());
    await policy
      .connect(f.market.governance)
      .setModelVerification(BUILTIN_DIGEST, await f.market.checker.getAddress());
  });
  after(async () => {
    await f?.miner.stop();
    await f?.ollama.close();
  });

  it("streams the label, then submits with submitInferenceResult", async () => {
    const client = new ProviderClient(f.miner.url!);
    const p = { model: BUILTIN_MODEL_NAME, prompt: "will it rain in paris tomorrow", seed: 0, nonce: "b1" };
    const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: BUILTIN_DIGEST, promptHash: payloadHash(p), maxTokens: 4n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
    const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
    const events: StreamEvent[] = [];
    for await (const e of client.uploadPrompt(jobId, p)) events.push(e);
    expect(events.map((e) => e.type)).to.deep.equal(["token", "done"]);
    const done = events[1]!;
    if (done.type !== "done") throw new Error("no done");
    expect(events[0]).to.deep.equal({ type: "token", text: done.output });
    await until(
      async () => (await getJob(f.publicClient, { contracts: f.contracts, jobId })).status === "Submitted",
    );
    // The miner books the gas once it has the receipt, which may be just after the block is visible here.
    await until(async () => f.miner.ctx.account.gas.has("submitInferenceResult"));
    expect(f.miner.ctx.account.gas.get("submitInferenceResult")?.count).to.equal(1);
    expect(f.miner.ctx.account.gas.has("submitResult")).to.equal(false);
  });
});
