/**
 * Matching on the in-process chain: miners announce offers (models, ask, capacity) to the
 * coordinator's relay; the gateway asks `/v1/match` (SDK `rankOffers` with on-chain trust scores),
 * gets a signed quote from the best provider and opens the job with `openJobWithQuote` — assigned
 * at open, no claim. Stale offers, offers above the consumer's price, providers that do not answer
 * and relays without a matcher fall back to an open job that a miner claims. Forged or mismatched
 * quotes are rejected (`verifyQuote`) before any transaction.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama } from "ollama";
import { parseEventLogs, type Address, type EIP1193Provider } from "viem";

import { jobEscrowAbi } from "../../sdk/src/abis/index.js";
import { signQuote, type Quote } from "../../sdk/src/actions/jobs.js";
import { ChainAdapter, type MarketAddresses } from "../../node/shared/chain.js";
import { Coordinator } from "../../node/coordinator/coordinator.js";
import { RelayClient, startRelay, type Relay } from "../../node/coordinator/relay.js";
import { acceptQuote, QuoteRejectedError, startGateway, type Gateway } from "../../node/gateway/server.js";
import { Miner } from "../../node/miner/miner.js";
import { BUILTIN_MODEL_NAME, BuiltinBackend } from "../../node/backends/backend.js";
import { sleep } from "../../node/shared/retry.js";
import {
  deployMarket,
  DAY,
  OUTPUT,
  PRICE,
  PROMPT,
  SECRET_1,
  SECRET_2,
  Status,
  type Market,
  marketAddresses,
} from "../helpers/market.js";

const GPU = { model: "test GPU", vramGb: 8, throughput: 10, source: "flags" as const };
const ASK_LOW = 10n ** 15n; // provider1: 0.001 AITBC per token
const ASK_HIGH = 15n * 10n ** 14n; // provider2: 0.0015 AITBC per token
const BETWEEN = 12n * 10n ** 14n; // a consumer's max between the two asks
const noop = () => undefined;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5 * 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Aitbc = { job_id: string; provider: string; matched: string; price_per_token: string; fee: string; token_count: number }; // prettier-ignore

describe("matching: offers, /v1/match, quotes, fallback to open jobs", function () {
  let market: Market;
  let addresses: MarketAddresses;
  let rpc: EIP1193Provider;
  let coordinator: Coordinator;
  let miners: Miner[] = [];
  const gateways: Gateway[] = [];
  let plainRelay: Relay | undefined;
  let dir: string;
  const gatewayLog: string[] = [];
  const jobIds: bigint[] = [];

  const adapter = (account: string) =>
    new ChainAdapter({ rpc, account: account as Address, addresses, pollingIntervalMs: 20 });
  const miner = (account: string, secret: bigint, relayUrl: string, ask: bigint, name: string) =>
    new Miner({ chain: adapter(account), backend: new BuiltinBackend(), relayUrl, secret, journalPath: join(dir, `${name}.jsonl`), gpu: GPU, pollMs: 100, pricePerToken: ask, offerEveryMs: 60_000, log: noop }); // prettier-ignore
  // A generous match window: tests that expect a quote must not fall back because the machine is busy.
  const gateway = async (relayUrl: string, pricePerToken: bigint, matchTimeoutMs = 5 * 60_000) => {
    const g = await startGateway({ chain: adapter(market.consumer.address), relayUrl, pricePerToken, matchTimeoutMs, resultTimeoutMs: 60_000, log: (l) => gatewayLog.push(l) }); // prettier-ignore
    gateways.push(g);
    return g;
  };
  const ask = async (g: Gateway, prompt: string): Promise<Aitbc> => {
    const r = await new Ollama({ host: g.url }).generate({
      model: BUILTIN_MODEL_NAME,
      prompt,
      stream: false,
    });
    const aitbc = (r as unknown as { aitbc: Aitbc }).aitbc;
    jobIds.push(BigInt(aitbc.job_id));
    return aitbc;
  };
  /** The `JobClaimed` event of a job: who, and whether by quote. */
  const claimedEvent = async (jobId: bigint) => {
    const logs = await market.ethers.provider.getLogs({
      address: addresses.escrow,
      fromBlock: 0,
      toBlock: "latest",
    });
    const events = parseEventLogs({
      abi: jobEscrowAbi,
      eventName: "JobClaimed",
      logs: logs.map((l) => ({ ...l, topics: [...l.topics], logIndex: l.index })) as never,
    });
    return events.find((e) => e.args.jobId === jobId)!.args;
  };

  before(async () => {
    const connection = await network.create();
    rpc = connection.provider as unknown as EIP1193Provider;
    market = await deployMarket(connection);
    addresses = await marketAddresses(market);
    dir = mkdtempSync(join(tmpdir(), "aitbc-matching-"));
    coordinator = new Coordinator({
      chain: adapter(market.challenger.address),
      verifiers: new Map(),
      sampleRate: 0,
      reportEveryMs: 0,
      pollMs: 200,
      log: noop,
    });
    await coordinator.start();
    miners = [
      miner(market.provider1.address, SECRET_1, coordinator.relay.url, ASK_LOW, "m1"),
      miner(market.provider2.address, SECRET_2, coordinator.relay.url, ASK_HIGH, "m2"),
    ];
    for (const m of miners) await m.start();
    const relay = new RelayClient(coordinator.relay.url);
    await waitFor("both offers", async () => (await relay.offers()).length === 2, 10_000);
  });

  after(async () => {
    for (const m of miners) await m.stop();
    for (const g of gateways) await g.close();
    await coordinator?.stop();
    await plainRelay?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the job goes by quote to the provider rankOffers puts first: assigned at open, no claim", async () => {
    const [m1] = miners as [Miner, Miner];
    const digest = await new BuiltinBackend().modelDigest(BUILTIN_MODEL_NAME);
    const ranked = await new RelayClient(coordinator.relay.url).match({
      consumer: market.consumer.address as Address,
      modelDigest: digest,
      maxTokens: 256,
      maxPricePerToken: PRICE,
    });
    expect(ranked!.map((o) => o.provider)).to.deep.equal([
      market.provider1.address,
      market.provider2.address,
    ]);
    expect(ranked![0]!.trustScore).to.equal(500);

    const g = await gateway(coordinator.relay.url, PRICE);
    const aitbc = await ask(g, "will it rain tomorrow");
    expect(aitbc.matched).to.equal("quote");
    expect(aitbc.provider).to.equal(market.provider1.address);
    expect(BigInt(aitbc.price_per_token)).to.equal(ASK_LOW);
    expect(BigInt(aitbc.fee)).to.equal(BigInt(aitbc.token_count) * ASK_LOW);
    const jobId = BigInt(aitbc.job_id);
    const job = await market.escrow.jobOf(jobId);
    expect(job.provider).to.equal(market.provider1.address);
    expect(job.pricePerToken).to.equal(ASK_LOW);
    const claimed = await claimedEvent(jobId);
    expect(claimed.byQuote).to.equal(true);
    expect(m1.chain.gas.has("claim")).to.equal(false);
    expect(m1.quotes).to.include({ signed: 1, adopted: 1 });
    const journaled = readFileSync(m1.journal.path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { jobId: string; state: string; reason?: string }); // prettier-ignore
    expect(journaled.find((r) => r.jobId === jobId.toString())).to.include({ state: "claimed" });
    expect(journaled.find((r) => r.jobId === jobId.toString())?.reason).to.match(/assigned by our quote/);
    expect(g.jobs[0]!.matched).to.equal("quote");
    expect(gatewayLog.at(-1)).to.match(/matched by quote to 0x/);
  });

  it("a stale offer and an ask above the consumer's max are not matched: open job, claimed, answered", async () => {
    const [m1, m2] = miners as [Miner, Miner];
    // provider2 refuses quotes below its ask
    const relay = new RelayClient(coordinator.relay.url);
    const digest = await new BuiltinBackend().modelDigest(BUILTIN_MODEL_NAME);
    const promptHash = await relay.putPrompt({
      model: BUILTIN_MODEL_NAME,
      prompt: "quote me",
      seed: 0,
      nonce: "00",
    });
    const id = await relay.requestQuote({ provider: market.provider2.address as Address, consumer: market.consumer.address as Address, modelDigest: digest, promptHash, maxTokens: 10, pricePerToken: BETWEEN, duration: 3_600 }); // prettier-ignore
    const answer = await relay.quoteAnswer(id, 5_000);
    expect(answer).to.deep.include({ status: "refused" });
    expect((answer as { reason: string }).reason).to.match(/below the ask/);
    expect(m2.quotes.refused).to.equal(1);

    coordinator.relay.state.offers.get(market.provider1.address.toLowerCase())!.seenAt = 0; // no heartbeat
    expect((await relay.offers()).map((o) => o.provider)).to.deep.equal([market.provider2.address]);
    const g = await gateway(coordinator.relay.url, BETWEEN);
    const aitbc = await ask(g, "who won the match");
    expect(aitbc.matched).to.equal("open");
    expect(gatewayLog.at(-1)).to.match(/open job.*no offer matches/);
    expect(aitbc.provider).to.equal(market.provider1.address); // provider2 does not work below its ask
    expect((await claimedEvent(BigInt(aitbc.job_id))).byQuote).to.equal(false);
    expect(m1.chain.gas.get("claim")?.count).to.equal(1);
    await m1.sendOffer(); // heartbeat back
  });

  it("a provider that does not answer its quote request in time: open job after the match timeout", async () => {
    const relay = new RelayClient(coordinator.relay.url);
    const digest = await new BuiltinBackend().modelDigest(BUILTIN_MODEL_NAME);
    // an offer nobody serves, cheapest of all: ranked first, never quoted
    await relay.offer({ provider: market.outsider.address as Address, models: [{ name: BUILTIN_MODEL_NAME, digest }], pricePerToken: 1n, capacity: 8 }); // prettier-ignore
    const g = await gateway(coordinator.relay.url, PRICE, 800);
    const aitbc = await ask(g, "should i buy stocks");
    expect(aitbc.matched).to.equal("open");
    expect(gatewayLog.at(-1)).to.match(/open job.*no quote within 800 ms/);
    expect(BigInt(aitbc.price_per_token)).to.equal(PRICE);
    coordinator.relay.state.offers.delete(market.outsider.address.toLowerCase());

    await market.networkHelpers.time.increase(DAY + 1);
    await waitFor("every job to settle", async () => {
      for (const jobId of jobIds)
        if (Number((await market.escrow.jobOf(jobId)).status) !== Status.Settled) return false;
      return true;
    });
  });

  it("a forged or mismatched quote is rejected before any transaction", async () => {
    const consumerChain = adapter(market.consumer.address);
    const digest = await new BuiltinBackend().modelDigest(BUILTIN_MODEL_NAME);
    const now = BigInt(await market.networkHelpers.time.latest());
    const quote: Quote = {
      provider: market.provider1.address as Address,
      consumer: market.consumer.address as Address,
      modelDigest: digest,
      promptHash: PROMPT,
      pricePerToken: ASK_LOW,
      maxTokens: 64n,
      minDuration: 3_600n,
      expiry: now + 60n,
      nonce: 7n,
    };
    const expected = {
      provider: quote.provider,
      consumer: quote.consumer,
      modelDigest: digest,
      promptHash: PROMPT,
      maxTokens: 64,
      maxPricePerToken: PRICE,
      maxDuration: 3_600,
      minExpiry: now + 5n,
    };
    const genuine = await signQuote(adapter(market.provider1.address).wallet, { contracts: consumerChain.contracts, quote }); // prettier-ignore
    const forged = await signQuote(adapter(market.provider2.address).wallet, { contracts: consumerChain.contracts, quote }); // prettier-ignore
    const nonceBefore = await market.ethers.provider.getTransactionCount(market.consumer.address);
    const lastBefore = await market.escrow.lastJobId();

    expect(await acceptQuote(consumerChain, { quote, signature: genuine }, expected)).to.equal(quote);
    const rejected = (signed: { quote: Quote; signature: `0x${string}` }, what = expected) =>
      acceptQuote(consumerChain, signed, what).then(
        () => expect.fail("accepted"),
        (e: unknown) => e as QuoteRejectedError,
      );
    const wrongKey = await rejected({ quote, signature: forged });
    expect(wrongKey).to.be.instanceOf(QuoteRejectedError);
    expect(wrongKey.message).to.match(/signature is not .*verifyQuote/);
    // the genuine signature does not cover changed fields
    const tampered = await rejected({ quote: { ...quote, pricePerToken: 1n }, signature: genuine });
    expect(tampered.message).to.match(/verifyQuote/);
    // and a genuine quote for something else is not used either
    expect((await rejected({ quote, signature: genuine }, { ...expected, maxTokens: 65 })).message).to.match(/covers 64 tokens/); // prettier-ignore
    expect((await rejected({ quote, signature: genuine }, { ...expected, maxPricePerToken: ASK_LOW - 1n })).message).to.match(/above/); // prettier-ignore
    expect((await rejected({ quote, signature: genuine }, { ...expected, promptHash: OUTPUT })).message).to.match(/for prompt/); // prettier-ignore
    expect((await rejected({ quote, signature: genuine }, { ...expected, maxDuration: 3_599 })).message).to.match(/needs 3600 s/); // prettier-ignore
    expect((await rejected({ quote: { ...quote, minDuration: 2n }, signature: genuine })).message).to.match(/verifyQuote/); // prettier-ignore
    expect(
      (await rejected({ quote, signature: genuine }, { ...expected, consumer: market.outsider.address as Address })).message, // prettier-ignore
    ).to.match(/for consumer/);
    expect(await market.ethers.provider.getTransactionCount(market.consumer.address)).to.equal(nonceBefore);
    expect(await market.escrow.lastJobId()).to.equal(lastBefore);
  });

  it("a relay without a matcher: /v1/match is unavailable and the gateway opens an open job", async () => {
    for (const m of miners) await m.stop();
    plainRelay = await startRelay();
    const m1 = miner(market.provider1.address, SECRET_1, plainRelay.url, ASK_LOW, "m1-plain");
    miners = [m1];
    await m1.start();
    const digest = await new BuiltinBackend().modelDigest(BUILTIN_MODEL_NAME);
    const relay = new RelayClient(plainRelay.url);
    expect(await relay.match({ consumer: market.consumer.address as Address, modelDigest: digest, maxTokens: 8, maxPricePerToken: PRICE })).to.equal(undefined); // prettier-ignore
    const g = await gateway(plainRelay.url, PRICE);
    const aitbc = await ask(g, "which laptop is fastest");
    expect(aitbc.matched).to.equal("open");
    expect(aitbc.provider).to.equal(market.provider1.address);
    expect(gatewayLog.at(-1)).to.match(/open job.*the relay does no matching/);
  });
});
