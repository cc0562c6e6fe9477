/**
 * End to end on the in-process chain: the official `ollama` client → gateway → job on JobEscrow →
 * miners (one on the built-in model, one on the local Ollama-API server) → receipt proof →
 * submitResult → challenge window → finalize. Every job settles exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama } from "ollama";
import type { Address, EIP1193Provider } from "viem";

import { ChainAdapter, type MarketAddresses } from "../../scripts/lib/chain.js";
import { startRelay, type Relay } from "../../scripts/lib/coordinator/relay.js";
import { startGateway, type Gateway } from "../../scripts/lib/gateway/server.js";
import { Miner } from "../../scripts/lib/miner/miner.js";
import { BUILTIN_MODEL_NAME, BuiltinBackend, OllamaBackend } from "../../scripts/lib/ollama/backend.js";
import { sleep } from "../../scripts/lib/retry.js";
import {
  deployMarket,
  DAY,
  PRICE,
  SECRET_1,
  SECRET_2,
  Status,
  type Market,
  marketAddresses,
} from "../helpers/market.js";
import { startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

const GPU = { model: "test GPU", vramGb: 8, throughput: 10, source: "flags" as const };

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5 * 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("miner: end to end through the gateway", function () {
  let market: Market;
  let addresses: MarketAddresses;
  let ollama: FakeOllama;
  let relay: Relay;
  let gateway: Gateway;
  let miners: Miner[] = [];
  let dir: string;
  let rpc: EIP1193Provider;

  const adapter = (account: string) =>
    new ChainAdapter({
      rpc: rpc,
      account: account as Address,
      addresses,
      pollingIntervalMs: 20,
    });

  before(async () => {
    const connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    market = await deployMarket(connection);
    addresses = await marketAddresses(market);
    dir = mkdtempSync(join(tmpdir(), "aitbc-e2e-"));
    ollama = await startFakeOllama();
    relay = await startRelay();
    miners = [
      new Miner({ chain: adapter(market.provider1.address), backend: new BuiltinBackend(), relayUrl: relay.url, secret: SECRET_1, journalPath: join(dir, "m1.jsonl"), gpu: GPU, pollMs: 50, log: () => undefined }),
      new Miner({ chain: adapter(market.provider2.address), backend: new OllamaBackend({ host: ollama.url, retry: { attempts: 3, baseDelayMs: 20 } }), relayUrl: relay.url, secret: SECRET_2, journalPath: join(dir, "m2.jsonl"), gpu: GPU, pollMs: 50, log: () => undefined }),
    ]; // prettier-ignore
    for (const m of miners) await m.start();
    gateway = await startGateway({
      chain: adapter(market.consumer.address),
      relayUrl: relay.url,
      pricePerToken: PRICE,
      resultTimeoutMs: 180_000,
      log: () => undefined,
    });
  });

  after(async () => {
    for (const m of miners) await m.stop();
    await gateway?.close();
    await relay?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the network's models through /api/tags and /api/show", async () => {
    const client = new Ollama({ host: gateway.url });
    const { models } = await client.list();
    expect(models.map((m) => m.name)).to.include.members([BUILTIN_MODEL_NAME, "llama3.2:1b", "qwen2.5:0.5b"]);
    expect((await client.show({ model: "llama3.2:1b" })).model_info).to.have.property("aitbc.model_digest");
    expect((await client.version()).version).to.be.a("string");
    const error = await client.show({ model: "nope" }).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/model 'nope' not found/);
  });

  it("answers generate (stream and not) and chat, each as a proved job, and settles them all", async () => {
    const client = new Ollama({ host: gateway.url });
    const whole = await client.generate({
      model: BUILTIN_MODEL_NAME,
      prompt: "who won the football match last night",
      stream: false,
    });
    expect(whole.response).to.equal("sports");
    const aitbc = (
      whole as unknown as { aitbc: { job_id: string; fee: string; receipt: { nullifier: string } } }
    ).aitbc;
    expect(BigInt(aitbc.fee)).to.equal(PRICE);
    let text = "";
    let last: Record<string, unknown> = {};
    for await (const part of await client.generate({
      model: "llama3.2:1b",
      prompt: "Explain staking.",
      stream: true,
      options: { seed: 7 },
    })) {
      text += part.response;
      last = part as unknown as Record<string, unknown>;
    }
    expect(text.length).to.be.greaterThan(0);
    expect(last.aitbc).to.have.property("job_id");
    const chat = await client.chat({
      model: "qwen2.5:0.5b",
      messages: [{ role: "user", content: "hello" }],
      stream: false,
    });
    expect(chat.message.content.length).to.be.greaterThan(0);
    expect(gateway.jobs).to.have.length(3);

    await market.networkHelpers.time.increase(DAY + 1);
    await waitFor("every job to settle", async () => {
      for (const j of gateway.jobs)
        if (Number((await market.escrow.jobOf(j.jobId)).status) !== Status.Settled) return false;
      return true;
    });
    const finalized = miners.flatMap((m) =>
      m.journal
        .all()
        .filter((e) => e.state === "finalized")
        .map((e) => e.jobId),
    );
    expect(new Set(finalized).size).to.equal(finalized.length);
    expect(finalized.sort()).to.deep.equal(gateway.jobs.map((j) => j.jobId.toString()).sort());
  });

  it("an unknown model answers 404 like Ollama, and no job is opened", async () => {
    const before = await market.escrow.lastJobId();
    const error = await new Ollama({ host: gateway.url })
      .generate({ model: "ghost:70b", prompt: "x", stream: false })
      .catch((e: unknown) => e);
    expect((error as Error).message).to.match(/model 'ghost:70b' not found/);
    expect(await market.escrow.lastJobId()).to.equal(before);
  });

  it("Ollama down while a job runs: the miner retries with a clear error and the job is answered when it is back", async () => {
    const client = new Ollama({ host: gateway.url });
    const errorsBefore = miners[1]!.errors.length;
    ollama.faults.down = true;
    const answer = client.generate({ model: "llama3.2:1b", prompt: "Is the runtime up?", stream: false });
    await waitFor(
      "the miner to report the outage",
      async () => miners[1]!.errors.length > errorsBefore,
      30_000,
    );
    expect(miners[1]!.errors.slice(errorsBefore).join("\n")).to.match(
      /Ollama runtime is unavailable.*will retry/,
    );
    ollama.faults.down = false;
    const result = await answer;
    expect(result.response).to.be.a("string");
  });

  it("50 concurrent requests from the ollama client: every answer arrives and every job settles", async () => {
    const client = new Ollama({ host: gateway.url });
    const topics = [
      "will it snow tomorrow",
      "who won the match",
      "should i buy stocks",
      "which laptop is fastest",
    ];
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const prompt = `${topics[i % 4]} ${i}`;
        if (i % 2 === 0) {
          const whole = await client.generate({ model: BUILTIN_MODEL_NAME, prompt, stream: false });
          return BigInt((whole as unknown as { aitbc: { job_id: string } }).aitbc.job_id);
        }
        let last: Record<string, unknown> = {};
        for await (const part of await client.generate({ model: BUILTIN_MODEL_NAME, prompt, stream: true })) {
          last = part as unknown as Record<string, unknown>;
        }
        return BigInt((last.aitbc as { job_id: string }).job_id);
      }),
    );
    const ms = performance.now() - started;
    expect(new Set(ids).size).to.equal(50);
    console.log(
      `      50 concurrent requests answered in ${(ms / 1000).toFixed(1)} s (${(50 / (ms / 60_000)).toFixed(0)} jobs/min)`,
    );
    await market.networkHelpers.time.increase(DAY + 1);
    await waitFor(
      "all 50 jobs to settle",
      async () => {
        for (const id of ids)
          if (Number((await market.escrow.jobOf(id)).status) !== Status.Settled) return false;
        return true;
      },
      120_000,
    );
  });
});
