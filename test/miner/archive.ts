/**
 * The job archive (what a miner or gateway keeps for the challenge window, served over HTTP) and the
 * hash-checked retrieval a watcher does from several sources.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";

import { ArchiveKeyError, DEFAULT_RETENTION_MS, handleArchiveRequest, JobArchive } from "../../node/archive/archive.js"; // prettier-ignore
import {
  functionArchiveSource,
  httpArchiveSource,
  localArchiveSource,
  retrieveJobData,
} from "../../node/archive/client.js";
import { canonicalPayload, payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import { jobKeyOfJobId } from "../../sdk/src/index.js";

const KEY = jobKeyOfJobId(7n);
const PAYLOAD: JobPayload = { model: "llama3.2:1b", prompt: "Is it going to rain in Zürich? ☔", seed: 42, nonce: "n-1" }; // prettier-ignore
const TEXT = canonicalPayload(PAYLOAD);
const OUTPUT = "Probably — bring an umbrella.";

async function serve(archive: JobArchive): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (handleArchiveRequest(archive, req, res)) return;
    res.writeHead(418).end("other route");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("archive: job data kept for the challenge window and served for watchers", function () {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "aitbc-archive-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps payload, output and request by job key, completes records part by part, expires them", () => {
    let now = 1_000_000;
    const archive = new JobArchive({ now: () => now });
    archive.put(KEY, { payload: TEXT });
    expect(archive.get(KEY)).to.deep.equal({ payload: TEXT, keepUntil: 1_000_000 + DEFAULT_RETENTION_MS });
    archive.put(KEY.toUpperCase().replace("0X", "0x") as Hex, { output: OUTPUT, request: { nonce: 5n } });
    expect(archive.get(KEY)).to.deep.equal({ payload: TEXT, output: OUTPUT, request: { nonce: "5" }, keepUntil: 1_000_000 + DEFAULT_RETENTION_MS }); // prettier-ignore
    expect(DEFAULT_RETENTION_MS).to.equal(15 * 24 * 3600 * 1000);
    expect(archive.size()).to.equal(1);
    now += DEFAULT_RETENTION_MS;
    expect(archive.get(KEY)?.output).to.equal(OUTPUT); // the last millisecond still counts
    now += 1;
    expect(archive.get(KEY)).to.equal(undefined);
    expect(archive.prune()).to.equal(1);
    expect(archive.size()).to.equal(0);
    expect(() => archive.put("0x1234" as Hex, { payload: "x" })).to.throw(ArchiveKeyError);
    archive.close();
  });

  it("survives a restart when kept in a file", () => {
    const path = join(dir, "a.sqlite");
    const first = new JobArchive({ path });
    first.put(KEY, { payload: TEXT, output: OUTPUT });
    first.close();
    const second = new JobArchive({ path });
    expect(second.get(KEY)?.payload).to.equal(TEXT);
    expect(second.get(KEY)?.output).to.equal(OUTPUT);
    second.close();
  });

  it("serves the exact bytes over HTTP, 404 for unknown jobs, 400 for bad keys, other routes fall through", async () => {
    const archive = new JobArchive();
    archive.put(KEY, { payload: TEXT, output: OUTPUT, request: { consumer: "0xabc", nonce: 1n } });
    const { url, server } = await serve(archive);
    try {
      const payload = await fetch(`${url}/v1/jobs/${KEY}/payload`);
      expect(payload.status).to.equal(200);
      const bytes = new Uint8Array(await payload.arrayBuffer());
      expect(keccak256(bytes)).to.equal(payloadHash(PAYLOAD));
      const output = await fetch(`${url}/v1/jobs/${KEY}/output`);
      expect(keccak256(new Uint8Array(await output.arrayBuffer()))).to.equal(keccak256(stringToHex(OUTPUT)));
      expect(await (await fetch(`${url}/v1/jobs/${KEY}/request`)).json()).to.deep.equal({ consumer: "0xabc", nonce: "1" }); // prettier-ignore
      const missing = await fetch(`${url}/v1/jobs/${jobKeyOfJobId(8n)}/output`);
      expect(missing.status).to.equal(404);
      expect(((await missing.json()) as { error: string }).error).to.match(/^no output archived for 0x0+8$/);
      expect((await fetch(`${url}/v1/jobs/0x12/payload`)).status).to.equal(400);
      expect((await fetch(`${url}/v1/jobs/${KEY}/payload`, { method: "HEAD" })).status).to.equal(200);
      expect((await fetch(`${url}/v1/jobs/${KEY}/payload`, { method: "POST", body: "x" })).status).to.equal(
        418,
      );
      expect((await fetch(`${url}/v1/other`)).status).to.equal(418);
    } finally {
      server.close();
      archive.close();
    }
  });

  it("retrieval keeps only bytes matching the on-chain hashes: a lying source is skipped and reported", async () => {
    const honest = new JobArchive();
    honest.put(KEY, { payload: TEXT, output: OUTPUT });
    const { url, server } = await serve(honest);
    const liar = functionArchiveSource("liar", (_k, part) => (part === "payload" ? TEXT.replace("42", "43") : "Sunny.")); // prettier-ignore
    const job = { jobKey: KEY, promptHash: payloadHash(PAYLOAD), outputHash: keccak256(stringToHex(OUTPUT)) };
    try {
      const data = await retrieveJobData([liar, httpArchiveSource("http://127.0.0.1:1"), httpArchiveSource(url)], job); // prettier-ignore
      expect(data.payload?.text).to.equal(TEXT);
      expect(data.payload?.source).to.equal(url);
      expect(data.output?.text).to.equal(OUTPUT);
      expect(data.mismatched).to.deep.equal(["liar: payload", "liar: output"]);
      // Only the liar (and an unreachable server): nothing is believed.
      const none = await retrieveJobData([liar, httpArchiveSource("http://127.0.0.1:1")], job);
      expect(none.payload).to.equal(undefined);
      expect(none.output).to.equal(undefined);
      // A local archive holding the payload only.
      const partial = new JobArchive();
      partial.put(KEY, { payload: TEXT });
      const half = await retrieveJobData([localArchiveSource(partial)], job);
      expect(half.payload?.text).to.equal(TEXT);
      expect(half.output).to.equal(undefined);
      partial.close();
    } finally {
      server.close();
      honest.close();
    }
  });
});
