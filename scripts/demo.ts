/**
 * The DAO walkthrough (`npm run demo:dao`; the full main job is `npm run demo`, scripts/main.ts).
 * On the embedded Hardhat chain: deploy the OpenClaw DAO with its Ignition module (AITBC token,
 * vesting wallets, TimelockController holding the 40% treasury, governor, bond escrow, and a real
 * Safe 1.5 3-of-5 security council), record the addresses in `deployments/<chainId>.json`, print
 * the genesis distribution, show the flash-loan defence of counted voting power, and run one
 * treasury proposal through its whole life with the SDK's governance actions (viem).
 */
import { network } from "hardhat";

import { buildOpenClawModule, openClawAddresses, TIMELOCK_ROLES } from "../deploy/modules/openclaw.js";
import { writeDeployment } from "./lib/deployments.js";
import { formatTokens, renderTable } from "../node/shared/format.js";
import { castVote, type AitbcContracts, type VoteSupportValue } from "@aitbc/sdk";
import type { Address } from "viem";

import { viemClients } from "./lib/main/clients.js";
import { runTreasuryGrant } from "./lib/main/governance.js";

const AITBC = 10n ** 18n;
const HOUR = 3_600;
const DAY = 24 * HOUR;
const connection = await network.create();
const { ethers, ignition, networkHelpers } = connection;
const { time } = networkHelpers;
const signers = await ethers.getSigners();
const [deployer, o1, o2, o3, o4, o5, ecosystem, development, liquidity, contributorA, contributorB] = signers;
const [alice, bob, holder, buyer, proposer, grantee] = signers.slice(11);
const councilOwners = [o1!, o2!, o3!, o4!, o5!];
const { chainId } = await ethers.provider.getNetwork();
console.log(
  `Embedded chain: Hardhat ${connection.networkName} network (in-process EVM), chain id ${chainId}`,
);

// ---------------------------------------------------------------- deploy with Ignition
const start = BigInt(await time.latest());
const module = buildOpenClawModule({
  councilOwners: councilOwners.map((owner) => owner.address),
  ecosystemRewards: ecosystem!.address,
  developmentFund: development!.address,
  liquidity: liquidity!.address,
  contributors: [
    {
      beneficiary: contributorA!.address,
      amount: 60_000_000n * AITBC,
      start,
      durationSeconds: 730n * BigInt(DAY),
    },
    {
      beneficiary: contributorB!.address,
      amount: 40_000_000n * AITBC,
      start,
      durationSeconds: 730n * BigInt(DAY),
    },
  ],
});
process.stdout.write(
  "Deploying the OpenClaw DAO with Hardhat Ignition (token, timelock, governor, Safe council) ... ",
);
const deployed = (await ignition.deploy(module)) as unknown as Record<
  string,
  { getAddress(): Promise<string> }
>;
const addresses = await openClawAddresses(deployed);
console.log("done");
const record = await writeDeployment(chainId, addresses);
console.log(`Addresses written to deployments/${chainId}.json:`);
for (const [name, address] of Object.entries(record.contracts))
  console.log(`  ${name.padEnd(28)} ${address}`);

const token = await ethers.getContractAt("AITBCToken", addresses.AITBCToken!);
const timelock = await ethers.getContractAt("OpenClawTimelock", addresses.OpenClawTimelock!);
const council = await ethers.getContractAt("Safe", addresses.SecurityCouncil!);
const [owners, threshold] = await Promise.all([council.getOwners(), council.getThreshold()]);
const deployerIsAdmin = await timelock.hasRole(TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer!.address);
console.log(
  `Security council: Safe 1.5 proxy with ${owners.length} owners, threshold ${threshold}. ` +
    `Deployer keeps the timelock admin role: ${deployerIsAdmin ? "YES (wrong)" : "no"}.`,
);

// ---------------------------------------------------------------- genesis distribution
const supply = await token.totalSupply();
const shares = [
  ["community treasury (timelock)", addresses.OpenClawTimelock!],
  ["agent ecosystem rewards", ecosystem!.address],
  ["development fund", development!.address],
  ["early contributor A (vesting 2 y)", addresses.EarlyContributorVesting0!],
  ["early contributor B (vesting 2 y)", addresses.EarlyContributorVesting1!],
  ["liquidity", liquidity!.address],
] as const;
const balances = await Promise.all(shares.map(([, address]) => token.balanceOf(address)));
console.log(`\nGenesis distribution (fixed supply ${formatTokens(supply)} AITBC, no mint function):`);
console.log(
  renderTable(
    ["share", "address", "AITBC", "% of supply"],
    shares.map(([name, address], index) => [
      name,
      address,
      formatTokens(balances[index]!),
      `${(Number((balances[index]! * 10_000n) / supply) / 100).toFixed(2)}%`,
    ]),
    [2, 3],
  ),
);
const total = balances.reduce((sum, balance) => sum + balance, 0n);
console.log(
  `Sum of allocations = ${formatTokens(total)} AITBC (${total === supply ? "exactly the supply" : "MISMATCH"})`,
);

