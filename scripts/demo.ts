/**
 * The main job (`npm run demo`): on the embedded Hardhat chain, deploy the OpenClaw DAO with its
 * Ignition module (AITBC token, vesting wallets, TimelockController holding the 40% treasury,
 * governor, bond escrow, and a real Safe 1.5 3-of-5 security council), record the addresses in
 * `deployments/<chainId>.json`, print the genesis distribution, show the flash-loan defence of
 * counted voting power, and run one treasury proposal through its whole life.
 *
 * Later issues grow this into the full protocol demo (jobs, miners, gateway).
 */
import type { ContractTransactionResponse, Interface } from "ethers";
import { network } from "hardhat";

import { buildOpenClawModule, openClawAddresses, TIMELOCK_ROLES } from "../deploy/modules/openclaw.js";
import { writeDeployment } from "./lib/deployments.js";
import { formatTokens, renderTable } from "./lib/format.js";
import { execSafeCall } from "./lib/safe.js";

const AITBC = 10n ** 18n;
const HOUR = 3_600;
const DAY = 24 * HOUR;
/** `IGovernor.ProposalState` names, by value. */
const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"];

/** The custom error or revert string of a failed call, decoded against `interfaces`; long numbers shortened. */
function revertReason(error: unknown, interfaces: Interface[]): string {
  const data = (error as { data?: string }).data;
  const short = (value: unknown) =>
    String(value).length > 20 ? `${String(value).slice(0, 10)}…` : String(value);
  for (const iface of interfaces) {
    const parsed = data ? iface.parseError(data) : null;
    if (parsed) return `${parsed.name}(${parsed.args.map(short).join(", ")})`;
  }
  const message = (error as { message?: string }).message ?? String(error);
  return /reason string '([^']+)'/.exec(message)?.[1] ?? message;
}

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
const governor = await ethers.getContractAt("OpenClawGovernor", addresses.OpenClawGovernor!);
const timelock = await ethers.getContractAt("OpenClawTimelock", addresses.OpenClawTimelock!);
const escrow = await ethers.getContractAt("ProposalBondEscrow", addresses.ProposalBondEscrow!);
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
const grant = 250_000n * AITBC;
const description = "Grant 250,000 AITBC from the community treasury to the grantee";
const targets = [addresses.AITBCToken!];
const values = [0n];
const calldatas = [token.interface.encodeFunctionData("transfer", [grantee!.address, grant])];
const descriptionHash = ethers.id(description);
const steps: string[][] = [];
const dayOf = async () => `day ${(((await time.latest()) - day0) / DAY).toFixed(2)}`;
async function step(label: string, tx: Promise<ContractTransactionResponse | unknown>, proposalId?: bigint) {
  const receipt = await (tx as Promise<ContractTransactionResponse>).then((response) => response.wait());
  const state = proposalId === undefined ? "" : STATES[Number(await governor.state(proposalId))]!;
  steps.push([label, await dayOf(), state, receipt ? receipt.gasUsed.toLocaleString("en-US") : ""]);
}

await step(
  "approve the 1,000 AITBC bond",
  token.connect(proposer!).approve(addresses.ProposalBondEscrow!, 1_000n * AITBC),
);
const proposalId = await governor.getProposalId(targets, values, calldatas, descriptionHash);
await step(
  "propose (Community type; critical: moves treasury funds)",
  governor.connect(proposer!).proposeTyped(targets, values, calldatas, description, 2),
  proposalId,
);
const createdAt = BigInt(await time.latest());
const extras = await governor.proposalExtras(proposalId);
console.log(
  `  proposalId ${proposalId.toString().slice(0, 18)}…, critical: ${extras.critical}, bond escrowed: ${formatTokens(await token.balanceOf(addresses.ProposalBondEscrow!))} AITBC`,
);
try {
  await governor.connect(alice!).castVote.staticCall(proposalId, 1);
} catch (error) {
  console.log(
    `  a vote during the 48 h challenge period is refused: ${revertReason(error, [governor.interface])}`,
  );
}
await time.increase(2 * DAY + 1);
await step(
  "alice votes For (counted power at creation)",
  governor.connect(alice!).castVote(proposalId, 1),
  proposalId,
);
await step("bob votes For", governor.connect(bob!).castVote(proposalId, 1), proposalId);
await step("holder votes Against", governor.connect(holder!).castVote(proposalId, 0), proposalId);
await step("new buyer abstains", governor.connect(buyer!).castVote(proposalId, 2), proposalId);
await time.increase(7 * DAY);
const [against, forVotes, abstain] = await governor.proposalVotes(proposalId);
const quorum = await governor.quorum(createdAt);
try {
  await governor.queue.staticCall(targets, values, calldatas, descriptionHash);
} catch (error) {
  console.log(`  queue before the council approved is refused: ${revertReason(error, [governor.interface])}`);
}
const approve = governor.interface.encodeFunctionData("approveProposal", [proposalId]);
try {
  await execSafeCall(council, chainId, councilOwners.slice(0, 2), addresses.OpenClawGovernor!, approve);
} catch (error) {
  const reason = revertReason(error, []);
  const meaning = reason === "GS020" ? " (Safe: signatures data too short for the threshold)" : "";
  console.log(`  the council with only 2 of 5 signatures is refused by the Safe: ${reason}${meaning}`);
}
await step(
  "council approves (Safe execTransaction, 3 of 5 signatures)",
  execSafeCall(council, chainId, councilOwners.slice(2, 5), addresses.OpenClawGovernor!, approve),
  proposalId,
);
await step(
  "queue in the timelock (2-day delay)",
  governor.queue(targets, values, calldatas, descriptionHash),
  proposalId,
);
await time.increase(2 * DAY);
await step("execute", governor.execute(targets, values, calldatas, descriptionHash), proposalId);
await step("proposal bond refunded to the proposer", escrow.claimProposalBond(proposalId), proposalId);
console.log(renderTable(["step", "when", "state after", "gas"], steps, [3]));
console.log(
  `Tally: For ${formatTokens(forVotes, 0)}, Against ${formatTokens(against, 0)}, Abstain ${formatTokens(abstain, 0)}; ` +
    `quorum ${formatTokens(quorum, 0)} (10% of supply at creation).`,
);
console.log(
  `The grantee now holds ${formatTokens(await token.balanceOf(grantee!.address))} AITBC; ` +
    `the treasury ${formatTokens(await token.balanceOf(addresses.OpenClawTimelock!))} AITBC.`,
);
