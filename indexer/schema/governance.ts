/** Governance tables: OpenClawGovernor, ProposalBondEscrow, OpenClawTimelock. Amounts in wei, times in unix seconds. */
import { index, onchainTable } from "ponder";

/** One proposal with its running tallies (wei of counted votes) and lifecycle. */
export const proposal = onchainTable("proposal", (t) => ({
  /** Proposal id; a bigint, not text: Ponder 0.16's row prefetch recovers a key from the event's argument with the argument's type (see indexer/README.md). */
  id: t.bigint().primaryKey(),
  proposer: t.hex().notNull(),
  description: t.text().notNull(),
  targets: t.jsonb().$type<string[]>().notNull(),
  /** Vote start and end, unix seconds (the token's clock is the timestamp). */
  voteStart: t.bigint().notNull(),
  voteEnd: t.bigint().notNull(),
  /** `ProposalType` name (Protocol, Resource, Community, Emergency); null until `ProposalTyped`. */
  proposalType: t.text(),
  critical: t.boolean().notNull().default(false),
  /** Bond asked by the proposal's type, wei. */
  bond: t.bigint().notNull().default(0n),
  forVotes: t.bigint().notNull().default(0n),
  againstVotes: t.bigint().notNull().default(0n),
  abstainVotes: t.bigint().notNull().default(0n),
  voters: t.integer().notNull().default(0),
  /** `quorum(voteStart)`, wei, read when the first vote is indexed (it cannot be read before voting opens). */
  quorum: t.bigint(),
  councilApprovals: t.integer().notNull().default(0),
  /** Lifecycle from events: created, queued, executed, canceled, struckDown. */
  status: t.text().notNull(),
  /** Timelock ETA, unix seconds (set on queue). */
  eta: t.bigint(),
  challenged: t.boolean().notNull().default(false),
  createdBlock: t.bigint().notNull(),
  createdAt: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** One vote (`VoteCast` / `VoteCastWithParams`). */
export const vote = onchainTable(
  "vote",
  (t) => ({
    /** `<tx hash>-<log index>`. */
    id: t.text().primaryKey(),
    proposalId: t.text().notNull(),
    voter: t.hex().notNull(),
    /** 0 against, 1 for, 2 abstain. */
    support: t.integer().notNull(),
    weight: t.bigint().notNull(),
    reason: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ byProposal: index().on(table.proposalId), byVoter: index().on(table.voter) }),
);

/** One council approval of a critical proposal. */
export const councilApproval = onchainTable("council_approval", (t) => ({
  id: t.text().primaryKey(),
  proposalId: t.text().notNull(),
  council: t.hex().notNull(),
  proposer: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** The proposer's bond of a proposal: locked, then refunded or slashed. */
export const proposalBond = onchainTable("proposal_bond", (t) => ({
  proposalId: t.bigint().primaryKey(),
  proposer: t.hex().notNull(),
  amount: t.bigint().notNull(),
  /** locked, refunded, slashed. */
  status: t.text().notNull(),
  updatedAt: t.bigint().notNull(),
}));

/** A challenge of a proposal: open, then upheld (proposal struck down) or dismissed; the bond refunded. */
export const challenge = onchainTable("challenge", (t) => ({
  /** `<proposal id>-<challenger>`. */
  id: t.text().primaryKey(),
  proposalId: t.text().notNull(),
  challenger: t.hex().notNull(),
  amount: t.bigint().notNull(),
  /** open, upheld, dismissed. */
  status: t.text().notNull(),
  refunded: t.boolean().notNull().default(false),
  openedAt: t.bigint().notNull(),
}));

/** One timelock call (`CallScheduled` … `CallExecuted` / `Cancelled`). */
export const timelockCall = onchainTable("timelock_call", (t) => ({
  /** `<operation id>-<index>`. */
  id: t.text().primaryKey(),
  callId: t.hex().notNull(),
  target: t.hex().notNull(),
  value: t.bigint().notNull(),
  /** Delay, seconds; readyAt = scheduledAt + delay. */
  delay: t.bigint().notNull(),
  scheduledAt: t.bigint().notNull(),
  readyAt: t.bigint().notNull(),
  /** scheduled, executed, cancelled. */
  status: t.text().notNull(),
}));
