/** The coordinator re-executes sampled jobs and disputes a miner whose output hash differs; reports performance. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama } from "ollama";
import type { Address, EIP1193Provider } from "viem";

import { ChainAdapter, type MarketAddresses } from "../../scripts/lib/chain.js";
import { Coordinator, sampled } from "../../scripts/lib/coordinator/coordinator.js";
import { startGateway, type Gateway } from "../../scripts/lib/gateway/server.js";
import { Miner } from "../../scripts/lib/miner/miner.js";
import {
  BUILTIN_DIGEST,
  BUILTIN_MODEL_NAME,
  BuiltinBackend,
  type InferenceRequest,
} from "../../scripts/lib/ollama/backend.js";
import { sleep } from "../../scripts/lib/retry.js";
import { deployMarket, PRICE, SECRET_1, Status, type Market, marketAddresses } from "../helpers/market.js";

/** A miner backend that answers the built-in model's digest with a wrong label. */
class LyingBackend extends BuiltinBackend {
  override async infer(request: InferenceRequest) {
    const honest = await super.infer(request);
    return { ...honest, output: honest.output === "finance" ? "sports" : "finance" };
  }
}

describe("coordinator: proof of sampling and performance reports", function () {
  let market: Market;
  let coordinator: Coordinator;
  let miner: Miner;
  let gateway: Gateway;
  let dir: string;

  before(async () => {
    const connection = await network.create();
    const rpc = connection.provider as unknown as EIP1193Provider;
    market = await deployMarket(connection);
    const addresses: MarketAddresses = await marketAddresses(market);
    const adapter = (a: string) =>
      new ChainAdapter({ rpc, account: a as Address, addresses, pollingIntervalMs: 20 });
    dir = mkdtempSync(join(tmpdir(), "aitbc-coord-"));
    coordinator = new Coordinator({
      chain: adapter(market.oracle.address),
      verifiers: new Map([[BUILTIN_DIGEST.toLowerCase(), { model: BUILTIN_MODEL_NAME, backend: new BuiltinBackend({ prove: false }) }]]), // prettier-ignore
      sampleRate: 1,
      reportEveryMs: 0,
      pollMs: 50,
      log: () => undefined,
    });
    await market.token.connect(market.ecosystem).transfer(market.oracle.address, 1_000n * 10n ** 18n);
    await coordinator.start();
    miner = new Miner({ chain: adapter(market.provider1.address), backend: new LyingBackend(), relayUrl: coordinator.relay.url, secret: SECRET_1, journalPath: join(dir, "m.jsonl"), gpu: { model: "x", vramGb: 1, throughput: 1, source: "flags" }, pollMs: 50, log: () => undefined }); // prettier-ignore
    await miner.start();
    gateway = await startGateway({
      chain: adapter(market.consumer.address),
      relayUrl: coordinator.relay.url,
      pricePerToken: PRICE,
    });
  });

  after(async () => {
    await miner?.stop();
    await gateway?.close();
    await coordinator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("samples deterministically at the configured rate", () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => BigInt(i + 1));
    const share = ids.filter((id) => sampled(id, 0.25)).length / ids.length;
    expect(share).to.be.within(0.2, 0.3);
    expect(sampled(5n, 1)).to.equal(true);
    expect(sampled(5n, 0)).to.equal(false);
  });

  it("disputes a job whose re-executed output differs, and reports performance to the oracle role", async () => {
    const answer = await new Ollama({ host: gateway.url }).generate({ model: BUILTIN_MODEL_NAME, prompt: "will it rain in london tomorrow", stream: false }); // prettier-ignore
    expect(answer.response).to.equal("finance"); // the lie
    const jobId = BigInt((answer as unknown as { aitbc: { job_id: string } }).aitbc.job_id);
    const end = Date.now() + 5 * 60_000; // bounds a hang only
    while (Number((await market.escrow.jobOf(jobId)).status) !== Status.Disputed && Date.now() < end)
      await sleep(100);
    expect(Number((await market.escrow.jobOf(jobId)).status)).to.equal(Status.Disputed);
    expect(coordinator.disputes.map((d) => d.jobId)).to.deep.equal([jobId]);
    const [reported] = await coordinator.reportPerformance();
    expect(reported!.provider).to.equal(market.provider1.address);
    const components = await market.reputation.componentsOf(market.provider1.address);
    expect(components[0]).to.equal(reported!.value);
  });
});
