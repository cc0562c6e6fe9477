/**
 * The gateway sells requests over x402 (node/gateway/x402.ts): a client with only a key (AITBC, no ether, no
 * wallet of its own on the gateway) pays each request with `createX402Fetch`, given to the official `openai` and
 * `ollama` clients as their `fetch`. The price is `maxTokens × pricePerToken`; refused requests cost nothing.
 */
import { expect } from "chai";
import OpenAI, { APIError, NotFoundError } from "openai";
import { Ollama } from "ollama";
import { decodePaymentResponseHeader } from "@x402/fetch";
import { erc20Abi, getAddress, parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createX402Fetch, x402Network } from "../../sdk/src/index.js";
import { AITBC, PRICE } from "../helpers/market.js";
import { gatewayFixture, type GatewayFixture } from "./fixture.js";

describe("gateway: pay per request over x402 (openai and ollama clients with an x402 fetch)", function () {
  let f: GatewayFixture;
  const buyer = privateKeyToAccount(generatePrivateKey());
  let pay: typeof fetch;
  const balance = async (account: string) => (await f.market.token.balanceOf(account)) as bigint;
  const jobs = () => Object.values(f.gateway.context.state.counts()).reduce((a, n) => a + (n ?? 0), 0);

  before(async function () {
    f = await gatewayFixture({ x402: true });
    await (await f.market.token.connect(f.market.ecosystem).transfer(buyer.address, 100n * AITBC)).wait();
    pay = createX402Fetch({ signer: buyer, contracts: f.contracts, network: x402Network(31337) });
  });
  after(async () => f?.close());

  it("without payment: 402 with the price of max_tokens × the gateway's price per token, and no job", async function () {
    const before = jobs();
    const client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0 });
    let error: unknown;
    try {
      await client.chat.completions.create({ model: f.model, max_tokens: 20, messages: [{ role: "user", content: "hi" }] }); // prettier-ignore
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(APIError);
    expect((error as APIError).status).to.equal(402);
    const required = JSON.parse(Buffer.from((error as APIError).headers!.get("payment-required")!, "base64").toString()) as { accepts: { amount: string; payTo: string }[] }; // prettier-ignore
    expect(required.accepts[0]!.amount).to.equal((20n * PRICE).toString()); // 20 × 0.002 AITBC
    expect(required.accepts[0]!.payTo.toLowerCase()).to.equal(f.market.wallet.toLowerCase());
    expect(jobs()).to.equal(before);
  });

  it("openai client with only a key pays 20 × 0.002 AITBC to the gateway's wallet and gets its completion", async function () {
    const [buyerBefore, jobsBefore] = [await balance(buyer.address), jobs()];
    let settlement: string | null = null;
    const client = new OpenAI({
      baseURL: `${f.url}/v1`,
      apiKey: "unused",
      maxRetries: 0,
      fetch: async (input, init) => {
        const response = await pay(input, init);
        settlement = response.headers.get("payment-response");
        return response;
      },
    });
    const completion = await client.chat.completions.create({ model: f.model, max_tokens: 20, messages: [{ role: "user", content: "hello" }] }); // prettier-ignore
    expect(completion.choices[0]!.message.content).to.be.a("string").and.not.equal("");
    const settled = decodePaymentResponseHeader(settlement!);
    expect(settled.success).to.equal(true);
    expect(await balance(buyer.address)).to.equal(buyerBefore - 20n * PRICE);
    expect(await f.publicClient.getBalance({ address: buyer.address })).to.equal(0n);
    expect(jobs()).to.equal(jobsBefore + 1);
    // the settlement moved exactly the price from the buyer to the gateway's wallet (which pays its jobs itself)
    const receipt = await f.publicClient.getTransactionReceipt({
      hash: settled.transaction as `0x${string}`,
    });
    const transfers = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: receipt.logs });
    expect(transfers.map((t) => [t.args.from, t.args.to, t.args.value])).to.deep.equal([[buyer.address, getAddress(f.market.wallet), 20n * PRICE]]); // prettier-ignore
  });

  it("a request the gateway would refuse (unknown model) is refused before anyone pays", async function () {
    const before = await balance(buyer.address);
    const client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: pay });
    let error: unknown;
    try {
      await client.chat.completions.create({
        model: "no-such-model",
        messages: [{ role: "user", content: "hi" }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(NotFoundError);
    expect(await balance(buyer.address)).to.equal(before);
  });

  it("ollama client: embed pays its maxTokens (UTF-8 bytes + 2 per input: 5 + 4 = 9) × 0.002 AITBC", async function () {
    const before = await balance(buyer.address);
    const ollama = new Ollama({ host: f.url, fetch: pay });
    const answer = await ollama.embed({ model: f.model, input: ["abc", "de"] });
    expect(answer.embeddings).to.have.length(2);
    expect(await balance(buyer.address)).to.equal(before - 9n * PRICE);
  });

  it("ollama client: chat with num_predict 8 pays 8 × 0.002 AITBC", async function () {
    const before = await balance(buyer.address);
    const ollama = new Ollama({ host: f.url, fetch: pay });
    const answer = await ollama.chat({ model: f.model, messages: [{ role: "user", content: "hey" }], options: { num_predict: 8 } }); // prettier-ignore
    expect(answer.message.content).to.be.a("string");
    expect(await balance(buyer.address)).to.equal(before - 8n * PRICE);
  });
});

describe("gateway: x402 with an unreachable facilitator", function () {
  let f: GatewayFixture;
  const buyer = privateKeyToAccount(generatePrivateKey());

  before(async function () {
    f = await gatewayFixture({ gateway: { x402: { facilitator: "http://127.0.0.1:9" } } });
    await (await f.market.token.connect(f.market.ecosystem).transfer(buyer.address, 10n * AITBC)).wait();
  });
  after(async () => f?.close());

  it("answers 502 facilitator_unavailable in OpenAI's shape; nothing is paid and no job placed", async function () {
    const jobs = Object.values(f.gateway.context.state.counts()).reduce((a, n) => a + (n ?? 0), 0);
    const pay = createX402Fetch({ signer: buyer, contracts: f.contracts, network: x402Network(31337) });
    const client = new OpenAI({ baseURL: `${f.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: pay });
    let error: unknown;
    try {
      await client.chat.completions.create({ model: f.model, max_tokens: 4, messages: [{ role: "user", content: "hi" }] }); // prettier-ignore
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(APIError);
    expect((error as APIError).status).to.equal(502);
    expect((error as APIError).message).to.match(
      /the x402 facilitator failed: The x402 facilitator could not be reached/,
    );
    expect(await f.market.token.balanceOf(buyer.address)).to.equal(10n * AITBC);
    expect(Object.values(f.gateway.context.state.counts()).reduce((a, n) => a + (n ?? 0), 0)).to.equal(jobs);
  });
});
