/**
 * How each participant votes. Agents decide with the SDK's role strategy (`evaluateProposal`, threshold
 * 0.7: For above, Against otherwise); humans by a per-type rule; an adversarial participant (the
 * Byzantine scenario) casts the opposite of what it would otherwise cast (For ↔ Against; Abstain stays).
 *
 * Human rule (probabilities of For; of the rest a quarter abstain, three quarters vote Against):
 * Community 0.80, Resource 0.65, Protocol 0.60, Emergency 0.75; a treasury request over 10,000,000 AITBC
 * (or any attack proposal) 0.10. Every draw comes from a source forked by (proposal key, participant
 * index), so adding or removing adversaries never changes anyone else's draws.
 */
import { evaluateProposal, VoteSupport, type ProposalSummary, type VoteSupportValue } from "@aitbc/sdk";

import { chance } from "./rng.js";
import type { Participant, Rng } from "./types.js";

/** Probability that a human votes For, by proposal type. */
export const HUMAN_FOR: Readonly<Record<ProposalSummary["proposalType"], number>> = {
  Community: 0.8,
  Resource: 0.65,
  Protocol: 0.6,
  Emergency: 0.75,
};
/** Probability of For for a large treasury request (> 10,000,000 AITBC) or an attack proposal. */
export const HUMAN_FOR_LARGE_OR_ATTACK = 0.1;
const LARGE = 10_000_000n * 10n ** 18n;

/** A participant's decision on one proposal. */
export interface Decision {
  /** Whether it votes at all (turnout × the scenario's factor). */
  votes: boolean;
  support: VoteSupportValue;
  /** Seconds into the voting window at which it votes, 0..1 of the window (skewed early). */
  at: number;
  /** What the rule or strategy said before any adversarial flip. */
  honest: VoteSupportValue;
}

/**
 * Decides a participant's vote on a proposal.
 *
 * @param rng the run's source (forked per proposal and participant here)
 * @param turnoutFactor scales the participant's turnout (1 normally; e.g. 0.1 in a quiet week)
 */
export function decide(
  rng: Rng,
  p: Participant,
  key: string,
  summary: ProposalSummary,
  attack: boolean,
  turnoutFactor = 1,
): Decision {
  const r = rng.fork(`vote:${key}:${p.index}`);
  const votes = chance(r, Math.min(1, p.turnout * turnoutFactor));
  const at = r.next() ** 1.5;
  let honest: VoteSupportValue;
  if (p.kind === "Human") {
    const large = attack || (summary.treasuryAmount ?? 0n) > LARGE;
    const pFor = large ? HUMAN_FOR_LARGE_OR_ATTACK : HUMAN_FOR[summary.proposalType];
    const u = r.next();
    honest =
      u < pFor ? VoteSupport.For : u < pFor + (1 - pFor) / 4 ? VoteSupport.Abstain : VoteSupport.Against;
  } else {
    honest = evaluateProposal(p.kind, summary).vote;
  }
  const support = !p.adversarial
    ? honest
    : honest === VoteSupport.For
      ? VoteSupport.Against
      : honest === VoteSupport.Against
        ? VoteSupport.For
        : honest;
  return { votes, support, at, honest };
}
