import { expect } from "chai";
import type { Interface } from "ethers";
import { network } from "hardhat";

import { BUILTIN_MODEL } from "../../sdk/src/model/weights.js";
import { releaseProverResources } from "../../sdk/src/zk/proof.js";
import {
  AITBC,
  cachedReceipt,
  Component,
  DAY,
  deployMarket,
  MAX_TOKENS,
  MODEL,
  OTHER_MODEL,
  OUTPUT,
  openAndClaim,
  openJob,
  PRICE,
  PROMPT,
  proofArg,
  QUOTE_TYPES,
  quoteDomain,
  signedQuote,
  receiptJob,
  SECRET_1,
  SECRET_2,
  Status,
  submitDefault,
  Tier,
  TOKENS,
  type Market,
} from "../helpers/market.js";

const connection = await network.create();
const ZERO_ROLE = "0x" + "00".repeat(32);
const { networkHelpers } = connection;

describe("JobEscrow", function () {
  const fixture = () => deployMarket(connection);
  let market: Market;

  beforeEach(async () => {
    market = await networkHelpers.loadFixture(fixture);
  });

  after(async () => {
    await releaseProverResources();
  });

  describe("happy path with a real receipt proof", () => {
    // The title keeps "≤ 300k gas" (npm run coverage leaves this gas test out by that phrase).
    it("opens, claims, submits (≤ 300k gas before issue 14, ≤ 320k with the domain signal and the policy reads), finalizes, pays out and updates reputation", async () => {
      const { escrow, token, consumer, provider1, treasury, reputation } = market;
      const escrowed = MAX_TOKENS * PRICE;
      const before = await token.balanceOf(consumer.address);
      const jobId = await openJob(market);
      expect(jobId).to.equal(1n);
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(escrowed);
      await expect(escrow.connect(provider1).claim(jobId))
        .to.emit(escrow, "JobClaimed")
        .withArgs(jobId, provider1.address, false, 0n);

      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      const tx = await escrow
        .connect(provider1)
        .submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt));
      const mined = await tx.wait();
      // 297k before issue 14; the 7th receipt signal (the deployment domain) adds about 7k and the
      // policy's checkerOf and parameters reads about 8.6k.
      expect(mined!.gasUsed).to.be.lte(320_000n);
      await expect(tx).to.emit(escrow, "ResultSubmitted");
      expect(await escrow.nullifierSpent(receipt.nullifier)).to.equal(true);
      expect((await escrow.jobOf(jobId)).status).to.equal(Status.Submitted);

      await expect(escrow.finalize(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowChallengeWindowOpen")
        .withArgs(jobId, (await escrow.jobOf(jobId)).challengeEnds);
      await networkHelpers.time.increase(DAY + 1);

      const fee = TOKENS * PRICE;
      const protocolFee = (fee * 250n) / 10_000n;
      await expect(escrow.finalize(jobId))
        .to.emit(escrow, "JobSettled")
        .withArgs(jobId, fee - protocolFee, protocolFee, escrowed - fee);
      expect(await escrow.withdrawable(provider1.address)).to.equal(fee - protocolFee);
      expect(await escrow.withdrawable(treasury.address)).to.equal(protocolFee);
      expect(await escrow.withdrawable(consumer.address)).to.equal(escrowed - fee);
      expect((await reputation.componentsOf(provider1.address))[Component.Transactions]).to.equal(5n);
      expect((await reputation.componentsOf(provider1.address))[Component.Reliability]).to.equal(2n);
      expect(await reputation.trustScore(provider1.address)).to.equal(507n);

      await expect(escrow.connect(provider1).withdraw())
        .to.emit(escrow, "Withdrawn")
        .withArgs(provider1.address, fee - protocolFee);
      await escrow.connect(consumer).withdraw();
      await escrow.withdrawFor(treasury.address); // anyone triggers; tokens go to the treasury
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(0n);
      expect(await token.balanceOf(consumer.address)).to.equal(before - fee);
      await expect(escrow.connect(consumer).withdraw())
        .to.be.revertedWithCustomError(escrow, "EscrowNothingToWithdraw")
        .withArgs(consumer.address);
    });

    it("settles a job assigned by a provider's EIP-712 quote", async () => {
      const { escrow, consumer, provider1 } = market;
      const { quote, signature } = await signedQuote(market, {
        expiry: BigInt((await networkHelpers.time.latest()) + 3600),
        nonce: 7n,
      });
      expect(await escrow.quoteDigest(quote)).to.equal(
        market.ethers.TypedDataEncoder.hash(await quoteDomain(market), QUOTE_TYPES, quote),
      );
      const deadline = BigInt((await networkHelpers.time.latest()) + DAY);
      await expect(escrow.connect(consumer).openJobWithQuote(quote, signature, deadline))
        .to.emit(escrow, "JobClaimed")
        .withArgs(1n, provider1.address, true, 7n);
      expect(await escrow.quoteNonceUsed(provider1.address, 7n)).to.equal(true);
      await submitDefault(market, 1n);
      await networkHelpers.time.increase(DAY + 1);
      await expect(escrow.finalize(1n)).to.emit(escrow, "JobSettled");

      // The same quote cannot open a second job.
      await expect(escrow.connect(consumer).openJobWithQuote(quote, signature, deadline + 10n))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteExpired")
        .withArgs(quote.expiry);
    });

    it("accepts a quote signed by an ERC-1271 provider wallet (agent wallet)", async () => {
      const { escrow, staking, token, consumer, walletOwner, ecosystem, ethers } = market;
      const wallet = await ethers.deployContract("ERC1271WalletMock", [walletOwner.address]);
      const walletAddress = await wallet.getAddress();
      await token.connect(ecosystem).transfer(walletAddress, 10_000n * AITBC);
      const exec = (target: string, data: string) => wallet.connect(walletOwner).execute(target, data);
      await exec(
        await token.getAddress(),
        token.interface.encodeFunctionData("approve", [await staking.getAddress(), ethers.MaxUint256]),
      );
      await exec(
        await staking.getAddress(),
        staking.interface.encodeFunctionData("register", [
          12345n,
          { model: "H100", vramGb: 80, throughput: 900 },
          [MODEL],
        ]),
      );
      await exec(
        await staking.getAddress(),
        staking.interface.encodeFunctionData("stake", [5_000n * AITBC, 1]),
      );
      const quote = {
        provider: walletAddress,
        consumer: ethers.ZeroAddress,
        modelDigest: MODEL,
        promptHash: PROMPT,
        pricePerToken: PRICE,
        maxTokens: MAX_TOKENS,
        minDuration: 3600n,
        expiry: BigInt((await networkHelpers.time.latest()) + 3600),
        nonce: 1n,
      };
      // The wallet's owner key signs; the escrow asks the wallet (ERC-1271).
      const signature = await walletOwner.signTypedData(await quoteDomain(market), QUOTE_TYPES, quote);
      const deadline = BigInt((await networkHelpers.time.latest()) + DAY);
      await escrow.connect(consumer).openJobWithQuote(quote, signature, deadline);
      const job = await escrow.jobOf(1n);
      expect(job.provider).to.equal(walletAddress);
      expect(job.status).to.equal(Status.Claimed);
    });

    it("lets an agent wallet (a contract) open a job and withdraw its refund", async () => {
      const { escrow, token, walletOwner, ecosystem, ethers } = market;
      const wallet = await ethers.deployContract("ERC1271WalletMock", [walletOwner.address]);
      const walletAddress = await wallet.getAddress();
      await token.connect(ecosystem).transfer(walletAddress, 1_000n * AITBC);
      const escrowAddress = await escrow.getAddress();
      await wallet
        .connect(walletOwner)
        .execute(
          await token.getAddress(),
          token.interface.encodeFunctionData("approve", [escrowAddress, ethers.MaxUint256]),
        );
      const now = await networkHelpers.time.latest();
      const request = {
        modelDigest: MODEL,
        promptHash: PROMPT,
        maxTokens: MAX_TOKENS,
        pricePerToken: PRICE,
        deadline: BigInt(now + DAY),
        minTier: Tier.Bronze,
      };
      await wallet
        .connect(walletOwner)
        .execute(escrowAddress, escrow.interface.encodeFunctionData("openJob", [request]));
      expect((await escrow.jobOf(1n)).consumer).to.equal(walletAddress);
      await wallet
        .connect(walletOwner)
        .execute(escrowAddress, escrow.interface.encodeFunctionData("cancelJob", [1n]));
      await escrow.withdrawFor(walletAddress);
      expect(await token.balanceOf(walletAddress)).to.equal(1_000n * AITBC);
    });
  });

  describe("refusals", () => {
    it("refuses a proof by the wrong prover (another registered provider's proof)", async () => {
      const { escrow, provider2 } = market;
      const jobId = await openAndClaim(market, provider2);
      // provider2 holds the job but submits provider1's proof: the identity commitment differs.
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      await expect(
        escrow.connect(provider2).submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt)),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidProof")
        .withArgs(jobId);
    });

    it("refuses a submission by anyone but the job's provider", async () => {
      const { escrow, provider2 } = market;
      const jobId = await openAndClaim(market);
      await expect(submitDefault(market, jobId, SECRET_1, provider2))
        .to.be.revertedWithCustomError(escrow, "EscrowNotProvider")
        .withArgs(jobId, provider2.address);
    });

    it("refuses a replayed nullifier", async () => {
      const { escrow, provider1 } = market;
      const first = await openAndClaim(market);
      const second = await openAndClaim(market);
      await submitDefault(market, first);
      const receipt = await cachedReceipt(SECRET_1, receiptJob(first, market.receiptDeployment));
      await expect(
        escrow.connect(provider1).submitResult(second, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt)),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowNullifierSpent")
        .withArgs(receipt.nullifier);
    });

    it("refuses a proof made for another job", async () => {
      const { escrow, provider1 } = market;
      await openAndClaim(market);
      const second = await openAndClaim(market);
      const receipt = await cachedReceipt(SECRET_1, receiptJob(1n, market.receiptDeployment)); // proof of job 1, nullifier unspent
      await expect(
        escrow.connect(provider1).submitResult(second, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt)),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidProof")
        .withArgs(second);
    });

    it("refuses a proof whose output or token count differs from the submission", async () => {
      const { escrow, provider1, ethers } = market;
      const jobId = await openAndClaim(market);
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      await expect(
        escrow
          .connect(provider1)
          .submitResult(jobId, OUTPUT, TOKENS + 1n, receipt.nullifier, proofArg(receipt)),
      ).to.be.revertedWithCustomError(escrow, "EscrowInvalidProof");
      await expect(
        escrow
          .connect(provider1)
          .submitResult(jobId, ethers.ZeroHash, TOKENS, receipt.nullifier, proofArg(receipt)),
      ).to.be.revertedWithCustomError(escrow, "EscrowInvalidProof");
    });

    it("refuses more tokens than the job's maximum", async () => {
      const { escrow, provider1 } = market;
      const jobId = await openAndClaim(market);
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      await expect(
        escrow
          .connect(provider1)
          .submitResult(jobId, OUTPUT, MAX_TOKENS + 1n, receipt.nullifier, proofArg(receipt)),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowTooManyTokens")
        .withArgs(jobId, MAX_TOKENS + 1n, MAX_TOKENS);
    });

    it("refuses a submission after the deadline, and a claim after it", async () => {
      const { escrow, provider2 } = market;
      const jobId = await openAndClaim(market);
      const open = await openJob(market);
      const deadline = (await escrow.jobOf(jobId)).deadline;
      // Past both deadlines: the second job was opened later (block time follows the wall clock).
      const openDeadline = (await escrow.jobOf(open)).deadline;
      await networkHelpers.time.increaseTo((openDeadline > deadline ? openDeadline : deadline) + 10n);
      await expect(submitDefault(market, jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowDeadlinePassed")
        .withArgs(jobId, deadline);
      await expect(escrow.connect(provider2).claim(open)).to.be.revertedWithCustomError(
        escrow,
        "EscrowDeadlinePassed",
      );
    });

    it("refuses double settlement: a second submission and a second finalize", async () => {
      const { escrow } = market;
      const jobId = await openAndClaim(market);
      await submitDefault(market, jobId);
      await expect(submitDefault(market, jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(jobId, Status.Submitted);
      await networkHelpers.time.increase(DAY + 1);
      await escrow.finalize(jobId);
      await expect(escrow.finalize(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(jobId, Status.Settled);
      await expect(escrow.dispute(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(jobId, Status.Settled);
    });

    it("refuses a slash by anyone but the escrow", async () => {
      const { staking, outsider, governance, provider1 } = market;
      const role = await staking.ESCROW_ROLE();
      for (const caller of [outsider, governance, provider1]) {
        await expect(staking.connect(caller).slash(provider1.address, 1_000n))
          .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });

    it("refuses claims by unregistered, unstaked, non-serving and low-tier providers", async () => {
      const { escrow, staking, unstaked, provider1, provider2, outsider } = market;
      const jobId = await openJob(market);
      await expect(escrow.connect(outsider).claim(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowProviderNotRegistered")
        .withArgs(outsider.address);
      await staking.connect(unstaked).register(99n, { model: "A10", vramGb: 24, throughput: 50 }, [MODEL]);
      await expect(escrow.connect(unstaked).claim(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowStakeTooLow")
        .withArgs(unstaked.address, 0n, 1_000n * AITBC);
      await staking.connect(unstaked).stake(999n * AITBC, 0);
      await expect(escrow.connect(unstaked).claim(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowStakeTooLow")
        .withArgs(unstaked.address, 999n * AITBC, 1_000n * AITBC);
      const other = await openJob(market, { modelDigest: OTHER_MODEL });
      await expect(escrow.connect(provider1).claim(other))
        .to.be.revertedWithCustomError(escrow, "EscrowModelNotServed")
        .withArgs(provider1.address, OTHER_MODEL);
      const gold = await openJob(market, { minTier: Tier.Gold });
      await expect(escrow.connect(provider2).claim(gold))
        .to.be.revertedWithCustomError(escrow, "EscrowTierTooLow")
        .withArgs(provider2.address, Tier.Bronze, Tier.Gold);
      // Raise provider2 to gold (500 + 200 performance + 100 community = 800): now it may claim.
      await market.reputation
        .connect(market.oracle)
        .setComponent(provider2.address, Component.Performance, 200);
      await market.reputation
        .connect(market.governance)
        .setComponent(provider2.address, Component.Community, 100);
      await expect(escrow.connect(provider2).claim(gold)).to.emit(escrow, "JobClaimed");
      await expect(escrow.connect(provider1).claim(gold))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(gold, Status.Claimed);
    });

    it("refuses expired, forged, reused, cancelled and misdirected quotes", async () => {
      const { escrow, consumer, provider1, provider2, outsider } = market;
      const domain = await quoteDomain(market);
      const now = await networkHelpers.time.latest();
      const deadline = BigInt(now + DAY);
      const quote = {
        provider: provider1.address,
        consumer: consumer.address,
        modelDigest: MODEL,
        promptHash: PROMPT,
        pricePerToken: PRICE,
        maxTokens: MAX_TOKENS,
        minDuration: 3600n,
        expiry: BigInt(now + 600),
        nonce: 1n,
      };
      const good = await provider1.signTypedData(domain, QUOTE_TYPES, quote);
      const forged = await provider2.signTypedData(domain, QUOTE_TYPES, quote);
      await expect(escrow.connect(consumer).openJobWithQuote(quote, forged, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidQuoteSignature")
        .withArgs(provider1.address);
      const cheaper = { ...quote, pricePerToken: PRICE / 2n }; // signature over other terms
      await expect(
        escrow.connect(consumer).openJobWithQuote(cheaper, good, deadline),
      ).to.be.revertedWithCustomError(escrow, "EscrowInvalidQuoteSignature");
      await expect(escrow.connect(outsider).openJobWithQuote(quote, good, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteNotForCaller")
        .withArgs(consumer.address, outsider.address);
      await escrow.connect(consumer).openJobWithQuote(quote, good, deadline);
      await expect(escrow.connect(consumer).openJobWithQuote(quote, good, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteUsed")
        .withArgs(provider1.address, 1n);
      const second = { ...quote, nonce: 2n };
      const secondSig = await provider1.signTypedData(domain, QUOTE_TYPES, second);
      await expect(escrow.connect(provider1).cancelQuote(2n))
        .to.emit(escrow, "QuoteCancelled")
        .withArgs(provider1.address, 2n);
      await expect(
        escrow.connect(consumer).openJobWithQuote(second, secondSig, deadline),
      ).to.be.revertedWithCustomError(escrow, "EscrowQuoteUsed");
      const third = { ...quote, nonce: 3n };
      const thirdSig = await provider1.signTypedData(domain, QUOTE_TYPES, third);
      await networkHelpers.time.increaseTo(quote.expiry + 1n);
      await expect(escrow.connect(consumer).openJobWithQuote(third, thirdSig, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteExpired")
        .withArgs(quote.expiry);
    });

    it("refuses zero-value jobs and deadlines in the past or beyond 30 days", async () => {
      const { escrow, consumer } = market;
      const now = BigInt(await networkHelpers.time.latest());
      const request = (overrides: Record<string, unknown>) => ({
        modelDigest: MODEL,
        promptHash: PROMPT,
        maxTokens: MAX_TOKENS,
        pricePerToken: PRICE,
        deadline: now + 3600n,
        minTier: 0,
        ...overrides,
      });
      await expect(escrow.connect(consumer).openJob(request({ maxTokens: 0 }))).to.be.revertedWithCustomError(
        escrow,
        "EscrowZeroAmount",
      );
      await expect(escrow.connect(consumer).openJob(request({ deadline: now })))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidDeadline")
        .withArgs(now);
      await expect(
        escrow.connect(consumer).openJob(request({ deadline: now + 31n * BigInt(DAY) })),
      ).to.be.revertedWithCustomError(escrow, "EscrowInvalidDeadline");
    });

    it("lets only the consumer cancel, and only an unassigned job", async () => {
      const { escrow, consumer, outsider } = market;
      const jobId = await openJob(market);
      await expect(escrow.connect(outsider).cancelJob(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowNotConsumer")
        .withArgs(jobId, outsider.address);
      await expect(escrow.connect(consumer).cancelJob(jobId)).to.emit(escrow, "JobCancelled").withArgs(jobId);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE);
      const claimed = await openAndClaim(market);
      await expect(escrow.connect(consumer).cancelJob(claimed))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(claimed, Status.Claimed);
    });
  });

  describe("disputes", () => {
    async function submitted() {
      const jobId = await openAndClaim(market);
      await submitDefault(market, jobId);
      return jobId;
    }

    it("provider at fault: consumer refunded, bond returned, stake slashed and split, reputation cut", async () => {
      const { escrow, staking, reputation, token, challenger, consumer, provider1, arbiter, treasury } =
        market;
      const jobId = await submitted();
      const bond = 100n * AITBC;
      await expect(escrow.connect(challenger).dispute(jobId))
        .to.emit(escrow, "JobDisputed")
        .withArgs(jobId, challenger.address, bond);
      await expect(escrow.connect(consumer).dispute(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(jobId, Status.Disputed);
      await expect(escrow.connect(challenger).resolveDispute(jobId, true))
        .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount")
        .withArgs(challenger.address, await escrow.ARBITER_ROLE());

      const stake = await staking.stakeOf(provider1.address);
      const slashed = (stake * 1_000n) / 10_000n; // disputeSlashBps 10%
      await expect(escrow.connect(arbiter).resolveDispute(jobId, true))
        .to.emit(escrow, "DisputeResolved")
        .withArgs(jobId, true, slashed)
        .and.to.emit(staking, "Slashed")
        .withArgs(provider1.address, slashed, 1_000n, await escrow.getAddress());
      expect(await staking.stakeOf(provider1.address)).to.equal(stake - slashed);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE);
      expect(await escrow.withdrawable(challenger.address)).to.equal(bond + slashed / 2n);
      expect(await escrow.withdrawable(treasury.address)).to.equal(slashed - slashed / 2n);
      expect(await escrow.withdrawable(provider1.address)).to.equal(0n);
      const components = await reputation.componentsOf(provider1.address);
      expect(components[Component.Disputes]).to.equal(-25n);
      expect(components[Component.Transactions]).to.equal(-20n);
      expect((await escrow.jobOf(jobId)).status).to.equal(Status.Refunded);
      const owed =
        (await escrow.withdrawable(consumer.address)) +
        (await escrow.withdrawable(challenger.address)) +
        (await escrow.withdrawable(treasury.address));
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(owed);
    });

    it("provider not at fault: bond to the provider, job settles, dispute reputation rises", async () => {
      const { escrow, reputation, challenger, provider1, arbiter } = market;
      const jobId = await submitted();
      await escrow.connect(challenger).dispute(jobId);
      await expect(escrow.connect(arbiter).resolveDispute(jobId, false))
        .to.emit(escrow, "DisputeResolved")
        .withArgs(jobId, false, 0n)
        .and.to.emit(escrow, "JobSettled");
      const fee = TOKENS * PRICE;
      expect(await escrow.withdrawable(provider1.address)).to.equal(
        100n * AITBC + fee - (fee * 250n) / 10_000n,
      );
      expect((await reputation.componentsOf(provider1.address))[Component.Disputes]).to.equal(5n);
      await expect(escrow.connect(arbiter).resolveDispute(jobId, false))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(jobId, Status.Settled);
    });

    it("refuses a dispute after the challenge window", async () => {
      const { escrow, challenger } = market;
      const jobId = await submitted();
      const ends = (await escrow.jobOf(jobId)).challengeEnds;
      await networkHelpers.time.increaseTo(ends + 1n);
      await expect(escrow.connect(challenger).dispute(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowChallengeWindowClosed")
        .withArgs(jobId, ends);
    });
  });

  describe("missed deadlines", () => {
    it("refunds the consumer, slashes and penalises an assigned provider", async () => {
      const { escrow, staking, reputation, consumer, provider1, treasury } = market;
      const jobId = await openAndClaim(market);
      await expect(escrow.reclaim(jobId)).to.be.revertedWithCustomError(escrow, "EscrowDeadlineNotPassed");
      await networkHelpers.time.increase(DAY + 1);
      const stake = await staking.stakeOf(provider1.address);
      const slashed = (stake * 100n) / 10_000n;
      await expect(escrow.reclaim(jobId))
        .to.emit(escrow, "JobExpired")
        .withArgs(jobId, provider1.address, slashed);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE + slashed / 2n);
      expect(await escrow.withdrawable(treasury.address)).to.equal(slashed - slashed / 2n);
      const components = await reputation.componentsOf(provider1.address);
      expect(components[Component.Reliability]).to.equal(-10n);
      expect(components[Component.Transactions]).to.equal(-5n);
      await expect(escrow.reclaim(jobId))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(jobId, Status.Refunded);
    });

    it("refunds an unclaimed job without penalising anyone", async () => {
      const { escrow, consumer } = market;
      const jobId = await openJob(market);
      await networkHelpers.time.increase(DAY + 1);
      await expect(escrow.reclaim(jobId))
        .to.emit(escrow, "JobExpired")
        .withArgs(jobId, market.ethers.ZeroAddress, 0n);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE);
    });
  });

  describe("market policy", () => {
    it("accepts each parameter only from governance and only within its bounds", async () => {
      const { policy, governance, outsider, escrow } = market;
      // [setter, lowest, highest, out of bounds, field, min, max]
      const cases = [
        ["setProtocolFeeBps", 0n, 1_000n, 1_001n, "protocolFeeBps", 0n, 1_000n],
        ["setChallengeWindow", 3_600n, 604_800n, 3_599n, "challengeWindow", 3_600n, 604_800n],
        ["setDisputeBond", AITBC, 1_000_000n * AITBC, AITBC - 1n, "disputeBond", AITBC, 1_000_000n * AITBC],
        ["setDisputeSlashBps", 100n, 5_000n, 5_001n, "disputeSlashBps", 100n, 5_000n],
        ["setDeadlineSlashBps", 0n, 1_000n, 1_001n, "deadlineSlashBps", 0n, 1_000n],
        ["setSlashRewardBps", 0n, 9_000n, 9_001n, "slashRewardBps", 0n, 9_000n],
        ["setMinPenaltyWindow", 60n, 86_400n, 59n, "minPenaltyWindow", 60n, 86_400n],
        ["setRevealWindow", 3_600n, 604_800n, 604_801n, "revealWindow", 3_600n, 604_800n],
      ] as const;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- setters are looked up by name
      const c = policy as any;
      for (const [setter, low, high, bad, field, min, max] of cases) {
        for (const stranger of [outsider, market.consumer, market.provider1, market.arbiter]) {
          await expect(c.connect(stranger)[setter](low))
            .to.be.revertedWithCustomError(policy, "AccessControlUnauthorizedAccount")
            .withArgs(stranger.address, ZERO_ROLE);
        }
        await expect(c.connect(governance)[setter](bad))
          .to.be.revertedWithCustomError(policy, "PolicyParameterOutOfBounds")
          .withArgs(bad, min, max);
        await c.connect(governance)[setter](low);
        expect((await policy.parameters())[field]).to.equal(low);
        await c.connect(governance)[setter](high);
        expect((await policy.parameters())[field]).to.equal(high);
      }
      await expect(policy.connect(governance).setSampleRateBps(10_001))
        .to.be.revertedWithCustomError(policy, "PolicyParameterOutOfBounds")
        .withArgs(10_001n, 100n, 10_000n);
      await expect(
        policy.connect(governance).setTreasury(market.ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(policy, "PolicyZeroAddress");
      await expect(policy.connect(governance).setTreasury(outsider.address))
        .to.emit(policy, "TreasurySet")
        .withArgs(market.treasury.address, outsider.address);
      // The escrow itself has no parameter and no setter left.
      expect((escrow.interface as Interface).getFunction("setProtocolFeeBps")).to.equal(null);
      expect((escrow.interface as Interface).getFunction("treasury")).to.equal(null);
    });

    it("applies the policy's parameters when they apply: fee and treasury at settlement, window at submission, bond at dispute", async () => {
      const { escrow, policy, governance, outsider, challenger, token } = market;
      await policy.connect(governance).setProtocolFeeBps(1_000);
      await policy.connect(governance).setChallengeWindow(7_200);
      await policy.connect(governance).setDisputeBond(7n * AITBC);
      await policy.connect(governance).setTreasury(outsider.address);
      const first = await openAndClaim(market);
      const submitted = await submitDefault(market, first);
      const at = (await market.ethers.provider.getBlock((await submitted.wait())!.blockNumber))!.timestamp;
      expect((await escrow.jobOf(first)).challengeEnds).to.equal(BigInt(at) + 7_200n);
      // A later change of the window does not move a submitted job's window.
      await policy.connect(governance).setChallengeWindow(604_800);
      await networkHelpers.time.increase(7_201);
      const fee = TOKENS * PRICE;
      await expect(escrow.finalize(first))
        .to.emit(escrow, "JobSettled")
        .withArgs(first, fee - fee / 10n, fee / 10n, MAX_TOKENS * PRICE - fee);
      expect(await escrow.withdrawable(outsider.address)).to.equal(fee / 10n);
      expect(await escrow.withdrawable(market.treasury.address)).to.equal(0n);
      // The bond is the policy's at the time of the dispute, and recorded with it.
      const second = await openAndClaim(market);
      await submitDefault(market, second);
      const before = await token.balanceOf(challenger.address);
      await expect(escrow.connect(challenger).dispute(second))
        .to.emit(escrow, "JobDisputed")
        .withArgs(second, challenger.address, 7n * AITBC);
      expect(before - (await token.balanceOf(challenger.address))).to.equal(7n * AITBC);
      await policy.connect(governance).setDisputeBond(500n * AITBC);
      expect((await escrow.disputeOf(second)).bond).to.equal(7n * AITBC);
    });

    it("settles a model with a checker only through submitInferenceResult, and bubbles the checker's errors", async () => {
      const { escrow, policy, governance, provider1, token } = market;
      // MODEL gets a checker (any verifier: every attempt here fails before the proof).
      const checker = await market.ethers.deployContract("TopicClassifierChecker", [
        await market.verifier.getAddress(),
        MODEL,
        [...BUILTIN_MODEL.vocabulary],
        [...BUILTIN_MODEL.labels],
      ]);
      await expect(policy.connect(governance).setModelVerification(MODEL, await checker.getAddress()))
        .to.emit(policy, "ModelVerificationSet")
        .withArgs(MODEL, market.ethers.ZeroAddress, await checker.getAddress());
      const jobId = await openAndClaim(market);
      const receipt = await cachedReceipt(SECRET_1, receiptJob(jobId, market.receiptDeployment));
      const escrowBalance = await token.balanceOf(await escrow.getAddress());
      await expect(
        escrow.connect(provider1).submitResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt)),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowInferenceProofRequired")
        .withArgs(jobId, MODEL);
      // The checker's own errors come back unchanged: the prompt in the evidence is not the job's.
      const prompt = market.ethers.toUtf8Bytes('{"prompt":"rain"}');
      const evidence = market.ethers.AbiCoder.defaultAbiCoder().encode(
        ["bytes", "uint256[8]"],
        [prompt, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]],
      );
      const submit = (tokens: bigint, data: string) =>
        escrow
          .connect(provider1)
          .submitInferenceResult(jobId, OUTPUT, tokens, receipt.nullifier, proofArg(receipt), data);
      await expect(submit(TOKENS, evidence))
        .to.be.revertedWithCustomError(checker, "InferencePromptMismatch")
        .withArgs(PROMPT, market.ethers.keccak256(prompt));
      await expect(submit(TOKENS, "0x1234")).to.be.revertedWithCustomError(
        checker,
        "InferenceMalformedEvidence",
      );
      // The escrow's own checks come first: a stranger is refused as a stranger.
      await expect(
        escrow
          .connect(market.outsider)
          .submitInferenceResult(jobId, OUTPUT, TOKENS, receipt.nullifier, proofArg(receipt), evidence),
      )
        .to.be.revertedWithCustomError(escrow, "EscrowNotProvider")
        .withArgs(jobId, market.outsider.address);
      expect((await escrow.jobOf(jobId)).status).to.equal(Status.Claimed);
      expect(await escrow.nullifierSpent(receipt.nullifier)).to.equal(false);
      expect(await token.balanceOf(await escrow.getAddress())).to.equal(escrowBalance);
      // Back to receipt + challenge: governance removes the checker, and the receipt settles it.
      await policy.connect(governance).setModelVerification(MODEL, market.ethers.ZeroAddress);
      await expect(submit(TOKENS, evidence))
        .to.be.revertedWithCustomError(escrow, "EscrowNoInferenceChecker")
        .withArgs(jobId, MODEL);
      await expect(submitDefault(market, jobId)).to.emit(escrow, "ResultSubmitted");
    });
  });

  it("uses provider2's own proof when provider2 serves the job (a second identity)", async () => {
    const { escrow, provider2 } = market;
    const jobId = await openAndClaim(market, provider2);
    await expect(submitDefault(market, jobId, SECRET_2, provider2)).to.emit(escrow, "ResultSubmitted");
  });
});
