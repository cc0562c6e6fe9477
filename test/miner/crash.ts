/**
 * The miner as a separate process (`node --import tsx scripts/miner.ts`) against a JSON-RPC endpoint,
 * killed with SIGKILL mid-job and restarted on the same store: every job settles exactly once.
 *
 * The endpoint is a proxy that can hold the miner's transactions, so the kill lands at a chosen step:
 * - quote path: after the tokens and `done` were streamed, with the submission held (never sent) —
 *   the restarted miner proves again if needed, submits once and later finalizes once;
 * - batch path: with `settleBatch` sent and mined but its answer withheld, so the miner dies before it
 *   could journal the batch — the restarted miner finds the request's nonce used, adopts the batch
 *   from the chain, does not settle it again, and finalizes it once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import { network } from "hardhat";
import { createPublicClient, createWalletClient, custom, type Address, type EIP1193Provider, type Hex } from "viem"; // prettier-ignore

import {
  depositToBatchEscrow,
  getBatch,
  getJob,
  openJobWithQuote,
  signBatchJobRequest,
  type AitbcContracts,
} from "@aitbc/sdk";
import { JobJournal } from "../../node/miner/journal.js";
import { payloadHash } from "../../node/shared/protocol.js";
import { ProviderClient, type StreamEvent } from "../../node/shared/provider-api.js";
import { openStore } from "../../node/shared/store.js";
import { deployBatchMarket, type BatchMarket } from "../helpers/batch-node.js";
import { AITBC, DAY, SECRET_1 } from "../helpers/market.js";
import { FAKE_MODELS, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const ROOT = resolve(import.meta.dirname, "..", "..");
const ASK = 10n ** 15n;

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** How the proxy treats `eth_sendRawTransaction`: forward, hold forever, or forward and never answer. */
type SendMode = "pass" | "drop" | "withhold";

/** A JSON-RPC HTTP endpoint over the in-process chain whose transaction sends can be held. */
async function startGatedProxy(provider: EIP1193Provider) {
  const gate = { mode: "pass" as SendMode, held: 0 };
  const one = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    if (call.method === "eth_sendRawTransaction" && gate.mode !== "pass") {
      gate.held++;
      if (gate.mode === "withhold") await provider.request({ method: call.method, params: call.params } as never); // prettier-ignore
      return new Promise<never>(() => undefined); // never answered
    }
    try {
      return { jsonrpc: "2.0", id: call.id, result: await provider.request({ method: call.method, params: call.params ?? [] } as never) }; // prettier-ignore
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return { jsonrpc: "2.0", id: call.id, error: { code: e.code ?? -32000, message: e.message ?? String(error), data: e.data } }; // prettier-ignore
    }
  };
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      void (Array.isArray(body) ? Promise.all(body.map(one)) : one(body as never)).then((reply) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify(reply, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : (v as unknown))),
        );
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return { url, gate, close };
}

