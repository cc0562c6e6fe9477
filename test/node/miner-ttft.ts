/**
 * Time to first token through the miner's API against the backend alone, with the Ollama-API test
 * server at 20 ms per token: the API's first token arrives while the backend is still generating (long
 * before `done`), and the figures (medians over 8 runs each, ms) are printed for the record — not
 * asserted, since they depend on the machine.
 */
import { expect } from "chai";

import { depositToBatchEscrow, signBatchJobRequest } from "@aitbc/sdk";
import { OllamaBackend } from "../../node/backends/backend.js";
import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { payloadHash } from "../../node/shared/protocol.js";
import { ProviderClient } from "../../node/shared/provider-api.js";
import { AITBC } from "../helpers/market.js";
import { minerFixture, type MinerFixture } from "./miner-fixture.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("node/miner: time to first token, API against the backend alone", function () {
  let f: MinerFixture;
  before(async () => {
    f = await minerFixture({ batch: { size: 16, maxWaitMs: 60_000 }, limits: { maxConcurrent: 16 } }, 20);
  });
  after(async () => {
    await f?.miner.stop();
    await f?.ollama.close();
  });

  it("the first token comes while the backend still generates; medians printed", async () => {
    const backend = new OllamaBackend({ host: f.ollama.url });
    const direct: number[] = [];
    const api: { first: number; done: number; tokens: number }[] = [];
    for (let i = 0; i < 8; i++) {
      const t = performance.now();
      let first = 0;
      await backend.infer({ model: f.model.name, prompt: `direct ${i}`, seed: i, maxTokens: 64, onToken: () => (first ||= performance.now() - t) }); // prettier-ignore
      direct.push(first);
    }
    await depositToBatchEscrow(f.consumer, { contracts: f.contracts, amount: 100n * AITBC });
    const client = new ProviderClient(f.miner.url!);
    const now = BigInt(await f.market.networkHelpers.time.latest());
    for (let i = 0; i < 8; i++) {
      const payload = { model: f.model.name, prompt: `api ${i}`, seed: i, nonce: `t${i}` };
      const request = { consumer: f.consumer.account.address, provider: f.miner.address, modelDigest: f.model.digest, promptHash: payloadHash(payload), pricePerToken: DEFAULT_ASK, maxTokens: 64n, deadline: now + 7_200n, nonce: BigInt(1000 + i) }; // prettier-ignore
      const signature = await signBatchJobRequest(f.consumer, { contracts: f.contracts, request });
      const t = performance.now();
      let first = 0;
      for await (const e of client.sendBatchRequest({ request, signature, payload })) {
        if (e.type === "token") first ||= performance.now() - t;
        if (e.type === "done") api.push({ first, done: performance.now() - t, tokens: e.tokenCount });
      }
    }
    console.log(`      first token, median ms: backend ${median(direct).toFixed(1)}, miner API (batch path, checks included) ${median(api.map((a) => a.first)).toFixed(1)}; API done ${median(api.map((a) => a.done)).toFixed(1)}`); // prettier-ignore
    // the server sleeps 20 ms after each token: streamed, the first token precedes done by at least that much
    for (const a of api) expect(a.done - a.first).to.be.at.least((a.tokens - 1) * 20);
    expect(api).to.have.length(8);
  });
});
