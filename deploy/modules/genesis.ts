import type {
  AccountRuntimeValue,
  AddressResolvableFuture,
  ContractFuture,
  IgnitionModuleBuilder,
  ModuleParameterRuntimeValue,
} from "@nomicfoundation/ignition-core";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** An address in an Ignition module: a literal, a Hardhat account, a parameter or a deployed contract. */
export type AddressArgument =
  string | AccountRuntimeValue | AddressResolvableFuture | ModuleParameterRuntimeValue<string>;

/** One early contributor's vesting schedule (an OpenZeppelin `VestingWallet`). */
export interface ContributorVesting {
  /** Who can release the vested tokens. */
  beneficiary: AddressArgument;
  /** Wei of AITBC; all contributors together must receive exactly 100,000,000 AITBC (10%). */
  amount: bigint;
  /** Unix time in seconds when vesting starts. */
  start: bigint;
  /** Seconds over which the amount vests linearly. */
  durationSeconds: bigint;
}

/** Genesis plan: who receives the fixed supply (shared/DESIGN.md, "genesis split"). */
export interface GenesisPlan {
  /** 40%; the DAO's TimelockController in a full deployment. */
  communityTreasury: AddressArgument;
  /** 25%; the agent-ecosystem rewards pool: the EcosystemPool (deploy/modules/rewards.ts) in a full deployment. */
  ecosystemRewards: AddressArgument;
  /** 20%. */
  developmentFund: AddressArgument;
  /** 5%. */
  liquidity: AddressArgument;
  /** 10% together, each through its own VestingWallet. */
  contributors: readonly ContributorVesting[];
}

/** Futures created by {@link addGenesis}. */
export interface GenesisFutures {
  token: ContractFuture<"AITBCToken">;
  vestingWallets: ContractFuture<"VestingWallet">[];
}

/**
 * Adds the AITBC token and the early contributors' vesting wallets to an Ignition module, so that
 * larger modules (the DAO, the market) can mint the treasury share straight to their timelock.
 *
 * @param m the module builder
 * @param plan recipients and vesting schedules; amounts in wei, times in seconds
 * @returns the token future and one VestingWallet future per contributor, in plan order
 * @example
 * const { token } = addGenesis(m, { communityTreasury: timelock, ecosystemRewards: m.getAccount(0), ... });
 */
export function addGenesis(m: IgnitionModuleBuilder, plan: GenesisPlan): GenesisFutures {
  const vestingWallets = plan.contributors.map((contributor, index) =>
    m.contract("VestingWallet", [contributor.beneficiary, contributor.start, contributor.durationSeconds], {
      id: `EarlyContributorVesting${index}`,
    }),
  );
  const token = m.contract("AITBCToken", [
    plan.communityTreasury,
    plan.ecosystemRewards,
    plan.developmentFund,
    plan.liquidity,
    vestingWallets,
    plan.contributors.map((contributor) => contributor.amount),
  ]);
  return { token, vestingWallets };
}

/**
 * Flattens {@link GenesisFutures} into an Ignition module result (a record of contract futures):
 * `AITBCToken`, `EarlyContributorVesting0`, `EarlyContributorVesting1`, ... — the same names the
 * deployments file uses.
 */
export function genesisResults(futures: GenesisFutures): Record<string, ContractFuture<string>> {
  const results: Record<string, ContractFuture<string>> = { AITBCToken: futures.token };
  futures.vestingWallets.forEach((wallet, index) => (results[`EarlyContributorVesting${index}`] = wallet));
  return results;
}

/**
 * Builds a stand-alone Ignition module that deploys only the token and its vesting wallets.
 *
 * @param plan the genesis plan
 * @param id the Ignition module id (default `AITBCGenesis`)
 * @returns a module whose results are named as in {@link genesisResults}
 */
export function buildGenesisModule(plan: GenesisPlan, id = "AITBCGenesis") {
  return buildModule(id, (m) => genesisResults(addGenesis(m, plan)));
}