// ---------------------------------------------------------------- flash-loan defence
console.log("\nFlash-loan defence: counted power = min(votes, 24 h average, 7-day average, 5% cap)");
const lender = await ethers.deployContract("ERC3156FlashLenderMock");
const borrower = await ethers.deployContract("FlashVoteBorrowerMock");
await (await token.connect(liquidity!).transfer(await lender.getAddress(), 50_000_000n * AITBC)).wait();
console.log(
  "  An ERC-3156 lender (a stand-in for a liquidity pool) holds the 50,000,000 AITBC liquidity share.",
);

const day0 = await time.latest();
for (const [voter, amount] of [
  [alice!, 60_000_000n * AITBC],
  [bob!, 60_000_000n * AITBC],
  [holder!, 10_000_000n * AITBC],
  [proposer!, 1_000_000n * AITBC],
] as const) {
  await (await token.connect(ecosystem!).transfer(voter.address, amount)).wait();
  await (await token.connect(voter).delegate(voter.address)).wait();
}
console.log(
  "  day  0: alice and bob receive 60,000,000 AITBC each (6%), the holder 10,000,000, a proposer 1,000,000;",
);
console.log("          each delegates to itself.");

await time.increaseTo(day0 + 10 * DAY);
await (await token.connect(ecosystem!).transfer(buyer!.address, 10_000_000n * AITBC)).wait();
await (await token.connect(buyer!).delegate(buyer!.address)).wait();
console.log("  day 10: a new buyer acquires 10,000,000 AITBC and delegates to itself.");

await time.increaseTo(day0 + 13 * DAY);
await (
  await borrower.attack(await lender.getAddress(), await token.getAddress(), 50_000_000n * AITBC)
).wait();
const flashAt = await time.latest();
console.log(
  `  day 13: the flash borrower borrows 50,000,000 AITBC, delegates, sees ${formatTokens(
    await borrower.votesDuringLoan(),
  )} votes inside the transaction, and repays.`,
);

await time.increaseTo(day0 + 20 * DAY);
const snapshots: [string, number][] = [
  ["day 9", day0 + 9 * DAY],
  ["day 11", day0 + 11 * DAY],
  ["day 13, flash block", flashAt],
  ["day 14", day0 + 14 * DAY],
  ["day 17", day0 + 17 * DAY],
  ["day 19", day0 + 19 * DAY],
];
const actors = [
  ["alice (6%)", alice!.address],
  ["holder", holder!.address],
  ["new buyer", buyer!.address],
  ["flash borrower", await borrower.getAddress()],
] as const;
const powerRows: string[][] = [];
for (const [label, timepoint] of snapshots) {
  const cells = [label];
  for (const [, address] of actors) {
    const [votes, power] = await Promise.all([
      token.getPastVotes(address, timepoint),
      token.getPastVotingPower(address, timepoint),
    ]);
    cells.push(`${formatTokens(power, 0)} / ${formatTokens(votes, 0)}`);
  }
  powerRows.push(cells);
}
console.log("\nCounted power / delegated votes (AITBC) at snapshots:");
console.log(renderTable(["snapshot", ...actors.map(([name]) => name)], powerRows));
const b = await token.getPastVotingPowerBreakdown(buyer!.address, day0 + 14 * DAY);
console.log(
  `The new buyer at day 14 (held 4 days): votes ${formatTokens(b.votes, 0)}, 24 h average ${formatTokens(
    b.average24h,
    0,
  )}, 7-day average ${formatTokens(b.average7d, 0)} (4/7 vested) → counts ${formatTokens(b.power, 0)}.`,
);
console.log(
  "Alice holds 6% but counts 5% (the cap). The flash borrower's 50,000,000 votes count 0 at every snapshot.",
);

// ---------------------------------------------------------------- one proposal through its whole life
console.log("\nGovernance: a treasury grant of 250,000 AITBC, from proposal to execution");
const { publicClient, walletFor } = viemClients(connection);
const contracts = Object.fromEntries(
  Object.entries(addresses).map(([name, address]) => [name, address as Address]),
) as AitbcContracts;
const voter = (label: string, account: { address: string }, support: VoteSupportValue) => ({
  label,
  support,
  cast: (proposalId: bigint, s: VoteSupportValue) =>
    castVote(walletFor(account.address), { contracts, proposalId, support: s }),
});
await runTreasuryGrant({
  publicClient,
  contracts,
  time,
  proposer: walletFor(proposer!.address),
  earlyVoter: walletFor(alice!.address),
  councilOwners: councilOwners.map((owner) => walletFor(owner.address)),
  voters: [
    voter("alice", alice!, 1),
    voter("bob", bob!, 1),
    voter("holder", holder!, 0),
    voter("new buyer", buyer!, 2),
  ],
  grantee: grantee!.address as Address,
  day0,
});
console.log(
  `The grantee now holds ${formatTokens(await token.balanceOf(grantee!.address))} AITBC; ` +
    `the treasury ${formatTokens(await token.balanceOf(addresses.OpenClawTimelock!))} AITBC.`,
);
