/**
 * The main job's chain set-up: who is who among Hardhat's development accounts, the deployment of
 * the whole protocol with the Ignition modules (OpenClaw DAO, market, agent wallets), the record in
 * `deployments/<chainId>.json`, and the funding of the consumer agent wallet, providers and voters.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Address } from "viem";

import { buildAgentWalletModule } from "../../../deploy/modules/wallet.js";
import { buildMarketModule } from "../../../deploy/modules/market.js";
import { buildOpenClawModule, openClawAddresses } from "../../../deploy/modules/openclaw.js";
import {
  REWARDS_DEFAULTS,
  buildRewardsModule,
  rewardsDeploymentAddresses,
} from "../../../deploy/modules/rewards.js";
import type { AitbcContracts } from "@aitbc/sdk";
import { DEPLOYMENTS_DIR, deploymentPath, writeDeployment } from "../deployments.js";
import { AITBC, DAY, DEV_FUNDING, setUpConsumerWallet } from "../devnet.js";
import { toContracts } from "./clients.js";

/** The market's addresses as the dev set-up takes them. */
interface MarketAddresses {
  token: Address;
  staking: Address;
  escrow: Address;
  reputation: Address;
  batchEscrow?: Address;
}

/** The roles of the main job, taken from Hardhat's development accounts in this order. */
export interface MainAccounts {
  councilOwners: HardhatEthersSigner[];
  /** Unused since the 25% ecosystem share goes to the EcosystemPool (kept so account indexes stay). */
  ecosystem: HardhatEthersSigner;
  /** The development fund (20%): funds the dev accounts. */
  development: HardhatEthersSigner;
  liquidity: HardhatEthersSigner;
  contributorA: HardhatEthersSigner;
  contributorB: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  proposer: HardhatEthersSigner;
  grantee: HardhatEthersSigner;
  walletOwner: HardhatEthersSigner;
  /** The consumer agent wallet's agent key: the gateway signs with it. */
  gatewayKey: HardhatEthersSigner;
  provider1: HardhatEthersSigner;
  provider2: HardhatEthersSigner;
  /** The coordinator, also the reputation oracle. */
  coordinatorKey: HardhatEthersSigner;
}

/** Assigns the development accounts to the main job's roles (index 0, the deployer, stays unused). */
export async function mainAccounts(ethers: HardhatEthers): Promise<MainAccounts> {
  const s = await ethers.getSigners();
  const at = (i: number) => s[i]!;
  return {
    councilOwners: [at(1), at(2), at(3), at(4), at(5)],
    ecosystem: at(6),
    development: at(7),
    liquidity: at(8),
    contributorA: at(9),
    contributorB: at(10),
    alice: at(11),
    bob: at(12),
    proposer: at(13),
    grantee: at(14),
    walletOwner: at(15),
    gatewayKey: at(16),
    provider1: at(17),
    provider2: at(18),
    coordinatorKey: at(19),
  };
}

/** What {@link deployProtocol} deployed. */
export interface Deployed {
  /** Chain time at deployment, Unix seconds (day 0 of the governance table). */
  day0: number;
  /** The OpenClaw DAO's addresses by deployment name (`AITBCToken`, `OpenClawGovernor`, ...). */
  daoAddresses: Record<string, string>;
  /** The market's addresses as the dev set-up takes them. */
  addresses: MarketAddresses;
  /** The whole deployment under the SDK's names, as the node programs take it. */
  contracts: AitbcContracts;
  /** The BatchEscrow, when the market module deployed one. */
  batchEscrowAddress: Address | undefined;
  /** The AgentWalletFactory. */
  factory: string;
  /** The deployment record written. */
  deploymentFile: string;
}

type Ignition = { deploy(module: unknown): Promise<unknown> };
type Handles = Record<string, { getAddress(): Promise<string> } | undefined>;

/** The OpenClaw DAO through its Ignition module: two contributors vesting over 2 years from day 0. */
async function deployDao(ignition: Ignition, a: MainAccounts, day0: number): Promise<Record<string, string>> {
  const vesting = (beneficiary: string, amount: bigint) => ({
    beneficiary,
    amount: amount * AITBC,
    start: BigInt(day0),
    durationSeconds: 730n * BigInt(DAY),
  });
  const dao = (await ignition.deploy(
    buildOpenClawModule({
      councilOwners: a.councilOwners.map((o) => o.address),
      // No ecosystemRewards: the 25% share is minted to the EcosystemPool (owned by the timelock).
      developmentFund: a.development.address,
      liquidity: a.liquidity.address,
      contributors: [
        vesting(a.contributorA.address, 60_000_000n),
        vesting(a.contributorB.address, 40_000_000n),
      ],
    }),
  )) as Record<string, { getAddress(): Promise<string> }>;
  return openClawAddresses(dao);
}

