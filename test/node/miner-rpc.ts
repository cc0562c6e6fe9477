/**
 * RPC load of a miner with jobs waiting out their challenge window stays flat in the number of jobs:
 * the journal keeps each job's `challengeEnds`, so a poll reads no job (no `jobOf`) until one is due; the
 * chain's news (disputes, settlements) comes from one followed `eth_getLogs` per new block. Measured
 * with N = 5 and then N = 30 submitted jobs waiting: JSON-RPC calls per poll, counted at the provider.
 */
import { expect } from "chai";
import { toFunctionSelector } from "viem";

import { openJobWithQuote } from "@aitbc/sdk";
import { DEFAULT_ASK } from "../../node/miner/miner.js";
import { payloadHash } from "../../node/shared/protocol.js";
import { ProviderClient } from "../../node/shared/provider-api.js";
import { minerFixture, until, type MinerFixture } from "./miner-fixture.js";

const JOB_OF = toFunctionSelector("jobOf(uint256)");

describe("node/miner: RPC calls per poll do not grow with the jobs waiting", function () {
  let f: MinerFixture;
  let client: ProviderClient;
  let opened = 0;

  before(async () => {
    f = await minerFixture({ batch: undefined, limits: { maxConcurrent: 4 } }, 0);
    client = new ProviderClient(f.miner.url!);
  });
  after(async () => {
    await f?.miner.stop();
    await f?.ollama.close();
  });

  /** Runs `n` more quote-path jobs to `submitted`. */
  async function addJobs(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const p = { model: f.model.name, prompt: `job ${opened}`, seed: 1, nonce: `n${opened++}` };
      const { quote, signature } = await client.requestQuote({ consumer: f.consumer.account.address, modelDigest: f.model.digest, promptHash: payloadHash(p), maxTokens: 32n, pricePerToken: DEFAULT_ASK, duration: 600n }); // prettier-ignore
      const { jobId } = await openJobWithQuote(f.consumer, { contracts: f.contracts, quote, signature });
      for await (const e of client.uploadPrompt(jobId, p)) if (e.type === "error") throw new Error(e.error);
    }
    await until(() => (f.miner.journal.counts().submitted ?? 0) === opened);
  }

  /** Calls per poll over `polls` polls of the running miner. */
  async function perPoll(polls: number) {
    const { counts } = f.rpc;
    const t0 = f.miner.ticks;
    const c0 = { total: counts.total, calls: counts.byMethod.get("eth_call") ?? 0, jobOf: counts.bySelector.get(JOB_OF) ?? 0 }; // prettier-ignore
    await until(() => f.miner.ticks >= t0 + polls, 10);
    const ticks = f.miner.ticks - t0;
    return {
      total: (counts.total - c0.total) / ticks,
      ethCall: ((counts.byMethod.get("eth_call") ?? 0) - c0.calls) / ticks,
      jobOf: (counts.bySelector.get(JOB_OF) ?? 0) - c0.jobOf,
    };
  }

  it("N = 5 vs N = 30 waiting: the same calls per poll, and no job read", async () => {
    await addJobs(5);
    const five = await perPoll(40);
    await addJobs(25);
    const thirty = await perPoll(40);
    console.log(`      RPC calls per poll: N=5 ${five.total.toFixed(2)} (eth_call ${five.ethCall.toFixed(2)}), N=30 ${thirty.total.toFixed(2)} (eth_call ${thirty.ethCall.toFixed(2)})`); // prettier-ignore
    expect(five.jobOf).to.equal(0);
    expect(thirty.jobOf).to.equal(0);
    expect(thirty.ethCall).to.equal(five.ethCall); // one withdrawable read per poll, whatever N
    expect(thirty.total).to.be.at.most(five.total + 1); // followers' block polls vary by timing only
    expect(f.miner.journal.counts().submitted).to.equal(30);
  });
});
