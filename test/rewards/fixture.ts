/**
 * Test fixture for the rewards: the real OpenClaw DAO with its EcosystemPool (the 25% share minted to
 * the pool), the market with GPUStaking's default reward rate, and the rewards module (ParticipationRewards,
 * ProposalRewards, the pool's three streams), all through the Ignition modules. Voters are funded from
 * the development fund and the liquidity account (never from the ecosystem share), then wait 8 days so
 * their counted power has vested.
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { Address } from "viem";

import { buildMarketModule } from "../../deploy/modules/market.js";
import { buildOpenClawModule, openClawAddresses } from "../../deploy/modules/openclaw.js";
import {
  REWARDS_DEFAULTS,
  buildRewardsModule,
  rewardsDeploymentAddresses,
} from "../../deploy/modules/rewards.js";
import type { AitbcContracts } from "../../sdk/src/index.js";
import { AITBC, CAP, DAY, viemClientsOf, type OpenClaw } from "../helpers/openclaw.js";

export async function deployRewards(connection: NetworkConnection) {
  const { ethers, ignition, networkHelpers } = connection;
  const signers = await ethers.getSigners();
  const [deployer, o1, o2, o3, o4, o5, , development, liquidity, contributor] = signers;
  const [alice, bob, carol, whale, proposer, challenger, outsider, agentOwner, dave, carolB] =
    signers.slice(10);
  const owners = [o1!, o2!, o3!, o4!, o5!];

  const dao = (await ignition.deploy(
    buildOpenClawModule(
      {
        councilOwners: owners.map((owner) => owner.address),
        developmentFund: development!.address,
        liquidity: liquidity!.address,
        contributors: [
          { beneficiary: contributor!.address, amount: 100_000_000n * AITBC, start: 1n, durationSeconds: 1n },
        ],
      },
      "OpenClawDAOWithPool",
    ),
  )) as unknown as Record<string, { getAddress(): Promise<string> }>;
  const daoAddresses = await openClawAddresses(dao);
  const market = (await ignition.deploy(
    buildMarketModule({
      token: daoAddresses.AITBCToken!,
      timelock: daoAddresses.OpenClawTimelock!,
      council: daoAddresses.SecurityCouncil!,
      stakingRewardRate: REWARDS_DEFAULTS.stakingRate,
    }),
  )) as unknown as Record<string, { getAddress(): Promise<string> }>;
  const stakingAddress = await market.staking!.getAddress();
  const rewards = (await ignition.deploy(
    buildRewardsModule({
      pool: daoAddresses.EcosystemPool!,
      token: daoAddresses.AITBCToken!,
      governor: daoAddresses.OpenClawGovernor!,
      timelock: daoAddresses.OpenClawTimelock!,
      staking: stakingAddress,
    }),
  )) as unknown as Record<string, { getAddress(): Promise<string> }>;
  const rewardAddresses = await rewardsDeploymentAddresses(rewards);

  const token = await ethers.getContractAt("AITBCToken", daoAddresses.AITBCToken!);
  const governor = await ethers.getContractAt("OpenClawGovernor", daoAddresses.OpenClawGovernor!);
  const timelock = await ethers.getContractAt("OpenClawTimelock", daoAddresses.OpenClawTimelock!);
  const escrow = await ethers.getContractAt("ProposalBondEscrow", daoAddresses.ProposalBondEscrow!);
  const council = await ethers.getContractAt("Safe", daoAddresses.SecurityCouncil!);
  const vesting = await ethers.getContractAt("VestingWallet", daoAddresses.EarlyContributorVesting0!);
  const pool = await ethers.getContractAt("EcosystemPool", daoAddresses.EcosystemPool!);
  const staking = await ethers.getContractAt("GPUStaking", stakingAddress);
  const participation = await ethers.getContractAt(
    "ParticipationRewards",
    rewardAddresses.ParticipationRewards!,
  );
  const proposalRewards = await ethers.getContractAt("ProposalRewards", rewardAddresses.ProposalRewards!);
  const agentRegistry = await ethers.getContractAt(
    "AgentIdentityRegistry",
    await market.agentIdentityRegistry!.getAddress(),
  );
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const contracts = {
    AITBCToken: daoAddresses.AITBCToken as Address,
    OpenClawGovernor: daoAddresses.OpenClawGovernor as Address,
    ProposalBondEscrow: daoAddresses.ProposalBondEscrow as Address,
    OpenClawTimelock: daoAddresses.OpenClawTimelock as Address,
    SecurityCouncil: daoAddresses.SecurityCouncil as Address,
    GPUStaking: stakingAddress as Address,
    AgentIdentityRegistry: (await market.agentIdentityRegistry!.getAddress()) as Address,
    EcosystemPool: daoAddresses.EcosystemPool as Address,
    ParticipationRewards: rewardAddresses.ParticipationRewards as Address,
    ProposalRewards: rewardAddresses.ProposalRewards as Address,
    MilestoneGrants: daoAddresses.MilestoneGrants as Address,
  } satisfies AitbcContracts;
  const genesisBlock = await ethers.provider.getBlock("latest");

  // Voters from the development fund (200M): alice and bob at the 5% cap, dave 25M, and carol's 25M
  // split over two addresses (carol, carolB). Proposer, challenger from the liquidity account.
  await token.connect(development).transfer(alice!.address, CAP);
  await token.connect(development).transfer(bob!.address, CAP);
  await token.connect(development).transfer(dave!.address, 25_000_000n * AITBC);
  await token.connect(development).transfer(carol!.address, 12_500_000n * AITBC);
  await token.connect(development).transfer(carolB!.address, 12_500_000n * AITBC);
  await token.connect(liquidity).transfer(proposer!.address, 1_000_000n * AITBC);
  await token.connect(liquidity).transfer(challenger!.address, 10_000n * AITBC);
  for (const voter of [alice, bob, dave, carol, carolB, proposer, challenger]) {
    await token.connect(voter).delegate(voter!.address);
  }
  // An agent's smart-contract wallet (ERC-1271) holds 10M and votes by signature.
  const agentWallet = await ethers.deployContract("ERC1271WalletMock", [agentOwner!.address]);
  const agentWalletAddress = await agentWallet.getAddress();
  await token.connect(liquidity).transfer(agentWalletAddress, 10_000_000n * AITBC);
  await agentWallet
    .connect(agentOwner)
    .execute(await token.getAddress(), token.interface.encodeFunctionData("delegate", [agentWalletAddress]));
  await networkHelpers.time.increase(8 * DAY);

  const base = {
    ...connection,
    token,
    governor,
    timelock,
    escrow,
    council,
    grants: await ethers.getContractAt("MilestoneGrants", daoAddresses.MilestoneGrants!),
    /** Every address the DAO module recorded, by deployments-file name. */
    addresses: daoAddresses as Record<string, Address>,
    vesting,
    chainId,
    contracts,
    viem: viemClientsOf(connection),
    deployer: deployer!,
    owners,
    ecosystem: development!,
    development: development!,
    liquidity: liquidity!,
    contributor: contributor!,
    alice: alice!,
    bob: bob!,
    carol: carol!,
    whale: whale!,
    proposer: proposer!,
    challenger: challenger!,
    outsider: outsider!,
    agentOwner: agentOwner!,
  } satisfies OpenClaw;
  return {
    ...base,
    dave: dave!,
    carolB: carolB!,
    pool,
    staking,
    participation,
    proposalRewards,
    agentRegistry,
    agentWallet,
    agentWalletAddress,
    genesisTime: BigInt(genesisBlock!.timestamp),
  };
}

export type RewardsDeployment = Awaited<ReturnType<typeof deployRewards>>;
