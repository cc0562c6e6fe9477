import { expect } from "chai";
import { network } from "hardhat";
import type { Address } from "viem";

import {
  acceptOffer,
  counterOffer,
  createOffer,
  evaluateProposal,
  getJob,
  NegotiationError,
  openJobWithQuote,
  rankOffers,
  respondToOffer,
  routeInference,
  verifyQuote,
  VoteSupport,
  type AitbcContracts,
  type NegotiationOffer,
  type ProposalSummary,
} from "../../sdk/src/index.js";
import { DAY, deployMarket, MODEL, PROMPT } from "../helpers/market.js";
import { rejection, viemClients } from "./helpers.js";

const AITBC = 10n ** 18n;
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

describe("sdk: agents (strategies, matcher, negotiation, router)", function () {
  describe("voting strategies", function () {
    const rewardIncrease: ProposalSummary = {
      proposalType: "Protocol",
      description: "Raise the GPU provider reward rate to grow staking",
      parameterChanges: [{ parameter: "rewardRate", direction: "increase" }],
    };
    const feeIncrease: ProposalSummary = {
      proposalType: "Protocol",
      description: "Raise the protocol fee to 5% to fund the treasury",
      parameterChanges: [{ parameter: "protocolFeeBps", direction: "increase" }],
    };
    const sdkGrant: ProposalSummary = {
      proposalType: "Community",
      description: "Grant 500k AITBC for open source SDK tooling and documentation",
      treasuryAmount: 500_000n * AITBC,
    };
    const hugeGrant: ProposalSummary = {
      proposalType: "Community",
      description: "Move 50M AITBC to a marketing multisig",
      treasuryAmount: 50_000_000n * AITBC,
    };
    const emergency: ProposalSummary = {
      proposalType: "Emergency",
      description: "Pause disputes: security vulnerability in the escrow",
    };

    it("providers vote For a reward increase, consumers do not", function () {
      const provider = evaluateProposal("Provider", rewardIncrease);
      expect(provider.score).to.be.greaterThan(0.7);
      expect(provider.vote).to.equal(VoteSupport.For);
      expect(provider.reasons.join("\n")).to.match(/\+0\.30 rewardRate increase/);
      const consumer = evaluateProposal("Consumer", rewardIncrease);
      expect(consumer.vote).to.equal(VoteSupport.Against);
    });

    it("everyone but builders rejects a fee increase; builders back a small SDK grant, not a huge one", function () {
      for (const role of ["Provider", "Consumer", "Coordinator"] as const) {
        expect(evaluateProposal(role, feeIncrease).vote, role).to.equal(VoteSupport.Against);
      }
      const grant = evaluateProposal("Builder", sdkGrant);
      expect(grant.vote).to.equal(VoteSupport.For);
      expect(grant.reasons.some((r) => r.includes("builder keywords"))).to.equal(true);
      expect(evaluateProposal("Builder", hugeGrant).vote).to.equal(VoteSupport.Against);
      expect(evaluateProposal("Coordinator", hugeGrant).score).to.be.lessThan(0.5);
    });

    it("respects the threshold and explains emergencies", function () {
      const e = evaluateProposal("Coordinator", emergency);
      expect(e.score).to.equal(0.7);
      expect(e.vote).to.equal(VoteSupport.Against); // strictly above 0.7 is needed
      expect(evaluateProposal("Coordinator", emergency, { threshold: 0.6 }).vote).to.equal(VoteSupport.For);
      expect(e.reasons.join("\n")).to.match(/security reason/);
    });
  });

  describe("provider matcher", function () {
    it("ranks the top 5 by price, trust and capacity", function () {
      const offers = [
        { provider: addr(1), pricePerToken: 10n, trustScore: 500n, capacity: 10 },
        { provider: addr(2), pricePerToken: 5n, trustScore: 900n, capacity: 50 }, // best on all
        { provider: addr(3), pricePerToken: 20n, trustScore: 1000n, capacity: 100 },
        { provider: addr(4), pricePerToken: 5n, trustScore: 100n, capacity: 5 },
        { provider: addr(5), pricePerToken: 8n, trustScore: 700n, capacity: 40 },
        { provider: addr(6), pricePerToken: 50n, trustScore: 200n, capacity: 1 }, // worst
        { provider: addr(7), pricePerToken: 6n, trustScore: 800n, capacity: 30 },
      ];
      const ranked = rankOffers(offers);
      expect(ranked).to.have.length(5);
      expect(ranked[0]!.provider).to.equal(addr(2));
      expect(ranked.map((r) => r.provider)).to.not.include(addr(6));
      for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).to.be.at.least(ranked[i]!.score);
      const byTrust = rankOffers(offers, { limit: 1, weights: { price: 0, trust: 1, capacity: 0 } });
      expect(byTrust[0]!.provider).to.equal(addr(3));
      expect(
        rankOffers(offers, { maxPricePerToken: 6n, minTrustScore: 600 }).map((r) => r.provider),
      ).to.deep.equal([addr(2), addr(7)]);
    });
  });

  describe("hybrid router", function () {
    it("routes by model size (8 GB), availability, duration, complexity and cost", function () {
      const base = { modelSizeGB: 4, localAvailable: true, expectedDurationSec: 30 };
      expect(routeInference(base)).to.include({ route: "local", reason: "optimal_local" });
      expect(routeInference({ ...base, modelSizeGB: 8 }).route).to.equal("local");
      expect(routeInference({ ...base, modelSizeGB: 8.5 })).to.include({
        route: "network",
        reason: "model_too_large",
      });
      expect(routeInference({ ...base, localAvailable: false }).reason).to.equal(
        "model_not_available_locally",
      );
      expect(routeInference({ ...base, expectedDurationSec: 600 }).reason).to.equal("exceeds_local_timeout");
      expect(routeInference({ ...base, complexity: 0.9 }).reason).to.equal("high_complexity");
      expect(routeInference({ ...base, networkCostWei: 70n, localCostWei: 100n }).reason).to.equal(
        "network_cost_effective",
      );
      expect(routeInference({ ...base, networkCostWei: 90n, localCostWei: 100n }).route).to.equal("local");
    });
  });

  describe("negotiation", function () {
    it("negotiates offer → counter-offers → accept into a quote JobEscrow accepts", async function () {
      const connection = await network.create();
      const market = await deployMarket(connection);
      const clients = viemClients(connection);
      const contracts: AitbcContracts = {
        AITBCToken: (await market.token.getAddress()) as Address,
        JobEscrow: (await market.escrow.getAddress()) as Address,
      };
      const now = BigInt(await market.networkHelpers.time.latest());
      const providerFloor = 2n * 10n ** 15n;
      const consumerCeiling = 25n * 10n ** 14n;

      let offer: NegotiationOffer = createOffer({
        provider: market.provider1.address as Address,
        consumer: market.consumer.address as Address,
        modelDigest: MODEL,
        promptHash: PROMPT,
        pricePerToken: 4n * 10n ** 15n,
        maxTokens: 100n,
        minDuration: 600n,
        expiry: now + 3600n,
        nonce: 7n,
      });
      let turn: "consumer" | "provider" = "consumer";
      for (;;) {
        const answer = respondToOffer(offer, {
          role: turn,
          limit: turn === "consumer" ? consumerCeiling : providerFloor,
        });
        if (answer === "accept") break;
        offer = counterOffer(offer, { pricePerToken: answer });
        turn = turn === "consumer" ? "provider" : "consumer";
      }
      expect(offer.round).to.be.greaterThan(0);
      expect(
        offer.quote.pricePerToken >= providerFloor && offer.quote.pricePerToken <= consumerCeiling,
      ).to.equal(true);

      const wrong = await rejection(
        acceptOffer(clients.walletFor(market.consumer.address), { contracts, offer }),
      );
      expect(wrong).to.be.instanceOf(NegotiationError);
      const { quote, signature } = await acceptOffer(clients.walletFor(market.provider1.address), {
        contracts,
        offer,
      });
      expect(await verifyQuote(clients.publicClient, { contracts, quote, signature })).to.equal(true);
      const { jobId } = await openJobWithQuote(clients.walletFor(market.consumer.address), {
        contracts,
        quote,
        signature,
        deadline: now + BigInt(DAY),
      });
      const job = await getJob(clients.publicClient, { contracts, jobId });
      expect(job.status).to.equal("Claimed");
      expect(job.pricePerToken).to.equal(offer.quote.pricePerToken);

      let capped = createOffer(quote);
      for (let i = 0; i < 6; i++)
        capped = counterOffer(capped, { pricePerToken: quote.pricePerToken + BigInt(i) });
      expect(() => counterOffer(capped, {})).to.throw(NegotiationError);
    });
  });
});
