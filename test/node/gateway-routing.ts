/**
 * The gateway against two providers found on-chain (their `ServiceRegistry` URIs), each a small
 * stand-in for the miner's provider API (signed offers, batch requests streamed as NDJSON, results),
 * on the in-process chain with the real `BatchEscrow`, the official `ollama` client in front:
 * discovery, load spread, streaming before the answer is complete, refusals passed over without
 * paying twice, forged offers dropped, and a job resumed by a restarted gateway from its SQLite state.
 * The miner program itself is exercised in `test/miner/processes.ts` and `test/node/sigkill.ts`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Ollama, type GenerateResponse } from "ollama";
import {
  createPublicClient,
  createWalletClient,
  custom,
  keccak256,
  stringToHex,
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { hardhat } from "viem/chains";

import {
  getBatchDeposit,
  getJob,
  hashBatchJobRequest,
  jobKeyOfJobId,
  signQuote,
  setServiceURI,
  signOffer,
  type AitbcContracts,
  type BatchJobRequest,
} from "@aitbc/sdk";
import { startGateway, type Gateway } from "../../node/gateway/server.js";
import { canonicalPayload, outputHash, type JobPayload } from "../../node/shared/protocol.js";
import { batchRequestFromJson } from "../../node/shared/provider-api.js";
import { AITBC, MODEL, PRICE } from "../helpers/market.js";
import { deployBatchMarket, type BatchMarket } from "../helpers/batch-node.js";

const MODEL_NAME = "llama3.2:1b";

/** The answer a stand-in miner gives: a deterministic function of the payload. */
function answerOf(payload: string): string[] {
  const words = keccak256(stringToHex(payload)).slice(2, 26).match(/.{4}/g)!;
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}

/** How a stand-in miner behaves. */
interface FakeMode {
  /** Refuse batch requests with 409 (before any token). */
  refuse?: boolean;
  /** Sign offers with this other client (a forged offer). */
  signer?: WalletClient;
  /** After the first token, wait for this before the rest. */
  gate?: Promise<void>;
  /** Quote this price (wei per token) instead of the offer's. */
  quotePrice?: bigint;
  /** Refuse quote requests with 409. */
  refuseQuotes?: boolean;
}

