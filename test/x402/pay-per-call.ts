import { expect } from "chai";
import { network } from "hardhat";
import { decodePaymentResponseHeader } from "@x402/fetch";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";

import { createX402Fetch, toAgentWalletPaymentSigner } from "../../sdk/src/index.js";
import { AITBC, deployX402, startPaidServer, type X402Fixture } from "./helpers.js";

const connection = await network.create();

/** The facilitator's reason in a 402 answer's `PAYMENT-REQUIRED` header. */
function reason(response: Response): string | undefined {
  return decodePaymentRequiredHeader(response.headers.get("payment-required")!).error;
}

describe("x402: pay per call in AITBC through the SDK's paywall, fetch and facilitator", function () {
  let fx: X402Fixture;
  let server: Awaited<ReturnType<typeof startPaidServer>>;

  before(async function () {
    fx = await deployX402(connection);
    server = await startPaidServer(fx);
  });
  after(async function () {
    await server.close();
  });

  it("answers an unpaid request with 402 and AITBC requirements (eip155:31337, the token, its EIP-712 domain)", async function () {
    const response = await fetch(`${server.url}/paid?price=${3n * AITBC}`, { method: "POST" });
    expect(response.status).to.equal(402);
    const required = decodePaymentRequiredHeader(response.headers.get("payment-required")!);
    expect(required.x402Version).to.equal(2);
    const [accept] = required.accepts;
    expect(accept).to.include({ scheme: "exact", network: "eip155:31337", amount: "3000000000000000000" });
    expect(accept!.asset.toLowerCase()).to.equal(fx.contracts.AITBCToken!.toLowerCase());
    expect(accept!.payTo.toLowerCase()).to.equal(fx.seller.toLowerCase());
    expect(accept!.extra).to.deep.include({ name: "AITBC", version: "1" });
    expect(server.served).to.deep.equal([]);
  });

  it("an EOA with AITBC and no ether pays: the facilitator settles exactly the price and pays the gas", async function () {
    const [buyerBefore, sellerBefore] = [await fx.balanceOf(fx.buyer.address), await fx.balanceOf(fx.seller)];
    const facilitatorEth = await fx.publicClient.getBalance({ address: fx.facilitatorAddress });
    const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
    const response = await pay(`${server.url}/paid?price=${2n * AITBC}`, { method: "POST" });
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({
      answer: `served ${fx.buyer.address}`,
      paid: "2000000000000000000",
    });
    const settled = decodePaymentResponseHeader(response.headers.get("payment-response")!);
    expect(settled.success).to.equal(true);
    expect(settled.payer!.toLowerCase()).to.equal(fx.buyer.address.toLowerCase());
    const receipt = await fx.publicClient.getTransactionReceipt({
      hash: settled.transaction as `0x${string}`,
    });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(fx.facilitatorAddress.toLowerCase());
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(buyerBefore - 2n * AITBC);
    expect(await fx.balanceOf(fx.seller)).to.equal(sellerBefore + 2n * AITBC);
    expect(await fx.publicClient.getBalance({ address: fx.buyer.address })).to.equal(0n);
    expect(await fx.publicClient.getBalance({ address: fx.facilitatorAddress })).to.be.lessThan(
      facilitatorEth,
    );
  });

  it("a payment header replayed is refused and pays nothing twice", async function () {
    let header: string | undefined;
    const capture: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      header ??= request.headers.get("payment-signature") ?? undefined;
      return fetch(request);
    };
    const pay = createX402Fetch({
      signer: fx.buyer,
      contracts: fx.contracts,
      network: fx.network,
      fetch: capture,
    });
    expect((await pay(`${server.url}/paid`, { method: "POST" })).status).to.equal(200);
    expect(header).to.be.a("string");
    const [buyerBefore, sellerBefore] = [await fx.balanceOf(fx.buyer.address), await fx.balanceOf(fx.seller)];
    const served = server.served.length;
    const replay = await fetch(`${server.url}/paid`, {
      method: "POST",
      headers: { "payment-signature": header! },
    });
    expect(replay.status).to.equal(402);
    // The token refuses the used nonce in x402's simulation (its finer diagnosis needs Multicall3, absent here).
    expect(reason(replay)).to.equal("invalid_exact_evm_transaction_simulation_failed");
    expect(server.served.length).to.equal(served);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(buyerBefore);
    expect(await fx.balanceOf(fx.seller)).to.equal(sellerBefore);
  });

  it("a buyer's maxAmount refuses a dearer 402 before signing anything", async function () {
    const before = await fx.balanceOf(fx.buyer.address);
    const pay = createX402Fetch({
      signer: fx.buyer,
      contracts: fx.contracts,
      network: fx.network,
      maxAmount: AITBC,
    });
    let failure: unknown;
    try {
      await pay(`${server.url}/paid?price=${AITBC + 1n}`, { method: "POST" });
    } catch (error) {
      failure = error;
    }
    expect(String(failure)).to.match(/spend|exceed|max/i);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(before);
  });

  it("a handler that fails never settles: the buyer keeps its AITBC", async function () {
    const before = await fx.balanceOf(fx.buyer.address);
    const pay = createX402Fetch({ signer: fx.buyer, contracts: fx.contracts, network: fx.network });
    const response = await pay(`${server.url}/fails`, { method: "POST" });
    expect(response.status).to.equal(500);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(before);
  });

  it("a buyer without enough AITBC is refused at verify, before the handler runs", async function () {
    const poor = privateKeyToAccount(generatePrivateKey());
    const pay = createX402Fetch({ signer: poor, contracts: fx.contracts, network: fx.network });
    const served = server.served.length;
    const response = await pay(`${server.url}/paid`, { method: "POST" });
    expect(response.status).to.equal(402);
    expect(reason(response)).to.equal("invalid_exact_evm_transaction_simulation_failed");
    expect(server.served.length).to.equal(served);
  });

  describe("an AgentWallet pays with its agent key, within its spending limit", function () {
    it("pays 4 AITBC: counted against the agent's 10 AITBC daily limit", async function () {
      const signer = toAgentWalletPaymentSigner({
        wallet: fx.walletAddress,
        agentKey: fx.agentKey,
        chainId: 31337,
      });
      const pay = createX402Fetch({ signer, contracts: fx.contracts, network: fx.network });
      const sellerBefore = await fx.balanceOf(fx.seller);
      const response = await pay(`${server.url}/paid?price=${4n * AITBC}`, { method: "POST" });
      expect(response.status).to.equal(200);
      expect(await fx.balanceOf(fx.walletAddress)).to.equal(96n * AITBC);
      expect(await fx.balanceOf(fx.seller)).to.equal(sellerBefore + 4n * AITBC);
      expect((await fx.wallet.spendingLimit(fx.contracts.AITBCToken!)).spent).to.equal(4n * AITBC);
    });

    it("a price above what is left of the limit (7 > 6 AITBC) is refused at verify: nothing served, nothing moved", async function () {
      const signer = toAgentWalletPaymentSigner({
        wallet: fx.walletAddress,
        agentKey: fx.agentKey,
        chainId: 31337,
      });
      const pay = createX402Fetch({ signer, contracts: fx.contracts, network: fx.network });
      const served = server.served.length;
      const response = await pay(`${server.url}/paid?price=${7n * AITBC}`, { method: "POST" });
      expect(response.status).to.equal(402);
      // the wallet's ERC-1271 answer: the payment does not fit the agent's limit
      expect(reason(response)).to.equal("invalid_exact_evm_signature");
      expect(server.served.length).to.equal(served);
      expect(await fx.balanceOf(fx.walletAddress)).to.equal(96n * AITBC);
      expect((await fx.wallet.spendingLimit(fx.contracts.AITBCToken!)).spent).to.equal(4n * AITBC);
    });

    it("exactly the rest of the limit (6 AITBC) is paid, then one more wei is refused", async function () {
      const signer = toAgentWalletPaymentSigner({
        wallet: fx.walletAddress,
        agentKey: fx.agentKey,
        chainId: 31337,
      });
      const pay = createX402Fetch({ signer, contracts: fx.contracts, network: fx.network });
      expect((await pay(`${server.url}/paid?price=${6n * AITBC}`, { method: "POST" })).status).to.equal(200);
      const over = await pay(`${server.url}/paid?price=1`, { method: "POST" });
      expect([over.status, reason(over)]).to.deep.equal([402, "invalid_exact_evm_signature"]);
      expect(await fx.balanceOf(fx.walletAddress)).to.equal(90n * AITBC);
      expect((await fx.wallet.spendingLimit(fx.contracts.AITBCToken!)).spent).to.equal(10n * AITBC);
    });

    it("a stranger's key claiming the wallet is refused", async function () {
      const signer = toAgentWalletPaymentSigner({
        wallet: fx.walletAddress,
        agentKey: fx.buyer,
        chainId: 31337,
      });
      const pay = createX402Fetch({ signer, contracts: fx.contracts, network: fx.network });
      const response = await pay(`${server.url}/paid?price=1`, { method: "POST" });
      expect([response.status, reason(response)]).to.deep.equal([402, "invalid_exact_evm_signature"]);
      expect(await fx.balanceOf(fx.walletAddress)).to.equal(90n * AITBC);
    });
  });
});
