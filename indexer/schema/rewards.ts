/** Reward tables: EcosystemPool streams, ParticipationRewards and ProposalRewards claims. Wei, unix seconds. */
import { onchainTable } from "ponder";

/** One pool stream (`StreamRateSet`), with the wei released to it (`StreamReleased`). */
export const poolStream = onchainTable("pool_stream", (t) => ({
  recipient: t.hex().primaryKey(),
  /** Wei per second. */
  rate: t.bigint().notNull(),
  released: t.bigint().notNull().default(0n),
  updatedAt: t.bigint().notNull(),
}));

/** One reward payment: `kind` is "participation" or "proposal". */
export const rewardClaim = onchainTable("reward_claim", (t) => ({
  /** Ponder's event id. */
  id: t.text().primaryKey(),
  kind: t.text().notNull(),
  proposalId: t.text().notNull(),
  /** Voter (participation) or proposer (proposal). */
  account: t.hex().notNull(),
  caller: t.hex().notNull(),
  /** Counted vote weight, wei (participation only). */
  weight: t.bigint(),
  amount: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** Funding of a reward contract (`RewardsFunded`): `contract` is "participation" or "proposal". */
export const rewardFunding = onchainTable("reward_funding", (t) => ({
  id: t.text().primaryKey(),
  contract: t.text().notNull(),
  funder: t.hex().notNull(),
  amount: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));