describe("miner: killed with SIGKILL mid-job and restarted on the same store", function () {
  let market: BatchMarket;
  let contracts: AitbcContracts;
  let ollama: FakeOllama;
  let proxy: Awaited<ReturnType<typeof startGatedProxy>>;
  let dir: string;
  let port: number;
  let consumer: ReturnType<typeof createWalletClient>;
  let chain: ReturnType<typeof createPublicClient>;
  const children: ChildProcess[] = [];
  let output = "";
  const model = { name: FAKE_MODELS[0]!.name, digest: `0x${FAKE_MODELS[0]!.digest}` as Hex };

  before(async () => {
    const connection = await network.create();
    market = await deployBatchMarket(connection, { realVerifier: true });
    const registry = await connection.ethers.deployContract("ServiceRegistry", [await market.staking.getAddress()]); // prettier-ignore
    contracts = { ...market.contracts, ServiceRegistry: (await registry.getAddress()) as Address };
    const provider = connection.provider as unknown as EIP1193Provider;
    proxy = await startGatedProxy(provider);
    ollama = await startFakeOllama({ faults: { tokenDelayMs: 20 } });
    dir = mkdtempSync(join(tmpdir(), "aitbc-crash-"));
    port = await freePort();
    writeFileSync(join(dir, "deployment.json"), JSON.stringify({ contracts }));
    consumer = createWalletClient({
      transport: custom(provider),
      account: market.consumer.address as Address,
    });
    chain = createPublicClient({ transport: custom(provider) });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await proxy?.close();
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startMiner(): Promise<ChildProcess> {
    const key = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/8").privateKey; // provider1
    const before = output.length;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/miner.ts",
        "--rpc-url", proxy.url, "--private-key", key, "--deployment", join(dir, "deployment.json"),
        "--identity-secret", SECRET_1.toString(), "--backend", "ollama", "--ollama-host", ollama.url,
        "--model", model.name, "--store", join(dir, "miner.sqlite"), "--port", String(port),
        "--poll-ms", "100", "--gpu-model", "test GPU", "--gpu-vram", "8", "--min-job-duration-s", "60",
        "--batch-size", "1", "--batch-max-wait", "1"], // prettier-ignore
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    children.push(child);
    await until(() => output.slice(before).includes("[miner] serving") || child.exitCode !== null);
    if (child.exitCode !== null) throw new Error(`the miner exited at start:\n${output.slice(before)}`);
    return child;
  }
  const kill9 = async (child: ChildProcess) => {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  };
  /** The journal entry of `key` as the miner's store holds it. */
  const journaled = (key: string) => {
    const store = openStore(join(dir, "miner.sqlite"));
    try {
      return new JobJournal(store).get(key);
    } finally {
      store.close();
    }
  };
  const collect = async (events: AsyncIterable<StreamEvent>) => {
    const out: StreamEvent[] = [];
    for await (const e of events) out.push(e);
    return out;
  };

  it("quote path: killed after the tokens streamed, before the submission: submitted once, settled once", async () => {
    let child = await startMiner();
    const client = new ProviderClient(`http://127.0.0.1:${port}`);
    const p = { model: model.name, prompt: "What is proof of stake?", seed: 3, nonce: "crash-1" };
    const { quote, signature } = await client.requestQuote({ consumer: market.consumer.address as Address, modelDigest: model.digest, promptHash: payloadHash(p), maxTokens: 64n, pricePerToken: ASK, duration: 600n }); // prettier-ignore
    const { jobId } = await openJobWithQuote(consumer as never, { contracts, quote, signature });
    proxy.gate.mode = "drop";
    const events = await collect(client.uploadPrompt(jobId, p));
    const done = events.at(-1)!;
    expect(done.type).to.equal("done");
    expect(events.filter((e) => e.type === "token").length).to.be.greaterThan(1);
    await until(() => proxy.gate.held > 0); // the submission is on its way, and held
    await kill9(child);
    proxy.gate.mode = "pass";
    expect((await getJob(chain as never, { contracts, jobId })).status).to.equal("Claimed");
    expect(["inferred", "proved"]).to.include(journaled(jobId.toString())?.state);

    child = await startMiner();
    await until(async () => (await getJob(chain as never, { contracts, jobId })).status === "Submitted");
    expect(await client.result((done as { jobKey: Hex }).jobKey)).to.deep.include({ output: (done as { output: string }).output }); // prettier-ignore
    await kill9(child);
    await market.networkHelpers.time.increase(8 * DAY);
    child = await startMiner();
    await until(async () => (await getJob(chain as never, { contracts, jobId })).status === "Settled");
    await until(() => journaled(jobId.toString())?.state === "finalized");
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    const submitted = await market.escrow.queryFilter(market.escrow.filters.ResultSubmitted(jobId));
    const settled = await market.escrow.queryFilter(market.escrow.filters.JobSettled(jobId));
    expect(submitted, output).to.have.length(1);
    expect(settled).to.have.length(1);
    expect(output).to.match(/resuming from '(inferred|proved)'/);
  });

  it("batch path: killed with settleBatch mined but unanswered: the batch is adopted, never sent twice, finalized once", async () => {
    let child = await startMiner();
    const client = new ProviderClient(`http://127.0.0.1:${port}`);
    await depositToBatchEscrow(consumer as never, { contracts, amount: 100n * AITBC });
    const p = { model: model.name, prompt: "Batch me", seed: 4, nonce: "crash-2" };
    const now = BigInt(await market.networkHelpers.time.latest());
    const request = { consumer: market.consumer.address as Address, provider: market.provider1.address as Address, modelDigest: model.digest, promptHash: payloadHash(p), pricePerToken: ASK, maxTokens: 64n, deadline: now + 3_600n, nonce: 77n }; // prettier-ignore
    const sig = await signBatchJobRequest(consumer as never, { contracts, request });
    // the earnings of the first test are withdrawn first (the SIGTERM came before that poll's withdrawal);
    // the proxy answers a send as soon as the in-process chain has mined it, so the gate then catches settleBatch
    await until(async () => (await market.escrow.withdrawable(market.provider1.address)) === 0n);
    proxy.gate.mode = "withhold";
    const held = proxy.gate.held;
    const events = await collect(client.sendBatchRequest({ request, signature: sig as Hex, payload: p }));
    const done = events.at(-1)! as { type: string; jobKey: Hex };
    expect(done.type).to.equal("done");
    await until(() => proxy.gate.held > held); // settleBatch forwarded and mined; its answer withheld
    await kill9(child);
    proxy.gate.mode = "pass";
    expect(journaled(done.jobKey)?.state).to.equal("proved");
    const settledLogs = () => market.batchEscrow.queryFilter(market.batchEscrow.filters.BatchSettled());
    const batchesBefore = (await settledLogs()).length;

    child = await startMiner();
    await until(() => journaled(done.jobKey)?.state === "submitted");
    const batchId = BigInt(journaled(done.jobKey)!.batchId!);
    expect(output).to.match(/settled on-chain in batch \d+; not settling again/);
    await market.networkHelpers.time.increase(8 * DAY);
    await until(async () => (await getBatch(chain as never, { contracts, batchId })).status === "Finalized");
    await until(() => journaled(done.jobKey)?.state === "finalized");
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    expect((await settledLogs()).length, output).to.equal(batchesBefore);
    const finalized = await market.batchEscrow.queryFilter(
      market.batchEscrow.filters.BatchFinalized(batchId),
    );
    expect(finalized).to.have.length(1);
  });
});
