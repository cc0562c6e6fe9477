/**
 * The record of paid skill calls (the seed's `_record_micropayment`), in the seller program's SQLite
 * store (node/shared/store.ts): every paid call once — who paid, which skill, its price and what was
 * paid (wei of AITBC), where it ran (local or network, and why), the payment's receipt (the x402
 * settlement's transaction hash and CAIP-2 network), the inference job's receipt when it ran on the
 * network (job key, id, provider, output hash, fee), its outcome, and when (ms since the Unix epoch).
 *
 * A call is keyed by its payment: `(network, transaction)`. Recording the same payment again is
 * idempotent (the first record stands, nothing is duplicated); the same payment presented for a
 * different payer, skill or amount is refused ({@link LedgerConflictError}) — one settlement pays for
 * one call. The network is part of the key because a transaction hash is unique only per chain.
 *
 * A call is opened (`running`) before the skill runs, so a crash mid-call leaves a trace and a
 * concurrent replay of the same payment finds it; it is then completed once (`succeeded` with the
 * job's receipt, or `failed` with the error). A payment below the price is recorded `refused` (the
 * money came in, the skill did not run: the seller owes a refund).
 */
import type { Address, Hex } from "viem";

import {
  assertPaymentFacts,
  assertSkillPrice,
  type NetworkJobReceipt,
  type PaymentFacts,
  type SkillRouteReason,
} from "@aitbc/sdk";
import type { Store } from "../shared/store.js";

/** Where a call is in its life. */
export type PaidCallStatus = "running" | "succeeded" | "failed" | "refused";

/** A paid call as opened (before it runs). */
export interface NewPaidCall {
  /** The settled payment (payer, amount, transaction, network). */
  payment: PaymentFacts;
  /** The skill's name. */
  skill: string;
  /** The skill's price at the time of the call, wei of AITBC. */
  priceWei: bigint;
  /** Where it runs. */
  route: "local" | "network";
  /** Why (the router's reason). */
  reason: SkillRouteReason;
  /** `running` (default) or `refused` (underpaid: it will not run). */
  status?: "running" | "refused";
  /** Why it was refused. */
  error?: string;
}

/** A recorded paid call. */
export interface PaidCall {
  /** The payer, lowercase. */
  payer: Address;
  /** What was paid, wei of AITBC. */
  paidWei: bigint;
  /** The settlement's transaction hash, lowercase. */
  transaction: Hex;
  /** The settlement's CAIP-2 network. */
  network: string;
  skill: string;
  /** The skill's price, wei of AITBC. */
  priceWei: bigint;
  /** Where it ran (the route that answered: after a local failure fell back, `network`). */
  route: "local" | "network";
  reason: SkillRouteReason;
  status: PaidCallStatus;
  /** The inference job's receipt (network route). */
  job?: NetworkJobReceipt;
  /** Why it failed or was refused. */
  error?: string;
  /** When it was opened, ms since the Unix epoch. */
  createdAt: number;
  /** When it was completed, ms since the Unix epoch. */
  completedAt?: number;
}

/** The outcome of a call, for {@link CallLedger.complete}. */
export type CallOutcome =
  | { status: "succeeded"; route: "local" | "network"; reason: SkillRouteReason; job?: NetworkJobReceipt }
  | { status: "failed"; error: string };

/** Totals over recorded calls (all statuses: every payment that came in). */
export interface CallTotals {
  /** Number of paid calls. */
  calls: number;
  /** Sum of what was paid, wei of AITBC. */
  paidWei: bigint;
  /** Number of calls per status. */
  byStatus: Record<PaidCallStatus, number>;
  /** Calls and wei per route. */
  byRoute: Record<"local" | "network", { calls: number; paidWei: bigint }>;
}

/** A payment's transaction is already recorded for a different call (payer, skill or amount). */
export class LedgerConflictError extends Error {
  override readonly name = "LedgerConflictError";
  constructor(
    /** The call already recorded for this payment. */
    readonly existing: PaidCall,
    /** What differs, e.g. `"skill"`. */
    readonly field: string,
  ) {
    super(
      `payment ${existing.transaction} on ${existing.network} already paid for a call of ${existing.skill} by ${existing.payer} (${field} differs)`,
    );
  }
}

