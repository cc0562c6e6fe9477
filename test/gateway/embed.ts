/**
 * The gateway's embedding endpoints (`node/gateway/embed-api.ts`) with the real clients: the official
 * `ollama` client's `embed()` and `embeddings()`, the `openai` client's `embeddings.create` (its default
 * base64 transfer and explicit `float`/`base64`), LangChain's `OllamaEmbeddings` and `OpenAIEmbeddings`;
 * each answer a paid job of its own kind whose receipt (`BatchJobSettled`) is over the vectors' hash. Bad requests get
 * Ollama's status and error body and place no job (the state's counts and the on-chain deposit do not move).
 */
import { OllamaEmbeddings } from "@langchain/ollama";
import { OpenAIEmbeddings } from "@langchain/openai";
import { expect } from "chai";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { getContractEvents } from "viem/actions";
import { keccak256, stringToHex, type Address, type Hex } from "viem";

import { batchEscrowAbi, getBatchDeposit } from "@aitbc/sdk";
import { BUILTIN_MODEL_NAME } from "../../node/backends/backend.js";
import { float32Base64 } from "../../node/gateway/embed-api.js";
import { embedMaxTokens } from "../../node/gateway/embedding.js";
import { PRICE } from "../helpers/market.js";
import { fakeEmbed } from "../helpers/fake-embeddings.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

/** The miner's `maxTokensPerJob` (its offer's `maxTokens`): requests above it are split. */
const JOB_TOKENS = 256;

