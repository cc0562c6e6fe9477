/**
 * The voter's SQLite state: the proposals it has seen (from the governor's events) and every vote its
 * agents cast, with the explanation — so a restart on the same store neither forgets a proposal nor
 * votes twice (the governor would refuse a second vote; the store also says why the first was cast).
 */
import type { Address, Hex } from "viem";

import type { OpenProposal } from "@aitbc/sdk";
import type { Store } from "../shared/store.js";

/** One vote an agent cast (or found already cast on-chain after a restart). */
export interface StoredVote {
  proposalId: bigint;
  /** The AgentWallet that voted. */
  wallet: Address;
  /** The wallet's role, whose strategy decided. */
  role: string;
  /** 0 Against, 1 For, 2 Abstain. */
  support: number;
  /** The strategy's score in [0, 1] (undefined for a vote found on-chain without a score in its reason). */
  score?: number;
  /** The strategy's explanation, one line per rule. */
  reasons: string[];
  /** The vote's transaction (undefined when the vote was found on-chain, not sent by this run). */
  hash?: Hex;
  /** Counted weight, wei of AITBC. */
  weight: bigint;
}

/** Stored proposals and votes of the voter program. */
export class VoterState {
  constructor(private readonly store: Store) {
    store.migrate("voter-1", [
      "CREATE TABLE voter_proposals (proposal_id TEXT PRIMARY KEY, proposal TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0)", // prettier-ignore
      "CREATE TABLE voter_votes (proposal_id TEXT NOT NULL, wallet TEXT NOT NULL, role TEXT NOT NULL, support INTEGER NOT NULL, score REAL, reasons TEXT NOT NULL, hash TEXT, weight TEXT NOT NULL, PRIMARY KEY (proposal_id, wallet))", // prettier-ignore
    ]);
  }

  /** Records a proposal once (a re-delivered event changes nothing). */
  addProposal(proposal: Omit<OpenProposal, "state">): void {
    this.store.db
      .prepare("INSERT OR IGNORE INTO voter_proposals (proposal_id, proposal) VALUES (?, ?)")
      .run(proposal.proposalId.toString(), JSON.stringify(proposal, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))); // prettier-ignore
  }

  /** The proposals not yet closed (voting not over), oldest first. */
  openProposals(): Omit<OpenProposal, "state">[] {
    const rows = this.store.db
      .prepare("SELECT proposal FROM voter_proposals WHERE closed = 0 ORDER BY rowid")
      .all() as { proposal: string }[];
    return rows.map(
      (r) =>
        JSON.parse(r.proposal, (_k, v: unknown) =>
          typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
        ) as Omit<OpenProposal, "state">,
    );
  }

  /** Marks a proposal whose voting is over: it is not looked at again. */
  close(proposalId: bigint): void {
    this.store.db
      .prepare("UPDATE voter_proposals SET closed = 1 WHERE proposal_id = ?")
      .run(proposalId.toString());
  }

  /** Whether `wallet`'s vote on `proposalId` is recorded. */
  hasVote(proposalId: bigint, wallet: Address): boolean {
    return (
      this.store.db
        .prepare("SELECT 1 FROM voter_votes WHERE proposal_id = ? AND wallet = ?")
        .get(proposalId.toString(), wallet.toLowerCase()) !== undefined
    );
  }

  /** Records a vote (once per proposal and wallet). */
  recordVote(vote: StoredVote): void {
    this.store.db
      .prepare(
        "INSERT OR IGNORE INTO voter_votes (proposal_id, wallet, role, support, score, reasons, hash, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        vote.proposalId.toString(),
        vote.wallet.toLowerCase(),
        vote.role,
        vote.support,
        vote.score ?? null,
        JSON.stringify(vote.reasons),
        vote.hash ?? null,
        vote.weight.toString(),
      );
  }

  /** Every recorded vote, oldest first. */
  votes(): StoredVote[] {
    const rows = this.store.db.prepare("SELECT * FROM voter_votes ORDER BY rowid").all() as {
      proposal_id: string;
      wallet: string;
      role: string;
      support: number;
      score: number | null;
      reasons: string;
      hash: string | null;
      weight: string;
    }[];
    return rows.map((r) => ({
      proposalId: BigInt(r.proposal_id),
      wallet: r.wallet as Address,
      role: r.role,
      support: r.support,
      ...(r.score === null ? {} : { score: r.score }),
      reasons: JSON.parse(r.reasons) as string[],
      ...(r.hash === null ? {} : { hash: r.hash as Hex }),
      weight: BigInt(r.weight),
    }));
  }
}
