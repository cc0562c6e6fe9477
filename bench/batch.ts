/**
 * Batch settlement (issue 14): gas per job of BatchEscrow's open (the consumer's deposit), settle,
 * finalize and withdraw for N = 1, 4, 8, 16, 32, 64 jobs per batch, with real batch-receipt proofs
 * (`proveBatchReceipt`, verified on-chain by the generated BatchReceiptVerifier), against today's
 * per-job path (openJobWithQuote + submitResult + finalize + withdraw) measured in the same run; and
 * the proving time per batch by N.
 *
 * Two consumer mixes per N, each with fresh accounts (first deposit, first nonce word: the costliest
 * case of each): one consumer with N jobs (one deposit of N × fee, amortized over its N jobs), and N
 * consumers with one job each (N deposits). Figures are `gasUsed` of the transactions' receipts
 * divided by N. Approvals of the token (once per consumer, on either path) are not counted.
 */
import { Wallet } from "ethers";
import { network } from "hardhat";

import { releaseProverResources } from "@aitbc/sdk";
import {
  cachedReceipt,
  DAY,
  OUTPUT,
  PRICE,
  proofArg,
  receiptJob,
  SECRET_1,
  signedQuote,
  TOKENS,
} from "../test/helpers/market.js";
import {
  batchRequest,
  deployBatchMarket,
  proveBatch,
  signedJob,
  type BatchJob,
} from "../test/batch/helpers.js";
import { median, type BenchRow, type BenchSection } from "./lib.js";

interface Receiptish {
  wait(): Promise<{ gasUsed: bigint } | null>;
}

async function gasOf(tx: Promise<Receiptish> | Receiptish): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

/** Issue 14: all-in gas per job at N = 32 (open + settle + finalize + withdraw, amortized). */
const ALL_IN_TARGET = 40_000;
/** Batch sizes of the cost curve. */
export const BATCH_SIZES = [1, 4, 8, 16, 32, 64] as const;

/** One batch's measured transactions (gas of the whole transactions, not per job). */
interface BatchRun {
  open: number;
  settle: number;
  finalize: number;
  withdraw: number;
  /** Proving times of this batch size, ms. */
  proveMs: number[];
}

/**
 * Measures batch settlement against the per-job path.
 *
 * @param baselineRuns jobs on the per-job path (medians over them)
 * @param provingRuns extra proofs per N for the proving time (after one warm-up proof)
 */
