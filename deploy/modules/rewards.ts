import type { CallableContractFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import type { AddressArgument } from "./genesis.js";

/**
 * Default reward parameters of a deployment (contracts/rewards/README.md), in wei of AITBC and wei per
 * second. Together the three streams take 0.62 AITBC/s = 19,552,320 AITBC a year, so the 250,000,000
 * AITBC ecosystem share lasts about 12.8 years at the defaults (at least 5.28 years at the pool's
 * on-chain maximum of 1.5 AITBC/s).
 */
export const REWARDS_DEFAULTS = {
  /** GPUStaking's stream from the pool and GPUStaking's own `rewardRate`: 0.5 AITBC/s (15,768,000 a year). */
  stakingRate: 5n * 10n ** 17n,
  /** ParticipationRewards' stream: 0.1 AITBC/s (8,640 AITBC a day). */
  participationRate: 10n ** 17n,
  /** ProposalRewards' stream: 0.02 AITBC/s (1,728 AITBC a day). */
  proposalRate: 2n * 10n ** 16n,
  /** Voters' budget per proposal that reached quorum: 10,000 AITBC. */
  budgetPerProposal: 10_000n * 10n ** 18n,
  /** Reward of the proposer of an executed proposal: 1,000 AITBC (one proposal bond). */
  proposerReward: 1_000n * 10n ** 18n,
} as const;

/**
 * Adds the EcosystemPool to a module: owned by the timelock from construction; account 0 (the
 * deployer) may only call `initialize` once (see {@link addRewards}). Deploy it before the token so
 * the genesis mints the 25% share to it.
 *
 * @param m the module builder; account 0 must be the deploying account
 * @param plan the timelock that owns the pool
 */
export function addEcosystemPool(m: IgnitionModuleBuilder, plan: { timelock: AddressArgument }) {
  return m.contract("EcosystemPool", [plan.timelock, m.getAccount(0)]);
}

/** What {@link addRewards} needs (futures of the same module or addresses of earlier deployments). */
export interface RewardsPlan {
  /** The EcosystemPool, not yet initialized, holding the 25% share. */
  pool: AddressArgument;
  token: AddressArgument;
  governor: AddressArgument;
  /** Owner of both reward contracts (the timelock). */
  timelock: AddressArgument;
  /** GPUStaking: the first stream's recipient. */
  staking: AddressArgument;
  /** Wei per second and wei; defaults {@link REWARDS_DEFAULTS}. */
  stakingRate?: bigint;
  participationRate?: bigint;
  proposalRate?: bigint;
  budgetPerProposal?: bigint;
  proposerReward?: bigint;
}

/**
 * Adds ParticipationRewards and ProposalRewards (both owned by the timelock) and initializes the pool
 * with the token and three streams: GPUStaking, ParticipationRewards, ProposalRewards. Afterwards the
 * deployer holds nothing: only the timelock sets rates, budgets and rewards.
 *
 * @param m the module builder; account 0 must be the account that deployed the pool
 * @param plan addresses and parameters
 * @returns the two reward contracts and the pool handle
 */
export function addRewards(m: IgnitionModuleBuilder, plan: RewardsPlan) {
  const participationRewards = m.contract("ParticipationRewards", [
    plan.token,
    plan.governor,
    plan.timelock,
    plan.budgetPerProposal ?? REWARDS_DEFAULTS.budgetPerProposal,
  ]);
  const proposalRewards = m.contract("ProposalRewards", [
    plan.token,
    plan.governor,
    plan.timelock,
    plan.proposerReward ?? REWARDS_DEFAULTS.proposerReward,
  ]);
  const ecosystemPool: CallableContractFuture<"EcosystemPool"> =
    typeof plan.pool === "string"
      ? m.contractAt("EcosystemPool", plan.pool, { id: "EcosystemPoolAt" })
      : (plan.pool as CallableContractFuture<"EcosystemPool">);
  m.call(
    ecosystemPool,
    "initialize",
    [
      plan.token,
      [plan.staking, participationRewards, proposalRewards],
      [
        plan.stakingRate ?? REWARDS_DEFAULTS.stakingRate,
        plan.participationRate ?? REWARDS_DEFAULTS.participationRate,
        plan.proposalRate ?? REWARDS_DEFAULTS.proposalRate,
      ],
    ],
    { id: "InitializeEcosystemPool" },
  );
  return { participationRewards, proposalRewards, ecosystemPool };
}

/** Names under which the results of {@link addRewards} are recorded in `deployments/<chainId>.json`. */
export const REWARDS_DEPLOYMENT_NAMES: Readonly<Record<string, string>> = {
  participationRewards: "ParticipationRewards",
  proposalRewards: "ProposalRewards",
  ecosystemPool: "EcosystemPool",
};

/**
 * The addresses of deployed rewards by their names in `deployments/<chainId>.json`.
 *
 * @param deployed the result of `ignition.deploy` of {@link buildRewardsModule}
 */
export async function rewardsDeploymentAddresses(
  deployed: Record<string, { getAddress(): Promise<string> }>,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(REWARDS_DEPLOYMENT_NAMES).map(
      async ([key, name]) => [name, await deployed[key]!.getAddress()] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/**
 * A stand-alone Ignition module for {@link addRewards} on a chain where the DAO (with its pool) and
 * the market exist: pass their addresses.
 */
export function buildRewardsModule(plan: RewardsPlan & { pool: string }, moduleId = "AITBCRewards") {
  return buildModule(moduleId, (m) => addRewards(m, plan));
}