/** A completion that does not fit the call: unknown payment, or a call already completed differently. */
export class LedgerStateError extends Error {
  override readonly name = "LedgerStateError";
}

interface Row {
  network: string;
  tx: string;
  payer: string;
  skill: string;
  price_wei: string;
  paid_wei: string;
  route: string;
  reason: string;
  status: string;
  job: string | null;
  error: string | null;
  created_at: number;
  completed_at: number | null;
}

const bigintJson = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v);
const bigintRevive = (_k: string, v: unknown) =>
  typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v;

function toCall(r: Row): PaidCall {
  return {
    payer: r.payer as Address,
    paidWei: BigInt(r.paid_wei),
    transaction: r.tx as Hex,
    network: r.network,
    skill: r.skill,
    priceWei: BigInt(r.price_wei),
    route: r.route as PaidCall["route"],
    reason: r.reason as SkillRouteReason,
    status: r.status as PaidCallStatus,
    ...(r.job === null ? {} : { job: JSON.parse(r.job, bigintRevive) as NetworkJobReceipt }),
    ...(r.error === null ? {} : { error: r.error }),
    createdAt: r.created_at,
    ...(r.completed_at === null ? {} : { completedAt: r.completed_at }),
  };
}

/**
 * The ledger of paid calls on a store.
 *
 * @example
 * ```ts
 * const ledger = new CallLedger(openStore("seller.sqlite"));
 * const { created } = ledger.open({ payment, skill: "summarize", priceWei, route: "local", reason: "optimal_local" });
 * if (created) ledger.complete(payment, { status: "succeeded", route: "local", reason: "optimal_local" });
 * ledger.totals({ skill: "summarize" }); // { calls: 1, paidWei: ..., ... }
 * ```
 */
