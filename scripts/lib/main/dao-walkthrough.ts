/**
 * The steps of the DAO walkthrough (`npm run demo:dao`, `scripts/demo.ts`): the OpenClaw DAO deployed
 * with its Ignition module, the genesis distribution, the flash-loan defence of counted voting power
 * (read with the SDK's `getVotingPower`), and one treasury grant through its whole life with the SDK's
 * governance actions.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Address } from "viem";

import {
  castVote,
  delegate,
  getTokenBalance,
  getTotalSupply,
  getVotingPower,
  transferToken,
  type AitbcContracts,
  type VoteSupportValue,
} from "@aitbc/sdk";
import { buildOpenClawModule, openClawAddresses, TIMELOCK_ROLES } from "../../../deploy/modules/openclaw.js";
import { formatTokens, renderTable } from "../../../node/shared/format.js";
import { writeDeployment } from "../deployments.js";
import { AITBC, DAY } from "../devnet.js";
import { toContracts, type ViemClients } from "./clients.js";
import { runTreasuryGrant } from "./governance.js";

/** The walkthrough's accounts (Hardhat development accounts; index 0 deploys). */
export interface DaoAccounts {
  deployer: HardhatEthersSigner;
  councilOwners: HardhatEthersSigner[];
  ecosystem: HardhatEthersSigner;
  development: HardhatEthersSigner;
  liquidity: HardhatEthersSigner;
  contributorA: HardhatEthersSigner;
  contributorB: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  holder: HardhatEthersSigner;
  buyer: HardhatEthersSigner;
  proposer: HardhatEthersSigner;
  grantee: HardhatEthersSigner;
}

/** Assigns the development accounts to the walkthrough's roles. */
export async function daoAccounts(ethers: HardhatEthers): Promise<DaoAccounts> {
  const s = await ethers.getSigners();
  const at = (i: number) => s[i]!;
  return {
    deployer: at(0),
    councilOwners: [at(1), at(2), at(3), at(4), at(5)],
    ecosystem: at(6),
    development: at(7),
    liquidity: at(8),
    contributorA: at(9),
    contributorB: at(10),
    alice: at(11),
    bob: at(12),
    holder: at(13),
    buyer: at(14),
    proposer: at(15),
    grantee: at(16),
  };
}

/**
 * Deploys the OpenClaw DAO with its Ignition module (two contributors vesting over 2 years from now),
 * writes `deployments/<chainId>.json` and prints the addresses.
 *
 * @returns the addresses by deployment name
 */
export async function deployDao(
  ignition: { deploy(module: unknown): Promise<unknown> },
  a: DaoAccounts,
  chainId: bigint,
  start: bigint,
): Promise<Record<string, string>> {
  const vesting = (beneficiary: string, amount: bigint) => ({ beneficiary, amount: amount * AITBC, start, durationSeconds: 730n * BigInt(DAY) }); // prettier-ignore
  const module = buildOpenClawModule({
    councilOwners: a.councilOwners.map((owner) => owner.address),
    // No ecosystemRewards: the 25% share goes to the EcosystemPool (owned by the timelock).
    developmentFund: a.development.address,
    liquidity: a.liquidity.address,
    contributors: [
      vesting(a.contributorA.address, 60_000_000n),
      vesting(a.contributorB.address, 40_000_000n),
    ],
  });
  process.stdout.write("Deploying the OpenClaw DAO with Hardhat Ignition (token, timelock, governor, Safe council) ... "); // prettier-ignore
  const deployed = (await ignition.deploy(module)) as Record<string, { getAddress(): Promise<string> }>;
  const addresses = await openClawAddresses(deployed);
  console.log("done");
  const record = await writeDeployment(chainId, addresses);
  console.log(`Addresses written to deployments/${chainId}.json:`);
  for (const [name, address] of Object.entries(record.contracts))
    console.log(`  ${name.padEnd(28)} ${address}`);
  return addresses;
}

/** Prints the council's owners and threshold, and whether the deployer kept the timelock's admin role. */
export async function printCouncil(
  ethers: HardhatEthers,
  addresses: Record<string, string>,
  deployer: string,
) {
  const timelock = await ethers.getContractAt("OpenClawTimelock", addresses.OpenClawTimelock!);
  const council = await ethers.getContractAt("Safe", addresses.SecurityCouncil!);
  const [owners, threshold] = await Promise.all([council.getOwners(), council.getThreshold()]);
  const deployerIsAdmin = await timelock.hasRole(TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer);
  console.log(
    `Security council: Safe 1.5 proxy with ${owners.length} owners, threshold ${threshold}. ` +
      `Deployer keeps the timelock admin role: ${deployerIsAdmin ? "YES (wrong)" : "no"}.`,
  );
}

