/**
 * Autonomous voting strategies of the four agent roles (Provider, Consumer, Builder, Coordinator):
 * each scores a proposal in [0, 1] from documented features and votes For above a threshold
 * (default 0.7, as in the seed's `AgentVotingStrategy`), Against otherwise, explaining the score.
 *
 * Scoring (every rule adds or subtracts from a neutral 0.5; the result is clamped to [0, 1]):
 *
 * | feature | Provider | Consumer | Builder | Coordinator |
 * |---|---|---|---|---|
 * | `rewardRate` increase / decrease | +0.30 / −0.30 | +0.05 / −0.05 | 0 | +0.05 / −0.05 |
 * | `protocolFeeBps` increase / decrease | −0.20 / +0.15 | −0.25 / +0.25 | +0.05 / −0.05 | 0 |
 * | `minStake` increase / decrease | −0.10 / +0.10 | +0.10 / −0.10 | 0 | +0.05 / −0.05 |
 * | `disputeBond` increase / decrease | +0.10 / −0.10 | −0.15 / +0.15 | 0 | 0 |
 * | `unbondingPeriod` increase / decrease | −0.15 / +0.10 | +0.05 / 0 | 0 | 0 |
 * | `challengeWindow` increase / decrease | −0.05 / +0.05 | +0.10 / −0.10 | 0 | −0.05 / +0.05 |
 * | type Resource / Community / Protocol | +0.10 / 0 / 0 | +0.05 / 0 / 0 | 0 / +0.15 / 0 | +0.10 / 0 / +0.05 |
 * | treasury ≤ 1M AITBC / > 10M AITBC | 0 / −0.15 | 0 / −0.15 | +0.20 / −0.20 | 0 / −0.25 |
 * | role keywords in description (each) | +0.05 (max +0.15) | same | same | same |
 * | "slash" / "penalty" in description | −0.10 | +0.05 | 0 | 0 |
 * | Emergency: "security"/"exploit"/"vulnerability" in description, else | +0.20, else −0.10 (all roles) |
 *
 * Role keywords — Provider: gpu, provider, hardware, reward, staking; Consumer: price, latency,
 * quality, sla, refund; Builder: sdk, tooling, grant, developer, open source, audit, documentation;
 * Coordinator: matching, routing, coordinator, scheduling, uptime, marketplace.
 */
import type { AgentWalletRoleName } from "./types.js";
import { InvalidParameterError } from "../errors/validation.js";
import type { Account, Address } from "viem";

import {
  castVote,
  castWalletVote,
  VoteSupport,
  type CastVoteReturnType,
  type VoteSupportValue,
} from "../actions/governance.js";
import type { AitbcContracts } from "../deployments.js";
import type { AitbcWriteClient } from "../utils/client.js";

/** Protocol parameters a proposal may change (the escrow's and staking's governed parameters). */
export type GovernedParameter =
  "rewardRate" | "protocolFeeBps" | "minStake" | "disputeBond" | "unbondingPeriod" | "challengeWindow";

/** What a strategy needs to know about a proposal (decoded by the caller from its actions). */
export interface ProposalSummary {
  /** The proposal type. */
  proposalType: "Protocol" | "Resource" | "Community" | "Emergency";
  /** Its description. */
  description: string;
  /** AITBC requested from the treasury, wei (0 or absent if none). */
  treasuryAmount?: bigint;
  /** Parameter changes it makes. */
  parameterChanges?: readonly { parameter: GovernedParameter; direction: "increase" | "decrease" }[];
}

/** Result of {@link evaluateProposal}. */
export interface ProposalEvaluation {
  /** The evaluating role. */
  role: AgentWalletRoleName;
  /** Score in [0, 1]. */
  score: number;
  /** `VoteSupport.For` (1) if score > threshold, else `VoteSupport.Against` (0). */
  vote: VoteSupportValue;
  /** The threshold used. */
  threshold: number;
  /** One line per rule that applied, e.g. "+0.30 rewardRate increase: more provider income". */
  reasons: string[];
}

