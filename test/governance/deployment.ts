import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Interface } from "ethers";
import { network } from "hardhat";

import { buildMarketModule, marketDeploymentAddresses } from "../../deploy/modules/market.js";
import { TIMELOCK_ROLES, VESTING_RELEASE_SELECTOR } from "../../deploy/modules/openclaw.js";
import { buildAgentWalletModule } from "../../deploy/modules/wallet.js";
import { deploymentPath, writeDeployment } from "../../scripts/lib/deployments.js";
import {
  AITBC,
  DAY,
  EMERGENCY_DELAY,
  PROPOSAL_BOND,
  THRESHOLD,
  TIMELOCK_DELAY,
  TOTAL_SUPPLY,
  deployOpenClaw,
  propose,
  treasuryTransfer,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

const MAX_CONTRACT_SIZE = 24_576;

describe("OpenClaw governance: deployment", function () {
  it("the timelock holds the 40% treasury and no admin key is left with the deployer", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { timelock, governor, token, deployer } = dao;
    const [t, g] = [await timelock.getAddress(), await governor.getAddress()];
    expect(await token.balanceOf(t)).to.equal((TOTAL_SUPPLY * 40n) / 100n);
    expect(await timelock.hasRole(TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
    expect(await timelock.hasRole(TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, t)).to.equal(true);
    for (const role of [
      TIMELOCK_ROLES.PROPOSER_ROLE,
      TIMELOCK_ROLES.CANCELLER_ROLE,
      TIMELOCK_ROLES.EXECUTOR_ROLE,
    ]) {
      expect(await timelock.hasRole(role, g)).to.equal(true);
      expect(await timelock.hasRole(role, deployer.address)).to.equal(false);
      expect(await timelock.hasRole(role, ethers.ZeroAddress)).to.equal(false);
    }
    // The council Safe may only cancel a queued operation.
    const council = await dao.council.getAddress();
    expect(await timelock.hasRole(TIMELOCK_ROLES.CANCELLER_ROLE, council)).to.equal(true);
    expect(await timelock.hasRole(TIMELOCK_ROLES.PROPOSER_ROLE, council)).to.equal(false);
    expect(await timelock.hasRole(TIMELOCK_ROLES.EXECUTOR_ROLE, council)).to.equal(false);
    // The allowlist of non-critical calls: release(address) of the vesting wallet, nothing else here.
    expect(await governor.isCallAllowed(await dao.vesting.getAddress(), VESTING_RELEASE_SELECTOR)).to.equal(
      true,
    );
    expect(await governor.isCallAllowed(await dao.vesting.getAddress(), ethers.id("release()").slice(0, 10))).to.equal(false); // prettier-ignore
    expect(await timelock.getMinDelay()).to.equal(BigInt(TIMELOCK_DELAY));
    expect(await timelock.emergencyDelay()).to.equal(BigInt(EMERGENCY_DELAY));
    expect(await governor.timelock()).to.equal(t);
    await expect(timelock.connect(deployer).grantRole(TIMELOCK_ROLES.PROPOSER_ROLE, deployer.address))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
      .withArgs(deployer.address, TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE);
  });

  it("the council is a Safe 1.5 proxy with the five owners and threshold 3", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { council, governor, owners } = dao;
    expect(await governor.council()).to.equal(await council.getAddress());
    expect(await council.VERSION()).to.equal("1.5.0");
    expect(await council.getThreshold()).to.equal(3n);
    const onChainOwners = (await council.getOwners()).map((owner: string) => owner.toLowerCase());
    expect([...onChainOwners].sort()).to.deep.equal(
      owners.map((owner) => owner.address.toLowerCase()).sort(),
    );
  });

  it("the governor's settings match the design", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, escrow, token } = dao;
    expect(await governor.name()).to.equal("OpenClaw DAO");
    expect(await governor.CLOCK_MODE()).to.equal("mode=timestamp");
    // Snapshot = ProposalCreated.voteStart = creation; the deadline 48 h + 7 d after it.
    expect(await governor.votingDelay()).to.equal(0n);
    expect(await governor.votingPeriod()).to.equal(2n * 24n * 3600n + 7n * 24n * 3600n);
    expect(await governor.proposalThreshold()).to.equal(THRESHOLD);
    expect(await governor["quorumNumerator()"]()).to.equal(10n);
    expect(await governor.token()).to.equal(await token.getAddress());
    expect(await governor.bondEscrow()).to.equal(await escrow.getAddress());
    expect(await escrow.governor()).to.equal(await governor.getAddress());
    expect(await escrow.treasury()).to.equal(await dao.timelock.getAddress());
    expect(await escrow.proposalBond()).to.equal(PROPOSAL_BOND);
    expect(await escrow.challengeBond()).to.equal(1_000n * AITBC);
  });

  it("escrowed bonds are nobody's votes: the escrow never delegates", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { escrow, token } = dao;
    await propose(dao, dao.proposer, await treasuryTransfer(dao, dao.outsider.address, 1n, "Bonded"));
    const e = await escrow.getAddress();
    expect(await token.balanceOf(e)).to.equal(PROPOSAL_BOND);
    expect(await token.delegates(e)).to.equal(ethers.ZeroAddress);
    expect(await token.getVotes(e)).to.equal(0n);
    expect((escrow.interface as Interface).getFunction("delegate")).to.equal(null);
    await networkHelpers.time.increase(8 * DAY);
    const latest = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(await token.getPastVotingPower(e, latest - 1)).to.equal(0n);
  });

  it("every contract is under the 24,576-byte limit", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    // Every contract the deploy modules create: the DAO's, the whole market module's (escrows,
    // policy, checker, verifiers, staking, reputation) and the agent wallets'.
    const market = await dao.ignition.deploy(
      buildMarketModule({
        token: await dao.token.getAddress(),
        timelock: await dao.timelock.getAddress(),
        council: await dao.council.getAddress(),
      }),
    );
    const wallets = await dao.ignition.deploy(buildAgentWalletModule(undefined, "SizeAgentWallets"));
    const factory = await ethers.getContractAt("AgentWalletFactory", await wallets.factory.getAddress());
    const contracts: Record<string, string> = {
      OpenClawGovernor: await dao.governor.getAddress(),
      ProposalBondEscrow: await dao.escrow.getAddress(),
      OpenClawTimelock: await dao.timelock.getAddress(),
      AITBCToken: await dao.token.getAddress(),
      ...(await marketDeploymentAddresses(market)),
      EntryPoint: await wallets.entryPoint.getAddress(),
      AgentWalletFactory: String(factory.target), // (its own getAddress predicts wallet addresses)
      AgentWallet: await factory.implementation(),
    };
    for (const name of [
      "JobEscrow",
      "MarketPolicy",
      "TopicClassifierChecker",
      "InferenceVerifier",
      "ReceiptVerifier",
    ]) {
      expect(contracts, name).to.have.property(name);
    }
    const sizes: Record<string, number> = {};
    for (const [name, address] of Object.entries(contracts)) {
      sizes[name] = (await ethers.provider.getCode(address)).length / 2 - 1;
    }
    const outOfRange = Object.entries(sizes).filter(([, size]) => size === 0 || size > MAX_CONTRACT_SIZE);
    expect(outOfRange, JSON.stringify(sizes)).to.deep.equal([]);
  });

  it("writeDeployment merges addresses into deployments/<chainId>.json", async function () {
    const dir = await mkdtemp(join(tmpdir(), "aitbc-deployments-"));
    try {
      await writeDeployment(31337n, { AITBCToken: "0x0000000000000000000000000000000000000001" }, dir);
      const record = await writeDeployment(
        31337,
        { OpenClawGovernor: "0x0000000000000000000000000000000000000002" },
        dir,
      );
      const onDisk = JSON.parse(await readFile(deploymentPath(31337, dir), "utf8"));
      expect(onDisk).to.deep.equal(record);
      expect(onDisk).to.deep.equal({
        chainId: 31337,
        contracts: {
          AITBCToken: "0x0000000000000000000000000000000000000001",
          OpenClawGovernor: "0x0000000000000000000000000000000000000002",
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
