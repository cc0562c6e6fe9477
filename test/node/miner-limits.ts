/**
 * The edge miner's limits: a memory share crossed (process RSS, system or GPU memory) makes the
 * capacity 0 and `/health` degraded, and new work — quotes and batch requests — is refused before any
 * token; `maxConcurrent` caps the free slots; `nvidia-smi`'s memory query is parsed.
 */
import { expect } from "chai";

import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { ResourceLimits, parseGpuMemory, type MemoryUse } from "../../node/miner/limits.js";
import { payloadHash } from "../../node/shared/protocol.js";
import { ProviderClient, ProviderRefusedError } from "../../node/shared/provider-api.js";
import { minerFixture, type MinerFixture } from "./miner-fixture.js";

describe("node/miner: resource limits", function () {
  it("ResourceLimits: capacity = maxConcurrent − in flight, 0 over a memory share; shares checked", () => {
    const use: MemoryUse = { rss: 0.1, system: 0.5 };
    const limits = new ResourceLimits({ maxConcurrent: 3, memoryShare: 0.8, gpuMemoryShare: 0.9, probe: () => use }); // prettier-ignore
    expect([limits.capacity(0), limits.capacity(2), limits.capacity(5)]).to.deep.equal([3, 1, 0]);
    use.system = 0.85;
    expect(limits.capacity(0)).to.equal(0);
    expect(limits.pressure()[0]).to.match(/system memory 85\.0% > 80\.0%/);
    use.system = 0.5;
    use.gpu = 0.95;
    expect(limits.pressure()).to.deep.equal(["GPU memory 95.0% > 90.0%"]);
    expect(() => new ResourceLimits({ cpuShare: 0 })).to.throw(RangeError);
    expect(() => new ResourceLimits({ memoryShare: 1.5 })).to.throw(RangeError);
    expect(new ResourceLimits({ cpuShare: 0.01 }).workers).to.equal(1);
  });

  it("parses nvidia-smi memory.used,memory.total (MiB): the highest use over the GPUs", () => {
    expect(parseGpuMemory("1024, 8192\n6144, 8192\n")).to.equal(0.75);
    expect(parseGpuMemory("")).to.equal(undefined);
  });

  describe("a miner over its memory share", () => {
    let f: MinerFixture;
    const use: MemoryUse = { rss: 0.1, system: 0.2 };
    before(async () => {
      f = await minerFixture({ limits: { maxConcurrent: 2, memoryShare: 0.7, probe: () => use } });
    });
    after(async () => {
      await f?.miner.stop();
      await f?.ollama.close();
    });

    it("reports degraded health, capacity 0 in health and offers, and refuses quotes and batch requests", async () => {
      const client = new ProviderClient(f.miner.url!);
      expect(await client.health()).to.include({ status: "ok", capacity: 2 });
      use.rss = 0.75;
      const health = await client.health();
      expect(health).to.include({ status: "degraded", capacity: 0 });
      expect(health.reasons?.[0]).to.match(/process memory 75\.0% > 70\.0%/);
      expect((await client.offers()).map((o) => o.offer.capacity)).to.deep.equal([0n, 0n]);
      const p = { model: f.model.name, prompt: "hi", seed: 1, nonce: "x" };
      const quote = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p), maxTokens: 8n, pricePerToken: DEFAULT_ASK, duration: 600n }).catch((e: unknown) => e); // prettier-ignore
      expect((quote as ProviderRefusedError).reason).to.equal("no spare capacity");
      const now = BigInt(await f.market.networkHelpers.time.latest());
      const request = { consumer: f.consumer.account.address, provider: f.miner.address, modelDigest: f.model.digest, promptHash: payloadHash(p), pricePerToken: DEFAULT_ASK, maxTokens: 8n, deadline: now + 3600n, nonce: 1n }; // prettier-ignore
      let tokens = 0;
      const error = await (async () => {
        for await (const _ of client.sendBatchRequest({ request, signature: "0x00", payload: p })) tokens++;
      })().catch((e: unknown) => e);
      expect([(error as ProviderRefusedError).status, tokens]).to.deep.equal([429, 0]);
      use.rss = 0.1;
      expect(await client.health()).to.include({ status: "ok", capacity: 2 });
    });
  });
});
