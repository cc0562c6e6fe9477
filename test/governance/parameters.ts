/**
 * The design's numbers (shared/DESIGN.md, "Parameters"; contracts/governance/README.md, bounds table)
 * pinned as literals against the deployed OpenClaw DAO: any changed default — threshold 100 → 150
 * AITBC, timelock 2 → 3 days, a bound, the genesis split — fails here. Also: early-contributor vesting
 * mid-schedule, and vote weight that ignores reputation and role.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { buildOpenClawModule, OPENCLAW_DEFAULTS } from "../../deploy/modules/openclaw.js";
import {
  ProposalType,
  Vote,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers, ignition } = connection;
const fixture = () => deployOpenClaw(connection);

const E18 = 10n ** 18n;
const HOUR = 3600n;
const DAY = 24n * HOUR;

describe("OpenClaw governance: the design's numbers, pinned", function () {
  it("deploy defaults are the design's: threshold 100, bonds 1,000, quorum 10%, timelock 2 d, emergency 6 h, council 3", function () {
    expect(OPENCLAW_DEFAULTS.proposalThreshold).to.equal(100n * E18);
    expect(OPENCLAW_DEFAULTS.proposalBond).to.equal(1_000n * E18);
    expect(OPENCLAW_DEFAULTS.challengeBond).to.equal(1_000n * E18);
    expect(OPENCLAW_DEFAULTS.quorumPercent).to.equal(10n);
    expect(OPENCLAW_DEFAULTS.timelockDelay).to.equal(48n * HOUR);
    expect(OPENCLAW_DEFAULTS.emergencyDelay).to.equal(6n * HOUR);
    expect(OPENCLAW_DEFAULTS.councilThreshold).to.equal(3n);
  });

  it("the deployed DAO holds them on-chain, with the constants and the bounds table", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, escrow, timelock, token, council } = dao;
    // Proposals.
    expect(await governor.proposalThreshold()).to.equal(100n * E18);
    expect(await escrow.proposalBond()).to.equal(1_000n * E18);
    expect(await escrow.challengeBond()).to.equal(1_000n * E18);
    expect(await governor.CHALLENGE_PERIOD()).to.equal(48n * HOUR);
    expect(await governor.VOTING_PERIOD()).to.equal(7n * DAY);
    expect(await governor.EMERGENCY_VOTING_PERIOD()).to.equal(3n * DAY);
    // Quorum 10% of the 1,000,000,000 supply; no address counts more than 5%.
    expect(await governor["quorumNumerator()"]()).to.equal(10n);
    expect(await token.totalSupply()).to.equal(1_000_000_000n * E18);
    const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    expect(await governor.quorum(latest - 1n)).to.equal(100_000_000n * E18);
    expect(await token.VOTING_POWER_CAP_BPS()).to.equal(500n);
    expect(await token.getPastVotingPower(dao.whale.address, latest - 1n)).to.equal(50_000_000n * E18);
    // Timelock and council.
    expect(await timelock.getMinDelay()).to.equal(2n * DAY);
    expect(await timelock.emergencyDelay()).to.equal(6n * HOUR);
    expect(await council.getThreshold()).to.equal(3n);
    expect(await council.getOwners()).to.have.length(5);
    // Bounds (README "Parameter bounds").
    expect(await governor.MIN_PROPOSAL_THRESHOLD()).to.equal(1n * E18);
    expect(await governor.MAX_PROPOSAL_THRESHOLD()).to.equal(10_000n * E18);
    expect(await escrow.MIN_BOND()).to.equal(10n * E18);
    expect(await escrow.MAX_BOND()).to.equal(100_000n * E18);
    expect(await governor.MIN_QUORUM_NUMERATOR()).to.equal(1n);
    expect(await governor.MAX_QUORUM_NUMERATOR()).to.equal(50n);
    expect(await timelock.MIN_DELAY()).to.equal(1n * DAY);
    expect(await timelock.MAX_DELAY()).to.equal(30n * DAY);
    expect(await timelock.MIN_EMERGENCY_DELAY()).to.equal(1n * HOUR);
    expect(await timelock.MAX_EMERGENCY_DELAY()).to.equal(1n * DAY);
  });

  it("genesis split 40/25/20/10/5 of 1,000,000,000 AITBC", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { token, timelock, ecosystem, development, liquidity, vesting, contributor } = dao;
    const transferred = await token.queryFilter(token.filters.Transfer(ethers.ZeroAddress));
    const minted = new Map<string, bigint>();
    for (const log of transferred) minted.set(log.args.to, (minted.get(log.args.to) ?? 0n) + log.args.value);
    expect(minted.get(await timelock.getAddress())).to.equal(400_000_000n * E18); // community treasury
    expect(minted.get(ecosystem.address)).to.equal(250_000_000n * E18); // agent ecosystem (rewards)
    expect(minted.get(development.address)).to.equal(200_000_000n * E18); // development fund
    expect(minted.get(await vesting.getAddress())).to.equal(100_000_000n * E18); // early contributors
    expect(minted.get(liquidity.address)).to.equal(50_000_000n * E18); // liquidity
    expect([...minted.values()].reduce((a, b) => a + b, 0n)).to.equal(1_000_000_000n * E18);
    expect(await vesting.owner()).to.equal(contributor.address);
  });
});

describe("OpenClaw governance: early-contributor vesting mid-schedule", function () {
  it("released at a point inside the schedule = amount × elapsed / duration (100,000,000 over 4 years: 25,000,000 after 1)", async function () {
    const signers = await ethers.getSigners();
    const [, o1, o2, o3, o4, o5, ecosystem, development, liquidity, contributor] = signers;
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const start = now + 1000n;
    const duration = 4n * 365n * DAY;
    const deployed = await ignition.deploy(
      buildOpenClawModule(
        {
          councilOwners: [o1!, o2!, o3!, o4!, o5!].map((o) => o.address),
          ecosystemRewards: ecosystem!.address,
          developmentFund: development!.address,
          liquidity: liquidity!.address,
          contributors: [{ beneficiary: contributor!.address, amount: 100_000_000n * E18, start, durationSeconds: duration }], // prettier-ignore
        },
        "OpenClawDAOVestingMidSchedule",
      ),
    );
    const token = await ethers.getContractAt("AITBCToken", await deployed.token.getAddress());
    const wallet = await ethers.getContractAt(
      "VestingWallet",
      await (deployed as unknown as Record<string, { getAddress(): Promise<string> }>).earlyContributorVesting0!.getAddress(), // prettier-ignore
    );
    const tokenAddress = await token.getAddress();
    expect(await wallet.start()).to.equal(start);
    expect(await wallet.duration()).to.equal(duration);
    // Before the start nothing is releasable.
    expect(await wallet["releasable(address)"](tokenAddress)).to.equal(0n);

    // One year in: 100,000,000 × 365 d / 1,460 d = 25,000,000 AITBC (released in that block).
    await networkHelpers.time.setNextBlockTimestamp(start + 365n * DAY);
    await wallet["release(address)"](tokenAddress);
    expect(await wallet["released(address)"](tokenAddress)).to.equal(25_000_000n * E18);
    expect(await token.balanceOf(contributor!.address)).to.equal(25_000_000n * E18);
    // 1,000 s later another 100,000,000 × 1,000 / 126,144,000 wei-exact share.
    await networkHelpers.time.setNextBlockTimestamp(start + 365n * DAY + 1000n);
    await wallet["release(address)"](tokenAddress);
    expect(await token.balanceOf(contributor!.address)).to.equal(
      (100_000_000n * E18 * (365n * DAY + 1000n)) / (4n * 365n * DAY),
    );
    // Halfway: exactly half.
    await networkHelpers.time.setNextBlockTimestamp(start + 2n * 365n * DAY);
    await wallet["release(address)"](tokenAddress);
    expect(await token.balanceOf(contributor!.address)).to.equal(50_000_000n * E18);
    expect(await token.balanceOf(await wallet.getAddress())).to.equal(50_000_000n * E18);
  });
});

describe("OpenClaw governance: votes are linear in tokens, never in reputation or role", function () {
  it("equal counted power, a platinum Provider and a bronze Coordinator: equal vote weight", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, alice, bob, outsider, deployer } = dao;
    // A reputation registry (its admin: the deployer, here also the oracle and the escrow writer).
    const reputation = await ethers.deployContract("ReputationRegistry", [deployer.address]);
    await reputation.grantRole(await reputation.ORACLE_ROLE(), deployer.address);
    await reputation.grantRole(await reputation.ESCROW_ROLE(), deployer.address);
    // alice: every component at its top (score 1000, platinum); bob: every component at its bottom.
    for (let component = 0; component < 5; component++) {
      const bound = await reputation.componentBound(component);
      await reputation.setComponent(alice.address, component, bound);
      await reputation.setComponent(bob.address, component, -bound);
    }
    expect(await reputation.trustScore(alice.address)).to.equal(1000n);
    expect(await reputation.trustScore(bob.address)).to.equal(0n);
    expect(await reputation.tierOf(alice.address)).to.equal(3n); // platinum
    expect(await reputation.tierOf(bob.address)).to.equal(0n); // bronze
    // Self-declared roles in the agent identity registry.
    const registry = await ethers.deployContract("AgentIdentityRegistry", [await reputation.getAddress()]);
    const role = (name: string) => [{ metadataKey: "role", metadataValue: ethers.toUtf8Bytes(name) }];
    await registry.connect(alice).register("https://alice.example/agent.json", role("Provider"));
    await registry.connect(bob).register("https://bob.example/agent.json", role("Coordinator"));

    const { id, createdAt } = await propose(dao, dao.proposer, await treasuryTransfer(dao, outsider.address, 1n, "Weights"), ProposalType.Resource); // prettier-ignore
    expect(await governor.getVotes(alice.address, createdAt)).to.equal(50_000_000n * E18);
    expect(await governor.getVotes(bob.address, createdAt)).to.equal(50_000_000n * E18);
    await openVoting(dao);
    await governor.connect(alice).castVote(id, Vote.For);
    await governor.connect(bob).castVote(id, Vote.Against);
    const [against, forVotes] = await governor.proposalVotes(id);
    // 1 AITBC = 1 vote: both count exactly their (capped) 50,000,000 AITBC.
    expect(forVotes).to.equal(50_000_000n * E18);
    expect(against).to.equal(50_000_000n * E18);
  });
});
