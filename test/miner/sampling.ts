/**
 * A seeded simulation of a cheating miner against the public sampling rule, on a real Hardhat chain.
 *
 * Each job's result is committed by a transaction of the miner (its data binds the job key and the
 * output hash); the seed is the hash of the block that included it, exactly as the watcher reads it from
 * `ResultSubmitted` / `BatchJobSettled`. The chain starts at a fixed date and every block has a fixed
 * timestamp, so the block hashes — and so every number below — are the same on every run: the
 * tolerances are three binomial standard deviations around the expectation, checked once against a run
 * that is fixed by construction (not a bound that holds "usually").
 *
 * Two miners cheat on jobs:
 * - a blind one, on a fraction f of jobs picked by a seeded generator;
 * - an informed one, which knows the rule, the rate and everything public before its transaction is mined
 *   (the latest block's hash, its own job keys) but not the hash of the block that will include it; it
 *   cheats only where its best prediction (the rule applied to the latest block's hash) says "not sampled".
 * Both are caught at the rate the rule predicts, per cheated job and for k cheated jobs; under the old
 * rule `keccak("aitbc-sample-" + jobId)` the informed miner is never caught.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  concat,
  createWalletClient,
  custom,
  keccak256,
  toHex,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";

import { catchProbability, isSampled, jobKeyOfJobId } from "../../sdk/src/index.js";

/** The policy's default sample rate (IMarketPolicy: 1,000 bps = 10%). */
const RATE_BPS = 1_000;
const P = 0.1;
const JOBS = 2_000;
/** The blind miner's cheating fraction. */
const F = 0.4;
const START = Date.UTC(2026, 0, 1) / 1000;

/** The predictable rule this issue replaces. */
const oldRule = (jobId: bigint) =>
  Number(BigInt(keccak256(toHex(`aitbc-sample-${jobId}`))) % 10_000n) < RATE_BPS;

/** A seeded generator in [0, 1) (keccak counter). */
function generator(seed: string) {
  let i = 0;
  return () => Number(BigInt(keccak256(toHex(`${seed}/${i++}`))) % 1_000_000n) / 1_000_000;
}

interface Committed {
  jobId: bigint;
  cheated: boolean;
  /** Hash of the block that included the result. */
  seed: Hex;
}

/**
 * Runs `JOBS` jobs of one miner: `decide(jobId, latestHash)` is called before the result's transaction
 * is sent (what the miner can know then); the result is then mined in its own block at a fixed time.
 */
async function simulate(decide: (jobId: bigint, latestHash: Hex) => boolean): Promise<Committed[]> {
  const connection = await network.create({ override: { initialDate: new Date(START * 1000) } });
  const provider = connection.provider as unknown as EIP1193Provider;
  const [miner] = (await connection.ethers.getSigners()).map((s) => s.address as Address);
  const wallet = createWalletClient({ account: miner!, transport: custom(provider) });
  const out: Committed[] = [];
  for (let i = 1; i <= JOBS; i++) {
    const jobId = BigInt(i);
    const latest = (await provider.request({
      method: "eth_getBlockByNumber",
      params: ["latest", false],
    })) as {
      hash: Hex;
    };
    const cheated = decide(jobId, latest.hash);
    const outputHash = keccak256(toHex(`${cheated ? "cheap" : "honest"} output of ${jobId}`));
    await provider.request({
      method: "evm_setNextBlockTimestamp" as never,
      params: [START + 60 + i * 12] as never,
    });
    const hash = await wallet.sendTransaction({ to: miner!, data: concat([jobKeyOfJobId(jobId), outputHash]), chain: null }); // prettier-ignore
    const receipt = (await provider.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
      blockHash: Hex;
    };
    out.push({ jobId, cheated, seed: receipt.blockHash });
  }
  return out;
}

const caught = (run: Committed[]) =>
  run.filter((j) => j.cheated && isSampled({ seed: j.seed, jobKey: jobKeyOfJobId(j.jobId), sampleRateBps: RATE_BPS })); // prettier-ignore

/** |observed − k·p| ≤ 3·√(k·p·(1−p)). */
function withinBinomial(observed: number, k: number, p: number, what: string) {
  const mean = k * p;
  const sd = Math.sqrt(k * p * (1 - p));
  expect(Math.abs(observed - mean), `${what}: ${observed} of ${k}, expected ${mean.toFixed(1)} ± ${(3 * sd).toFixed(1)}`).to.be.at.most(3 * sd); // prettier-ignore
}

