/**
 * Shapes of the governance digital twin (`npm run simulate`): the parameters a run uses, the population,
 * the world a scenario acts in, and the JSON result the HTML report draws. Amounts of AITBC are wei as
 * decimal strings in the JSON (JSON has no bigint); times are seconds of chain time since the run's start
 * unless named otherwise.
 *
 * Shared by the engine (`engine.ts`), the scenarios (`scenarios/*.ts`), the report (`report/*.ts`) and
 * the what-if and fork runs.
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { Address } from "viem";

import type { AgentWalletRoleName, AitbcContracts } from "@aitbc/sdk";

import type { ViemClients } from "../main/clients.js";

/** Version of the result format; bumped on an incompatible change. */
export const SIMULATION_RESULT_VERSION = 1;

/**
 * Deployment and behaviour parameters of a run. The defaults are the design's (shared/DESIGN.md,
 * contracts/governance/README.md); a what-if run changes some of them (`--set name=value`).
 */
export interface SimulationParameters {
  /** Quorum, percent of total supply (design: 10; on-chain bounds [1, 50]). */
  quorumPercent: number;
  /** Proposal threshold, wei (design: 100 AITBC). */
  proposalThreshold: bigint;
  /** Per-address cap on counted voting power, basis points of supply (design: 500 = 5%). */
  votingPowerCapBps: number;
  /** Short averaging window of counted power, seconds (design: 86,400 = 24 h). */
  shortAverageWindow: number;
  /** Long averaging window of counted power, seconds (design: 604,800 = 7 days). */
  longAverageWindow: number;
  /** Voting period of a non-emergency proposal, seconds (design: 7 days). */
  votingPeriod: number;
  /** Voting period of an emergency proposal, seconds (design: 3 days). */
  emergencyVotingPeriod: number;
  /** Timelock delay, seconds (design: 2 days). */
  timelockDelay: number;
  /** Council signatures needed (design: 3 of 5). */
  councilThreshold: number;
  /** Simulated weeks of proposals. */
  weeks: number;
  /** Share of the population that are humans (the rest are agents of the four roles), 0..1. */
  humanShare: number;
}

/** Who a participant is: a human, or an agent of one of the seed's four roles. */
export type ParticipantKind = "Human" | AgentWalletRoleName;

/** One simulated token holder. */
export interface Participant {
  /** Index in the population (0-based; deterministic for a seed). */
  index: number;
  /** The address that holds and votes (an EOA, or an AgentWallet for agents that use one). */
  address: Address;
  /** The EOA that signs for it (equal to `address` for a plain EOA; the agent key for a wallet). */
  signer: Address;
  kind: ParticipantKind;
  /** AITBC held at genesis of the run, wei. */
  balance: bigint;
  /** Address it delegated to (itself when self-delegated). */
  delegate: Address;
  /** Probability of voting on a given proposal, 0..1 (drawn per kind). */
  turnout: number;
  /** True if this participant votes adversarially (the 30% Byzantine scenario). */
  adversarial: boolean;
}

/** The final state names of OpenZeppelin's `ProposalState` the twin reports. */
export type ProposalStateName =
  "Pending" | "Active" | "Canceled" | "Defeated" | "Succeeded" | "Queued" | "Expired" | "Executed";

/** One proposal of a run, as it ended. */
export interface ProposalRecord {
  /** `proposalId`, decimal. */
  proposalId: string;
  type: "Protocol" | "Resource" | "Community" | "Emergency";
  description: string;
  proposer: Address;
  /** True if the proposal is part of an attack. */
  attack: boolean;
  /** When it was created (its `proposalSnapshot`), seconds since the run's start. */
  createdAt: number;
  /** When it ended (executed, defeated, expired, canceled), seconds since the run's start. */
  endedAt: number;
  /** `endedAt − createdAt`, seconds: the decision latency. */
  decisionLatency: number;
  state: ProposalStateName;
  forVotes: string;
  againstVotes: string;
  abstainVotes: string;
  /** `quorum(proposalSnapshot)`, wei. */
  quorum: string;
  /** Votes cast. */
  voters: number;
  /** Participants eligible to vote (holding counted power at the snapshot). */
  eligible: number;
  /** `voters / eligible`, 0..1. */
  participation: number;
  /** Council approval: true, false (not approved), or null when the type needs none. */
  councilApproved: boolean | null;
  /** True if someone challenged it in the challenge period. */
  challenged: boolean;
  /** Mean gas used by its `castVote` transactions. */
  gasPerVote: number;
}

/** A holder's raw and counted power at one timepoint. */
export interface HolderPower {
  address: Address;
  kind: ParticipantKind | "Treasury" | "Attacker" | "Other";
  /** `getVotes` (raw delegated votes), wei. */
  raw: string;
  /** Counted voting power (min of snapshot, averages, cap), wei. */
  counted: string;
}

/** Distribution of voting power, raw against counted. */
export interface PowerDistribution {
  /** When it was read, seconds since the run's start. */
  timepoint: number;
  /** The largest holders by raw power (at most 100). */
  top: HolderPower[];
  /** Gini coefficient over all participants, 0..1. */
  giniRaw: number;
  giniCounted: number;
  /** Fewest holders whose power together exceeds 50% of all participants' power. */
  nakamotoRaw: number;
  nakamotoCounted: number;
}