interface FakeMiner {
  url: string;
  provider: Address;
  mode: FakeMode;
  /** Batch requests accepted, by request digest (each once). */
  accepted: Map<string, { output?: string; done: Promise<void> }>;
  /** Batch requests received (including repeats and refusals). */
  received: string[];
  /** Quotes signed, and prompts delivered (job ids) for quoted jobs. */
  quotes: number;
  prompts: bigint[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

/** A stand-in for the miner's provider API (only what the gateway uses). */
async function startFakeMiner(
  publicClient: PublicClient,
  wallet: WalletClient,
  contracts: AitbcContracts,
): Promise<FakeMiner> {
  const provider = wallet.account!.address;
  const fake: Omit<FakeMiner, "url" | "close"> = {
    provider,
    mode: {},
    accepted: new Map(),
    received: [],
    quotes: 0,
    prompts: [],
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  };
  const offers = async (res: ServerResponse) => {
    const now = BigInt(Math.floor(Date.now() / 1000)); // the wall clock, as the real miner dates its offers
    const offer = { provider, modelDigest: MODEL, pricePerToken: PRICE, maxTokens: 1_000n, capacity: 4n, maxConcurrency: 4n, issuedAt: now, expiry: now + 300n }; // prettier-ignore
    const signed = await signOffer(fake.mode.signer ?? wallet, { contracts, offer });
    json(res, 200, { offers: [signed] });
  };
  const batch = async (req: IncomingMessage, res: ServerResponse) => {
    const body = (await readBody(req)) as { request: unknown; payload: JobPayload };
    const request: BatchJobRequest = batchRequestFromJson(body.request);
    const digest = hashBatchJobRequest({ chainId: hardhat.id, escrow: contracts.BatchEscrow!, request }).toLowerCase(); // prettier-ignore
    fake.received.push(digest);
    if (fake.mode.refuse) return json(res, 409, { error: "refused", reason: "no capacity (test)" });
    const payload = canonicalPayload(body.payload);
    if (keccak256(stringToHex(payload)) !== request.promptHash) return json(res, 400, { error: "bad_request", reason: "promptHash" }); // prettier-ignore
    await streamAnswer(digest, payload, res);
  };
  const quote = async (req: IncomingMessage, res: ServerResponse) => {
    const body = (await readBody(req)) as Record<string, string>;
    if (fake.mode.refuseQuotes) return json(res, 409, { error: "refused", reason: "no quotes (test)" });
    const now = (await publicClient.getBlock()).timestamp;
    const q = { provider, consumer: body.consumer as Address, modelDigest: body.modelDigest as Hex, promptHash: body.promptHash as Hex, pricePerToken: fake.mode.quotePrice ?? BigInt(body.pricePerToken!), maxTokens: BigInt(body.maxTokens!), minDuration: 3_600n, expiry: now + 600n, nonce: BigInt(Date.now()) * 1000n + BigInt(fake.quotes) }; // prettier-ignore
    fake.quotes++;
    json(res, 200, { quote: q, signature: await signQuote(wallet, { contracts, quote: q }) });
  };
  const prompt = async (jobId: bigint, req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const payload = Buffer.concat(chunks).toString("utf8");
    const job = await getJob(publicClient, { contracts, jobId });
    if (job.provider.toLowerCase() !== provider.toLowerCase()) return json(res, 403, { error: "forbidden", reason: "not assigned to me" }); // prettier-ignore
    if (keccak256(stringToHex(payload)) !== job.promptHash) return json(res, 400, { error: "bad_request", reason: "promptHash" }); // prettier-ignore
    fake.prompts.push(jobId);
    await streamAnswer(jobKeyOfJobId(jobId).toLowerCase(), payload, res);
  };
  const streamAnswer = async (digest: string, payload: string, res: ServerResponse) => {
    const tokens = answerOf(payload);
    let finish!: () => void;
    const job = fake.accepted.get(digest) ?? { done: new Promise<void>((r) => (finish = r)) };
    const first = !fake.accepted.has(digest);
    fake.accepted.set(digest, job);
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    if (first) {
      for (const [i, text] of tokens.entries()) {
        res.write(JSON.stringify({ type: "token", text }) + "\n");
        if (i === 0 && fake.mode.gate) await fake.mode.gate;
      }
      job.output = tokens.join("");
      finish();
    } else await job.done;
    const output = job.output!;
    res.end(JSON.stringify({ type: "done", jobKey: digest, output, outputHash: outputHash(output), tokenCount: tokens.length }) + "\n"); // prettier-ignore
  };
  const result = async (key: string, wait: number, res: ServerResponse) => {
    const job = fake.accepted.get(key.toLowerCase());
    if (!job) return json(res, 404, { error: "not_found", reason: key });
    await Promise.race([job.done, new Promise((r) => setTimeout(r, wait))]);
    if (job.output === undefined) return json(res, 202, { status: "running" });
    json(res, 200, { jobKey: key, output: job.output, outputHash: outputHash(job.output), tokenCount: answerOf("").length }); // prettier-ignore
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/v1\/jobs\/(0x[0-9a-f]{64})\/result$/i.exec(url.pathname);
    const handled =
      req.method === "GET" && url.pathname === "/v1/offers"
        ? offers(res)
        : req.method === "POST" && url.pathname === "/v1/batch-requests"
          ? batch(req, res)
          : req.method === "POST" && url.pathname === "/v1/quotes"
            ? quote(req, res)
            : req.method === "POST" && /^\/v1\/jobs\/\d+\/prompt$/.test(url.pathname)
              ? prompt(BigInt(url.pathname.split("/")[3]!), req, res)
              : m
                ? result(m[1]!, Number(url.searchParams.get("wait") ?? 0), res)
                : Promise.resolve(json(res, 404, { error: "not_found", reason: url.pathname }));
    handled.catch((e: unknown) => json(res, 500, { error: "internal", reason: String(e) }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...fake,
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("gateway: providers from the chain, direct to miners, tokens streamed", function () {
  let market: BatchMarket;
  let contracts: AitbcContracts;
  let publicClient: PublicClient;
  let consumerWallet: WalletClient;
  let miners: FakeMiner[];
  let gateway: Gateway;
  let dir: string;
  let walletFor: (address: string) => WalletClient;
  const lines: string[] = [];

  const open = (statePath = ":memory:", archivePath = ":memory:", quotePath = false) =>
    startGateway({
      publicClient,
      walletClient: consumerWallet,
      contracts,
      pricePerToken: PRICE,
      batch: { topUp: 1_000n * AITBC },
      quote: quotePath,
      models: [{ name: MODEL_NAME, digest: MODEL }],
      statePath,
      archivePath,
      pollingIntervalMs: 50,
      offerRefreshMs: 100,
      resultTimeoutMs: 60_000,
      log: (line) => lines.push(line),
    });

  /** One streamed generation through the official client: the text and the final part. */
  async function generate(url: string, prompt: string) {
    const parts = await new Ollama({ host: url }).generate({ model: MODEL_NAME, prompt, stream: true });
    let text = "";
    let final: Record<string, unknown> | undefined;
    for await (const part of parts) {
      text += part.response;
      if (part.done) final = part as unknown as Record<string, unknown>;
    }
    return {
      text,
      aitbc: final!.aitbc as { job_key: Hex; provider: Address; path: string; output_hash: Hex },
    };
  }

  before(async function () {
    const connection = await network.create();
    market = await deployBatchMarket(connection);
    const registry = await market.ethers.deployContract("ServiceRegistry", [
      await market.staking.getAddress(),
    ]);
    contracts = { ...market.contracts, ServiceRegistry: (await registry.getAddress()) as Address };
    const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
    publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 });
    walletFor = (a: string) => createWalletClient({ account: a as Address, chain: hardhat, transport });
    consumerWallet = walletFor(market.consumer.address);
    miners = [];
    for (const p of [market.provider1, market.provider2]) {
      const miner = await startFakeMiner(publicClient, walletFor(p.address), contracts);
      await setServiceURI(walletFor(p.address), { contracts, uri: miner.url });
      miners.push(miner);
    }
    dir = mkdtempSync(join(tmpdir(), "aitbc-gateway-"));
    gateway = await open();
  });

  after(async function () {
    await gateway?.close();
    for (const m of miners ?? []) await m.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("finds both providers on-chain and lists the model they offer", async function () {
    expect(
      gateway.directory
        .list()
        .map((p) => p.uri)
        .sort(),
    ).to.deep.equal(miners.map((m) => m.url).sort());
    const { models } = await new Ollama({ host: gateway.url }).list();
    expect(models.map((m) => m.name)).to.deep.equal([MODEL_NAME]);
    expect((models[0] as unknown as { aitbc: { providers: number } }).aitbc.providers).to.equal(2);
  });

  it("splits 20 sequential requests between two equal miners, each answer checked and archived", async function () {
    const before = miners.map((m) => m.accepted.size);
    for (let i = 0; i < 20; i++) {
      const { text, aitbc } = await generate(gateway.url, `question ${i}`);
      const row = gateway.context.state.byJobKey(aitbc.job_key)!;
      expect(text).to.equal(answerOf(row.payload).join(""));
      expect(aitbc.path).to.equal("batch");
      expect(aitbc.output_hash).to.equal(outputHash(text));
      expect(gateway.context.archive.get(aitbc.job_key)?.output).to.equal(text);
    }
    const counts = miners.map((m, i) => m.accepted.size - before[i]!);
    expect(counts[0]! + counts[1]!).to.equal(20);
    expect(Math.min(...counts), `split ${counts.join("/")}`).to.be.at.least(5);
    // One deposit covers every request; it is on-chain.
    const deposits = gateway.context.deposit!.deposits;
    expect(deposits).to.deep.equal([1_000n * AITBC]);
    const { balance } = await getBatchDeposit(publicClient, { contracts, account: market.consumer.address as Address }); // prettier-ignore
    expect(balance).to.equal(1_000n * AITBC);
  });

  it("streams the first token before the miner has generated the rest", async function () {
    let releaseAll!: () => void;
    const gate = new Promise<void>((r) => (releaseAll = r));
    for (const m of miners) m.mode.gate = gate;
    const parts = await new Ollama({ host: gateway.url }).generate({ model: MODEL_NAME, prompt: "stream me", stream: true }); // prettier-ignore
    const iterator = parts[Symbol.asyncIterator]();
    const first = (await iterator.next()) as IteratorResult<GenerateResponse>;
    expect(first.done).to.equal(false);
    expect(first.value.done).to.equal(false);
    // The miner is still held after its first token: nothing of the rest can have been sent.
    const pending = miners.flatMap((m) => [...m.accepted.values()]).filter((j) => j.output === undefined);
    expect(pending).to.have.length(1);
    releaseAll();
    let text = first.value.response;
    for (let step = await iterator.next(); !step.done; step = await iterator.next())
      text += (step.value as GenerateResponse).response;
    const row = gateway.context.state.inStates(["answered"]).find((r) => JSON.parse(r.payload).prompt === "stream me")!; // prettier-ignore
    expect(text).to.equal(answerOf(row.payload).join(""));
    expect(first.value.response).to.equal(answerOf(row.payload)[0]);
    for (const m of miners) delete m.mode.gate;
  });

  it("passes over a miner that refuses before accepting; nothing is accepted twice", async function () {
    miners[0]!.mode.refuse = true;
    const received = miners[0]!.received.length;
    const accepted = [miners[0]!.accepted.size, miners[1]!.accepted.size];
    for (let i = 0; i < 4; i++) {
      const { aitbc } = await generate(gateway.url, `refused ${i}`);
      expect(aitbc.provider).to.equal(miners[1]!.provider);
    }
    expect(miners[0]!.accepted.size).to.equal(accepted[0]);
    expect(miners[1]!.accepted.size).to.equal(accepted[1]! + 4);
    expect(miners[0]!.received.length - received, "the refusing miner was tried").to.be.greaterThan(0);
    miners[0]!.mode.refuse = false;
  });

  it("drops an offer not signed by its provider", async function () {
    miners[0]!.mode.signer = walletFor(market.outsider.address);
    await gateway.context.offers.refreshAll();
    const candidates = await gateway.context.offers.candidates(MODEL);
    expect(candidates.map((c) => c.provider)).to.deep.equal([miners[1]!.provider]);
    expect(lines.some((l) => l.includes("offer dropped"))).to.equal(true);
    const { aitbc } = await generate(gateway.url, "forged offer");
    expect(aitbc.provider).to.equal(miners[1]!.provider);
    delete miners[0]!.mode.signer;
    await gateway.context.offers.refreshAll();
  });

  it("falls back to a quote when every miner refuses the batch request: one job opened, assigned, prompt delivered", async function () {
    const quoting = await open(":memory:", ":memory:", true);
    try {
      for (const m of miners) m.mode.refuse = true;
      miners[0]!.mode.quotePrice = PRICE + 1n; // above the gateway's price: rejected before any transaction
      const { text, aitbc } = await generate(quoting.url, "no batch today");
      const jobId = BigInt((aitbc as unknown as { job_id: string }).job_id);
      expect(aitbc.path).to.equal("quote");
      expect(aitbc.provider).to.equal(miners[1]!.provider);
      expect(aitbc.job_key).to.equal(jobKeyOfJobId(jobId).toLowerCase());
      const job = await getJob(publicClient, { contracts, jobId });
      expect(job.provider).to.equal(miners[1]!.provider);
      expect(job.consumer).to.equal(market.consumer.address);
      expect(text).to.equal(answerOf(quoting.context.state.byJobKey(aitbc.job_key)!.payload).join(""));
      expect(miners[1]!.prompts).to.deep.equal([jobId]);
      expect(miners[0]!.prompts).to.deep.equal([]);
      expect(lines.some((l) => l.includes("above"))).to.equal(true);
    } finally {
      for (const m of miners) {
        delete m.mode.refuse;
        delete m.mode.quotePrice;
      }
      await quoting.close();
    }
  });

  it("a restarted gateway resumes an accepted job from its SQLite state, without sending it again", async function () {
    const statePath = join(dir, "state.sqlite");
    const archivePath = join(dir, "archive.sqlite");
    const first = await open(statePath, archivePath);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    for (const m of miners) m.mode.gate = gate;
    const parts = await new Ollama({ host: first.url }).generate({ model: MODEL_NAME, prompt: "restart me", stream: true }); // prettier-ignore
    const iterator = parts[Symbol.asyncIterator]();
    expect((await iterator.next()).done).to.equal(false); // the first token: the miner has accepted
    const [row] = first.context.state.inStates(["accepted"]);
    expect(row, "the job is stored as accepted").to.not.equal(undefined);
    await first.close(); // the gateway goes away mid-job
    await iterator.next().catch(() => undefined);
    const miner = miners.find((m) => m.accepted.has(row!.jobKey!))!;
    const sent = miner.received.filter((d) => d === row!.jobKey).length;

    const second = await open(statePath, archivePath);
    release();
    await second.resumed;
    const resumed = second.context.state.get(row!.promptHash)!;
    expect(resumed.state).to.equal("answered");
    expect(resumed.output).to.equal(answerOf(row!.payload).join(""));
    const archived = second.context.archive.get(row!.jobKey as Hex)!;
    expect([archived.payload, archived.output]).to.deep.equal([row!.payload, resumed.output]);
    expect(miner.received.filter((d) => d === row!.jobKey).length, "not sent again").to.equal(sent);
    expect(lines.some((l) => l.startsWith("resuming 1 unfinished job"))).to.equal(true);
    for (const m of miners) delete m.mode.gate;
    await second.close();
  });
});
