/**
 * The seller (node/agents/seller.ts) with its real payment step: x402PaymentStep on the SDK's paywall
 * and an in-process x402 facilitator settling EIP-3009 payments of the AITBC token on the in-process
 * chain; buyers pay with the SDK's createX402Fetch (an EOA without ether, and an AgentWallet's agent
 * key within its 10 AITBC daily limit).
 */
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { FacilitatorClient } from "@x402/core/server";
import type { SupportedResponse } from "@x402/core/types";
import { decodePaymentResponseHeader } from "@x402/fetch";
import { expect } from "chai";
import { network } from "hardhat";
import type { Hex } from "viem";

import {
  createX402Fetch,
  createX402Paywall,
  SkillRouter,
  toAgentWalletPaymentSigner,
  type X402Paywall,
} from "../../sdk/src/index.js";
import { CallLedger } from "../../node/agents/ledger.js";
import { startSeller, type SellerServer } from "../../node/agents/seller.js";
import { x402PaymentStep } from "../../node/agents/x402.js";
import { openStore } from "../../node/shared/store.js";
import { AITBC, deployX402, type X402Fixture } from "../x402/helpers.js";

const connection = await network.create();
const PRICE = 2n * AITBC; // the skill's price per call: 2 AITBC

/** The x402 reason in a 402 answer's `PAYMENT-REQUIRED` header. */
function reason(response: Response): string | undefined {
  return decodePaymentRequiredHeader(response.headers.get("payment-required")!).error;
}

interface Harness {
  seller: SellerServer;
  ledger: CallLedger;
  ran: string[];
}

async function harness(paywall: X402Paywall, priceOf?: () => bigint): Promise<Harness> {
  const ledger = new CallLedger(openStore(":memory:"));
  const ran: string[] = [];
  const router = new SkillRouter({ fallbackToNetwork: false });
  router.register({
    name: "word-count",
    priceWei: PRICE,
    model: "none",
    modelSizeGB: 0,
    computeIntensity: 0.1,
    expectedDurationSec: 1,
    local: async (input) => {
      const text = (input as { text: string }).text;
      ran.push(text);
      return { words: text.split(/\s+/).filter(Boolean).length };
    },
  });
  const pay = x402PaymentStep(paywall, priceOf ? { priceOf } : {});
  const seller = await startSeller({ router, ledger, pay });
  return { seller, ledger, ran };
}

const post = (text: string) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ text }),
});

