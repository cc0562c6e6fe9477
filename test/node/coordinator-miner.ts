/**
 * The coordinator beside a real miner (node/miner over its own API, no relay): it finds the miner by its
 * `ServiceURIUpdated`, fetches a quote-path job's and a batch job's data from the miner's own archive routes
 * at that URI, re-executes both (match: no dispute), and its probe verifies the miner's real signed offers.
 */
import { expect } from "chai";
import type { Hex } from "viem";

import {
  depositToBatchEscrow,
  getJob,
  openJobWithQuote,
  signBatchJobRequest,
  type AitbcWriteClient,
} from "@aitbc/sdk";
import { OllamaBackend } from "../../node/backends/backend.js";
import { Coordinator } from "../../node/coordinator/coordinator.js";
import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { ProviderClient, type StreamEvent } from "../../node/shared/provider-api.js";
import { openStore } from "../../node/shared/store.js";
import { createChainSigner } from "../../node/watcher/signer.js";
import { AITBC } from "../helpers/market.js";
import { minerFixture, until, type MinerFixture } from "./miner-fixture.js";

async function last(events: AsyncIterable<StreamEvent>): Promise<StreamEvent> {
  let end: StreamEvent | undefined;
  for await (const e of events) end = e;
  return end!;
}

describe("coordinator beside a real miner: data from the miner's own URI, both paths re-executed, offers verified", function () {
  let f: MinerFixture;
  let coordinator: Coordinator | undefined;
  const store = openStore(":memory:");

  before(async () => {
    f = await minerFixture();
  });
  after(async () => {
    await coordinator?.stop();
    store.close();
    await f?.miner.stop();
    await f?.ollama.close();
  });

  it("checks a quote-path job and a batch job as matches, from the miner's archive routes", async () => {
    const client = new ProviderClient(f.miner.url!);
    const payload = (nonce: string): JobPayload => ({ model: f.model.name, prompt: `coordinator ${nonce}`, seed: 3, nonce }); // prettier-ignore
    const p1 = payload("q");
    const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p1), maxTokens: 64n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
    const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
    expect((await last(client.uploadPrompt(jobId, p1))).type).to.equal("done");
    await depositToBatchEscrow(f.consumer, { contracts: f.contracts, amount: 100n * AITBC });
    const p2 = payload("b");
    const now = BigInt(await f.market.networkHelpers.time.latest());
    const request = { consumer: f.consumer.account.address, provider: f.miner.address, modelDigest: f.model.digest, promptHash: payloadHash(p2), pricePerToken: DEFAULT_ASK, maxTokens: 64n, deadline: now + 3_600n, nonce: 1n }; // prettier-ignore
    const batchSig = await signBatchJobRequest(f.consumer, { contracts: f.contracts, request });
    const done = await last(client.sendBatchRequest({ request, signature: batchSig as Hex, payload: p2 }));
    if (done.type !== "done") throw new Error(`batch request: ${JSON.stringify(done)}`);
    await until(async () => (await getJob(f.publicClient, { contracts: f.contracts, jobId })).status === "Submitted"); // prettier-ignore
    await until(() => f.miner.journal.get(done.jobKey)?.state === "submitted");

    const requests = f.ollama.requests;
    coordinator = new Coordinator({
      signer: createChainSigner({
        public: f.publicClient as never,
        wallet: f.challenger as AitbcWriteClient,
      }),
      contracts: f.contracts,
      store,
      verifiers: new Map([[f.model.digest.toLowerCase(), { model: f.model.name, backend: new OllamaBackend({ host: f.ollama.url }) }]]), // prettier-ignore
      sampleRate: 1,
      pollingIntervalMs: 20,
      probeEveryMs: 0,
      reportEveryMs: 0,
      log: () => undefined,
    });
    await coordinator.start();
    await coordinator.caughtUp();
    expect(coordinator.state.providers().map((p) => [p.provider, p.uri])).to.deep.equal([[f.miner.address, f.miner.url]]); // prettier-ignore
    const checks = coordinator.watcher.checks().map((c) => [c.kind, c.jobKey.toLowerCase(), c.outcome]);
    expect(checks).to.have.deep.members([
      ["job", `0x${jobId.toString(16).padStart(64, "0")}`, "match"],
      ["batch", done.jobKey.toLowerCase(), "match"],
    ]);
    expect(f.ollama.requests - requests).to.equal(2); // both re-executed, from data only the miner serves
    expect(coordinator.watcher.disputes()).to.deep.equal([]);

    await coordinator.probeAll();
    const [probe] = coordinator.state.probes(f.miner.address);
    expect(probe).to.deep.include({ ok: true, minPricePerToken: DEFAULT_ASK });
    expect(probe!.models).to.include(f.model.digest); // one verified offer per served model
  });
});