/** Prints the genesis distribution (read with `getTotalSupply` and `getTokenBalance`) and checks its sum. */
export async function printGenesis(clients: ViemClients, addresses: Record<string, string>, a: DaoAccounts) {
  const contracts = toContracts(addresses);
  const supply = await getTotalSupply(clients.publicClient, { contracts });
  const shares = [
    ["community treasury (timelock)", addresses.OpenClawTimelock!],
    ["agent ecosystem rewards (EcosystemPool)", addresses.EcosystemPool!],
    ["development fund", a.development.address],
    ["early contributor A (vesting 2 y)", addresses.EarlyContributorVesting0!],
    ["early contributor B (vesting 2 y)", addresses.EarlyContributorVesting1!],
    ["liquidity", a.liquidity.address],
  ] as const;
  const balances = await Promise.all(shares.map(async ([, account]) => (await getTokenBalance(clients.publicClient, { contracts, account: account as Address })).balance)); // prettier-ignore
  console.log(`\nGenesis distribution (fixed supply ${formatTokens(supply)} AITBC, no mint function):`);
  const percent = (b: bigint) => `${(Number((b * 10_000n) / supply) / 100).toFixed(2)}%`;
  console.log(renderTable(["share", "address", "AITBC", "% of supply"], shares.map(([name, address], i) => [name, address, formatTokens(balances[i]!), percent(balances[i]!)]), [2, 3])); // prettier-ignore
  const total = balances.reduce((sum, balance) => sum + balance, 0n);
  console.log(`Sum of allocations = ${formatTokens(total)} AITBC (${total === supply ? "exactly the supply" : "MISMATCH"})`); // prettier-ignore
}

/** Sends `amount` AITBC from the development fund to each voter, who delegates to itself (SDK actions). */
async function fundVoters(
  clients: ViemClients,
  contracts: AitbcContracts,
  from: string,
  voters: readonly (readonly [HardhatEthersSigner, bigint])[],
) {
  // prettier-ignore
  for (const [voter, amount] of voters) {
    await transferToken(clients.walletFor(from), { contracts, to: voter.address as Address, amount });
    await delegate(clients.walletFor(voter.address), { contracts, delegatee: voter.address as Address });
  }
}

/** Prints counted power / delegated votes of each actor at each snapshot (`getVotingPower`). */
async function printPowerTable(
  clients: ViemClients,
  contracts: AitbcContracts,
  actors: readonly (readonly [string, string])[],
  snapshots: readonly (readonly [string, number])[],
) {
  // prettier-ignore
  const rows: string[][] = [];
  for (const [label, timepoint] of snapshots) {
    const cells = [label];
    for (const [, account] of actors) {
      const p = await getVotingPower(clients.publicClient, { contracts, account: account as Address, timepoint: BigInt(timepoint) }); // prettier-ignore
      cells.push(`${formatTokens(p.power, 0)} / ${formatTokens(p.votes, 0)}`);
    }
    rows.push(cells);
  }
  console.log("\nCounted power / delegated votes (AITBC) at snapshots:");
  console.log(renderTable(["snapshot", ...actors.map(([name]) => name)], rows));
}

/** Chain time (Hardhat's network helpers), Unix seconds. */
type Time = { latest(): Promise<number>; increase(seconds: number): Promise<unknown>; increaseTo(to: number): Promise<unknown> }; // prettier-ignore

/**
 * The flash-loan defence: holders and a new buyer delegate, a flash borrower borrows 50,000,000 AITBC
 * for one transaction; counted power at snapshots shows the cap, the 7-day vesting and the borrower's 0.
 *
 * @returns day 0 of the walkthrough's voters (Unix seconds)
 */