/** Share of consecutive groups of `k` cheated jobs with at least one caught. */
function groupCatchRate(run: Committed[], k: number) {
  const flags = run.filter((j) => j.cheated).map((j) => isSampled({ seed: j.seed, jobKey: jobKeyOfJobId(j.jobId), sampleRateBps: RATE_BPS })); // prettier-ignore
  const groups = Math.floor(flags.length / k);
  let hit = 0;
  for (let g = 0; g < groups; g++) if (flags.slice(g * k, (g + 1) * k).some(Boolean)) hit++;
  return { groups, hit };
}

describe("sampling: a cheating miner is caught at the rate the public rule predicts, knowing the rule or not", function () {
  let blind: Committed[];
  let informed: Committed[];

  before(async () => {
    const coin = generator("aitbc-simulation-blind");
    blind = await simulate(() => coin() < F);
    // It knows everything public before sending: the rule, the rate, the latest block's hash.
    informed = await simulate((jobId, latestHash) => !isSampled({ seed: latestHash, jobKey: jobKeyOfJobId(jobId), sampleRateBps: RATE_BPS })); // prettier-ignore
  });

  it("the run is fixed by its seeds: the same chain gives the same block hashes", async () => {
    const coin = generator("aitbc-simulation-blind");
    const again = await simulate(() => coin() < F);
    expect(again.map((j) => j.seed)).to.deep.equal(blind.map((j) => j.seed));
  });

  it("blind cheating on a fraction f: caught per cheated job at the sample rate (binomial, 3 sd)", () => {
    const cheated = blind.filter((j) => j.cheated).length;
    withinBinomial(cheated, JOBS, F, "jobs cheated");
    const c = caught(blind).length;
    withinBinomial(c, cheated, P, "cheated jobs caught");
    const { groups, hit } = groupCatchRate(blind, 10);
    withinBinomial(hit, groups, catchProbability(RATE_BPS, 10), "groups of 10 cheated jobs with a catch");
    console.log(`      blind: ${cheated} of ${JOBS} jobs cheated, ${c} caught (${((100 * c) / cheated).toFixed(1)}%, analytic 10.0%); groups of 10 cheated jobs caught at least once: ${hit}/${groups} (${((100 * hit) / groups).toFixed(1)}%, analytic ${(100 * catchProbability(RATE_BPS, 10)).toFixed(1)}%)`); // prettier-ignore
  });

  it("knowing the rule in advance does not help: the informed miner is caught at the same rate", () => {
    const cheated = informed.filter((j) => j.cheated).length;
    // It predicted ~90% of jobs "not sampled" from the latest block's hash and cheated on all of them.
    withinBinomial(cheated, JOBS, 1 - P, "jobs the informed miner predicted unsampled");
    const c = caught(informed).length;
    withinBinomial(c, cheated, P, "informed miner's cheated jobs caught");
    const { groups, hit } = groupCatchRate(informed, 10);
    withinBinomial(hit, groups, catchProbability(RATE_BPS, 10), "informed: groups of 10 with a catch");
    // Its prediction is worth nothing: among the jobs it predicted unsampled, the sampled share is p.
    console.log(`      informed: ${cheated} of ${JOBS} jobs cheated, ${c} caught (${((100 * c) / cheated).toFixed(1)}%); groups of 10: ${hit}/${groups} (${((100 * hit) / groups).toFixed(1)}%)`); // prettier-ignore
  });

  it("under the old rule keccak('aitbc-sample-' + jobId) the informed miner cheats on ~90% of jobs and is never caught", () => {
    const run = informed.map((j) => ({ ...j, cheated: !oldRule(j.jobId) }));
    const cheated = run.filter((j) => j.cheated);
    withinBinomial(cheated.length, JOBS, 1 - P, "jobs unsampled by the old rule");
    expect(cheated.filter((j) => oldRule(j.jobId)).length).to.equal(0);
    // The same jobs under the new rule (the seed is the including block's hash): caught at the rate.
    withinBinomial(caught(run).length, cheated.length, P, "the same jobs under the new rule");
    console.log(`      old rule: ${cheated.length} cheated, 0 caught; the same jobs under the public rule: ${caught(run).length} caught`); // prettier-ignore
  });

  it("analytic catch probability at the default 1,000 bps: 1 − 0.9^k", () => {
    const table = [1, 5, 10, 20, 50].map((k) => [k, catchProbability(RATE_BPS, k)] as const);
    expect(table.map(([, q]) => Number(q.toFixed(4)))).to.deep.equal([0.1, 0.4095, 0.6513, 0.8784, 0.9948]);
    console.log(`      analytic: ${table.map(([k, q]) => `k=${k} ${(100 * q).toFixed(2)}%`).join(", ")}`);
  });
});