export class CallLedger {
  /**
   * @param store The program's store (the migration `agents-ledger-1` is applied once).
   * @param now The clock, ms since the Unix epoch (default `Date.now`).
   */
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    store.migrate("agents-ledger-1", [
      "CREATE TABLE agent_paid_calls (network TEXT NOT NULL, tx TEXT NOT NULL, payer TEXT NOT NULL, skill TEXT NOT NULL, price_wei TEXT NOT NULL, paid_wei TEXT NOT NULL, route TEXT NOT NULL CHECK (route IN ('local', 'network')), reason TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'refused')), job TEXT, error TEXT, created_at INTEGER NOT NULL, completed_at INTEGER, PRIMARY KEY (network, tx))", // prettier-ignore
      "CREATE INDEX agent_paid_calls_skill ON agent_paid_calls (skill)",
      "CREATE INDEX agent_paid_calls_payer ON agent_paid_calls (payer)",
    ]);
  }

  /**
   * Records a paid call before it runs (or as `refused`). Idempotent on the payment: a second open
   * of the same `(network, transaction)` with the same payer, skill and amount returns the first
   * record with `created: false` (the caller must not run the skill again).
   *
   * @returns The record, and whether this call created it.
   * @throws {LedgerConflictError} when the payment is recorded for another payer, skill or amount;
   *   the SDK's validation errors for malformed payment facts or price.
   */
  open(call: NewPaidCall): { created: boolean; record: PaidCall } {
    assertPaymentFacts(call.payment);
    assertSkillPrice(call.skill, call.priceWei);
    return this.store.transaction(() => {
      const existing = this.get(call.payment);
      if (existing !== undefined) {
        const field =
          existing.payer !== call.payment.payer.toLowerCase()
            ? "payer"
            : existing.skill !== call.skill
              ? "skill"
              : existing.paidWei !== call.payment.amountWei
                ? "amount"
                : undefined;
        if (field !== undefined) throw new LedgerConflictError(existing, field);
        return { created: false, record: existing };
      }
      const status = call.status ?? "running";
      const at = this.now();
      this.store.db
        .prepare(
          "INSERT INTO agent_paid_calls (network, tx, payer, skill, price_wei, paid_wei, route, reason, status, error, created_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          call.payment.network,
          call.payment.transaction.toLowerCase(),
          call.payment.payer.toLowerCase(),
          call.skill,
          call.priceWei.toString(),
          call.payment.amountWei.toString(),
          call.route,
          call.reason,
          status,
          call.error ?? null,
          at,
          status === "refused" ? at : null,
        );
      return { created: true, record: this.get(call.payment)! };
    });
  }

  /**
   * Completes a running call once: `succeeded` (with the route that answered and the job's receipt)
   * or `failed` (with the error). Completing it again with the same status is a no-op.
   *
   * @returns The updated record.
   * @throws {LedgerStateError} for an unknown payment, or a call already completed with another status.
   */
  complete(payment: Pick<PaymentFacts, "network" | "transaction">, outcome: CallOutcome): PaidCall {
    return this.store.transaction(() => {
      const existing = this.get(payment);
      if (existing === undefined)
        throw new LedgerStateError(`no call is recorded for payment ${payment.transaction} on ${payment.network}`); // prettier-ignore
      if (existing.status !== "running") {
        if (existing.status === outcome.status) return existing;
        throw new LedgerStateError(
          `the call of payment ${existing.transaction} is already ${existing.status}`,
        );
      }
      const key = [payment.network, payment.transaction.toLowerCase()] as const;
      if (outcome.status === "succeeded") {
        this.store.db
          .prepare("UPDATE agent_paid_calls SET status = 'succeeded', route = ?, reason = ?, job = ?, completed_at = ? WHERE network = ? AND tx = ?") // prettier-ignore
          .run(outcome.route, outcome.reason, outcome.job === undefined ? null : JSON.stringify(outcome.job, bigintJson), this.now(), ...key); // prettier-ignore
      } else {
        this.store.db
          .prepare(
            "UPDATE agent_paid_calls SET status = 'failed', error = ?, completed_at = ? WHERE network = ? AND tx = ?",
          ) // prettier-ignore
          .run(outcome.error, this.now(), ...key);
      }
      return this.get(payment)!;
    });
  }

  /** The call a payment paid for, if recorded. */
  get(payment: Pick<PaymentFacts, "network" | "transaction">): PaidCall | undefined {
    const row = this.store.db
      .prepare("SELECT * FROM agent_paid_calls WHERE network = ? AND tx = ?")
      .get(payment.network, payment.transaction.toLowerCase()) as Row | undefined;
    return row === undefined ? undefined : toCall(row);
  }

  /** The calls of a skill, oldest first. */
  bySkill(skill: string): PaidCall[] {
    return this.select("WHERE skill = ?", [skill]);
  }

  /** The calls a payer paid for, oldest first (any case of the address). */
  byPayer(payer: Address): PaidCall[] {
    return this.select("WHERE payer = ?", [payer.toLowerCase()]);
  }

  /** Every call, oldest first. */
  all(): PaidCall[] {
    return this.select("", []);
  }

  /**
   * Totals over the calls matching `filter` (all calls when empty): count, wei paid (summed exactly
   * as bigints), per status and per route.
   */
  totals(filter: { skill?: string; payer?: Address } = {}): CallTotals {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.skill !== undefined) {
      where.push("skill = ?");
      args.push(filter.skill);
    }
    if (filter.payer !== undefined) {
      where.push("payer = ?");
      args.push(filter.payer.toLowerCase());
    }
    const calls = this.select(where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`, args);
    const totals: CallTotals = {
      calls: 0,
      paidWei: 0n,
      byStatus: { running: 0, succeeded: 0, failed: 0, refused: 0 },
      byRoute: { local: { calls: 0, paidWei: 0n }, network: { calls: 0, paidWei: 0n } },
    };
    for (const c of calls) {
      totals.calls++;
      totals.paidWei += c.paidWei;
      totals.byStatus[c.status]++;
      totals.byRoute[c.route].calls++;
      totals.byRoute[c.route].paidWei += c.paidWei;
    }
    return totals;
  }

  private select(where: string, args: readonly string[]): PaidCall[] {
    const rows = this.store.db
      .prepare(`SELECT * FROM agent_paid_calls ${where} ORDER BY created_at, rowid`)
      .all(...args) as unknown as Row[];
    return rows.map(toCall);
  }
}