describe("gateway: embeddings as paid jobs (/api/embed, /api/embeddings, /v1/embeddings)", function () {
  let f: GatewayFixture;
  let ollama: Ollama;
  let openai: OpenAI;

  before(async function () {
    f = await gatewayFixture({ miner: { maxTokensPerJob: JOB_TOKENS } });
    ollama = new Ollama({ host: f.url });
    openai = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  after(async function () {
    await f?.close();
  });

  const vector = (text: string, options: { numCtx?: number; dimensions?: number } = {}) =>
    fakeEmbed(f.model, text, options).embedding;
  const tokensOf = (texts: string[]) => texts.reduce((n, t) => n + fakeEmbed(f.model, t).tokens, 0);
  const deposit = async () => (await getBatchDeposit(f.publicClient, { contracts: f.contracts, account: f.market.wallet as Address })).balance; // prettier-ignore
  const answered = () => f.gateway.context.state.counts().answered ?? 0;
  /** Waits until every answered job is settled (so the counts and the deposit stay put), then reads both. */
  async function quiet() {
    while (answered() > 0) await new Promise((r) => setTimeout(r, 50));
    return { counts: f.gateway.context.state.counts(), balance: await deposit() };
  }

  /** The `BatchJobSettled` event of request `digest`, once the miner settled it. */
  async function settlement(digest: Hex) {
    for (;;) {
      const logs = await getContractEvents(f.publicClient, { address: f.contracts.BatchEscrow!, abi: batchEscrowAbi, eventName: "BatchJobSettled", fromBlock: 0n }); // prettier-ignore
      const log = logs.find((l) => (l.args as { requestDigest: Hex }).requestDigest.toLowerCase() === digest.toLowerCase()); // prettier-ignore
      if (log) return log.args as { outputHash: Hex; tokenCount: bigint; fee: bigint; promptHash: Hex };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  describe("the official ollama client", function () {
    it("embed() of a list: one vector per input, prompt_eval_count, a job whose receipt is over the vectors' hash", async function () {
      const input = ["The sky is blue because of Rayleigh scattering", "Grass is green"];
      const before = answered();
      const r = await ollama.embed({ model: f.model, input });
      expect(r.model).to.equal(f.model);
      expect(r.embeddings).to.deep.equal(input.map((t) => vector(t)));
      expect(r.prompt_eval_count).to.equal(tokensOf(input));
      expect(r.total_duration).to.be.a("number").and.greaterThan(0);
      const { aitbc } = r as unknown as { aitbc: { kind: string; token_count: number; max_fee: string; jobs: Record<string, unknown>[] } }; // prettier-ignore
      const output = JSON.stringify(r.embeddings);
      const maxFee = (BigInt(embedMaxTokens(input)) * PRICE).toString();
      expect(aitbc).to.deep.include({ kind: "embed", token_count: tokensOf(input), max_fee: maxFee });
      expect(aitbc.jobs).to.have.length(1);
      const job = aitbc.jobs[0]!;
      expect(job).to.include({ path: "batch", output_hash: keccak256(stringToHex(output)), token_count: tokensOf(input), max_fee: maxFee }); // prettier-ignore
      expect(job.inputs).to.deep.equal([0, 2]);
      expect(answered()).to.equal(before + 1);
      // the payload is an embedding job's, and the receipt commits to the vectors and the input tokens
      const row = f.gateway.context.state.byJobKey(job.job_key as string)!;
      expect(JSON.parse(row.payload)).to.deep.include({ kind: "embed", model: f.model, input });
      expect(row.promptHash).to.equal((job.prompt_hash as string).toLowerCase());
      const settled = await settlement(job.job_key as Hex);
      expect(settled.outputHash).to.equal(keccak256(stringToHex(output)));
      expect(settled.tokenCount).to.equal(BigInt(tokensOf(input)));
      expect(settled.fee).to.equal(BigInt(tokensOf(input)) * PRICE);
      // the miner journaled the vectors' JSON as the job's output
      expect(f.miner.journal.get(job.job_key as string)?.output).to.equal(output);
    });

    it("embed() of a string with dimensions: the vector cut and re-normalized by the runtime", async function () {
      const r = await ollama.embed({ model: f.model, input: "hello world", dimensions: 3 });
      expect(r.embeddings).to.deep.equal([vector("hello world", { dimensions: 3 })]);
      expect(r.embeddings[0]).to.have.length(3);
    });

    it("truncate and options reach the runtime: cut to num_ctx by default, refused with truncate: false", async function () {
      const text = "one two three four five six";
      const r = await ollama.embed({ model: f.model, input: text, options: { num_ctx: 4 } });
      expect(r.embeddings).to.deep.equal([vector(text, { numCtx: 4 })]);
      expect(r.prompt_eval_count).to.equal(4);
      const error = await ollama.embed({ model: f.model, input: text, truncate: false, options: { num_ctx: 4 } }).catch((e: unknown) => e); // prettier-ignore
      expect(error).to.have.property("status_code", 502);
      expect((error as Error).message).to.match(/^job 0x[0-9a-f]{64}: the miner failed: .*the input length exceeds the context length/); // prettier-ignore
    });

    it("embeddings() (legacy): prompt → embedding", async function () {
      const r = await ollama.embeddings({ model: f.model, prompt: "hello world" });
      expect(r.embedding).to.deep.equal(vector("hello world"));
    });

    it("refuses with Ollama's status and message, placing no job", async function () {
      const { counts, balance } = await quiet();
      const failure = (p: Promise<unknown>) => p.then(() => expect.fail("no error"), (e: { status_code: number; message: string }) => [e.status_code, e.message]); // prettier-ignore
      expect(await failure(ollama.embed({ model: "nope:1b", input: "x" }))).to.deep.equal([404, "model 'nope:1b' not found"]); // prettier-ignore
      expect(await failure(ollama.embed({ model: "", input: "x" }))).to.deep.equal([
        404,
        "model '' not found",
      ]);
      expect(await failure(ollama.embeddings({ model: "", prompt: "x" }))).to.deep.equal([
        400,
        "model is required",
      ]);
      expect(await failure(ollama.embeddings({ model: "nope:1b", prompt: "x" }))).to.deep.equal([404, 'model "nope:1b" not found, try pulling it first']); // prettier-ignore
      expect(await failure(ollama.embed({ model: BUILTIN_MODEL_NAME, input: "x" }))).to.deep.equal([400, `"${BUILTIN_MODEL_NAME}" does not support embeddings`]); // prettier-ignore
      expect(await failure(openai.embeddings.create({ model: BUILTIN_MODEL_NAME, input: "x" }).then(() => undefined, (e: { status: number; message: string }) => Promise.reject({ status_code: e.status, message: e.message })))).to.deep.equal([400, `400 "${BUILTIN_MODEL_NAME}" does not support embeddings`]); // prettier-ignore
      expect(f.gateway.context.state.counts()).to.deep.equal(counts);
      expect(await deposit()).to.equal(balance);
    });
  });

  describe("HTTP bodies as Ollama answers them", function () {
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${f.url}${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) }); // prettier-ignore
      return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
    };

    it("an empty input answers 200 with no vectors and places no job (as Ollama: a load request)", async function () {
      const { counts } = await quiet();
      for (const input of [[], "", undefined, null])
        expect(await post("/api/embed", { model: f.model, input })).to.deep.include({ status: 200, body: { model: f.model, embeddings: [] } }); // prettier-ignore
      expect(await post("/api/embeddings", { model: f.model, prompt: "" })).to.deep.include({ status: 200, body: { embedding: [] } }); // prettier-ignore
      expect(f.gateway.context.state.counts()).to.deep.equal(counts);
      // but the model must exist
      expect(await post("/api/embed", { model: "nope", input: [] })).to.deep.include({ status: 404, body: { error: "model 'nope' not found" } }); // prettier-ignore
    });

    it("refuses bad bodies with 400 and Go's decoder's words, before any job", async function () {
      const { counts, balance } = await quiet();
      const cases: [string, unknown, number, string][] = [
        ["/api/embed", { model: f.model, input: 12345 }, 400, "invalid input type"],
        ["/api/embed", { model: f.model, input: ["a", 1] }, 400, "invalid input type"],
        ["/api/embed", { model: f.model, input: { text: "a" } }, 400, "invalid input type"],
        ["/api/embed", { model: 7, input: "a" }, 400, "json: cannot unmarshal number into Go struct field EmbedRequest.model of type string"],
        ["/api/embed", { model: f.model, input: "a", truncate: "yes" }, 400, "json: cannot unmarshal string into Go struct field EmbedRequest.truncate of type bool"],
        ["/api/embed", { model: f.model, input: "a", dimensions: 1.5 }, 400, "json: cannot unmarshal number 1.5 into Go struct field EmbedRequest.dimensions of type int"],
        ["/api/embed", { model: f.model, input: "a", options: [1] }, 400, "json: cannot unmarshal array into Go struct field EmbedRequest.options of type map[string]interface {}"],
        ["/api/embed", { model: f.model, input: "a", keep_alive: true }, 400, "Unsupported type: 'bool'"],
        ["/api/embed", { model: f.model, input: "a", keep_alive: "soon" }, 400, 'time: invalid duration "soon"'],
        ["/api/embed", [f.model], 400, "json: cannot unmarshal array into Go value of type api.EmbedRequest"],
        ["/api/embed", "", 400, "missing request body"],
        ["/api/embeddings", { model: f.model, prompt: 5 }, 400, "json: cannot unmarshal number into Go struct field EmbeddingRequest.prompt of type string"],
        ["/api/embeddings", "", 400, "missing request body"],
      ]; // prettier-ignore
      for (const [path, body, status, error] of cases)
        expect(await post(path, body), JSON.stringify(body)).to.deep.include({ status, body: { error } });
      const notJson = await post("/api/embed", "{model");
      expect(notJson.status).to.equal(400);
      expect(notJson.body)
        .to.have.property("error")
        .that.match(/^invalid JSON body: /);
      expect(f.gateway.context.state.counts()).to.deep.equal(counts);
      expect(await deposit()).to.equal(balance);
    });

    it("names the job in headers", async function () {
      const r = await post("/api/embed", { model: f.model, input: "headers" });
      const [job] = (r.body as { aitbc: { jobs: { job_key: string; provider: string }[] } }).aitbc.jobs;
      expect(r.headers.get("x-aitbc-job-key")).to.equal(job!.job_key);
      expect(r.headers.get("x-aitbc-provider")).to.equal(job!.provider);
      expect(r.headers.get("x-aitbc-path")).to.equal("batch");
    });
  });

  describe("the openai client at /v1", function () {
    it("embeddings.create (the client's default base64 transfer, decoded): the vectors as float32", async function () {
      const input = ["alpha beta", "gamma"];
      const r = await openai.embeddings.create({ model: f.model, input });
      expect(r.object).to.equal("list");
      expect(r.model).to.equal(f.model);
      expect(r.data.map((d) => [d.object, d.index])).to.deep.equal([
        ["embedding", 0],
        ["embedding", 1],
      ]);
      // Go writes float32 in its shortest form (0.47453892); base64 carries the float32 itself (0.4745389223098755...)
      expect(r.data.map((d) => d.embedding)).to.deep.equal(input.map((t) => vector(t).map(Math.fround)));
      expect(r.usage).to.deep.equal({ prompt_tokens: tokensOf(input), total_tokens: tokensOf(input) });
    });

    it("encoding_format float and base64, and dimensions", async function () {
      const float = await openai.embeddings.create({ model: f.model, input: "x y", encoding_format: "float", dimensions: 4 }); // prettier-ignore
      expect(float.data[0]!.embedding).to.deep.equal(vector("x y", { dimensions: 4 }));
      const b64 = await openai.embeddings.create({ model: f.model, input: "x y", encoding_format: "base64" });
      const expected = vector("x y");
      expect(b64.data[0]!.embedding).to.equal(float32Base64(expected));
      const buf = Buffer.from(b64.data[0]!.embedding as unknown as string, "base64");
      expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4))).to.deep.equal(expected.map(Math.fround)); // prettier-ignore
    });

    it('embeds an empty string (as Ollama\'s /v1 does: input "" is [""])', async function () {
      const r = await openai.embeddings.create({ model: f.model, input: "", encoding_format: "float" });
      expect(r.data.map((d) => d.embedding)).to.deep.equal([vector("")]);
    });

    it("refuses with OpenAI-shaped errors, placing no job", async function () {
      const { counts, balance } = await quiet();
      const failure = (p: Promise<unknown>) => p.then(() => expect.fail("no error"), (e: InstanceType<typeof OpenAI.APIError>) => [e.constructor.name, e.status, e.error]); // prettier-ignore
      const error = (message: string, type: string) => ({ message, type, param: null, code: null });
      expect(await failure(openai.embeddings.create({ model: "nope", input: "x" }))).to.deep.equal(["NotFoundError", 404, error("model 'nope' not found", "not_found_error")]); // prettier-ignore
      expect(await failure(openai.embeddings.create({ model: f.model, input: [] }))).to.deep.equal(["BadRequestError", 400, error("invalid input", "invalid_request_error")]); // prettier-ignore
      expect(await failure(openai.embeddings.create({ model: f.model, input: [1, 2, 3] }))).to.deep.equal(["BadRequestError", 400, error("invalid input type", "invalid_request_error")]); // prettier-ignore
      expect(await failure(openai.embeddings.create({ model: "", input: "x" }))).to.deep.equal(["NotFoundError", 404, error("model '' not found", "not_found_error")]); // prettier-ignore
      const raw = await fetch(`${f.url}/v1/embeddings`, { method: "POST", body: JSON.stringify({ model: f.model, input: "x", encoding_format: "int8" }) }); // prettier-ignore
      expect([raw.status, await raw.json()]).to.deep.equal([400, { error: error("Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].", "invalid_request_error") }]); // prettier-ignore
      const missing = await fetch(`${f.url}/v1/embeddings`, { method: "POST", body: JSON.stringify({ model: f.model }) }); // prettier-ignore
      expect([missing.status, await missing.json()]).to.deep.equal([400, { error: error("invalid input", "invalid_request_error") }]); // prettier-ignore
      expect(f.gateway.context.state.counts()).to.deep.equal(counts);
      expect(await deposit()).to.equal(balance);
    });
  });

  describe("a request larger than one job", function () {
    it("is split into jobs of consecutive inputs within the offers' maxTokens, answered in order", async function () {
      const input = Array.from({ length: 7 }, (_, i) => `document ${i} `.padEnd(60, "x"));
      const before = answered();
      const r = await ollama.embed({ model: f.model, input });
      expect(r.embeddings).to.deep.equal(input.map((t) => vector(t)));
      expect(r.prompt_eval_count).to.equal(tokensOf(input));
      const { aitbc } = r as unknown as { aitbc: { token_count: number; max_fee: string; jobs: { job_key: string; inputs: number[]; token_count: number }[] } }; // prettier-ignore
      // 62 tokens at most per input: 4 per job of 256
      expect(aitbc.jobs.map((j) => j.inputs)).to.deep.equal([
        [0, 4],
        [4, 7],
      ]);
      expect(aitbc.jobs.map((j) => j.token_count)).to.deep.equal([tokensOf(input.slice(0, 4)), tokensOf(input.slice(4))]); // prettier-ignore
      expect(aitbc.max_fee).to.equal((BigInt(embedMaxTokens(input)) * PRICE).toString());
      expect(answered()).to.equal(before + 2);
      for (const j of aitbc.jobs) {
        const payload = JSON.parse(f.gateway.context.state.byJobKey(j.job_key)!.payload) as {
          input: string[];
        };
        expect(payload.input).to.deep.equal(input.slice(j.inputs[0], j.inputs[1]));
      }
    });

    it("refuses one input larger than any offer's maxTokens before any job (503)", async function () {
      const { counts, balance } = await quiet();
      const big = "y".repeat(JOB_TOKENS);
      const error = await ollama.embed({ model: f.model, input: ["small", big] }).catch((e: unknown) => e);
      const message = `no provider accepted the job: input 1 needs up to ${JOB_TOKENS + 2} tokens (its UTF-8 bytes + 2), more than the ${JOB_TOKENS} of the largest offer`; // prettier-ignore
      expect(error).to.include({ status_code: 503, message });
      const res = await fetch(`${f.url}/api/embed`, { method: "POST", body: JSON.stringify({ model: f.model, input: ["small", big] }) }); // prettier-ignore
      expect([res.status, await res.json()]).to.deep.equal([503, { error: message }]);
      expect(f.gateway.context.state.counts()).to.deep.equal(counts);
      expect(await deposit()).to.equal(balance);
    });

    it("a client that hangs up during a split request stops the jobs not yet placed", async function () {
      const { counts } = await quiet();
      const total = () => Object.values(f.gateway.context.state.counts()).reduce((n, c) => n + (c ?? 0), 0);
      const start = total();
      const input = Array.from({ length: 5 }, (_, i) => `hang up ${i} `.padEnd(100, "z")); // 3 jobs of 2, 2, 1
      f.ollama.faults.delayMs = 300; // the first job is still running when the client leaves
      const client = new AbortController();
      const request = fetch(`${f.url}/api/embed`, { method: "POST", body: JSON.stringify({ model: f.model, input }), signal: client.signal }).catch((e: unknown) => e); // prettier-ignore
      while (total() === start) await new Promise((r) => setTimeout(r, 5));
      client.abort();
      expect(await request).to.have.property("name", "AbortError");
      // the first job runs to its answer (it was placed: it is paid for) ...
      while ((f.gateway.context.state.counts().answered ?? 0) === (counts.answered ?? 0)) await new Promise((r) => setTimeout(r, 20)); // prettier-ignore
      f.ollama.faults.delayMs = 0;
      // ... and no second job follows it: the next request is the only other job
      await ollama.embed({ model: f.model, input: "after the hang-up" });
      expect(total()).to.equal(start + 2);
    });
  });

  describe("LangChain", function () {
    it("OllamaEmbeddings embedQuery and embedDocuments", async function () {
      const embeddings = new OllamaEmbeddings({ model: f.model, baseUrl: f.url });
      expect(await embeddings.embedQuery("what is blue?")).to.deep.equal(vector("what is blue?"));
      expect(await embeddings.embedDocuments(["sky", "grass"])).to.deep.equal([
        vector("sky"),
        vector("grass"),
      ]);
    });

    it("OpenAIEmbeddings against /v1 (base64 on the wire, float32 values)", async function () {
      const embeddings = new OpenAIEmbeddings({ model: f.model, apiKey: "unused", configuration: { baseURL: `${f.url}/v1` }, maxRetries: 0 }); // prettier-ignore
      const f32 = (t: string) => vector(t).map(Math.fround);
      expect(await embeddings.embedQuery("what is blue?")).to.deep.equal(f32("what is blue?"));
      expect(await embeddings.embedDocuments(["sky", "grass"])).to.deep.equal([f32("sky"), f32("grass")]);
    });
  });
});
