/**
 * The gateway's Ollama API beyond the clients' view: a job with tools or thinking carries them in
 * its payload, its hashed output is the canonical `{content, thinking?, tool_calls?}` JSON, the
 * gateway's archive serves both, and a watcher re-executing the payload on its own runtime gets the
 * same output hash (and another one without the tools). Also the body checks' mapping of Ollama's
 * `options` onto the job (seed, token limit, temperature fixed at 0).
 */
import { expect } from "chai";
import { Ollama } from "ollama";
import type { Address, Hex } from "viem";

import { OllamaBackend } from "../../node/backends/backend.js";
import { checkOllamaBody } from "../../node/gateway/ollama-validate.js";
import { decodeOutput, encodeOutput } from "../../node/shared/output.js";
import { outputHash } from "../../node/shared/protocol.js";
import { reexecute } from "../../node/watcher/reexecute.js";
import type { WatchedJob } from "../../node/watcher/types.js";
import { fakeAnswer } from "../helpers/ollama-server.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

describe("gateway: Ollama API, jobs with tools and thinking, re-executed", function () {
  let f: GatewayFixture;
  before(async function () {
    f = await gatewayFixture();
  });
  after(async () => f?.close());

  it("maps options onto the job: seed and num_predict become the job's, temperature is dropped", function () {
    const { request, stream, load, needs } = checkOllamaBody({ model: "m", prompt: "p", options: { seed: 7, num_predict: 12, temperature: 0.7, top_k: 3 }, format: "json" }, false); // prettier-ignore
    expect(request).to.deep.equal({ model: "m", prompt: "p", seed: 7, maxTokens: 12, format: "json", options: { top_k: 3 } }); // prettier-ignore
    expect([stream, load, needs]).to.deep.equal([true, false, ["completion"]]);
    expect(checkOllamaBody({ model: "m", messages: [{ role: "user", content: "x", images: ["aA=="] }], tools: [{ type: "function", function: { name: "t" } }], think: "high", stream: false }, true).needs).to.deep.equal(["completion", "vision", "tools", "thinking"]); // prettier-ignore
  });

  it("a plain answer's output is its text; with tools or think, the canonical JSON of its parts", function () {
    const call = { function: { name: "t", arguments: { a: 1 } } };
    expect(encodeOutput({ content: "hi" }, undefined)).to.equal("hi");
    expect(encodeOutput({ content: "hi", thinking: "" }, { think: false })).to.equal("hi");
    const tools = { tools: [{ type: "function" as const, function: { name: "t" } }] };
    const text = encodeOutput({ content: "", tool_calls: [call] }, tools);
    expect(text).to.equal('{"content":"","tool_calls":[{"function":{"name":"t","arguments":{"a":1}}}]}');
    expect(decodeOutput(text, tools)).to.deep.equal({ content: "", tool_calls: [call] });
    expect(decodeOutput(text, undefined)).to.deep.equal({ content: text });
  });

  it("a watcher re-executing a tool-calling job's archived payload gets the receipt's output hash", async function () {
    const tool = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }; // prettier-ignore
    const answer = await new Ollama({ host: f.url }).chat({ model: f.model, messages: [{ role: "user", content: "find it" }], tools: [tool], think: true }); // prettier-ignore
    const words = fakeAnswer(f.model, "user: find it", 0);
    expect(answer.message).to.deep.equal({ role: "assistant", content: "", thinking: `Let me think about${words[0]}.`, tool_calls: [{ function: { name: "lookup", arguments: { q: words[0] } } }] }); // prettier-ignore
    const aitbc = (answer as unknown as { aitbc: { job_key: Hex; output_hash: Hex; token_count: number } })
      .aitbc;
    const payload = await (await fetch(`${f.url}/v1/jobs/${aitbc.job_key}/payload`)).text();
    const output = await (await fetch(`${f.url}/v1/jobs/${aitbc.job_key}/output`)).text();
    expect(JSON.parse(payload)).to.deep.include({ tools: [tool], think: true });
    expect(outputHash(output)).to.equal(aitbc.output_hash);
    expect(JSON.parse(output)).to.deep.equal({ content: "", thinking: answer.message.thinking, tool_calls: answer.message.tool_calls }); // prettier-ignore
    const job = { jobKey: aitbc.job_key, outputHash: aitbc.output_hash, tokenCount: aitbc.token_count, maxTokens: 256, provider: "0x0000000000000000000000000000000000000001" as Address } as WatchedJob; // prettier-ignore
    const verifier = { model: f.model, backend: new OllamaBackend({ host: f.ollama.url }) };
    expect((await reexecute(job, payload, verifier)).outcome).to.equal("match");
    // the same prompt without its tools is another answer: the tools are part of what is re-executed
    const { tools: _t, think: _k, ...plain } = JSON.parse(payload) as Record<string, unknown>;
    const verdict = await reexecute(job, JSON.stringify(plain), verifier);
    expect([verdict.outcome, verdict.reason]).to.deep.equal(["mismatch", `output hash differs; token count ${words.length} ≠ ${aitbc.token_count} claimed`]); // prettier-ignore
  });
});
