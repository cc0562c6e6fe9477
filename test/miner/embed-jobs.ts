/**
 * The embedding job kind below the gateway: its payload's canonical JSON and hash (generation payloads
 * hash exactly as before), the backends' `embed` (Ollama through the client against the Ollama-API test
 * server; the built-in classifier refuses), the miner's payload parsing, and the watcher's re-execution
 * of an embedding job (match, and mismatches of the vectors' hash and of the token count).
 */
import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";

import {
  BackendError,
  BUILTIN_MODEL_NAME,
  BuiltinBackend,
  EmbeddingUnsupportedError,
  OllamaBackend,
  UnknownModelError,
} from "../../node/backends/backend.js";
import { parseAnyPayload } from "../../node/miner/embedding.js";
import { canonicalPayload, embeddingsOutput, outputHash, payloadHash, type EmbedPayload } from "../../node/shared/protocol.js"; // prettier-ignore
import { reexecute } from "../../node/watcher/reexecute.js";
import type { WatchedJob } from "../../node/watcher/types.js";
import { fakeEmbed } from "../helpers/fake-embeddings.js";
import { FAKE_MODELS, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";

describe("embedding jobs: payload, backends, miner parsing, watcher re-execution", function () {
  const model = FAKE_MODELS[0]!.name;
  let ollama: FakeOllama;
  let backend: OllamaBackend;

  before(async function () {
    ollama = await startFakeOllama();
    backend = new OllamaBackend({ host: ollama.url, retry: { attempts: 1 } });
  });
  after(async function () {
    await ollama?.close();
  });

  describe("payload", function () {
    it("a generation payload's canonical JSON and hash are unchanged", function () {
      const p = { nonce: "ab", seed: 3, prompt: "hi", model: "llama3.2:1b" };
      const text = '{"model":"llama3.2:1b","prompt":"hi","seed":3,"nonce":"ab"}';
      expect(canonicalPayload(p)).to.equal(text);
      expect(payloadHash(p)).to.equal(keccak256(stringToHex(text)));
    });

    it("an embedding payload's canonical JSON: kind first, fixed key order, optional fields only when set", function () {
      const p = { nonce: "n1", options: { num_ctx: 8 }, input: ["a", "b"], dimensions: 4, truncate: false, model: "m", kind: "embed" } as EmbedPayload; // prettier-ignore
      expect(canonicalPayload(p)).to.equal('{"kind":"embed","model":"m","input":["a","b"],"truncate":false,"dimensions":4,"options":{"num_ctx":8},"nonce":"n1"}'); // prettier-ignore
      expect(canonicalPayload({ kind: "embed", model: "m", input: ["a"], nonce: "n" })).to.equal('{"kind":"embed","model":"m","input":["a"],"nonce":"n"}'); // prettier-ignore
    });

    it("the output is the vectors' JSON; a value JSON cannot carry is refused", function () {
      expect(embeddingsOutput([[0.5, -0.25], [1]])).to.equal("[[0.5,-0.25],[1]]");
      expect(() => embeddingsOutput([[0.5, Number.NaN]])).to.throw(TypeError, "not a list of finite numbers");
      expect(() => embeddingsOutput([[Number.POSITIVE_INFINITY]])).to.throw(TypeError);
    });
  });

  describe("the miner's payload parsing", function () {
    it("reads either kind, and refuses a malformed embedding payload (not transient)", function () {
      expect(parseAnyPayload('{"kind":"embed","model":"m","input":["a"],"nonce":"n"}')).to.deep.equal({ kind: "embed", model: "m", input: ["a"], nonce: "n" }); // prettier-ignore
      expect(parseAnyPayload('{"model":"m","prompt":"p","seed":0,"nonce":"n"}')).to.deep.equal({ model: "m", prompt: "p", seed: 0, nonce: "n" }); // prettier-ignore
      for (const [text, message] of [
        ['{"kind":"embed","model":"m","input":[],"nonce":"n"}', "input (a non-empty list of strings)"],
        ['{"kind":"embed","model":"m","input":["a",1],"nonce":"n"}', "input (a non-empty list of strings)"],
        ['{"kind":"embed","model":"m","input":"a","nonce":"n"}', "input (a non-empty list of strings)"],
        ['{"kind":"embed","input":["a"],"nonce":"n"}', "model (string) and nonce (string)"],
        [
          '{"kind":"embed","model":"m","input":["a"],"nonce":"n","dimensions":0}',
          "dimensions to be a positive integer",
        ],
        [
          '{"kind":"embed","model":"m","input":["a"],"nonce":"n","truncate":"no"}',
          "truncate to be a boolean",
        ],
      ]) {
        let caught: unknown;
        try {
          parseAnyPayload(text!);
        } catch (e) {
          caught = e;
        }
        expect(caught, text).to.be.instanceOf(BackendError).with.property("message", `the embedding payload needs ${message}`); // prettier-ignore
        expect((caught as BackendError).transient).to.equal(false);
      }
    });
  });

  describe("backends", function () {
    it("OllamaBackend.embed: the runtime's vectors, input tokens and the model's digest", async function () {
      const r = await backend.embed({ model, input: ["a b c", "d"], dimensions: 2 });
      expect(r.embeddings).to.deep.equal([fakeEmbed(model, "a b c", { dimensions: 2 }).embedding, fakeEmbed(model, "d", { dimensions: 2 }).embedding]); // prettier-ignore
      expect(r.promptTokens).to.equal(5 + 3);
      expect(r.modelDigest).to.equal(`0x${FAKE_MODELS[0]!.digest}`);
    });

    it("OllamaBackend.embed: an unknown model is an UnknownModelError", async function () {
      const error = await backend.embed({ model: "nope:1b", input: ["a"] }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnknownModelError);
    });

    it("BuiltinBackend.embed refuses with EmbeddingUnsupportedError (not transient)", async function () {
      const error = await new BuiltinBackend({ prove: false }).embed({ model: BUILTIN_MODEL_NAME, input: ["a"] }).catch((e: unknown) => e); // prettier-ignore
      expect(error).to.be.instanceOf(EmbeddingUnsupportedError).with.property("transient", false);
      expect((error as Error).message).to.equal(`model '${BUILTIN_MODEL_NAME}' does not support embeddings: the built-in topic classifier only labels text`); // prettier-ignore
    });
  });

  describe("the watcher's re-execution", function () {
    const payload = canonicalPayload({ kind: "embed", model, input: ["sky", "sea"], options: { num_ctx: 2 }, nonce: "n" }); // prettier-ignore
    const vectors = [fakeEmbed(model, "sky", { numCtx: 2 }).embedding, fakeEmbed(model, "sea", { numCtx: 2 }).embedding]; // prettier-ignore
    const job = (outputHashOf: Hex, tokenCount: number) => ({ kind: "batch", outputHash: outputHashOf, tokenCount, maxTokens: 10 }) as unknown as WatchedJob; // prettier-ignore

    it("re-embeds with the payload's options and matches the vectors' hash and input tokens", async function () {
      const expected = { outputHash: outputHash(JSON.stringify(vectors)), tokenCount: 4 };
      const v = await reexecute(job(expected.outputHash, 4), payload, { model, backend });
      expect(v).to.deep.equal({ outcome: "match", expected });
    });

    it("finds a different vector or token count", async function () {
      const other = outputHash(JSON.stringify([vectors[1], vectors[0]]));
      const v = await reexecute(job(other, 3), payload, { model, backend });
      expect(v.outcome).to.equal("mismatch");
      expect(v.reason).to.equal("output hash differs; token count 4 ≠ 3 claimed");
    });
  });
});
