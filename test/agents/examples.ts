/**
 * The example agents (examples/agents/skill-seller.ts, skill-buyer.ts) end to end on the in-process
 * chain: the AITBC token, an AgentWallet, the ReputationRegistry and the AgentIdentityRegistry deployed;
 * two sellers register the same skill with `runSeller` (their own keys, their own SQLite ledgers) and
 * are paid over x402 through a facilitator reached over HTTP (the SDK's in-process facilitator, served
 * by a small test server with x402's POST /verify, POST /settle and GET /supported); the buyer buys
 * with `buyOnce`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { x402Facilitator } from "@x402/core/facilitator";
import { expect } from "chai";
import { network } from "hardhat";
import { custom, parseEther, type Address, type EIP1193Provider, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  agentIdentityRegistryAbi,
  registerAgent,
  toAgentWalletPaymentSigner,
  type AitbcContracts,
} from "../../sdk/src/index.js";
import { buyOnce, SkillPurchaseError } from "../../examples/agents/skill-buyer.js";
import { runSeller, summarize, type RunningSeller } from "../../examples/agents/skill-seller.js";
import type { ReputationRegistry } from "../../types/ethers-contracts/index.js";
import { deployX402, type X402Fixture } from "../x402/helpers.js";
import { viemClients } from "../sdk/helpers.js";

const connection = await network.create();
const CHEAP = parseEther("0.01"); // seller A's price per call
const DEAR = parseEther("0.02"); // seller B's price per call
const TEXT = "Agents sell skills to agents. Buyers pay per call over x402. Agents rank sellers by trust.";

/** Serves an in-process x402 facilitator over HTTP, as `npm run facilitator` does (x402's facilitator API). */
async function serveFacilitator(facilitator: x402Facilitator): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      let body = "";
      for await (const chunk of req) body += String(chunk);
      const answer = async () => {
        if (req.method === "GET" && req.url === "/supported") return facilitator.getSupported();
        const { paymentPayload, paymentRequirements } = JSON.parse(body) as Parameters<x402Facilitator["verify"]> extends [infer P, infer R] ? { paymentPayload: P; paymentRequirements: R } : never; // prettier-ignore
        if (req.method === "POST" && req.url === "/verify") return facilitator.verify(paymentPayload, paymentRequirements); // prettier-ignore
        if (req.method === "POST" && req.url === "/settle") return facilitator.settle(paymentPayload, paymentRequirements); // prettier-ignore
        throw new Error(`no route ${req.method} ${req.url}`);
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(await answer()));
    })().catch((error: unknown) => res.writeHead(500).end(JSON.stringify({ error: String(error) })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }), // prettier-ignore
  };
} // prettier-ignore

