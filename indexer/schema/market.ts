/** Market tables: JobEscrow, BatchEscrow, GPUStaking, ReputationRegistry. Amounts in wei, times in unix seconds. */
import { index, onchainTable } from "ponder";

/** One per-job escrow job (JobEscrow). */
export const job = onchainTable(
  "job",
  (t) => ({
    id: t.bigint().primaryKey(),
    consumer: t.hex().notNull(),
    modelDigest: t.hex().notNull(),
    maxTokens: t.bigint().notNull(),
    /** Price per token, wei. */
    pricePerToken: t.bigint().notNull(),
    provider: t.hex(),
    byQuote: t.boolean(),
    tokenCount: t.bigint(),
    providerAmount: t.bigint(),
    protocolFee: t.bigint(),
    refund: t.bigint(),
    /** open, claimed, submitted, settled, disputed, cancelled, expired. */
    status: t.text().notNull(),
    openedAt: t.bigint().notNull(),
    settledAt: t.bigint(),
  }),
  (table) => ({ byOpened: index().on(table.openedAt) }),
);

/** One batch settlement (BatchEscrow). */
export const batch = onchainTable("batch", (t) => ({
  id: t.bigint().primaryKey(),
  provider: t.hex().notNull(),
  jobCount: t.integer().notNull(),
  /** Sum of the jobs' fees, wei. */
  totalFee: t.bigint().notNull(),
  challengeEnds: t.bigint().notNull(),
  providerAmount: t.bigint(),
  protocolFee: t.bigint(),
  /** settled, finalized. */
  status: t.text().notNull(),
  settledAt: t.bigint().notNull(),
}));

/** One job of a batch (`BatchJobSettled`). */
export const batchJob = onchainTable(
  "batch_job",
  (t) => ({
    /** `<batch id>-<index>`. */
    id: t.text().primaryKey(),
    batchId: t.text().notNull(),
    consumer: t.hex().notNull(),
    provider: t.hex().notNull(),
    modelDigest: t.hex().notNull(),
    tokenCount: t.bigint().notNull(),
    fee: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ byTime: index().on(table.timestamp) }),
);

/** A dispute of a job or of a batch's job. */
export const dispute = onchainTable("dispute", (t) => ({
  /** `job-<id>` or `batch-<id>-<index>`. */
  id: t.text().primaryKey(),
  kind: t.text().notNull(),
  ref: t.text().notNull(),
  disputer: t.hex().notNull(),
  bond: t.bigint().notNull(),
  resolved: t.boolean().notNull().default(false),
  providerAtFault: t.boolean(),
  slashed: t.bigint(),
  openedAt: t.bigint().notNull(),
}));

/** One slash of a provider's stake (GPUStaking `Slashed`). */
export const slash = onchainTable("slash", (t) => ({
  id: t.text().primaryKey(),
  provider: t.hex().notNull(),
  amount: t.bigint().notNull(),
  bps: t.bigint().notNull(),
  by: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** A provider (miner): stake, unbonding, rewards, trust score and tier. */
export const provider = onchainTable("provider", (t) => ({
  address: t.hex().primaryKey(),
  registered: t.boolean().notNull().default(false),
  gpuModel: t.text(),
  /** Active stake, wei (staked − unbonding started − slashed). */
  staked: t.bigint().notNull().default(0n),
  unbonding: t.bigint().notNull().default(0n),
  unbondingEnds: t.bigint(),
  withdrawn: t.bigint().notNull().default(0n),
  slashed: t.bigint().notNull().default(0n),
  rewardsClaimed: t.bigint().notNull().default(0n),
  weight: t.bigint().notNull().default(0n),
  /** Trust score 0–1000 from ReputationRegistry; null until its first `ComponentChanged`. */
  score: t.integer(),
  /** Bronze (< 600), Silver (≥ 600), Gold (≥ 750), Platinum (≥ 900): Tiers.sol. */
  tier: t.text(),
  updatedAt: t.bigint().notNull(),
}));

/** Staking history (one row per event) for charts and audits. */
export const stakeEvent = onchainTable("stake_event", (t) => ({
  id: t.text().primaryKey(),
  provider: t.hex().notNull(),
  /** staked, unbonding, withdrawn, slashed, rewardsClaimed. */
  kind: t.text().notNull(),
  amount: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** One change of a reputation component (`ComponentChanged`). */
export const reputationChange = onchainTable("reputation_change", (t) => ({
  id: t.text().primaryKey(),
  agent: t.hex().notNull(),
  component: t.text().notNull(),
  oldValue: t.bigint().notNull(),
  newValue: t.bigint().notNull(),
  newScore: t.integer().notNull(),
  timestamp: t.bigint().notNull(),
}));