const PARAM_WEIGHTS: Record<GovernedParameter, Record<AgentWalletRoleName, [number, number]>> = {
  rewardRate: { Provider: [0.3, -0.3], Consumer: [0.05, -0.05], Builder: [0, 0], Coordinator: [0.05, -0.05] },
  protocolFeeBps: {
    Provider: [-0.2, 0.15],
    Consumer: [-0.25, 0.25],
    Builder: [0.05, -0.05],
    Coordinator: [0, 0],
  },
  minStake: { Provider: [-0.1, 0.1], Consumer: [0.1, -0.1], Builder: [0, 0], Coordinator: [0.05, -0.05] },
  disputeBond: { Provider: [0.1, -0.1], Consumer: [-0.15, 0.15], Builder: [0, 0], Coordinator: [0, 0] },
  unbondingPeriod: { Provider: [-0.15, 0.1], Consumer: [0.05, 0], Builder: [0, 0], Coordinator: [0, 0] },
  challengeWindow: {
    Provider: [-0.05, 0.05],
    Consumer: [0.1, -0.1],
    Builder: [0, 0],
    Coordinator: [-0.05, 0.05],
  },
};

const TYPE_WEIGHTS: Record<AgentWalletRoleName, Partial<Record<ProposalSummary["proposalType"], number>>> = {
  Provider: { Resource: 0.1 },
  Consumer: { Resource: 0.05 },
  Builder: { Community: 0.15 },
  Coordinator: { Resource: 0.1, Protocol: 0.05 },
};

const KEYWORDS: Record<AgentWalletRoleName, readonly string[]> = {
  Provider: ["gpu", "provider", "hardware", "reward", "staking"],
  Consumer: ["price", "latency", "quality", "sla", "refund"],
  Builder: ["sdk", "tooling", "grant", "developer", "open source", "audit", "documentation"],
  Coordinator: ["matching", "routing", "coordinator", "scheduling", "uptime", "marketplace"],
};

const TREASURY_SMALL = 1_000_000n * 10n ** 18n;
const TREASURY_LARGE = 10_000_000n * 10n ** 18n;
const TREASURY_WEIGHTS: Record<AgentWalletRoleName, [number, number]> = {
  Provider: [0, -0.15],
  Consumer: [0, -0.15],
  Builder: [0.2, -0.2],
  Coordinator: [0, -0.25],
};

const ROLES: readonly AgentWalletRoleName[] = ["Provider", "Consumer", "Builder", "Coordinator"];

function signed(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;
}

/**
 * Scores a proposal for an agent role and decides the vote (see the module's scoring table).
 *
 * @param role "Provider", "Consumer", "Builder" or "Coordinator".
 * @param proposal See {@link ProposalSummary}.
 * @param options.threshold Vote For strictly above this score (default 0.7).
 * @returns `{ role, score, vote, threshold, reasons }`.
 * @throws {InvalidParameterError} for an unknown role or a threshold outside [0, 1].
 * @example
 * ```ts
 * const { vote, score, reasons } = evaluateProposal("Provider", {
 *   proposalType: "Protocol", description: "Raise GPU provider rewards",
 *   parameterChanges: [{ parameter: "rewardRate", direction: "increase" }],
 * }); // vote = VoteSupport.For, score = 0.9
 * ```
 */
