/**
 * `@langchain/ollama` against the gateway, unchanged: `ChatOllama` (invoke, stream, `bindTools` →
 * tool calls, `withStructuredOutput` with a JSON schema) and the `Ollama` LLM (invoke, stream). Each
 * answer is the one the Ollama-API test server gives for the same prompt, and each call is one job.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ChatOllama, Ollama } from "@langchain/ollama";
import { expect } from "chai";

import { fakeAnswer, FAKE_MODELS } from "../helpers/ollama-server.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";
import { TEST_MODELS } from "./test-models.js";

const MODEL = FAKE_MODELS[0]!.name;

describe("gateway: @langchain/ollama", function () {
  let f: GatewayFixture;
  before(async function () {
    f = await gatewayFixture({ gateway: { models: TEST_MODELS } });
  });
  after(async () => f?.close());

  const answered = () => f.gateway.context.state.counts().answered ?? 0;
  const text = (prompt: string) => fakeAnswer(MODEL, prompt, 0).join("");

  it("ChatOllama invoke: the answer and its token usage, one job", async function () {
    const before = answered();
    const chat = new ChatOllama({ baseUrl: f.url, model: MODEL });
    const reply = await chat.invoke([new SystemMessage("be brief"), new HumanMessage("hello")]);
    expect(reply.content).to.equal(text("system: be brief\nuser: hello"));
    expect(reply.usage_metadata?.output_tokens).to.equal(fakeAnswer(MODEL, "system: be brief\nuser: hello", 0).length); // prettier-ignore
    expect(answered()).to.equal(before + 1);
  });

  it("ChatOllama stream: the chunks make the answer", async function () {
    const chat = new ChatOllama({ baseUrl: f.url, model: MODEL });
    const chunks: string[] = [];
    for await (const chunk of await chat.stream("tell me a story")) chunks.push(String(chunk.content));
    expect(chunks.join("")).to.equal(text("user: tell me a story"));
    expect(chunks.filter((c) => c !== "").length).to.be.greaterThan(2);
  });

  it("ChatOllama bindTools: the model's tool call as a LangChain tool call", async function () {
    const chat = new ChatOllama({ baseUrl: f.url, model: MODEL }).bindTools([
      { type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }, // prettier-ignore
    ]);
    const reply = await chat.invoke("weather in Oslo?");
    expect(reply.tool_calls?.map((c) => [c.name, c.args])).to.deep.equal([["get_weather", { city: fakeAnswer(MODEL, "user: weather in Oslo?", 0)[0] }]]); // prettier-ignore
  });

  it("ChatOllama withStructuredOutput (JSON schema): the runtime gets the schema as format", async function () {
    const schema = { title: "Summary", type: "object", properties: { title: { type: "string" }, words: { type: "integer" } }, required: ["title", "words"] }; // prettier-ignore
    const structured = new ChatOllama({ baseUrl: f.url, model: MODEL }).withStructuredOutput(schema);
    const value = await structured.invoke("summarise this");
    const words = fakeAnswer(MODEL, "user: summarise this", 0);
    expect(value).to.deep.equal({ title: words.join(""), words: words.length });
    expect(f.ollama.lastRequest?.format).to.deep.include({ type: "object", required: ["title", "words"] });
  });

  it("the Ollama LLM: invoke and stream", async function () {
    const llm = new Ollama({ baseUrl: f.url, model: MODEL });
    expect(await llm.invoke("why is the sky blue?")).to.equal(text("why is the sky blue?"));
    const chunks: string[] = [];
    for await (const chunk of await llm.stream("and the sea?")) chunks.push(chunk);
    expect(chunks.join("")).to.equal(text("and the sea?"));
  });
});