/** The market's optional parts present in this deployment, by deployment name. */
async function optionalMarketParts(market: Handles): Promise<Record<string, string>> {
  const names: [string, string][] = [["policy", "MarketPolicy"], ["batchEscrow", "BatchEscrow"], ["batchReceiptVerifier", "BatchReceiptVerifier"], ["inferenceVerifier", "InferenceVerifier"], ["checker", "TopicClassifierChecker"], ["serviceRegistry", "ServiceRegistry"]]; // prettier-ignore
  const extra: Record<string, string> = {};
  for (const [key, name] of names) if (market[key]) extra[name] = await market[key].getAddress();
  return extra;
}

/**
 * Deploys the whole protocol with the Ignition modules and writes `deployments/<chainId>.json`
 * (in `deploymentsDir` when given).
 *
 * @param connection the Hardhat connection (`ignition`, `networkHelpers`)
 */
export async function deployProtocol(
  connection: { ignition: Ignition; networkHelpers: { time: { latest(): Promise<number> } } },
  accounts: MainAccounts,
  chainId: bigint,
  deploymentsDir: string = DEPLOYMENTS_DIR,
): Promise<Deployed> {
  const day0 = await connection.networkHelpers.time.latest();
  const daoAddresses = await deployDao(connection.ignition, accounts, day0);
  const market = (await connection.ignition.deploy(
    buildMarketModule({
      token: daoAddresses.AITBCToken!,
      timelock: daoAddresses.OpenClawTimelock!,
      council: daoAddresses.SecurityCouncil!,
      oracle: accounts.coordinatorKey.address,
      stakingRewardRate: REWARDS_DEFAULTS.stakingRate,
    }),
  )) as Handles;
  const rewards = (await connection.ignition.deploy(
    buildRewardsModule({
      pool: daoAddresses.EcosystemPool!,
      token: daoAddresses.AITBCToken!,
      governor: daoAddresses.OpenClawGovernor!,
      timelock: daoAddresses.OpenClawTimelock!,
      staking: await market.staking!.getAddress(),
    }),
  )) as Record<string, { getAddress(): Promise<string> }>;
  const wallets = (await connection.ignition.deploy(buildAgentWalletModule())) as Handles;
  const extra = await optionalMarketParts(market);
  const batchEscrowAddress = extra.BatchEscrow as Address | undefined;
  const addresses: MarketAddresses = {
    token: daoAddresses.AITBCToken! as Address,
    staking: (await market.staking!.getAddress()) as Address,
    escrow: (await market.escrow!.getAddress()) as Address,
    reputation: (await market.reputation!.getAddress()) as Address,
    ...(batchEscrowAddress ? { batchEscrow: batchEscrowAddress } : {}),
  };
  const factory = await wallets.factory!.getAddress();
  const record = {
    ...daoAddresses,
    ReceiptVerifier: await market.receiptVerifier!.getAddress(),
    ReputationRegistry: addresses.reputation,
    GPUStaking: addresses.staking,
    JobEscrow: addresses.escrow,
    EntryPoint: await wallets.entryPoint!.getAddress(),
    AgentWalletFactory: factory,
    ...extra,
    ...(await rewardsDeploymentAddresses(rewards)),
  };
  await writeDeployment(chainId, record, deploymentsDir);
  const deploymentFile = deploymentPath(chainId, deploymentsDir);
  return { day0, daoAddresses, addresses, contracts: toContracts(record), batchEscrowAddress, factory, deploymentFile }; // prettier-ignore
}

/**
 * Funds the consumer agent wallet (30,000,000 AITBC; agent key = the gateway), the two providers,
 * the coordinator (dispute bonds) and the voters, who delegate to themselves, all from the
 * development fund (200,000,000 AITBC; 131,210,000 sent).
 *
 * @returns the consumer agent wallet's address
 */
export async function fundAccounts(
  ethers: HardhatEthers,
  deployed: Deployed,
  a: MainAccounts,
): Promise<Address> {
  const { addresses, batchEscrowAddress } = deployed;
  const { wallet } = await setUpConsumerWallet({
    ethers,
    addresses: {
      token: addresses.token,
      escrow: addresses.escrow,
      factory: deployed.factory,
      ...(batchEscrowAddress ? { batchEscrow: batchEscrowAddress } : {}),
    },
    funder: a.development, // the ecosystem share is the EcosystemPool's, not a faucet
    walletOwner: a.walletOwner,
    agentKey: a.gatewayKey.address,
    walletFunding: DEV_FUNDING.consumerWallet, // pays jobs, and votes as an agent
    transfers: [
      [a.provider1.address, DEV_FUNDING.provider],
      [a.provider2.address, DEV_FUNDING.provider],
      [a.coordinatorKey.address, DEV_FUNDING.coordinator], // dispute bonds
      [a.alice.address, 50_000_000n * AITBC],
      [a.bob.address, 50_000_000n * AITBC],
      [a.proposer.address, 1_000_000n * AITBC],
    ],
    selfDelegates: [a.alice, a.bob, a.proposer],
  });
  return wallet;
}
