/**
 * A journaled answer replayed to a client that asks again (`node/miner/replay.ts`): the token event
 * carries what a live run streamed — the text of a plain job, the `content` of a job with tools or
 * thinking (not its JSON output), nothing for an embedding job — and `done` the output the receipt
 * covers.
 */
import { expect } from "chai";

import { replayAnswer, streamedText } from "../../node/miner/replay.js";
import type { JobStream } from "../../node/miner/streams.js";
import { canonicalPayload, outputHash } from "../../node/shared/protocol.js";
import type { StreamEvent } from "../../node/shared/provider-api.js";

const plain = canonicalPayload({ model: "llama3.2:1b", prompt: "hi", seed: 0, nonce: "01" });
const tools = canonicalPayload({ model: "llama3.2:1b", messages: [{ role: "user", content: "weather?" }], seed: 0, nonce: "02", tools: [{ type: "function", function: { name: "get_weather" } }] }); // prettier-ignore
const embed = canonicalPayload({ kind: "embed", model: "llama3.2:1b", input: ["a"], nonce: "03" });
const structured = JSON.stringify({ content: "calling it", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] }); // prettier-ignore

describe("miner: replaying a journaled answer", function () {
  it("streams a plain job's output, a structured job's content, nothing of an embedding job", function () {
    expect(streamedText(plain, "the answer.")).to.equal("the answer.");
    expect(streamedText(tools, structured)).to.equal("calling it");
    expect(streamedText(embed, "[[0.6,0.8]]")).to.equal("");
    expect(streamedText(undefined, structured), "no payload archived: the output as text").to.equal(
      structured,
    );
  });

  it("pushes the token event (when there is text) and then done with the whole output", function () {
    const pushed: StreamEvent[] = [];
    const stream = { push: (e: StreamEvent) => pushed.push(e) } as unknown as JobStream;
    const done = { type: "done" as const, jobKey: `0x${"11".repeat(32)}` as const, output: structured, outputHash: outputHash(structured), tokenCount: 7 }; // prettier-ignore
    replayAnswer(stream, tools, done);
    expect(pushed).to.deep.equal([{ type: "token", text: "calling it" }, done]);
    pushed.length = 0;
    const vectors = { ...done, output: "[[0.6,0.8]]", outputHash: outputHash("[[0.6,0.8]]") };
    replayAnswer(stream, embed, vectors);
    expect(pushed).to.deep.equal([vectors]);
  });
});
