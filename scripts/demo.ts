/**
 * The main job at this stage of the protocol (issue 2): on the embedded Hardhat chain, deploy the
 * AITBC token with its Ignition module, record the addresses in `deployments/<chainId>.json`, print
 * the genesis distribution, and show the flash-loan defence of counted voting power with three
 * actors: a long-time holder, a new buyer, and a flash borrower.
 *
 * Run: `npm run demo` (sets up a fresh clone first). Later issues grow this into the full demo.
 */
import { network } from "hardhat";

import { buildGenesisModule } from "../deploy/modules/genesis.js";
import { writeDeployment } from "./lib/deployments.js";
import { formatTokens, renderTable } from "./lib/format.js";

const AITBC = 10n ** 18n;
const HOUR = 3_600;
const DAY = 24 * HOUR;

const connection = await network.create();
const { ethers, ignition, networkHelpers } = connection;
const { time } = networkHelpers;
const [, treasury, ecosystem, development, liquidity, alice, bob, holder, buyer] = await ethers.getSigners();
const { chainId } = await ethers.provider.getNetwork();
console.log(`Embedded chain: Hardhat ${connection.networkName} network, chain id ${chainId}`);

// ---------------------------------------------------------------- deploy with Ignition
const start = BigInt(await time.latest());
const genesis = buildGenesisModule({
  // Until the DAO's timelock is deployed by the governance module, a plain account stands in for it.
  communityTreasury: treasury!.address,
  ecosystemRewards: ecosystem!.address,
  developmentFund: development!.address,
  liquidity: liquidity!.address,
  contributors: [
    {
      beneficiary: alice!.address,
      amount: 60_000_000n * AITBC,
      start,
      durationSeconds: 2n * 365n * BigInt(DAY),
    },
    {
      beneficiary: bob!.address,
      amount: 40_000_000n * AITBC,
      start,
      durationSeconds: 2n * 365n * BigInt(DAY),
    },
  ],
});
process.stdout.write("Deploying AITBCToken and two VestingWallets with Hardhat Ignition ... ");
const deployed = await ignition.deploy(genesis);
const addresses: Record<string, string> = {};
for (const [name, contract] of Object.entries(deployed)) addresses[name] = await contract.getAddress();
const token = await ethers.getContractAt("AITBCToken", addresses.AITBCToken!);
const vesting = [addresses.EarlyContributorVesting0!, addresses.EarlyContributorVesting1!];
console.log("done");
const record = await writeDeployment(Number(chainId), addresses);
console.log(`Addresses written to deployments/${chainId}.json:`);
for (const [name, address] of Object.entries(record.contracts))
  console.log(`  ${name.padEnd(26)} ${address}`);

// ---------------------------------------------------------------- genesis distribution
const supply = await token.totalSupply();
const rows = [
  ["community treasury", treasury!.address],
  ["agent ecosystem rewards", ecosystem!.address],
  ["development fund", development!.address],
  ["early contributor A (vesting 2 y)", vesting[0]!],
  ["early contributor B (vesting 2 y)", vesting[1]!],
  ["liquidity", liquidity!.address],
] as const;
const balances = await Promise.all(rows.map(([, address]) => token.balanceOf(address)));
console.log(`\nGenesis distribution (fixed supply ${formatTokens(supply)} AITBC, no mint function):`);
console.log(
  renderTable(
    ["share", "address", "AITBC", "% of supply"],
    rows.map(([name, address], index) => [
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
await (await token.connect(ecosystem!).transfer(holder!.address, 10_000_000n * AITBC)).wait();
await (await token.connect(holder!).delegate(holder!.address)).wait();
console.log("  day  0: the holder receives 10,000,000 AITBC and delegates to itself.");

await time.increaseTo(day0 + 10 * DAY);
await (await token.connect(ecosystem!).transfer(buyer!.address, 10_000_000n * AITBC)).wait();
await (await token.connect(buyer!).delegate(buyer!.address)).wait();
console.log("  day 10: a new buyer acquires 10,000,000 AITBC and delegates to itself.");

await time.increaseTo(day0 + 13 * DAY);
const attack = await borrower.attack(
  await lender.getAddress(),
  await token.getAddress(),
  50_000_000n * AITBC,
);
await attack.wait();
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
  )}, 7-day average ${formatTokens(b.average7d, 0)} (4/7 vested), cap ${formatTokens(b.cap, 0)} → counts ${formatTokens(
    b.power,
    0,
  )}.`,
);
console.log(
  "The flash borrower's 50,000,000 votes existed only inside one transaction: they count 0 at every snapshot.",
);
