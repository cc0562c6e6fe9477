/**
 * An embedding job on the quote path (`JobEscrow`; the gateway without the batch path): opened with
 * the provider's quote, its payload uploaded, answered with the vectors, and its on-chain result
 * (`ResultSubmitted`) over the vectors' hash and the input tokens — it travels like any job.
 */
import { expect } from "chai";
import { Ollama } from "ollama";
import { getContractEvents } from "viem/actions";
import { keccak256, stringToHex } from "viem";

import { jobEscrowAbi } from "@aitbc/sdk";
import { fakeEmbed } from "../helpers/fake-embeddings.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

describe("gateway: an embedding job on the quote path (JobEscrow)", function () {
  let f: GatewayFixture;

  before(async function () {
    f = await gatewayFixture({ gateway: { batch: undefined } });
  });
  after(async function () {
    await f?.close();
  });

  it("opens a job, answers the vectors, and the result on-chain is over their hash", async function () {
    const input = ["quote path", "embeddings"];
    const r = await new Ollama({ host: f.url }).embed({ model: f.model, input });
    const vectors = input.map((t) => fakeEmbed(f.model, t).embedding);
    const tokens = input.reduce((n, t) => n + fakeEmbed(f.model, t).tokens, 0);
    expect(r.embeddings).to.deep.equal(vectors);
    expect(r.prompt_eval_count).to.equal(tokens);
    const [aitbc] = (r as unknown as { aitbc: { jobs: { path: string; job_id: string; output_hash: string }[] } }).aitbc.jobs; // prettier-ignore
    expect(aitbc!.path).to.equal("quote");
    const hash = keccak256(stringToHex(JSON.stringify(vectors)));
    expect(aitbc!.output_hash).to.equal(hash);
    for (;;) {
      const logs = await getContractEvents(f.publicClient, { address: f.contracts.JobEscrow!, abi: jobEscrowAbi, eventName: "ResultSubmitted", args: { jobId: BigInt(aitbc!.job_id) }, fromBlock: 0n }); // prettier-ignore
      const args = logs[0]?.args as { outputHash: string; tokenCount: bigint } | undefined;
      if (args) {
        expect(args).to.include({ outputHash: hash, tokenCount: BigInt(tokens) });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
