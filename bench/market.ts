/**
 * Gas of the market's transactions (issue 5): openJob, claim, submitResult with a real Groth16
 * receipt proof, finalize, dispute, stake and claimRewards, on a fresh embedded chain with the
 * market deployed by its Ignition module (test/helpers/market.ts). Figures are `gasUsed` from
 * transaction receipts; job figures are medians over `runs` jobs (each with its own proof).
 */
import { network } from "hardhat";

import { releaseProverResources } from "@aitbc/sdk";
import {
  AITBC,
  cachedReceipt,
  DAY,
  deployMarket,
  GPU,
  MODEL,
  OUTPUT,
  proofArg,
  receiptJob,
  SECRET_1,
  signedQuote,
  TOKENS,
  jobRequest,
} from "../test/helpers/market.js";
import { median, type BenchRow, type BenchSection } from "./lib.js";

interface Receiptish {
  wait(): Promise<{ gasUsed: bigint } | null>;
}

async function gasOf(tx: Promise<Receiptish> | Receiptish): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

/** Issue 5: submitResult including proof verification at most 300k gas. */
const SUBMIT_TARGET = 300_000;

/**
 * Measures the market's transactions.
 *
 * @param runs jobs per measured path; job figures are medians over them
 */
export async function benchMarket(runs = 5): Promise<BenchSection> {
  const connection = await network.create();
  const market = await deployMarket(connection);
  const {
    escrow,
    staking,
    token,
    consumer,
    provider1,
    provider2,
    challenger,
    unstaked,
    ecosystem,
    governance,
  } = market;
  const { networkHelpers } = connection;
  const gas: Record<string, number[]> = {};
  const record = (name: string, value: number) => (gas[name] ??= []).push(value);

  try {
    // Provider life: register and first stake by a fresh provider.
    record("register", await gasOf(staking.connect(unstaked).register(424242n, GPU, [MODEL])));
    record("stake", await gasOf(staking.connect(unstaked).stake(5_000n * AITBC, 3)));

    // Jobs settled after the challenge window.
    const settled: bigint[] = [];
    for (let i = 0; i < runs; i++) {
      record("openJob", await gasOf(escrow.connect(consumer).openJob(await jobRequest(market))));
      const jobId = await escrow.lastJobId();
      record("claim", await gasOf(escrow.connect(provider1).claim(jobId)));
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      record(
        "submitResult",
        await gasOf(
          escrow.connect(provider1).submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt)),
        ),
      );
      settled.push(jobId);
    }
    // Jobs opened with a provider's signed EIP-712 quote (assigned at open, no claim): the quote
    // binds the prompt hash and a one-hour minimum duration; each with a fresh nonce.
    for (let i = 0; i < runs; i++) {
      const { quote, signature } = await signedQuote(market, { nonce: BigInt(i + 1) });
      const deadline = BigInt(await networkHelpers.time.latest()) + 3_600n + 60n;
      record(
        "openJobWithQuote",
        await gasOf(escrow.connect(consumer).openJobWithQuote(quote, signature, deadline)),
      );
    }
    // Disputed jobs.
    const disputed: bigint[] = [];
    for (let i = 0; i < runs; i++) {
      const jobId =
        (await escrow.connect(consumer).openJob(await jobRequest(market)), await escrow.lastJobId());
      await escrow.connect(provider1).claim(jobId);
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      await escrow
        .connect(provider1)
        .submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt));
      record("dispute", await gasOf(escrow.connect(challenger).dispute(jobId)));
      disputed.push(jobId);
    }
    for (const jobId of disputed) {
      record(
        "resolveDispute (provider at fault)",
        await gasOf(escrow.connect(market.arbiter).resolveDispute(jobId, true)),
      );
    }
    await networkHelpers.time.increase(DAY + 1);
    for (const jobId of settled) record("finalize", await gasOf(escrow.finalize(jobId)));
    record("withdraw", await gasOf(escrow.connect(provider1).withdraw()));

    // Rewards: fund, stream for a day, claim.
    await staking.connect(governance).setRewardRate(AITBC);
    await token.connect(ecosystem).approve(await staking.getAddress(), 1_000_000n * AITBC);
    record("fundRewards", await gasOf(staking.connect(ecosystem).fundRewards(1_000_000n * AITBC)));
    await networkHelpers.time.increase(DAY);
    for (const provider of [provider1, provider2, unstaked]) {
      record("claimRewards", await gasOf(staking.connect(provider).claimRewards()));
    }
  } finally {
    await releaseProverResources();
  }

  const notes: Record<string, string> = {
    submitResult:
      "Groth16 check (6 public signals) + nullifier + state; anchor for comparison: Semaphore v4 verify ≈ 289k (not measured here)",
    stake: "first stake of a registered provider (365-day lock)",
    register: "GPU spec, identity commitment, one model digest",
    openJobWithQuote:
      "consumer's own transaction (EOA); the EIP-712 quote binds prompt hash, price, max tokens, minimum duration, expiry and nonce; includes the eligibility checks of claim",
    claimRewards: "includes the weight refresh (reads the reputation tier)",
    finalize: "credits provider, treasury and consumer; two reputation writes",
    "resolveDispute (provider at fault)": "refund + bond credits, two reputation writes, slash in staking",
  };
  const rows: BenchRow[] = Object.entries(gas).map(([name, values]) => ({
    name,
    value: median(values),
    unit: "gas",
    spread: values.length > 1 ? [Math.min(...values), Math.max(...values)] : undefined,
    runs: values.length > 1 ? values.length : undefined,
    target: name === "submitResult" ? { value: SUBMIT_TARGET, comparison: "<=" } : undefined,
    note: notes[name],
  }));
  return { title: "Market (staking, reputation, escrow)", rows };
}