/** Participation after one proposal closed. */
export interface ParticipationPoint {
  /** When the proposal's vote closed, seconds since the run's start. */
  time: number;
  proposalId: string;
  /** Share of eligible participants who voted, 0..1. */
  participation: number;
  /** Share of total supply's counted power that voted, 0..1. */
  powerTurnout: number;
}

/** What an attack scenario expected and what it measured. */
export interface AttackOutcome {
  /** Scenario name, e.g. "flash-loan". */
  name: string;
  /** One sentence: what the attacker tries. */
  description: string;
  /** One sentence: what the protocol is expected to do. */
  expected: string;
  /** True if the attack achieved its goal (e.g. a proposal passed, funds moved). */
  succeeded: boolean;
  /** True if the outcome is what `expected` says. */
  asExpected: boolean;
  /** How much the attack achieved, in words with numbers (e.g. "0 of 50,000,000 AITBC counted"). */
  magnitude: string;
  /** Numbers behind `magnitude` (e.g. `{ "borrowed": "5e25", "counted": "0" }`). */
  details: Record<string, string | number | boolean>;
}

/** One of the seed's success metrics (seed 000: participation > 30%, proposal success > 60%, 0 flash-loan manipulations). */
export interface SuccessMetric {
  name: "participation" | "proposalSuccess" | "flashLoanManipulations";
  /** As the seed writes it, e.g. "> 30%". */
  target: string;
  /**
   * Measured value (a share 0..1, or a count); `null` when the run had nothing to measure it on:
   * participation and proposal success in a scenario without population proposals (the attack scenarios).
   */
  measured: number | null;
  /** Whether the target was met; `null` when not measured. */
  met: boolean | null;
}

/** Cost figures of a run (measured, machine-dependent: never asserted in tests). */
export interface PerformanceFigures {
  /** Wall time of the whole run, ms. */
  wallTimeMs: number;
  /** Of which deployment and population set-up, ms. */
  setupMs: number;
  votes: number;
  votesPerSecond: number;
  transactions: number;
  gasPerVote: { mean: number; min: number; max: number };
  /** Peak resident set size seen, bytes. */
  peakRssBytes: number;
}

/** The JSON a run writes (`--out`), and the input of the HTML report. */
export interface SimulationResult {
  version: typeof SIMULATION_RESULT_VERSION;
  kind: "simulation";
  scenario: string;
  description: string;
  seed: number;
  agents: number;
  /** Parameters in force, bigint fields as decimal strings. */
  parameters: Record<keyof SimulationParameters, string | number>;
  population: { kind: ParticipantKind; count: number; raw: string; counted: string }[];
  proposals: ProposalRecord[];
  timeline: ParticipationPoint[];
  power: PowerDistribution;
  attacks: AttackOutcome[];
  metrics: SuccessMetric[];
  performance: PerformanceFigures;
  chain: { chainId: number; blocks: number; startTimestamp: number; endTimestamp: number };
}

/** The same scenario under several parameter sets, side by side (`--compare`). */
export interface WhatIfResult {
  version: typeof SIMULATION_RESULT_VERSION;
  kind: "what-if";
  scenario: string;
  seed: number;
  agents: number;
  runs: { label: string; changes: Record<string, string>; result: SimulationResult }[];
}

/** A deterministic pseudo-random source (seeded; same seed, same run). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** A child source for a named purpose, independent of how much the parent was used. */
  fork(label: string): Rng;
}

/** The world a scenario acts in: the embedded chain with the DAO deployed and the population set up. */
export interface SimulationWorld {
  /** The Hardhat connection (ethers, networkHelpers, ignition, provider). */
  readonly connection: NetworkConnection;
  readonly clients: ViemClients;
  readonly contracts: AitbcContracts;
  readonly parameters: SimulationParameters;
  readonly rng: Rng;
  readonly population: readonly Participant[];
  /** Chain time at the run's start, unix seconds. */
  readonly startTimestamp: number;
  /** Accounts of the deployment: the deployer, the five council owners, an account holding spare AITBC. */
  readonly roles: { deployer: Address; councilOwners: readonly Address[]; funder: Address };
  /** A fresh account the node signs for, with ether for gas; the same label gives the same account. */
  account(label: string): Promise<Address>;
  /** Sends `amount` wei of AITBC from `roles.funder` to `to`. */
  fund(to: Address, amount: bigint): Promise<void>;
  /** Records a proposal for the result (attack scenarios record theirs with `attack: true`). */
  record(proposal: ProposalRecord): void;
}

/** A named scenario. */
export interface Scenario {
  /** `--scenario` name, kebab-case. */
  name: string;
  /** One sentence for `--help` and the report. */
  description: string;
  /** Runs in `world`; returns the attack outcomes it measured (empty for a non-attack scenario). */
  run(world: SimulationWorld): Promise<AttackOutcome[]>;
}