describe("agents: the seller paid per call over x402 (x402PaymentStep, real paywall and facilitator)", function () {
  let fx: X402Fixture;
  let h: Harness;

  before(async function () {
    fx = await deployX402(connection);
    const paywall = createX402Paywall({ facilitator: fx.facilitator, contracts: fx.contracts, network: fx.network, payTo: fx.seller }); // prettier-ignore
    h = await harness(paywall);
  });
  after(async function () {
    await h.seller.close();
  });

  it("an unpaid call is answered 402 with the skill's price in AITBC: nothing runs, nothing is recorded", async function () {
    const response = await fetch(`${h.seller.url}/skills/word-count`, post("one two three"));
    expect(response.status).to.equal(402);
    const required = decodePaymentRequiredHeader(response.headers.get("payment-required")!);
    expect(required.accepts[0]).to.include({ scheme: "exact", network: "eip155:31337", amount: "2000000000000000000" }); // prettier-ignore
    expect(required.accepts[0]!.payTo.toLowerCase()).to.equal(fx.seller.toLowerCase());
    expect(h.ran).to.deep.equal([]);
    expect(h.ledger.all()).to.deep.equal([]);
  });

  it("a paid call runs once, is recorded with the settlement's transaction, and moves exactly the price", async function () {
    const [buyerBefore, sellerBefore] = [await fx.balanceOf(fx.buyer.address), await fx.balanceOf(fx.seller)];
    const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network, maxAmount: PRICE }); // prettier-ignore
    const response = await pay(`${h.seller.url}/skills/word-count`, post("the quick brown fox"));
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { output: unknown; payment: { transaction: Hex; payer: string; amountWei: string; network: string } }; // prettier-ignore
    expect(body.output).to.deep.equal({ words: 4 });
    const settled = decodePaymentResponseHeader(response.headers.get("payment-response")!);
    expect(settled.success).to.equal(true);
    expect(body.payment.transaction).to.equal(settled.transaction);
    expect(body.payment).to.deep.include({ amountWei: "2000000000000000000", network: "eip155:31337" });
    const receipt = await fx.publicClient.getTransactionReceipt({ hash: settled.transaction as Hex });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(fx.facilitatorAddress.toLowerCase());

    const [call] = h.ledger.all();
    expect(h.ledger.all()).to.have.length(1);
    expect(call).to.deep.include({
      payer: fx.buyer.address.toLowerCase(),
      paidWei: PRICE,
      priceWei: PRICE,
      transaction: (settled.transaction as string).toLowerCase(),
      network: "eip155:31337",
      skill: "word-count",
      route: "local",
      status: "succeeded",
    });
    expect(h.ran).to.deep.equal(["the quick brown fox"]);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(buyerBefore - PRICE);
    expect(await fx.balanceOf(fx.seller)).to.equal(sellerBefore + PRICE);
  });

  it("a replayed payment header is refused: the skill does not run again, nothing is recorded twice, nothing moves", async function () {
    let header: string | undefined;
    const capture: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      header ??= request.headers.get("payment-signature") ?? undefined;
      return fetch(request);
    };
    const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network, fetch: capture }); // prettier-ignore
    expect((await pay(`${h.seller.url}/skills/word-count`, post("a b"))).status).to.equal(200);
    expect(header).to.be.a("string");
    const calls = h.ledger.all().length;
    const ran = h.ran.length;
    const [buyerBefore, sellerBefore] = [await fx.balanceOf(fx.buyer.address), await fx.balanceOf(fx.seller)];

    const replay = await fetch(`${h.seller.url}/skills/word-count`, {
      ...post("a b"),
      headers: { "content-type": "application/json", "payment-signature": header! },
    });
    expect(replay.status).to.equal(402);
    // the token refuses the used EIP-3009 nonce in the facilitator's simulation
    expect(reason(replay)).to.equal("invalid_exact_evm_transaction_simulation_failed");
    expect(h.ledger.all()).to.have.length(calls);
    expect(h.ran).to.have.length(ran);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(buyerBefore);
    expect(await fx.balanceOf(fx.seller)).to.equal(sellerBefore);
  });

  it("an AgentWallet pays within its agent's limit; a call over what is left is refused and nothing moves", async function () {
    const signer = toAgentWalletPaymentSigner({ wallet: fx.walletAddress, agentKey: fx.agentKey, chainId: 31337 }); // prettier-ignore
    const pay = createX402Fetch({ signer, contracts: fx.contracts, network: fx.network });
    const before = await fx.balanceOf(fx.walletAddress);
    for (let i = 0; i < 5; i++) {
      // 5 × 2 AITBC = the wallet's whole 10 AITBC daily limit
      expect((await pay(`${h.seller.url}/skills/word-count`, post(`call ${i}`))).status).to.equal(200);
    }
    expect(await fx.balanceOf(fx.walletAddress)).to.equal(before - 10n * AITBC);
    expect(h.ledger.byPayer(fx.walletAddress)).to.have.length(5);
    const calls = h.ledger.all().length;
    const over = await pay(`${h.seller.url}/skills/word-count`, post("one more"));
    expect([over.status, reason(over)]).to.deep.equal([402, "invalid_exact_evm_signature"]);
    expect(await fx.balanceOf(fx.walletAddress)).to.equal(before - 10n * AITBC);
    expect(h.ledger.all()).to.have.length(calls);
    expect(h.ran).to.not.include("one more");
  });

  it("a facilitator that verifies but fails to settle: refused with its reason, nothing runs or is recorded", async function () {
    const failing: FacilitatorClient = {
      verify: (payload, requirements) => fx.facilitator.verify(payload, requirements),
      settle: async (payload) => ({
        success: false,
        errorReason: "unexpected_settle_error",
        transaction: "",
        network: fx.network,
        payer: (payload.payload as { authorization: { from: string } }).authorization.from,
      }),
      getSupported: async () => fx.facilitator.getSupported() as SupportedResponse,
    };
    const paywall = createX402Paywall({ facilitator: failing, contracts: fx.contracts, network: fx.network, payTo: fx.seller }); // prettier-ignore
    const other = await harness(paywall);
    try {
      const before = await fx.balanceOf(fx.buyer.address);
      const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
      const response = await pay(`${other.seller.url}/skills/word-count`, post("never run"));
      expect(response.status).to.equal(402);
      // x402's settlement-failure answer: PAYMENT-RESPONSE with success false and the facilitator's reason
      const settled = decodePaymentResponseHeader(response.headers.get("payment-response")!);
      expect(settled).to.deep.include({ success: false, errorReason: "unexpected_settle_error" });
      expect(other.ran).to.deep.equal([]);
      expect(other.ledger.all()).to.deep.equal([]);
      expect(await fx.balanceOf(fx.buyer.address)).to.equal(before);
    } finally {
      await other.seller.close();
    }
  });

  it("a step priced below the skill is refused by the seller as underpaid (recorded refused, the skill does not run)", async function () {
    const paywall = createX402Paywall({ facilitator: fx.facilitator, contracts: fx.contracts, network: fx.network, payTo: fx.seller }); // prettier-ignore
    const cheap = await harness(paywall, () => AITBC);
    try {
      const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
      const response = await pay(`${cheap.seller.url}/skills/word-count`, post("cheap"));
      expect(response.status).to.equal(402);
      expect(((await response.json()) as { error: string }).error).to.equal("underpaid");
      const [call] = cheap.ledger.all();
      expect(call).to.deep.include({ status: "refused", paidWei: AITBC, priceWei: PRICE });
      expect(cheap.ran).to.deep.equal([]);
    } finally {
      await cheap.seller.close();
    }
  });

  it("an unreachable facilitator: 503 facilitator_unavailable, nothing recorded", async function () {
    const paywall = createX402Paywall({ facilitator: "http://127.0.0.1:9", contracts: fx.contracts, network: fx.network, payTo: fx.seller }); // prettier-ignore
    const down = await harness(paywall);
    try {
      const response = await fetch(`${down.seller.url}/skills/word-count`, post("x"));
      expect(response.status).to.equal(503);
      expect(((await response.json()) as { error: string }).error).to.equal("facilitator_unavailable");
      expect(down.ledger.all()).to.deep.equal([]);
    } finally {
      await down.seller.close();
    }
  });
});
