/**
 * The counted-power cap, the two averaging windows and the two voting periods are deployment parameters
 * (constructor arguments kept as immutables, for what-if runs of the simulator): the design's defaults,
 * each bound's revert with its exact custom error and arguments, the Ignition module parameters by the
 * names the simulator passes, and deployments with changed values behaving accordingly (a 10% cap counts
 * 10%, a 5-day vote closes after 5 days, a 14-day vesting window vests over 14 days). Numbers are the
 * design's and the bounds table's (contracts/governance/README.md), as literals.
 */
import { expect } from "chai";
import { network } from "hardhat";

import openClawModule, { OPENCLAW_DEFAULTS } from "../../deploy/modules/openclaw.js";
import {
  AITBC,
  ProposalType,
  State,
  Vote,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
  type OpenClaw,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const HOUR = 3600n;
const DAY = 24n * HOUR;
const defaultDao = () => deployOpenClaw(connection);
const tenPercentCapDao = () =>
  deployOpenClaw(connection, { votingPowerCapBps: 1_000n }, "OpenClawDAOCap10Percent");
const fiveDayVoteDao = () => deployOpenClaw(connection, { votingPeriod: 5n * DAY }, "OpenClawDAOFiveDayVote");

/** The design's counted-power parameters, as the token's constructor takes them. */
const DESIGN_VOTING_POWER = {
  votingPowerCapBps: 500n,
  shortAverageWindow: 86_400n,
  longAverageWindow: 604_800n,
};
/** The design's voting periods, as the governor's constructor takes them. */
const DESIGN_PERIODS = { votingPeriod: 7n * DAY, emergencyVotingPeriod: 3n * DAY };

/** Deploys a bare token (every genesis share to `holder`) with the given counted-power parameters. */
async function deployToken(votingPower: Record<keyof typeof DESIGN_VOTING_POWER, bigint>) {
  const [holder] = await ethers.getSigners();
  const a = holder!.address;
  return ethers.deployContract("AITBCToken", [a, a, a, a, [a], [100_000_000n * AITBC], votingPower]);
}

/** A governor factory and its other constructor arguments (the design's), from a deployed DAO. */
async function governorDeployer(dao: OpenClaw) {
  const classifier = await ethers.deployContract("ProposalClassifier");
  const factory = await ethers.getContractFactory("OpenClawGovernor", {
    libraries: { ProposalClassifier: await classifier.getAddress() },
  });
  const base = [
    await dao.token.getAddress(),
    await dao.timelock.getAddress(),
    await dao.council.getAddress(),
    100n * AITBC,
    10n,
    1_000n * AITBC,
    1_000n * AITBC,
    [] as { target: string; selector: string }[],
    [] as { target: string; selector: string }[],
  ] as const;
  return {
    factory,
    deploy: (periods: { votingPeriod: bigint; emergencyVotingPeriod: bigint }) =>
      factory.deploy(...base, periods),
  };
}

describe("deployment parameters: defaults", function () {
  it("the deploy defaults are the design's: cap 500 bps, windows 24 h and 7 d, votes 7 d and 3 d", function () {
    expect(OPENCLAW_DEFAULTS.votingPowerCapBps).to.equal(500n);
    expect(OPENCLAW_DEFAULTS.shortAverageWindow).to.equal(86_400n);
    expect(OPENCLAW_DEFAULTS.longAverageWindow).to.equal(604_800n);
    expect(OPENCLAW_DEFAULTS.votingPeriod).to.equal(604_800n);
    expect(OPENCLAW_DEFAULTS.emergencyVotingPeriod).to.equal(259_200n);
  });

  it("the deployed token and governor hold them (their bounds: test/governance/parameters.ts)", async function () {
    const { token, governor } = await networkHelpers.loadFixture(defaultDao);
    expect(await token.VOTING_POWER_CAP_BPS()).to.equal(500n);
    expect(await token.SHORT_AVERAGE_WINDOW()).to.equal(24n * HOUR);
    expect(await token.MAX_AVERAGE_WINDOW()).to.equal(7n * DAY);
    expect(await governor.VOTING_PERIOD()).to.equal(7n * DAY);
    expect(await governor.EMERGENCY_VOTING_PERIOD()).to.equal(3n * DAY);
    // votingPeriod(): the 48-hour challenge period plus the 7-day vote.
    expect(await governor.votingPeriod()).to.equal(9n * DAY);
  });

  it("nobody can change them after deployment: no function but the constructor writes them", async function () {
    const { token, governor } = await networkHelpers.loadFixture(defaultDao);
    const writers = [...token.interface.fragments, ...governor.interface.fragments]
      .filter((fragment) => fragment.type === "function")
      .map((fragment) => fragment as unknown as { name: string; stateMutability: string })
      .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure")
      .filter((f) => /period|window|cap/i.test(f.name));
    expect(writers.map((f) => f.name)).to.deep.equal([]);
  });
});

describe("deployment parameters: the Ignition module's parameters (the names the simulator passes)", function () {
  it("without parameters: the design's values; with them: exactly the values given", async function () {
    const plain = await network.create();
    const deployed = await plain.ignition.deploy(openClawModule);
    const token = await plain.ethers.getContractAt("AITBCToken", await deployed.token.getAddress());
    const governor = await plain.ethers.getContractAt(
      "OpenClawGovernor",
      await deployed.governor.getAddress(),
    );
    expect(await token.VOTING_POWER_CAP_BPS()).to.equal(500n);
    expect(await token.SHORT_AVERAGE_WINDOW()).to.equal(86_400n);
    expect(await token.MAX_AVERAGE_WINDOW()).to.equal(604_800n);
    expect(await governor.VOTING_PERIOD()).to.equal(604_800n);
    expect(await governor.EMERGENCY_VOTING_PERIOD()).to.equal(259_200n);

    const whatIf = await network.create();
    const changed = await whatIf.ignition.deploy(openClawModule, {
      parameters: {
        OpenClawDAO: {
          votingPowerCapBps: 1_000n,
          shortAverageWindow: 7_200n,
          longAverageWindow: 1_209_600n,
          votingPeriod: 432_000n,
          emergencyVotingPeriod: 172_800n,
        },
      },
    });
    const token2 = await whatIf.ethers.getContractAt("AITBCToken", await changed.token.getAddress());
    const governor2 = await whatIf.ethers.getContractAt(
      "OpenClawGovernor",
      await changed.governor.getAddress(),
    );
    expect(await token2.VOTING_POWER_CAP_BPS()).to.equal(1_000n);
    expect(await token2.SHORT_AVERAGE_WINDOW()).to.equal(2n * HOUR);
    expect(await token2.MAX_AVERAGE_WINDOW()).to.equal(14n * DAY);
    expect(await governor2.VOTING_PERIOD()).to.equal(5n * DAY);
    expect(await governor2.EMERGENCY_VOTING_PERIOD()).to.equal(2n * DAY);
    // Same addresses as the default deployment: only constructor arguments changed.
    expect(await changed.governor.getAddress()).to.equal(await deployed.governor.getAddress());
    expect(await changed.token.getAddress()).to.equal(await deployed.token.getAddress());
  });
});

describe("deployment parameters: bounds, each with its exact custom error", function () {
  it("token cap in [100, 2,000] bps: 99 and 2,001 revert, 100 and 2,000 deploy", async function () {
    const factory = await ethers.getContractFactory("AITBCToken");
    for (const capBps of [99n, 2_001n, 0n]) {
      await expect(deployToken({ ...DESIGN_VOTING_POWER, votingPowerCapBps: capBps }))
        .to.be.revertedWithCustomError(factory, "TokenVotingPowerCapOutOfBounds")
        .withArgs(capBps, 100n, 2_000n);
    }
    for (const capBps of [100n, 2_000n]) {
      const token = await deployToken({ ...DESIGN_VOTING_POWER, votingPowerCapBps: capBps });
      expect(await token.VOTING_POWER_CAP_BPS()).to.equal(capBps);
    }
  });

  it("short window in [1 h, long window]: 3,599 s and long + 1 revert; 1 h and long = short deploy", async function () {
    const factory = await ethers.getContractFactory("AITBCToken");
    await expect(deployToken({ ...DESIGN_VOTING_POWER, shortAverageWindow: HOUR - 1n }))
      .to.be.revertedWithCustomError(factory, "TokenShortAverageWindowOutOfBounds")
      .withArgs(HOUR - 1n, HOUR, 7n * DAY);
    await expect(deployToken({ ...DESIGN_VOTING_POWER, shortAverageWindow: 7n * DAY + 1n }))
      .to.be.revertedWithCustomError(factory, "TokenShortAverageWindowOutOfBounds")
      .withArgs(7n * DAY + 1n, HOUR, 7n * DAY);
    // A long window below the short one is reported as the short window above its maximum.
    await expect(deployToken({ ...DESIGN_VOTING_POWER, longAverageWindow: 12n * HOUR }))
      .to.be.revertedWithCustomError(factory, "TokenShortAverageWindowOutOfBounds")
      .withArgs(24n * HOUR, HOUR, 12n * HOUR);
    const shortest = await deployToken({ ...DESIGN_VOTING_POWER, shortAverageWindow: HOUR });
    expect(await shortest.SHORT_AVERAGE_WINDOW()).to.equal(HOUR);
    const equal = await deployToken({
      ...DESIGN_VOTING_POWER,
      shortAverageWindow: 2n * DAY,
      longAverageWindow: 2n * DAY,
    });
    expect(await equal.SHORT_AVERAGE_WINDOW()).to.equal(2n * DAY);
    expect(await equal.MAX_AVERAGE_WINDOW()).to.equal(2n * DAY);
  });

  it("long window in [short window, 30 d]: 30 d + 1 s reverts, 30 d deploys", async function () {
    const factory = await ethers.getContractFactory("AITBCToken");
    await expect(deployToken({ ...DESIGN_VOTING_POWER, longAverageWindow: 30n * DAY + 1n }))
      .to.be.revertedWithCustomError(factory, "TokenLongAverageWindowOutOfBounds")
      .withArgs(30n * DAY + 1n, 24n * HOUR, 30n * DAY);
    const longest = await deployToken({ ...DESIGN_VOTING_POWER, longAverageWindow: 30n * DAY });
    expect(await longest.MAX_AVERAGE_WINDOW()).to.equal(30n * DAY);
  });

  it("voting period in [1 d, 30 d]; emergency in [1 d, voting period]", async function () {
    const dao = await networkHelpers.loadFixture(defaultDao);
    const { factory, deploy } = await governorDeployer(dao);
    for (const period of [DAY - 1n, 30n * DAY + 1n]) {
      await expect(deploy({ ...DESIGN_PERIODS, votingPeriod: period }))
        .to.be.revertedWithCustomError(factory, "GovernanceVotingPeriodOutOfBounds")
        .withArgs(period, DAY, 30n * DAY);
    }
    await expect(deploy({ ...DESIGN_PERIODS, emergencyVotingPeriod: DAY - 1n }))
      .to.be.revertedWithCustomError(factory, "GovernanceEmergencyVotingPeriodOutOfBounds")
      .withArgs(DAY - 1n, DAY, 7n * DAY);
    await expect(deploy({ ...DESIGN_PERIODS, emergencyVotingPeriod: 7n * DAY + 1n }))
      .to.be.revertedWithCustomError(factory, "GovernanceEmergencyVotingPeriodOutOfBounds")
      .withArgs(7n * DAY + 1n, DAY, 7n * DAY);
    // A shorter standard vote caps the emergency vote too: 2 days standard, 3 days emergency is refused.
    await expect(deploy({ votingPeriod: 2n * DAY, emergencyVotingPeriod: 3n * DAY }))
      .to.be.revertedWithCustomError(factory, "GovernanceEmergencyVotingPeriodOutOfBounds")
      .withArgs(3n * DAY, DAY, 2n * DAY);
    for (const periods of [
      { votingPeriod: DAY, emergencyVotingPeriod: DAY },
      { votingPeriod: 30n * DAY, emergencyVotingPeriod: 30n * DAY },
    ]) {
      const governor = await deploy(periods);
      expect(await governor.VOTING_PERIOD()).to.equal(periods.votingPeriod);
      expect(await governor.EMERGENCY_VOTING_PERIOD()).to.equal(periods.emergencyVotingPeriod);
      expect(await governor.votingPeriod()).to.equal(2n * DAY + periods.votingPeriod);
    }
  });
});

describe("deployment parameters: a what-if deployment behaves accordingly", function () {
  it("cap 10%: the 20% whale counts 100,000,000 AITBC and reaches the 10% quorum alone (5%: 50,000,000, Defeated)", async function () {
    const outcomes: Record<string, { counted: bigint; forVotes: bigint; state: bigint }> = {};
    for (const [label, fixture] of [
      ["5%", defaultDao],
      ["10%", tenPercentCapDao],
    ] as const) {
      const dao = await networkHelpers.loadFixture(fixture);
      const { governor, token, whale, alice, outsider } = dao;
      const actions = await treasuryTransfer(dao, outsider.address, 1n, `Pay the outsider (cap ${label})`);
      const { id, createdAt } = await propose(dao, dao.proposer, actions, ProposalType.Resource);
      const breakdown = await token.getPastVotingPowerBreakdown(whale.address, createdAt);
      expect(breakdown.votes).to.equal(200_000_000n * AITBC);
      // alice holds exactly 5%: the same under both caps.
      expect(await governor.getVotes(alice.address, createdAt)).to.equal(50_000_000n * AITBC);
      await openVoting(dao);
      await governor.connect(whale).castVote(id, Vote.For);
      await networkHelpers.time.increase(7n * DAY);
      const [, forVotes] = await governor.proposalVotes(id);
      outcomes[label] = { counted: breakdown.power, forVotes, state: await governor.state(id) };
      expect(breakdown.cap).to.equal(label === "5%" ? 50_000_000n * AITBC : 100_000_000n * AITBC);
    }
    expect(outcomes["5%"]).to.deep.equal({
      counted: 50_000_000n * AITBC,
      forVotes: 50_000_000n * AITBC,
      state: BigInt(State.Defeated),
    });
    expect(outcomes["10%"]).to.deep.equal({
      counted: 100_000_000n * AITBC,
      forVotes: 100_000_000n * AITBC,
      state: BigInt(State.Succeeded),
    });
  });

  it("voting period 5 days: the deadline is creation + 48 h + 5 d; votes close then, not at 7 days", async function () {
    const dao = await networkHelpers.loadFixture(fiveDayVoteDao);
    const { governor, alice, bob, carol, outsider } = dao;
    expect(await governor.VOTING_PERIOD()).to.equal(5n * DAY);
    expect(await governor.votingPeriod()).to.equal(7n * DAY);
    const actions = await treasuryTransfer(dao, outsider.address, 1n, "Five-day vote");
    const { id, createdAt } = await propose(dao, dao.proposer, actions, ProposalType.Resource);
    const deadline = createdAt + 2n * DAY + 5n * DAY;
    expect(await governor.proposalDeadline(id)).to.equal(deadline);
    await openVoting(dao);
    await governor.connect(alice).castVote(id, Vote.For);
    await governor.connect(bob).castVote(id, Vote.For);
    // The last second of the vote: still Active, a vote is accepted.
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await governor.connect(carol).castVote(id, Vote.Against);
    expect(await governor.state(id)).to.equal(BigInt(State.Active));
    // One second later (5 days after voting opened, 2 before the design's 7): closed.
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
    await networkHelpers.mine();
    expect(await governor.state(id)).to.equal(BigInt(State.Succeeded));
    await expect(governor.connect(dao.whale).castVote(id, Vote.Against))
      .to.be.revertedWithCustomError(governor, "GovernorUnexpectedProposalState")
      .withArgs(
        id,
        BigInt(State.Succeeded),
        "0x" + (1n << BigInt(State.Active)).toString(16).padStart(64, "0"),
      );
    const [against, forVotes] = await governor.proposalVotes(id);
    expect(forVotes).to.equal(100_000_000n * AITBC);
    expect(against).to.equal(50_000_000n * AITBC - 1n);
  });

  it("long window 14 d, short 2 h: 1,000,000 AITBC held 7 days counts 500,000; averages up to 14 d are readable", async function () {
    const token = await deployToken({ votingPowerCapBps: 500n, shortAverageWindow: 2n * HOUR, longAverageWindow: 14n * DAY }); // prettier-ignore
    const [holder, voter] = await ethers.getSigners();
    await token.connect(holder!).transfer(voter!.address, 1_000_000n * AITBC);
    const tx = await token.connect(voter!).delegate(voter!.address);
    const delegatedAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
    await networkHelpers.time.increaseTo(delegatedAt + 7n * DAY + 1n);
    const breakdown = await token.getPastVotingPowerBreakdown(voter!.address, delegatedAt + 7n * DAY);
    expect(breakdown.votes).to.equal(1_000_000n * AITBC);
    // Held longer than the 2-hour short window: the short average is the whole balance.
    expect(breakdown.average24h).to.equal(1_000_000n * AITBC);
    // 7 of 14 days: half vested (the design's 7-day window would count all of it).
    expect(breakdown.average7d).to.equal(500_000n * AITBC);
    expect(breakdown.power).to.equal(500_000n * AITBC);
    // One hour in: the 2-hour average counts half (the design's 24 h would count 1/24).
    const early = await token.getPastVotingPowerBreakdown(voter!.address, delegatedAt + HOUR);
    expect(early.average24h).to.equal(500_000n * AITBC);
    expect(await token.getPastAverageVotes(voter!.address, delegatedAt + 7n * DAY, 14n * DAY)).to.equal(500_000n * AITBC); // prettier-ignore
    await expect(token.getPastAverageVotes(voter!.address, delegatedAt + 7n * DAY, 14n * DAY + 1n))
      .to.be.revertedWithCustomError(token, "TokenAverageWindowOutOfRange")
      .withArgs(14n * DAY + 1n, 14n * DAY);
  });
});
