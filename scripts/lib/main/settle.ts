/**
 * The main job's settlement: the coordinator samples the submitted jobs, chain time passes the
 * challenge window, the miners finalize every job and batch, the coordinator reports performance
 * and the miners withdraw; then the providers' trust scores are read.
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import { JOB_STATUSES, type AitbcContracts } from "@aitbc/sdk";
import { sleep } from "../../../node/shared/retry.js";
import type { JobResult } from "./market.js";
import type { Network } from "./network.js";

/** A provider after the jobs. */
export interface ProviderTrust {
  provider: string;
  /** 0–1000. */
  score: number;
  tier: string;
  /** Jobs the miner's journal has finalized. */
  jobs: number;
  /** Wei of AITBC still withdrawable from JobEscrow. */
  earned: bigint;
  /** Wei of AITBC held. */
  balance: bigint;
}

/** What {@link settleJobs} saw. */
export interface Settlement {
  /** Each job's status, in the order of the results: JobEscrow's, or "Settled" once its batch is finalized. */
  statuses: string[];
  /** Wall time from the end of the window to the last finalization, ms. */
  settleMs: number;
  /** The market policy's challenge window, seconds of chain time. */
  challengeWindow: number;
  /** The coordinator's performance reports. */
  reports: Awaited<ReturnType<Network["coordinator"]["reportPerformance"]>>;
  trust: ProviderTrust[];
}

/** A job's status: JobEscrow's, or for a batch job "Settled" once its batch is finalized (paid). */
async function statusReader(ethers: HardhatEthers, contracts: AitbcContracts) {
  const escrow = await ethers.getContractAt("JobEscrow", contracts.JobEscrow!);
  const batchEscrow = contracts.BatchEscrow ? await ethers.getContractAt("BatchEscrow", contracts.BatchEscrow) : undefined; // prettier-ignore
  return async (r: JobResult) => {
    if (r.path === "per-job") return JOB_STATUSES[Number((await escrow.jobOf(BigInt(r.jobId))).status)]!;
    if (!r.batch) return "None"; // not in a settled batch yet
    const status = Number((await batchEscrow!.batchOf(BigInt(r.batch.batch_id))).status);
    return status === 2 ? "Settled" : status === 1 ? "Submitted" : "None";
  };
}

/**
 * Fills in each result's fee and, for a batch job, its place, from the chain: a per-job fee is the
 * `ResultSubmitted` token count × the `JobOpened` price; a batch job's is its `BatchJobSettled` fee.
 *
 * @returns whether every job has its on-chain settlement record yet
 */
export async function readSettlements(
  ethers: HardhatEthers,
  contracts: AitbcContracts,
  results: JobResult[],
): Promise<boolean> {
  // prettier-ignore
  const escrow = await ethers.getContractAt("JobEscrow", contracts.JobEscrow!);
  const opened = new Map((await escrow.queryFilter(escrow.filters.JobOpened())).map((e) => [e.args.jobId.toString(), e.args.pricePerToken])); // prettier-ignore
  const submitted = new Map((await escrow.queryFilter(escrow.filters.ResultSubmitted())).map((e) => [e.args.jobId.toString(), e.args.tokenCount])); // prettier-ignore
  const batchEscrow = contracts.BatchEscrow ? await ethers.getContractAt("BatchEscrow", contracts.BatchEscrow) : undefined; // prettier-ignore
  const settled = batchEscrow ? await batchEscrow.queryFilter(batchEscrow.filters.BatchJobSettled()) : [];
  let complete = true;
  for (const r of results) {
    if (r.path === "per-job") {
      const tokens = submitted.get(r.jobId);
      const price = opened.get(r.jobId);
      if (tokens === undefined || price === undefined) complete = false;
      else r.fee = tokens * price;
      continue;
    }
    const e = settled.find((x) => x.args.requestDigest.toLowerCase() === r.jobId.toLowerCase());
    if (!e) complete = false;
    else {
      r.fee = e.args.fee;
      r.batch = { batch_id: e.args.batchId.toString(), index: Number(e.args.index), request_digest: e.args.requestDigest }; // prettier-ignore
    }
  }
  return complete;
}

