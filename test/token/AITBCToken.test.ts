import { expect } from "chai";
import { network } from "hardhat";

import {
  AITBC,
  DAY,
  DESIGN_VOTING_POWER,
  HOUR,
  TOTAL_SUPPLY,
  VOTING_POWER_CAP,
  deployToken,
  signPermit,
} from "../helpers/token.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

async function fixture() {
  return deployToken(ethers);
}

/** Moves `amount` from the faucet to `to` and has `to` delegate to `delegatee` (default: itself). */
async function fundAndDelegate(
  deployment: Awaited<ReturnType<typeof fixture>>,
  to: { address: string },
  amount: bigint,
  delegatee: string = to.address,
) {
  const { token, distributor } = deployment;
  await token.connect(distributor).transfer(to.address, amount);
  const signer = await ethers.getSigner(to.address);
  await token.connect(signer).delegate(delegatee);
  return time.latest();
}

describe("AITBCToken", function () {
  describe("genesis", function () {
    it("mints exactly the fixed supply, split 40/25/20/10/5", async function () {
      const { token, treasury, distributor, contributors } = await networkHelpers.loadFixture(fixture);
      expect(await token.totalSupply()).to.equal(TOTAL_SUPPLY);
      expect(await token.TOTAL_SUPPLY()).to.equal(TOTAL_SUPPLY);
      expect(await token.balanceOf(treasury.address)).to.equal(400_000_000n * AITBC);
      // The faucet holds ecosystem 25% + development 20% + liquidity 5%.
      expect(await token.balanceOf(distributor.address)).to.equal(500_000_000n * AITBC);
      expect(await token.balanceOf(contributors[0].address)).to.equal(60_000_000n * AITBC);
      expect(await token.balanceOf(contributors[1].address)).to.equal(40_000_000n * AITBC);
      expect(await token.decimals()).to.equal(18n);
      expect(await token.symbol()).to.equal("AITBC");
    });

    it("emits one GenesisAllocated per recipient with its category", async function () {
      const [a, b, c, d, e, f] = await ethers.getSigners();
      const token = await ethers.deployContract("AITBCToken", [
        a!.address,
        b!.address,
        c!.address,
        d!.address,
        [e!.address, f!.address],
        [70_000_000n * AITBC, 30_000_000n * AITBC],
        DESIGN_VOTING_POWER,
      ]);
      const receipt = await token.deploymentTransaction()!.wait();
      const events = receipt!.logs
        .map((log) => token.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "GenesisAllocated")
        .map((parsed) => [parsed!.args[0], parsed!.args[1], parsed!.args[2]]);
      expect(events).to.deep.equal([
        [a!.address, 0n, 400_000_000n * AITBC],
        [b!.address, 1n, 250_000_000n * AITBC],
        [c!.address, 2n, 200_000_000n * AITBC],
        [d!.address, 3n, 50_000_000n * AITBC],
        [e!.address, 4n, 70_000_000n * AITBC],
        [f!.address, 4n, 30_000_000n * AITBC],
      ]);
    });

    it("reverts with TokenGenesisZeroRecipient(index) for a zero recipient", async function () {
      const [a] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("AITBCToken");
      const zero = ethers.ZeroAddress;
      const contributorAmount = [100_000_000n * AITBC];
      await expect(
        ethers.deployContract("AITBCToken", [
          a!.address,
          zero,
          a!.address,
          a!.address,
          [a!.address],
          contributorAmount,
          DESIGN_VOTING_POWER,
        ]),
      )
        .to.be.revertedWithCustomError(factory, "TokenGenesisZeroRecipient")
        .withArgs(1n);
      await expect(
        ethers.deployContract("AITBCToken", [
          a!.address,
          a!.address,
          a!.address,
          a!.address,
          [zero],
          contributorAmount,
          DESIGN_VOTING_POWER,
        ]),
      )
        .to.be.revertedWithCustomError(factory, "TokenGenesisZeroRecipient")
        .withArgs(4n);
    });

    it("reverts when the contributors' amounts do not add up to exactly 10%", async function () {
      const [a, b] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("AITBCToken");
      const recipients = [a!.address, a!.address, a!.address, a!.address] as const;
      await expect(
        ethers.deployContract("AITBCToken", [
          ...recipients,
          [b!.address],
          [100_000_000n * AITBC - 1n],
          DESIGN_VOTING_POWER,
        ]),
      )
        .to.be.revertedWithCustomError(factory, "TokenGenesisAllocationMismatch")
        .withArgs(100_000_000n * AITBC, 100_000_000n * AITBC - 1n);
      await expect(
        ethers.deployContract("AITBCToken", [...recipients, [b!.address], [1n, 2n], DESIGN_VOTING_POWER]),
      )
        .to.be.revertedWithCustomError(factory, "TokenGenesisLengthMismatch")
        .withArgs(1n, 2n);
    });

    it("has no way to mint after deployment", async function () {
      const { token, distributor, others } = await networkHelpers.loadFixture(fixture);
      const names: string[] = [];
      token.interface.forEachFunction((fn) => names.push(fn.name));
      expect(names.filter((name) => /mint|issue|inflate/i.test(name))).to.deep.equal([]);
      await token.connect(distributor).transfer(others[0]!.address, 5n * AITBC);
      await token.connect(others[0]!).delegate(others[0]!.address);
      expect(await token.totalSupply()).to.equal(TOTAL_SUPPLY);
    });
  });

  describe("clock (ERC-6372)", function () {
    it("uses timestamps", async function () {
      const { token } = await networkHelpers.loadFixture(fixture);
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await token.clock()).to.equal(BigInt(await time.latest()));
    });
  });

  describe("getPastVotingPower", function () {
    it("reverts with ERC5805FutureLookup for the current or a future timepoint", async function () {
      const { token, others } = await networkHelpers.loadFixture(fixture);
      const now = BigInt(await time.latest());
      await expect(token.getPastVotingPower(others[0]!.address, now))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(now, now);
      await expect(token.getPastVotingPowerBreakdown(others[0]!.address, now + 100n))
        .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
        .withArgs(now + 100n, now);
    });

    it("is 0 for an account with no history", async function () {
      const { token, others } = await networkHelpers.loadFixture(fixture);
      await time.increase(10);
      expect(await token.getPastVotingPower(others[0]!.address, BigInt(await time.latest()) - 1n)).to.equal(
        0n,
      );
      expect(await token.numVotingPowerCheckpoints(others[0]!.address)).to.equal(0n);
    });

    it("gives a flash loan no power at any later snapshot", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, distributor } = deployment;
      const lender = await ethers.deployContract("ERC3156FlashLenderMock");
      const borrower = await ethers.deployContract("FlashVoteBorrowerMock");
      const loan = 300_000_000n * AITBC; // 30% of supply
      await token.connect(distributor).transfer(await lender.getAddress(), loan);

      await expect(borrower.attack(await lender.getAddress(), await token.getAddress(), loan))
        .to.emit(borrower, "VotesDuringLoan")
        .withArgs(loan);
      const loanAt = BigInt(await time.latest());
      const borrowerAddress = await borrower.getAddress();
      for (const later of [0n, HOUR, DAY, 7n * DAY, 30n * DAY]) {
        await time.increaseTo(loanAt + later + 1n);
        expect(await token.getPastVotingPower(borrowerAddress, loanAt + later)).to.equal(0n);
      }
      expect(await token.balanceOf(await lender.getAddress())).to.equal(loan);
    });

    it("vests votes acquired d days before the snapshot to d/7 of themselves", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others } = deployment;
      const amount = 7_000_000n * AITBC;
      const acquiredAt = BigInt(await fundAndDelegate(deployment, others[0]!, amount));
      for (let d = 1n; d <= 8n; d++) {
        const snapshot = acquiredAt + d * DAY;
        await time.increaseTo(snapshot + 1n);
        const breakdown = await token.getPastVotingPowerBreakdown(others[0]!.address, snapshot);
        const vested = d >= 7n ? amount : (amount * d) / 7n;
        expect(breakdown.votes).to.equal(amount);
        expect(breakdown.average24h).to.equal(amount);
        expect(breakdown.average7d).to.equal(vested);
        expect(breakdown.cap).to.equal(VOTING_POWER_CAP);
        expect(breakdown.power).to.equal(vested);
        expect(await token.getPastVotingPower(others[0]!.address, snapshot)).to.equal(vested);
      }
    });

    it("counts nothing for votes moved away before the snapshot", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others, distributor } = deployment;
      const amount = 1_000_000n * AITBC;
      await fundAndDelegate(deployment, others[0]!, amount);
      await time.increase(30n * DAY);
      await token.connect(others[0]!).transfer(distributor.address, amount);
      const movedAt = BigInt(await time.latest());
      await time.increase(HOUR);
      expect(await token.getPastVotingPower(others[0]!.address, movedAt)).to.equal(0n);
      // Re-delegating votes away (rather than selling) also removes them.
      await fundAndDelegate(deployment, others[1]!, amount);
      await time.increase(30n * DAY);
      await token.connect(others[1]!).delegate(others[2]!.address);
      const redelegatedAt = BigInt(await time.latest());
      await time.increase(1);
      expect(await token.getPastVotingPower(others[1]!.address, redelegatedAt)).to.equal(0n);
      // ... and the new delegate starts vesting from zero.
      expect(await token.getPastVotingPower(others[2]!.address, redelegatedAt)).to.equal(0n);
    });

    it("does not restore old power when votes are re-bought an hour before the snapshot", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others, distributor } = deployment;
      const amount = 2_400_000n * AITBC;
      await fundAndDelegate(deployment, others[0]!, amount);
      await time.increase(30n * DAY);
      await token.connect(others[0]!).transfer(distributor.address, amount); // sold 2 days before
      await time.increase(2n * DAY - HOUR);
      await token.connect(distributor).transfer(others[0]!.address, amount); // re-bought 1 hour before
      const snapshot = BigInt(await time.latest()) + HOUR;
      await time.increaseTo(snapshot + 1n);
      const breakdown = await token.getPastVotingPowerBreakdown(others[0]!.address, snapshot);
      expect(breakdown.votes).to.equal(amount);
      expect(breakdown.average24h).to.equal(amount / 24n);
      expect(breakdown.power).to.equal(amount / 24n);
    });

    it("caps any holding at 5% of supply", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others } = deployment;
      await fundAndDelegate(deployment, others[0]!, 120_000_000n * AITBC); // 12%
      await time.increase(8n * DAY);
      const snapshot = BigInt(await time.latest()) - 1n;
      const breakdown = await token.getPastVotingPowerBreakdown(others[0]!.address, snapshot);
      expect(breakdown.votes).to.equal(120_000_000n * AITBC);
      expect(breakdown.average7d).to.equal(120_000_000n * AITBC);
      expect(breakdown.power).to.equal(VOTING_POWER_CAP);
    });

    it("caps delegations that pile up on one delegate (an agent wallet)", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others } = deployment;
      const agentWallet = await ethers.deployContract("FlashVoteBorrowerMock"); // any contract address
      const agent = await agentWallet.getAddress();
      for (const holder of others.slice(0, 3)) {
        await fundAndDelegate(deployment, holder, 30_000_000n * AITBC, agent); // 3% each, 9% together
      }
      await time.increase(8n * DAY);
      const snapshot = BigInt(await time.latest()) - 1n;
      expect(await token.getPastVotes(agent, snapshot)).to.equal(90_000_000n * AITBC);
      expect(await token.getPastVotingPower(agent, snapshot)).to.equal(VOTING_POWER_CAP);
      for (const holder of others.slice(0, 3)) {
        expect(await token.getPastVotingPower(holder.address, snapshot)).to.equal(0n);
      }
    });

    it("keeps one checkpoint per second in which votes changed", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others, distributor } = deployment;
      const at0 = BigInt(await fundAndDelegate(deployment, others[0]!, 100n * AITBC));
      await time.increase(10);
      await token.connect(distributor).transfer(others[0]!.address, 50n * AITBC);
      const at1 = BigInt(await time.latest());
      expect(await token.numVotingPowerCheckpoints(others[0]!.address)).to.equal(2n);
      const [t0, v0, c0] = await token.votingPowerCheckpointAt(others[0]!.address, 0n);
      const [t1, v1, c1] = await token.votingPowerCheckpointAt(others[0]!.address, 1n);
      expect([t0, v0, c0]).to.deep.equal([at0, 100n * AITBC, 0n]);
      expect([t1, v1, c1]).to.deep.equal([at1, 150n * AITBC, 100n * AITBC * (at1 - at0)]);
    });
  });

  describe("getPastAverageVotes", function () {
    it("averages over any window up to 7 days and rejects others", async function () {
      const deployment = await networkHelpers.loadFixture(fixture);
      const { token, others } = deployment;
      const at = BigInt(await fundAndDelegate(deployment, others[0]!, 1_000n * AITBC));
      await time.increase(2n * DAY);
      // Held for 1 hour of the 2-hour window ending 1 hour after acquisition.
      expect(await token.getPastAverageVotes(others[0]!.address, at + HOUR, 2n * HOUR)).to.equal(
        500n * AITBC,
      );
      await expect(token.getPastAverageVotes(others[0]!.address, at, 0n))
        .to.be.revertedWithCustomError(token, "TokenAverageWindowOutOfRange")
        .withArgs(0n, 7n * DAY);
      await expect(token.getPastAverageVotes(others[0]!.address, at, 7n * DAY + 1n))
        .to.be.revertedWithCustomError(token, "TokenAverageWindowOutOfRange")
        .withArgs(7n * DAY + 1n, 7n * DAY);
    });
  });

  describe("ERC-2612 permit", function () {
    it("sets an allowance from an off-chain signature", async function () {
      const { token, others } = await networkHelpers.loadFixture(fixture);
      const [owner, spender] = [others[0]!, others[1]!];
      const deadline = BigInt(await time.latest()) + HOUR;
      const signature = await signPermit(token, owner, spender.address, 1_000n * AITBC, deadline);
      await token.permit(
        owner.address,
        spender.address,
        1_000n * AITBC,
        deadline,
        signature.v,
        signature.r,
        signature.s,
      );
      expect(await token.allowance(owner.address, spender.address)).to.equal(1_000n * AITBC);
      expect(await token.nonces(owner.address)).to.equal(1n);
    });
  });
});