export async function flashLoanDefence(
  ethers: HardhatEthers,
  time: Time,
  clients: ViemClients,
  addresses: Record<string, string>,
  a: DaoAccounts,
): Promise<number> {
  // prettier-ignore
  const contracts = toContracts(addresses);
  console.log("\nFlash-loan defence: counted power = min(votes, 24 h average, 7-day average, 5% cap)");
  const token = await ethers.getContractAt("AITBCToken", addresses.AITBCToken!);
  const lender = await ethers.deployContract("ERC3156FlashLenderMock");
  const borrower = await ethers.deployContract("FlashVoteBorrowerMock");
  await transferToken(clients.walletFor(a.liquidity.address), { contracts, to: (await lender.getAddress()) as Address, amount: 50_000_000n * AITBC }); // prettier-ignore
  console.log("  An ERC-3156 lender (a stand-in for a liquidity pool) holds the 50,000,000 AITBC liquidity share."); // prettier-ignore
  const day0 = await time.latest();
  await fundVoters(clients, contracts, a.development.address, [[a.alice, 60_000_000n * AITBC], [a.bob, 60_000_000n * AITBC], [a.holder, 10_000_000n * AITBC], [a.proposer, 1_000_000n * AITBC]]); // prettier-ignore
  console.log("  day  0: alice and bob receive 60,000,000 AITBC each (6%), the holder 10,000,000, a proposer 1,000,000;"); // prettier-ignore
  console.log("          each delegates to itself.");
  await time.increaseTo(day0 + 10 * DAY);
  await fundVoters(clients, contracts, a.development.address, [[a.buyer, 10_000_000n * AITBC]]);
  console.log("  day 10: a new buyer acquires 10,000,000 AITBC and delegates to itself.");
  await time.increaseTo(day0 + 13 * DAY);
  await (await borrower.attack(await lender.getAddress(), await token.getAddress(), 50_000_000n * AITBC)).wait(); // prettier-ignore
  const flashAt = await time.latest();
  console.log(`  day 13: the flash borrower borrows 50,000,000 AITBC, delegates, sees ${formatTokens(await borrower.votesDuringLoan())} votes inside the transaction, and repays.`); // prettier-ignore
  await time.increaseTo(day0 + 20 * DAY);
  const snapshots = [["day 9", day0 + 9 * DAY], ["day 11", day0 + 11 * DAY], ["day 13, flash block", flashAt], ["day 14", day0 + 14 * DAY], ["day 17", day0 + 17 * DAY], ["day 19", day0 + 19 * DAY]] as const; // prettier-ignore
  const actors = [["alice (6%)", a.alice.address], ["holder", a.holder.address], ["new buyer", a.buyer.address], ["flash borrower", await borrower.getAddress()]] as const; // prettier-ignore
  await printPowerTable(clients, contracts, actors, snapshots);
  const b = await getVotingPower(clients.publicClient, { contracts, account: a.buyer.address as Address, timepoint: BigInt(day0 + 14 * DAY) }); // prettier-ignore
  console.log(`The new buyer at day 14 (held 4 days): votes ${formatTokens(b.votes, 0)}, 24 h average ${formatTokens(b.average24h, 0)}, 7-day average ${formatTokens(b.vested, 0)} (4/7 vested) → counts ${formatTokens(b.power, 0)}.`); // prettier-ignore
  console.log("Alice holds 6% but counts 5% (the cap). The flash borrower's 50,000,000 votes count 0 at every snapshot."); // prettier-ignore
  return day0;
}

/** One treasury grant of 250,000 AITBC through its whole life; prints the grantee's and the treasury's balances. */
export async function demoGrant(
  time: Time,
  clients: ViemClients,
  addresses: Record<string, string>,
  a: DaoAccounts,
  day0: number,
) {
  // prettier-ignore
  const { publicClient, walletFor } = clients;
  const contracts = toContracts(addresses);
  const voter = (label: string, account: { address: string }, support: VoteSupportValue) => ({
    label,
    support,
    cast: (proposalId: bigint, s: VoteSupportValue) => castVote(walletFor(account.address), { contracts, proposalId, support: s }), // prettier-ignore
  });
  console.log("\nGovernance: a treasury grant of 250,000 AITBC, from proposal to execution");
  await runTreasuryGrant({
    publicClient,
    contracts,
    time,
    proposer: walletFor(a.proposer.address),
    earlyVoter: walletFor(a.alice.address),
    councilOwners: a.councilOwners.map((owner) => walletFor(owner.address)),
    voters: [voter("alice", a.alice, 1), voter("bob", a.bob, 1), voter("holder", a.holder, 0), voter("new buyer", a.buyer, 2)], // prettier-ignore
    grantee: a.grantee.address as Address,
    day0,
  });
  const balance = async (account: string) => (await getTokenBalance(publicClient, { contracts, account: account as Address })).balance; // prettier-ignore
  console.log(`The grantee now holds ${formatTokens(await balance(a.grantee.address))} AITBC; the treasury ${formatTokens(await balance(addresses.OpenClawTimelock!))} AITBC.`); // prettier-ignore
}
