/** Grant tables: MilestoneGrants. Amounts in wei, times in unix seconds. */
import { onchainTable } from "ponder";

/** One grant (`GrantCreated`), with its released and returned totals. */
export const grant = onchainTable("grant", (t) => ({
  /** Grant id; a bigint, not text: Ponder 0.16's row prefetch recovers a key from the event's argument with the argument's type (see indexer/README.md). */
  id: t.bigint().primaryKey(),
  grantee: t.hex().notNull(),
  /** Sum of its milestones, wei. */
  total: t.bigint().notNull(),
  milestoneCount: t.integer().notNull(),
  /** Wei paid to the grantee (`MilestoneReleased`). */
  released: t.bigint().notNull().default(0n),
  /** Wei sent back to the treasury (`MilestoneCancelled`). */
  returned: t.bigint().notNull().default(0n),
  closed: t.boolean().notNull().default(false),
  createdAt: t.bigint().notNull(),
}));

/** One milestone of a grant: scheduled, submitted, approved, released or cancelled. */
export const milestone = onchainTable("milestone", (t) => ({
  /** `<grant id>-<index>`. */
  id: t.text().primaryKey(),
  grantId: t.text().notNull(),
  index: t.integer().notNull(),
  amount: t.bigint().notNull(),
  dueDate: t.bigint().notNull(),
  deliverableHash: t.hex().notNull(),
  status: t.text().notNull(),
  approver: t.hex(),
  updatedAt: t.bigint().notNull(),
}));

/** The approver history (`ApproverSet`). */
export const grantApprover = onchainTable("grant_approver", (t) => ({
  id: t.text().primaryKey(),
  previousApprover: t.hex().notNull(),
  newApprover: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** The governor's resource-call list (`ResourceCallSet`): `<target>-<selector>`. */
export const resourceCall = onchainTable("resource_call", (t) => ({
  id: t.text().primaryKey(),
  target: t.hex().notNull(),
  selector: t.hex().notNull(),
  registered: t.boolean().notNull(),
  updatedAt: t.bigint().notNull(),
}));