export function evaluateProposal(
  role: AgentWalletRoleName,
  proposal: ProposalSummary,
  options: { threshold?: number } = {},
): ProposalEvaluation {
  if (!ROLES.includes(role))
    throw new InvalidParameterError({ what: "role", reason: `expected one of ${ROLES.join(", ")}` });
  const threshold = options.threshold ?? 0.7;
  if (!(threshold >= 0 && threshold <= 1))
    throw new InvalidParameterError({ what: "threshold", reason: "expected 0..1" });
  const reasons: string[] = [];
  let score = 0.5;
  const add = (delta: number, why: string) => {
    if (delta === 0) return;
    score += delta;
    reasons.push(`${signed(delta)} ${why}`);
  };

  for (const change of proposal.parameterChanges ?? []) {
    const weights = PARAM_WEIGHTS[change.parameter];
    if (weights === undefined) continue;
    add(weights[role][change.direction === "increase" ? 0 : 1], `${change.parameter} ${change.direction}`);
  }
  add(TYPE_WEIGHTS[role][proposal.proposalType] ?? 0, `${proposal.proposalType} proposal`);

  const amount = proposal.treasuryAmount ?? 0n;
  if (amount > 0n && amount <= TREASURY_SMALL)
    add(TREASURY_WEIGHTS[role][0], "small treasury request (≤ 1M AITBC)");
  if (amount > TREASURY_LARGE) add(TREASURY_WEIGHTS[role][1], "large treasury request (> 10M AITBC)");

  const text = proposal.description.toLowerCase();
  const hits = KEYWORDS[role].filter((k) => text.includes(k));
  if (hits.length > 0)
    add(Math.min(0.15, 0.05 * hits.length), `${role.toLowerCase()} keywords: ${hits.join(", ")}`);
  if (/slash|penalt/.test(text))
    add(role === "Provider" ? -0.1 : role === "Consumer" ? 0.05 : 0, "slashing/penalties");
  if (proposal.proposalType === "Emergency") {
    if (/security|exploit|vulnerab/.test(text)) add(0.2, "emergency with a stated security reason");
    else add(-0.1, "emergency without a stated security reason");
  }

  score = Math.min(1, Math.max(0, Math.round(score * 1000) / 1000));
  const vote = score > threshold ? VoteSupport.For : VoteSupport.Against;
  reasons.push(
    `score ${score.toFixed(3)} ${score > threshold ? ">" : "≤"} threshold ${threshold}: vote ${score > threshold ? "For" : "Against"}`,
  );
  return { role, score, vote, threshold, reasons };
}

/**
 * Evaluates a proposal for a role and casts the resulting vote (For above the threshold, Against
 * otherwise), with the explanation as the on-chain reason (the `VoteCast` event's `reason`).
 *
 * Without `wallet`, the client's own account votes (`castVote`). With `wallet`, the client is the
 * AgentWallet's agent key (or owner) and the **wallet's** counted power votes, through the wallet's
 * `execute(governor, 0, castVoteWithReason(…))` (`castWalletVote` with a reason).
 *
 * @param client The voting account's wallet client: the voter, or the wallet's agent key.
 * @param parameters `{ contracts, proposalId, role, proposal, threshold?, wallet?, account? }`.
 * @returns `{ evaluation, hash, receipt, weight }` (weight in wei of counted power).
 * @throws errors of {@link evaluateProposal}, `castVote` and `castWalletVote` (e.g. `GovernorAlreadyCastVote`).
 * @example
 * ```ts
 * const { evaluation } = await autonomousVote(agentKeyClient, { contracts, proposalId, role: "Provider", proposal, wallet });
 * ```
 */
export async function autonomousVote(
  client: AitbcWriteClient,
  parameters: {
    contracts: AitbcContracts;
    proposalId: bigint;
    role: AgentWalletRoleName;
    proposal: ProposalSummary;
    threshold?: number;
    /** The AgentWallet whose votes are cast (the client is its agent key or owner). */
    wallet?: Address;
    account?: Account | Address;
  },
): Promise<CastVoteReturnType & { evaluation: ProposalEvaluation }> {
  const evaluation = evaluateProposal(
    parameters.role,
    parameters.proposal,
    parameters.threshold === undefined ? {} : { threshold: parameters.threshold },
  );
  const vote = {
    contracts: parameters.contracts,
    proposalId: parameters.proposalId,
    support: evaluation.vote,
    reason: `${parameters.role} agent: ${evaluation.reasons.join("; ")}`,
    ...(parameters.account === undefined ? {} : { account: parameters.account }),
  };
  const result =
    parameters.wallet === undefined
      ? await castVote(client, vote)
      : await castWalletVote(client, { ...vote, wallet: parameters.wallet });
  return { ...result, evaluation };
}
