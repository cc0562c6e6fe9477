/**
 * LangChain's OpenAI integrations (`@langchain/openai`) against the gateway's `/v1`, configured only
 * with `configuration: { baseURL }`: ChatOpenAI invoke and stream (with its usage), the OpenAI
 * completions LLM, and a refused request surfacing OpenAI's error.
 */
import { HumanMessage, SystemMessage, type AIMessageChunk } from "@langchain/core/messages";
import { ChatOpenAI, OpenAI } from "@langchain/openai";
import { expect } from "chai";

import { fakeAnswer } from "../helpers/ollama-server.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";
import { TEST_MODELS } from "./test-models.js";

describe("gateway: OpenAI API at /v1 (@langchain/openai)", function () {
  let f: GatewayFixture;
  const jobs = () => Object.values(f.gateway.context.state.counts()).reduce((a, n) => a + (n ?? 0), 0);
  const chat = (model = f.model) =>
    new ChatOpenAI({ model, apiKey: "unused", maxRetries: 0, configuration: { baseURL: `${f.url}/v1` } });

  before(async function () {
    f = await gatewayFixture({ gateway: { models: TEST_MODELS } });
  });
  after(async () => f?.close());

  it("ChatOpenAI.invoke answers the runtime's text with its token usage", async function () {
    const answer = await chat().invoke([
      new SystemMessage("be brief"),
      new HumanMessage("why is the sky blue?"),
    ]);
    const tokens = fakeAnswer(f.model, "system: be brief\nuser: why is the sky blue?", 0);
    expect(answer.content).to.equal(tokens.join(""));
    expect(answer.usage_metadata).to.deep.include({
      output_tokens: tokens.length,
      total_tokens: tokens.length,
    });
    expect(answer.response_metadata.finish_reason).to.equal("stop");
    expect(answer.response_metadata.model_name).to.equal(f.model);
  });

  it("ChatOpenAI.stream streams the tokens, and the usage at the end", async function () {
    const tokens = fakeAnswer(f.model, "user: tell me a story", 0);
    const pieces: string[] = [];
    let total: AIMessageChunk | undefined;
    for await (const chunk of await chat().stream([new HumanMessage("tell me a story")])) {
      if (typeof chunk.content === "string" && chunk.content !== "") pieces.push(chunk.content);
      total = total === undefined ? chunk : total.concat(chunk);
    }
    expect(pieces).to.deep.equal(tokens);
    expect(total!.content).to.equal(tokens.join(""));
    expect(total!.usage_metadata).to.deep.include({
      output_tokens: tokens.length,
      total_tokens: tokens.length,
    });
  });

  it("ChatOpenAI.bindTools: the model's tool call parsed into AIMessage.tool_calls", async function () {
    const weather = { type: "function" as const, function: { name: "weather", description: "the weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }; // prettier-ignore
    const answer = await chat()
      .bindTools([weather])
      .invoke([new HumanMessage("weather in Paris?")]);
    const first = fakeAnswer(f.model, "user: weather in Paris?", 0)[0]!;
    expect(answer.tool_calls!.map(({ name, args, type }) => ({ name, args, type }))).to.deep.equal([{ name: "weather", args: { city: first }, type: "tool_call" }]); // prettier-ignore
    expect(answer.tool_calls![0]!.id).to.match(/^call_[0-9a-f]{24}$/);
    expect(answer.response_metadata.finish_reason).to.equal("tool_calls");
  });

  it("ChatOpenAI.withStructuredOutput (json_schema): the answer parsed as the schema asks", async function () {
    const schema = { title: "city", type: "object", properties: { city: { type: "string" }, words: { type: "integer" } }, required: ["city", "words"] }; // prettier-ignore
    const answer = await chat().withStructuredOutput(schema, { method: "jsonSchema" }).invoke([new HumanMessage("which city?")]); // prettier-ignore
    const words = fakeAnswer(f.model, "user: which city?", 0);
    expect(answer).to.deep.equal({ city: words.join(""), words: words.length });
  });

  it("the OpenAI completions LLM answers a prompt", async function () {
    const llm = new OpenAI({ model: f.model, apiKey: "unused", maxRetries: 0, configuration: { baseURL: `${f.url}/v1` } }); // prettier-ignore
    expect(await llm.invoke("Once upon a time")).to.equal(
      fakeAnswer(f.model, "Once upon a time", 0).join(""),
    );
  });

  it("an unknown model is refused with OpenAI's 404 error, and no job is placed", async function () {
    const before = jobs();
    let caught: unknown;
    try {
      await chat("nope:1b").invoke([new HumanMessage("hi")]);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(Error);
    expect((caught as Error).message).to.include("404 model 'nope:1b' not found");
    expect((caught as { status?: number }).status).to.equal(404);
    expect(jobs()).to.equal(before);
  });
});