/** Reads each miner's trust score, tier, finalized jobs, withdrawable earnings and balance. */
async function readTrust(
  ethers: HardhatEthers,
  contracts: AitbcContracts,
  net: Network,
): Promise<ProviderTrust[]> {
  const escrow = await ethers.getContractAt("JobEscrow", contracts.JobEscrow!);
  const token = await ethers.getContractAt("AITBCToken", contracts.AITBCToken!);
  const reputation = await ethers.getContractAt("ReputationRegistry", contracts.ReputationRegistry!);
  return Promise.all(
    net.miners.map(async (m) => ({
      provider: m.address,
      score: Number(await reputation.trustScore(m.address)),
      tier: ["bronze", "silver", "gold", "platinum"][Number(await reputation.tierOf(m.address))] ?? "?",
      jobs: m.journal.all().filter((e) => e.state === "finalized").length,
      earned: await escrow.withdrawable(m.address),
      balance: await token.balanceOf(m.address),
    })),
  );
}

/**
 * Passes the challenge window and waits until every job is settled on-chain by the miners.
 *
 * @throws if the jobs have not settled 60 s (wall) after the window closed
 */
export async function settleJobs(
  ethers: HardhatEthers,
  time: { increase(seconds: number): Promise<unknown> },
  contracts: AitbcContracts,
  net: Network,
  results: JobResult[],
  say: (line: string) => void,
): Promise<Settlement> {
  const escrow = await ethers.getContractAt("JobEscrow", contracts.JobEscrow!);
  // Every result on-chain (the batches settled), then the coordinator samples them before the window closes.
  for (let i = 0; !(await readSettlements(ethers, contracts, results as JobResult[])); i++) {
    if (i > 600) throw new Error("the jobs' results did not reach the chain within 60 s");
    await sleep(100);
  }
  await net.coordinator.caughtUp();
  const policy = await ethers.getContractAt("MarketPolicy", await escrow.policy());
  const challengeWindow = Number((await policy.parameters()).challengeWindow);
  await time.increase(challengeWindow + 1);
  const settleStart = performance.now();
  const statusOf = await statusReader(ethers, contracts);
  const settled = async () => {
    for (const r of results) if ((await statusOf(r)) !== "Settled") return false;
    return true;
  };
  while (!(await settled())) {
    if (performance.now() - settleStart > 60_000) throw new Error("jobs did not settle within 60 s");
    await sleep(100);
  }
  const settleMs = performance.now() - settleStart;
  const statuses = await Promise.all(results.map(statusOf));
  say(`all jobs finalized on-chain by the miners ${(settleMs / 1000).toFixed(1)} s (wall) after the window closed`); // prettier-ignore
  await net.coordinator.caughtUp();
  const reports = await net.coordinator.reportPerformance();
  say(`coordinator reported performance of ${reports.length} provider(s) to the reputation oracle role`);
  for (const m of net.miners) await m.tick(); // withdraw earnings
  const trust = await readTrust(ethers, contracts, net);
  return { statuses, settleMs, challengeWindow, reports, trust };
}

/**
 * Checks that each batch job was settled exactly once (one `BatchJobSettled` per request digest).
 *
 * @throws if a batch job was settled more than once, or not at all
 */
export async function checkSettledOnce(
  ethers: HardhatEthers,
  contracts: AitbcContracts,
  results: readonly JobResult[],
): Promise<void> {
  if (!contracts.BatchEscrow) return;
  const batchEscrow = await ethers.getContractAt("BatchEscrow", contracts.BatchEscrow);
  const events = await batchEscrow.queryFilter(batchEscrow.filters.BatchJobSettled());
  const once = results
    .filter((r) => r.path === "batch")
    .every((r) => events.filter((e) => e.args.requestDigest === r.batch!.request_digest).length === 1);
  if (!once) throw new Error("a batch job was settled more than once (or not at all)");
}
