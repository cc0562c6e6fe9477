/**
 * The node wing's shared modules: the SQLite store (migrations, cursors, transactions survive a
 * reopen), the event follower (cursor in the store, at-least-once delivery, RPC per step flat in the
 * number of events), the Prometheus metrics, and the provider API client (refusals, streams that
 * yield tokens as they arrive, broken peers).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { createPublicClient, custom, type Address, type EIP1193Provider } from "viem";

import { aitbcTokenAbi } from "../../sdk/src/index.js";
import { followLogs, type FollowedLog } from "../../node/shared/follow.js";
import { createNodeMetrics } from "../../node/shared/metrics.js";
import {
  ProviderClient,
  ProviderRefusedError,
  ProviderUnavailableError,
  ndjsonLine,
} from "../../node/shared/provider-api.js";
import { openStore, StoreError } from "../../node/shared/store.js";
import { deployToken } from "../helpers/token.js";

const JOB_KEY = `0x${"ab".repeat(32)}` as const;

describe("node/shared", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aitbc-shared-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe("store", () => {
    it("keeps rows and cursors across a reopen, and runs a migration once", () => {
      const path = join(dir, "a", "state.sqlite");
      const store = openStore(path);
      store.migrate("t-1", ["CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"]);
      store.db.prepare("INSERT INTO t VALUES (?, ?)").run("x", 7);
      store.setCursor("escrow", 123_456_789_012_345_678_901n);
      store.close();
      const again = openStore(path);
      again.migrate("t-1", ["CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"]); // no-op, else "already exists"
      expect(again.db.prepare("SELECT v FROM t WHERE k = ?").get("x")).to.deep.equal({ v: 7 });
      expect(again.getCursor("escrow")).to.equal(123_456_789_012_345_678_901n);
      expect(again.getCursor("other")).to.equal(undefined);
      again.close();
    });

    it("rolls a failed transaction back whole, and a failed migration is not recorded", () => {
      const store = openStore(":memory:");
      store.migrate("t-1", ["CREATE TABLE t (k TEXT PRIMARY KEY)"]);
      expect(() =>
        store.transaction(() => {
          store.db.prepare("INSERT INTO t VALUES (?)").run("a");
          store.setCursor("c", 5n);
          throw new Error("boom");
        }),
      ).to.throw("boom");
      expect(store.db.prepare("SELECT count(*) AS n FROM t").get()).to.deep.equal({ n: 0 });
      expect(store.getCursor("c")).to.equal(undefined);
      expect(() => store.migrate("bad-1", ["CREATE TABLE u (a)", "NOT SQL"])).to.throw(StoreError, "bad-1");
      expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'u'").get()).to.equal(undefined);
      store.migrate("bad-1", ["CREATE TABLE u (a)"]); // the name was not taken by the failure
      store.close();
    });

    it("refuses a path it cannot open (a folder) with a StoreError naming it", () => {
      expect(() => openStore(dir)).to.throw(StoreError, `cannot open the store at ${dir}`);
    });
  });

  describe("followLogs", () => {
    it("delivers every Transfer once in order, keeps the cursor, re-delivers after a failing handler", async () => {
      const connection = await network.create();
      const { token, distributor, others } = await deployToken(connection.ethers);
      let getLogs = 0;
      const provider = connection.provider as unknown as EIP1193Provider;
      const counting: EIP1193Provider = {
        ...provider,
        request: ((args: { method: string }) => {
          if (args.method === "eth_getLogs") getLogs++;
          return provider.request(args as never);
        }) as EIP1193Provider["request"],
      };
      const client = createPublicClient({
        transport: custom(counting, { retryCount: 0 }),
        pollingInterval: 20,
      });
      const address = (await token.getAddress()) as Address;
      const to = others[0]!.address;
      const send = async (n: number) => {
        for (let i = 0; i < n; i++)
          await (await token.connect(distributor).transfer(to, BigInt(i + 1))).wait();
      };
      await send(3);
      const path = join(dir, "f.sqlite");
      let store = openStore(path);
      const seen: bigint[] = [];
      let failOnce = true;
      const start = () =>
        followLogs({
          client,
          address,
          abi: aitbcTokenAbi,
          eventNames: ["Transfer"],
          store,
          cursorKey: "token",
          pollingIntervalMs: 20,
          onLogs: (logs: FollowedLog[]) => {
            const values = logs.filter((l) => l.args.to === to).map((l) => l.args.value as bigint);
            if (failOnce && values.length > 0) {
              failOnce = false;
              throw new Error("handler down");
            }
            seen.push(...values);
          },
        });
      let follower = start();
      await follower.caughtUp();
      expect(seen).to.deep.equal([1n, 2n, 3n]); // the failed first delivery came again, whole
      const callsBefore = getLogs;
      await follower.stop();
      store.close();
      // Restart on the same file: nothing old is delivered again, new events are.
      store = openStore(path);
      await send(2);
      follower = start();
      await follower.caughtUp();
      expect(seen).to.deep.equal([1n, 2n, 3n, 1n, 2n]);
      // 2 new blocks (one per transfer) reached in at most a few ranges, not one call per event seen so far.
      expect(getLogs - callsBefore).to.be.within(1, 3);
      await follower.stop();
      store.close();
    });

    it("retries a failed step on an idle chain (no new block) after the polling interval", async () => {
      const connection = await network.create();
      const { token, distributor, others } = await deployToken(connection.ethers);
      await (await token.connect(distributor).transfer(others[0]!.address, 5n)).wait();
      const client = createPublicClient({ transport: custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 }), pollingInterval: 20 }); // prettier-ignore
      const store = openStore(":memory:");
      const address = (await token.getAddress()) as Address;
      let calls = 0;
      const errors: unknown[] = [];
      const delivered = new Promise<number>((resolve) => {
        const follower = followLogs({
          client,
          address,
          abi: aitbcTokenAbi,
          store,
          cursorKey: "t",
          pollingIntervalMs: 20,
          onError: (e) => errors.push(e),
          onLogs: (logs) => {
            if (++calls === 1) throw new Error("first delivery fails");
            void follower.stop().then(() => resolve(logs.length));
          },
        });
      });
      expect(await delivered).to.be.greaterThan(0);
      expect(calls).to.equal(2);
      expect(errors).to.have.length(1);
      store.close();
    });
  });

  describe("metrics", () => {
    it("serves the job metrics and the process metrics in Prometheus text, labelled by program", async () => {
      const miner = createNodeMetrics("miner");
      const gateway = createNodeMetrics("gateway"); // a second registry in the same process
      miner.jobs.inc({ outcome: "settled" });
      miner.jobs.inc({ outcome: "settled" });
      miner.earningsWei.inc(1234);
      gateway.errors.inc({ kind: "peer" });
      const server = createServer((req, res) => {
        if (!miner.handle(req, res)) res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).to.include('aitbc_jobs_total{outcome="settled",program="miner"} 2');
      expect(text).to.include('aitbc_earnings_wei_total{program="miner"} 1234');
      expect(text).to.match(/process_resident_memory_bytes\{program="miner"\} \d+/);
      expect(text).not.to.include("aitbc_errors_total{kind=");
      expect((await fetch(`${base}/other`)).status).to.equal(404);
      expect(await gateway.registry.getSingleMetricAsString("aitbc_errors_total")).to.include('kind="peer"');
      server.close();
    });
  });

  describe("ProviderClient", () => {
    let server: Server;
    let base: string;
    let handler: (path: string, res: ServerResponse, body: string) => void;
    before(async () => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => handler(req.url ?? "/", res, body));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("yields the first token before the miner has finished the answer", async () => {
      let finish: () => void = () => {};
      handler = (_path, res) => {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.write(ndjsonLine({ type: "token", text: "Hel" }));
        finish = () => {
          res.write(ndjsonLine({ type: "token", text: "lo" }));
          res.end(
            ndjsonLine({
              type: "done",
              jobKey: JOB_KEY,
              output: "Hello",
              outputHash: JOB_KEY,
              tokenCount: 2,
            }),
          );
        };
      };
      const stream = new ProviderClient(base).uploadPrompt(7n, {
        model: "m",
        prompt: "p",
        seed: 1,
        nonce: "n",
      });
      const first = await stream.next();
      expect(first.value).to.deep.equal({ type: "token", text: "Hel" }); // the rest is not even written yet
      finish();
      const rest = [];
      for await (const e of stream) rest.push(e);
      expect(rest.map((e) => e.type)).to.deep.equal(["token", "done"]);
      expect(rest[1]).to.include({ output: "Hello", tokenCount: 2 });
    });

    it("a 409 is a ProviderRefusedError with the reason, thrown before any token", async () => {
      handler = (path, res) => {
        res.writeHead(409, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "refused", reason: `price too low at ${path}` }));
      };
      const client = new ProviderClient(base);
      const error = await client
        .requestQuote({ consumer: `0x${"11".repeat(20)}`, modelDigest: JOB_KEY, promptHash: JOB_KEY, maxTokens: 8n, pricePerToken: 1n, duration: 60n }) // prettier-ignore
        .then(() => undefined, (e: unknown) => e); // prettier-ignore
      expect(error).to.be.instanceOf(ProviderRefusedError);
      expect((error as ProviderRefusedError).status).to.equal(409);
      expect((error as ProviderRefusedError).reason).to.equal("price too low at /v1/quotes");
      const stream = client.uploadPrompt(1n, { model: "m", prompt: "p", seed: 1, nonce: "n" });
      const refused = await stream.next().then(() => undefined, (e: unknown) => e); // prettier-ignore
      expect(refused).to.be.instanceOf(ProviderRefusedError);
    });

    it("a 5xx, a malformed line or a closed port is a ProviderUnavailableError", async () => {
      handler = (_path, res) => res.writeHead(503).end("{}");
      await new ProviderClient(base).health().then(
        () => expect.fail("resolved"),
        (e: unknown) => expect(e).to.be.instanceOf(ProviderUnavailableError),
      );
      handler = (_path, res) => {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.end('{"type":"token","text":"a"}\n{"type":"nonsense"}\n');
      };
      const events: string[] = [];
      const failure = await (async () => {
        for await (const e of new ProviderClient(base).sendBatchRequest({} as never)) events.push(e.type);
      })().then(() => undefined, (e: unknown) => e); // prettier-ignore
      expect(events).to.deep.equal(["token"]);
      expect(failure).to.be.instanceOf(ProviderUnavailableError);
      const closed = new ProviderClient("http://127.0.0.1:1", { timeoutMs: 2_000 });
      await closed.offers().then(
        () => expect.fail("resolved"),
        (e: unknown) => expect(e).to.be.instanceOf(ProviderUnavailableError),
      );
    });

    it("result: 202 and 404 are undefined; 200 is the decoded answer", async () => {
      let status = 202;
      handler = (_path, res) =>
        res
          .writeHead(status, { "content-type": "application/json" })
          .end(
            status === 200
              ? JSON.stringify({ jobKey: JOB_KEY, output: "x", outputHash: JOB_KEY, tokenCount: 1 })
              : "{}",
          );
      const client = new ProviderClient(base);
      expect(await client.result(JOB_KEY)).to.equal(undefined);
      status = 404;
      expect(await client.result(JOB_KEY)).to.equal(undefined);
      status = 200;
      expect(await client.result(JOB_KEY)).to.deep.equal({ jobKey: JOB_KEY, output: "x", outputHash: JOB_KEY, tokenCount: 1 }); // prettier-ignore
    });
  });
});
