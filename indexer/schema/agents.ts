/** Agent tables: AgentWalletFactory and the AgentWallets it creates. Amounts in wei, times in unix seconds. */
import { index, onchainTable, primaryKey } from "ponder";

/** One agent wallet (created by the factory). */
export const agentWallet = onchainTable("agent_wallet", (t) => ({
  address: t.hex().primaryKey(),
  owner: t.hex().notNull(),
  agentKey: t.hex().notNull(),
  /** AgentRole number (0 none, 1 …) as the wallet reports it. */
  role: t.integer().notNull(),
  frozen: t.boolean().notNull().default(false),
  /** Wei spent in total through the spending limits (`Spent`). */
  totalSpent: t.bigint().notNull().default(0n),
  createdAt: t.bigint().notNull(),
}));

/** A wallet's spending limit on one token, with the amount spent in the current period. */
export const spendingLimit = onchainTable(
  "spending_limit",
  (t) => ({
    wallet: t.hex().notNull(),
    token: t.hex().notNull(),
    /** Limit per period, wei. */
    amount: t.bigint().notNull(),
    /** Period, seconds. */
    period: t.bigint().notNull(),
    /** `spentInPeriod` of the last `Spent`, wei. */
    spentInPeriod: t.bigint().notNull().default(0n),
    lastSpentAt: t.bigint(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.wallet, table.token] }) }),
);

/** One spend of a wallet (`Spent`, `PaidInto`). */
export const spend = onchainTable(
  "spend",
  (t) => ({
    id: t.text().primaryKey(),
    wallet: t.hex().notNull(),
    token: t.hex().notNull(),
    /** The key that spent (agent or session key); the escrow for `paidInto`. */
    key: t.hex().notNull(),
    /** spent, paidInto. */
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ byWallet: index().on(table.wallet) }),
);