export async function benchBatch(baselineRuns = 4, provingRuns = 5): Promise<BenchSection> {
  const connection = await network.create();
  const market = await deployBatchMarket(connection);
  const { ethers, networkHelpers } = connection;
  const { escrow, batchEscrow, token, consumer, provider1, ecosystem } = market;
  const fee = TOKENS * PRICE;
  const escrowAddress = await batchEscrow.getAddress();
  let accounts = 0;

  /** A fresh consumer holding `amount` wei of AITBC, the batch escrow approved. */
  async function freshConsumer(amount: bigint): Promise<Wallet> {
    const wallet = new Wallet(ethers.id(`bench batch consumer ${accounts++}`), ethers.provider);
    await ecosystem.sendTransaction({ to: wallet.address, value: 10n ** 17n });
    await token.connect(ecosystem).transfer(wallet.address, amount);
    await token.connect(wallet).approve(escrowAddress, amount);
    return wallet;
  }

  async function settleAndPay(jobs: BatchJob[], proveMs: number[]): Promise<Omit<BatchRun, "open">> {
    const started = performance.now();
    const proof = await proveBatch(market, SECRET_1, provider1, jobs);
    proveMs.push(performance.now() - started);
    const settle = await gasOf(batchEscrow.connect(provider1).settleBatch(jobs, proof.args));
    const batchId = await batchEscrow.lastBatchId();
    await networkHelpers.time.increase(DAY + 1);
    const finalize = await gasOf(batchEscrow.finalizeBatch(batchId));
    const withdraw = await gasOf(batchEscrow.connect(provider1).withdraw());
    return { settle, finalize, withdraw, proveMs };
  }

  const single = new Map<number, BatchRun>();
  const distinct = new Map<number, BatchRun>();
  const baseline: Record<string, number[]> = {};
  try {
    // Today's per-job path: a quote-opened job, its receipt, finalize, and the provider's withdrawal.
    for (let i = 0; i < baselineRuns; i++) {
      const { quote, signature } = await signedQuote(market, { nonce: BigInt(1_000 + i) });
      const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n + 60n;
      (baseline.open ??= []).push(
        await gasOf(escrow.connect(consumer).openJobWithQuote(quote, signature, deadline)),
      );
      const jobId = await escrow.lastJobId();
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      (baseline.submit ??= []).push(
        await gasOf(
          escrow.connect(provider1).submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt)),
        ),
      );
      await networkHelpers.time.increase(DAY + 1);
      (baseline.finalize ??= []).push(await gasOf(escrow.finalize(jobId)));
      (baseline.withdraw ??= []).push(await gasOf(escrow.connect(provider1).withdraw()));
    }

    // Warm-up batch (not measured): the escrow's first deposit, the provider's identity copied from
    // staking, the treasury's first credit — one-off costs of a new deployment, not of a batch size.
    const warm = await freshConsumer(fee);
    await batchEscrow.connect(warm).deposit(fee);
    await settleAndPay(
      [await signedJob(market, await batchRequest(market, warm.address, provider1.address, 0n), warm)],
      [],
    );

    let nonce = 1n;
    for (const n of BATCH_SIZES) {
      // Proving time: one warm-up, then `provingRuns` timed proofs of this batch size's commitment.
      const proveMs: number[] = [];
      const probe = await freshConsumer(0n);
      const probeJobs: BatchJob[] = [];
      for (let i = 0; i < n; i++) {
        probeJobs.push(
          await signedJob(
            market,
            await batchRequest(market, probe.address, provider1.address, nonce++),
            probe,
          ),
        );
      }
      await proveBatch(market, SECRET_1, provider1, probeJobs);
      for (let r = 0; r < provingRuns; r++) {
        const started = performance.now();
        await proveBatch(market, SECRET_1, provider1, probeJobs);
        proveMs.push(performance.now() - started);
      }

      // One consumer, N jobs, one deposit.
      const one = await freshConsumer(BigInt(n) * fee);
      const open = await gasOf(batchEscrow.connect(one).deposit(BigInt(n) * fee));
      const jobs: BatchJob[] = [];
      for (let i = 0; i < n; i++) {
        jobs.push(
          await signedJob(market, await batchRequest(market, one.address, provider1.address, BigInt(i)), one),
        );
      }
      single.set(n, { open, ...(await settleAndPay(jobs, proveMs)) });

      // N consumers, one job and one deposit each.
      let deposits = 0;
      const mixed: BatchJob[] = [];
      for (let i = 0; i < n; i++) {
        const each = await freshConsumer(fee);
        deposits += await gasOf(batchEscrow.connect(each).deposit(fee));
        mixed.push(
          await signedJob(market, await batchRequest(market, each.address, provider1.address, 0n), each),
        );
      }
      distinct.set(n, { open: deposits, ...(await settleAndPay(mixed, proveMs)) });
    }
  } finally {
    await releaseProverResources();
  }

  const perJob = {
    open: median(baseline.open!),
    submit: median(baseline.submit!),
    finalize: median(baseline.finalize!),
    withdraw: median(baseline.withdraw!),
  };
  const perJobTotal = perJob.open + perJob.submit + perJob.finalize + perJob.withdraw;
  const anchor = { name: "per-job path", value: perJobTotal };
  const rows: BenchRow[] = [
    {
      name: "per-job path: openJobWithQuote + submitResult + finalize + withdraw",
      value: perJobTotal,
      unit: "gas/job",
      runs: baselineRuns,
      note: `medians: open ${perJob.open}, submit ${perJob.submit}, finalize ${perJob.finalize}, withdraw ${perJob.withdraw}`,
    },
  ];
  const round = (gas: number, n: number) => Math.round(gas / n);
  for (const n of BATCH_SIZES) {
    const a = single.get(n)!;
    const b = distinct.get(n)!;
    const totalA = round(a.open + a.settle + a.finalize + a.withdraw, n);
    const totalB = round(b.open + b.settle + b.finalize + b.withdraw, n);
    rows.push(
      {
        name: `N = ${n}: open per job, one consumer (its deposit / N)`,
        value: round(a.open, n),
        unit: "gas/job",
      },
      {
        name: `N = ${n}: open per job, ${n} consumer${n === 1 ? "" : "s"} (a deposit each)`,
        value: round(b.open, n),
        unit: "gas/job",
      },
      { name: `N = ${n}: settle per job, one consumer`, value: round(a.settle, n), unit: "gas/job" },
      {
        name: `N = ${n}: settle per job, ${n} consumer${n === 1 ? "" : "s"}`,
        value: round(b.settle, n),
        unit: "gas/job",
      },
      { name: `N = ${n}: finalize per job`, value: round(a.finalize, n), unit: "gas/job" },
      { name: `N = ${n}: withdraw per job`, value: round(a.withdraw, n), unit: "gas/job" },
      {
        name: `N = ${n}: all-in per job, one consumer`,
        value: totalA,
        unit: "gas/job",
        anchor,
        target: n === 32 ? { value: ALL_IN_TARGET, comparison: "<=" } : undefined,
        note:
          n === 32 ? "one consumer's deposit covers the batch (the issue names no consumer mix)" : undefined,
      },
      {
        name: `N = ${n}: all-in per job, ${n} consumer${n === 1 ? "" : "s"}`,
        value: totalB,
        unit: "gas/job",
        anchor,
      },
      {
        name: `N = ${n}: proving time per batch`,
        value: Math.round(median(a.proveMs)),
        unit: "ms",
        spread: [Math.round(Math.min(...a.proveMs)), Math.round(Math.max(...a.proveMs))],
        runs: a.proveMs.length,
        note: "proveBatchReceipt (witness + Groth16 of the 462-constraint circuit) after one warm-up; the circuit does not grow with N",
      },
    );
  }
  const settle32 = single.get(32)!.settle;
  rows.push({
    name: "settleBatch, N = 32, one consumer",
    value: settle32,
    unit: "gas",
    note: "whole transaction (32 signed requests, Merkle root, one Groth16 check with 2 public signals)",
  });
  return { title: "BatchEscrow", rows };
}