describe("examples: a seller agent and a buyer agent trading a skill over x402", function () {
  let fx: X402Fixture;
  let contracts: AitbcContracts;
  let facilitator: Awaited<ReturnType<typeof serveFacilitator>>;
  let reputation: ReputationRegistry;
  const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
  const keyA = generatePrivateKey();
  const keyB = generatePrivateKey();
  const sellerA = privateKeyToAccount(keyA);
  const sellerB = privateKeyToAccount(keyB);
  const sellers: RunningSeller[] = [];
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);

  const start = async (key: Hex, priceWei: bigint) => {
    const seller = await runSeller({ transport, account: privateKeyToAccount(key), contracts, facilitator: facilitator.url, skill: "summarize", priceWei, ledgerPath: ":memory:", log }); // prettier-ignore
    sellers.push(seller);
    return seller;
  };

  before(async function () {
    fx = await deployX402(connection);
    const [admin] = await connection.ethers.getSigners();
    const registry = await connection.ethers.deployContract("ReputationRegistry", [admin!.address]);
    reputation = await connection.ethers.getContractAt("ReputationRegistry", await registry.getAddress());
    await reputation.grantRole(await reputation.ESCROW_ROLE(), admin!.address);
    const identity = await connection.ethers.deployContract("AgentIdentityRegistry", [await registry.getAddress()]); // prettier-ignore
    contracts = { ...fx.contracts, AgentIdentityRegistry: (await identity.getAddress()) as Address };
    for (const account of [sellerA, sellerB])
      await connection.provider.request({
        method: "hardhat_setBalance",
        params: [account.address, "0x8ac7230489e80000"],
      }); // 10 ether of gas
    facilitator = await serveFacilitator(fx.facilitator);
  });
  after(async function () {
    for (const s of sellers) await s.close();
    await facilitator.close();
  });

  it("the example skill is a deterministic extractive summary", function () {
    expect(summarize({ text: TEXT })).to.deep.equal({
      summary: "Agents sell skills to agents.",
      words: 16,
      sentences: 3,
      keywords: ["agents", "buyers", "call", "over", "rank"], // "agents" three times, then ties alphabetical
    });
    expect(() => summarize({ text: "" })).to.throw(/expected \{ "text": string \}/);
    expect(() => summarize({ words: 3 })).to.throw(/expected/);
  });

  it("two sellers register the skill; the buyer pays the more trusted one exactly its price, recorded in its ledger", async function () {
    const a = await start(keyA, CHEAP);
    const b = await start(keyB, DEAR);
    expect([a.agentId, b.agentId, a.registered, b.registered]).to.deep.equal([1n, 2n, true, true]);
    expect(a.endpoint).to.equal(`${a.url}/skills/summarize`);
    await reputation.adjustComponent(sellerB.address, 1, 150); // B: 500 + 150 = 650 (Silver); A stays 500

    const [buyerBefore, aBefore, bBefore] = await Promise.all([fx.balanceOf(fx.buyer.address), fx.balanceOf(sellerA.address), fx.balanceOf(sellerB.address)]); // prettier-ignore
    const call = await buyOnce({ transport, contracts, payer: fx.buyer, skill: "summarize", maxPriceWei: parseEther("0.05"), input: TEXT, log }); // prettier-ignore
    expect(call.ranked.map((s) => [s.agentId, s.trustScore, s.priceWei])).to.deep.equal([[2n, 650n, DEAR], [1n, 500n, CHEAP]]); // prettier-ignore
    expect(call.seller.agentId).to.equal(2n);
    expect(call.output).to.deep.equal(summarize({ text: TEXT }));
    expect(call.paidWei).to.equal(DEAR);
    expect(call.payer.toLowerCase()).to.equal(fx.buyer.address.toLowerCase());
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(buyerBefore - DEAR);
    expect(await fx.balanceOf(sellerB.address)).to.equal(bBefore + DEAR);
    expect(await fx.balanceOf(sellerA.address)).to.equal(aBefore);

    const receipt = await fx.publicClient.getTransactionReceipt({ hash: call.transaction });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(fx.facilitatorAddress.toLowerCase());
    const records = b.ledger.all();
    expect(records).to.have.length(1);
    expect(records[0]).to.deep.include({ payer: fx.buyer.address.toLowerCase(), paidWei: DEAR, transaction: call.transaction.toLowerCase(), skill: "summarize", status: "succeeded", route: "local" }); // prettier-ignore
    expect(a.ledger.all()).to.deep.equal([]);
    expect(logs.some((l) => l.startsWith("[seller] summarize: ") && l.includes(call.transaction))).to.equal(
      true,
    );
  });

  it("a max price below the trusted seller's keeps only the cheaper one; an AgentWallet pays it within its limit", async function () {
    const signer = toAgentWalletPaymentSigner({ wallet: fx.walletAddress, agentKey: fx.agentKey, chainId: 31337 }); // prettier-ignore
    const [walletBefore, aBefore] = [
      await fx.balanceOf(fx.walletAddress),
      await fx.balanceOf(sellerA.address),
    ];
    const call = await buyOnce({ transport, contracts, payer: signer, skill: "summarize", maxPriceWei: parseEther("0.015"), input: TEXT, log }); // prettier-ignore
    expect(call.ranked.map((s) => s.agentId)).to.deep.equal([1n]);
    expect(call.payer.toLowerCase()).to.equal(fx.walletAddress.toLowerCase());
    expect(await fx.balanceOf(fx.walletAddress)).to.equal(walletBefore - CHEAP);
    expect(await fx.balanceOf(sellerA.address)).to.equal(aBefore + CHEAP);
    expect((await fx.wallet.spendingLimit(fx.contracts.AITBCToken!)).spent).to.equal(CHEAP);
    expect(sellers[0]!.ledger.byPayer(fx.walletAddress)).to.have.length(1);
  });

  it("a stranger's listing ranked above B that points at B's endpoint is skipped unsigned: B's 402 pays B, not the stranger", async function () {
    const stranger = (await connection.ethers.getSigners())[7]!;
    const { walletFor } = viemClients(connection);
    const { agentId } = await registerAgent(walletFor(stranger.address), { contracts, agentURI: "ipfs://stranger.json", skills: [{ name: "summarize", priceWei: parseEther("0.005"), endpoint: sellers[1]!.endpoint, execution: "local" }] }); // prettier-ignore
    await reputation.adjustComponent(stranger.address, 1, 150); // 650, as B, and cheaper: ranked first
    const [buyerBefore, strangerBefore, bBefore] = await Promise.all([fx.balanceOf(fx.buyer.address), fx.balanceOf(stranger.address), fx.balanceOf(sellerB.address)]); // prettier-ignore
    const call = await buyOnce({ transport, contracts, payer: fx.buyer, skill: "summarize", maxPriceWei: parseEther("0.05"), input: TEXT, log }); // prettier-ignore
    expect(call.ranked.map((s) => s.agentId)).to.deep.equal([agentId, 2n, 1n]);
    expect(call.seller.agentId).to.equal(2n);
    expect(logs.some((l) => l.startsWith(`[buyer] skipping seller #${agentId}: asks payment to`))).to.equal(
      true,
    );
    expect(await fx.balanceOf(stranger.address)).to.equal(strangerBefore);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(buyerBefore - DEAR);
    expect(await fx.balanceOf(sellerB.address)).to.equal(bBefore + DEAR);
    // the stranger withdraws the listing, so later tests see A and B only
    await walletFor(stranger.address).writeContract({ chain: null, address: contracts.AgentIdentityRegistry!, abi: agentIdentityRegistryAbi, functionName: "setMetadata", args: [agentId, "skill:summarize", "0x"] }); // prettier-ignore
  });

  it("a seller restarted with the same key updates its agent (new endpoint), keeping its id and trust", async function () {
    const old = sellers[1]!;
    await old.close();
    const b = await start(keyB, DEAR);
    expect([b.agentId, b.registered]).to.deep.equal([2n, false]);
    expect(b.endpoint).to.not.equal(old.endpoint);
    const call = await buyOnce({ transport, contracts, payer: fx.buyer, skill: "summarize", maxPriceWei: parseEther("0.05"), input: TEXT, log }); // prettier-ignore
    expect(call.seller).to.deep.include({ agentId: 2n, endpoint: b.endpoint, trustScore: 650n });
    expect(b.ledger.all().map((r) => r.transaction)).to.deep.equal([call.transaction.toLowerCase()]);
  });

  it("nothing is paid when no seller fits the max price, or the seller refuses the input", async function () {
    const before = await fx.balanceOf(fx.buyer.address);
    let error: unknown;
    try {
      await buyOnce({ transport, contracts, payer: fx.buyer, skill: "summarize", maxPriceWei: parseEther("0.001"), input: TEXT, log }); // prettier-ignore
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(SkillPurchaseError);
    expect((error as Error).message).to.equal("no seller of summarize with a proven wallet at or below 0.001 AITBC (2 listed)"); // prettier-ignore
    error = undefined;
    try {
      await buyOnce({ transport, contracts, payer: fx.buyer, skill: "summarize", maxPriceWei: parseEther("0.05"), input: "   ", log }); // prettier-ignore
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(SkillPurchaseError);
    expect((error as Error).message).to.match(/^seller #2 answered 400 bad_input/);
    expect((error as SkillPurchaseError).paid).to.equal(false);
    expect(await fx.balanceOf(fx.buyer.address)).to.equal(before);
  });
});
