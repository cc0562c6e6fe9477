/**
 * Attacks on quotes (security issue, part 2): a consumer must not be able to slash a provider
 * through the provider's own quote. Before the fix the EIP-712 `Quote` bound neither the prompt
 * hash nor the job's duration: a consumer asked a miner for a quote, opened
 * `openJobWithQuote(quote, sig, anyPromptHash, now + 2)`, let the 2-second deadline pass and
 * called `reclaim` — 1% of the provider's stake slashed, half of it to the consumer.
 *
 * Each test states what it defends. The attack tests assert the exact custom error and that no
 * balance, stake or reputation moved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";
import { createPublicClient, custom, type Address, type EIP1193Provider } from "viem";

import { verifyQuote, type Quote } from "../../sdk/src/actions/jobs.js";
import { releaseProverResources } from "../../sdk/src/zk/proof.js";
import { MinerAccount } from "../../node/miner/account.js";
import { Miner } from "../../node/miner/miner.js";
import { BUILTIN_MODEL_NAME, BuiltinBackend } from "../../node/backends/backend.js";
import { payloadHash, type JobPayload } from "../../node/shared/protocol.js";
import {
  ProviderClient,
  ProviderRefusedError,
  type QuoteRequestBody,
} from "../../node/shared/provider-api.js";
import {
  DAY,
  deployMarket,
  marketContracts,
  MAX_TOKENS,
  MIN_STAKE,
  MODEL,
  PRICE,
  PROMPT,
  QUOTE_TYPES,
  quoteDomain,
  SECRET_1,
  Status,
  submitDefault,
  type Market,
} from "../helpers/market.js";

const connection = await network.create();
const { networkHelpers } = connection;

/** Another prompt than the one the provider quoted for. */
const OTHER_PROMPT = keccak256(toUtf8Bytes("a prompt the provider never saw")) as `0x${string}`;
/** The time the provider agrees to have from opening to the deadline, seconds. */
const AGREED = 3_600n;

describe("security: quotes cannot be turned against their provider", function () {
  const fixture = () => deployMarket(connection);
  let market: Market;

  beforeEach(async () => {
    market = await networkHelpers.loadFixture(fixture);
  });

  after(async () => {
    await releaseProverResources();
  });

  /** Block time of the latest block, Unix seconds. */
  const now = async () => BigInt(await networkHelpers.time.latest());

  /** A quote by provider1 for the fixture's consumer, prompt and an agreed duration of one hour. */
  async function quoteOf(overrides: Partial<Record<string, unknown>> = {}) {
    return {
      provider: market.provider1.address,
      consumer: market.consumer.address,
      modelDigest: MODEL,
      promptHash: PROMPT,
      pricePerToken: PRICE,
      maxTokens: MAX_TOKENS,
      minDuration: AGREED,
      expiry: (await now()) + 600n,
      nonce: 1n,
      ...overrides,
    };
  }

  /** Signs `quote` as `signer` for the fixture's escrow and chain (domain fields overridable). */
  async function sign(
    quote: Record<string, unknown>,
    signer: HardhatEthersSigner = market.provider1,
    domain: Partial<Awaited<ReturnType<typeof quoteDomain>>> = {},
  ) {
    return signer.signTypedData({ ...(await quoteDomain(market)), ...domain }, QUOTE_TYPES, quote);
  }

  /** `openJobWithQuote` as `consumer`. */
  function open(
    quote: Record<string, unknown>,
    signature: string,
    deadline: bigint,
    consumer: HardhatEthersSigner = market.consumer,
  ) {
    return market.escrow.connect(consumer).openJobWithQuote(quote as never, signature, deadline);
  }

  /** Everything the attack would move: balances, credits, stake, reputation, job count. */
  async function snapshot() {
    const { token, escrow, staking, reputation, consumer, provider1, treasury } = market;
    return {
      consumerBalance: await token.balanceOf(consumer.address),
      escrowBalance: await token.balanceOf(await escrow.getAddress()),
      consumerCredit: await escrow.withdrawable(consumer.address),
      treasuryCredit: await escrow.withdrawable(treasury.address),
      stake: await staking.stakeOf(provider1.address),
      score: await reputation.trustScore(provider1.address),
      components: (await reputation.componentsOf(provider1.address)).map((c) => c),
      lastJobId: await escrow.lastJobId(),
    };
  }

  describe("the reported attack", () => {
    it("a consumer cannot open a provider's quote with its own 2-second deadline (nothing moves)", async () => {
      const { escrow, provider1 } = market;
      const quote = await quoteOf();
      const signature = await sign(quote);
      const before = await snapshot();
      const deadline = (await now()) + 2n;
      // the next block is mined one second later: the earliest deadline it allows is then + AGREED
      await expect(open(quote, signature, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowDeadlineTooSoon")
        .withArgs(deadline, (await now()) + 1n + AGREED);
      // the attack's next steps, had the open gone through: let the deadline pass and reclaim
      await networkHelpers.time.increase(3);
      await expect(escrow.reclaim(1n))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(1n, Status.None);
      expect(await snapshot()).to.deep.equal(before);
      expect(await escrow.quoteNonceUsed(provider1.address, quote.nonce)).to.equal(false);
    });

    it("the attack loop (open with a short deadline, reclaim) cannot drain a stake", async () => {
      const { escrow, staking, provider1 } = market;
      const before = await snapshot();
      for (let nonce = 1n; nonce <= 5n; nonce++) {
        const quote = await quoteOf({ nonce });
        const deadline = (await now()) + 2n;
        await expect(open(quote, await sign(quote), deadline)).to.be.revertedWithCustomError(
          escrow,
          "EscrowDeadlineTooSoon",
        );
        await networkHelpers.time.increase(3);
      }
      expect(await staking.stakeOf(provider1.address)).to.equal(MIN_STAKE);
      expect(await snapshot()).to.deep.include({ stake: before.stake, score: before.score, lastJobId: 0n });
    });

    it("a consumer cannot open a quote for another prompt hash than the one quoted", async () => {
      const { escrow, provider1 } = market;
      const quote = await quoteOf();
      const signature = await sign(quote);
      const before = await snapshot();
      await expect(open({ ...quote, promptHash: OTHER_PROMPT }, signature, (await now()) + BigInt(DAY)))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidQuoteSignature")
        .withArgs(provider1.address);
      expect(await snapshot()).to.deep.equal(before);
      // the genuine terms open, and the job carries the quoted prompt hash
      await open(quote, signature, (await now()) + BigInt(DAY));
      expect((await escrow.jobOf(1n)).promptHash).to.equal(PROMPT);
    });
  });

  describe("deadlines against the agreed duration", () => {
    it("shorter than agreed by one second is refused; exactly agreed and longer are accepted", async () => {
      const { escrow } = market;
      const q1 = await quoteOf({ nonce: 1n });
      const s1 = await sign(q1);
      // the open is mined at now + 1: the deadline must be at least now + 1 + AGREED
      const tooSoon = (await now()) + AGREED;
      await expect(open(q1, s1, tooSoon))
        .to.be.revertedWithCustomError(escrow, "EscrowDeadlineTooSoon")
        .withArgs(tooSoon, tooSoon + 1n);
      await networkHelpers.mine(); // the revert's block does not count; time moved on by one block
      const exact = (await now()) + 1n + AGREED;
      await expect(open(q1, s1, exact)).to.emit(escrow, "JobClaimed");
      expect((await escrow.jobOf(1n)).deadline).to.equal(exact);

      // a longer deadline only gives the provider more time: fine, up to the 30-day cap
      const q2 = await quoteOf({ nonce: 2n });
      const longer = (await now()) + 30n * BigInt(DAY);
      await expect(open(q2, await sign(q2), longer)).to.emit(escrow, "JobClaimed");
      const q3 = await quoteOf({ nonce: 3n });
      const tooLong = (await now()) + 30n * BigInt(DAY) + 2n;
      await expect(open(q3, await sign(q3), tooLong))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidDeadline")
        .withArgs(tooLong);
    });

    it("the provider that had its agreed time and missed the deadline is penalised", async () => {
      const { escrow, staking, reputation, consumer, provider1, treasury } = market;
      const quote = await quoteOf();
      const deadline = (await now()) + 1n + AGREED;
      await open(quote, await sign(quote), deadline);
      await networkHelpers.time.increaseTo(deadline + 1n);
      const slash = MIN_STAKE / 100n; // deadlineSlashBps 100
      await expect(escrow.reclaim(1n)).to.emit(escrow, "JobExpired").withArgs(1n, provider1.address, slash);
      expect(await staking.stakeOf(provider1.address)).to.equal(MIN_STAKE - slash);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE + slash / 2n);
      expect(await escrow.withdrawable(treasury.address)).to.equal(slash / 2n);
      expect(await reputation.trustScore(provider1.address)).to.equal(485n);
    });
  });

  describe("replay and rebinding", () => {
    it("the same nonce twice, and a nonce the provider cancelled, are refused", async () => {
      const { escrow, provider1 } = market;
      const quote = await quoteOf();
      const signature = await sign(quote);
      const deadline = (await now()) + BigInt(DAY);
      await open(quote, signature, deadline);
      await expect(open(quote, signature, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteUsed")
        .withArgs(provider1.address, 1n);
      // the same nonce with other terms (other prompt, other price) is refused as well
      const again = await quoteOf({ promptHash: OTHER_PROMPT, pricePerToken: PRICE * 2n });
      await expect(open(again, await sign(again), deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteUsed")
        .withArgs(provider1.address, 1n);

      const cancelled = await quoteOf({ nonce: 2n });
      const cancelledSig = await sign(cancelled);
      await expect(escrow.connect(provider1).cancelQuote(2n))
        .to.emit(escrow, "QuoteCancelled")
        .withArgs(provider1.address, 2n);
      await expect(open(cancelled, cancelledSig, deadline))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteUsed")
        .withArgs(provider1.address, 2n);
      expect(await escrow.lastJobId()).to.equal(1n);
    });

    it("a quote for one consumer cannot be used by another, nor re-bound to it", async () => {
      const { escrow, consumer, outsider, provider1 } = market;
      const quote = await quoteOf();
      const signature = await sign(quote);
      const deadline = (await now()) + BigInt(DAY);
      await expect(open(quote, signature, deadline, outsider))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteNotForCaller")
        .withArgs(consumer.address, outsider.address);
      await expect(open({ ...quote, consumer: outsider.address }, signature, deadline, outsider))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidQuoteSignature")
        .withArgs(provider1.address);
    });

    it("a quote signed for another escrow deployment on the same chain is refused", async () => {
      const { escrow, ethers, token, staking, reputation, verifier, treasury, governance } = market;
      const second = await ethers.deployContract("JobEscrow", [
        await token.getAddress(),
        await staking.getAddress(),
        await reputation.getAddress(),
        await verifier.getAddress(),
        treasury.address,
        governance.address,
      ]);
      const quote = await quoteOf();
      const forSecond = await sign(quote, market.provider1, { verifyingContract: await second.getAddress() });
      await expect(open(quote, forSecond, (await now()) + BigInt(DAY)))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidQuoteSignature")
        .withArgs(market.provider1.address);
      // and the other way round: a quote for this escrow is not valid for the second one
      const forThis = await sign(quote);
      expect(await second.quoteDigest(quote as never)).to.not.equal(await escrow.quoteDigest(quote as never));
      await token.connect(market.consumer).approve(await second.getAddress(), ethers.MaxUint256);
      await expect(
        second
          .connect(market.consumer)
          .openJobWithQuote(quote as never, forThis, (await now()) + BigInt(DAY)),
      ).to.be.revertedWithCustomError(second, "EscrowInvalidQuoteSignature");
    });

    it("a quote signed for another chain id is refused (and the SDK's verifyQuote says so)", async () => {
      const { escrow, provider1 } = market;
      const quote = await quoteOf();
      const chainId = (await market.ethers.provider.getNetwork()).chainId;
      const otherChain = await sign(quote, provider1, { chainId: chainId + 1n });
      await expect(open(quote, otherChain, (await now()) + BigInt(DAY)))
        .to.be.revertedWithCustomError(escrow, "EscrowInvalidQuoteSignature")
        .withArgs(provider1.address);
      const contracts = { JobEscrow: (await escrow.getAddress()) as Address };
      const client = await viemClient();
      const asSdk = { ...quote, nonce: BigInt(quote.nonce) } as unknown as Quote;
      expect(await verifyQuote(client, { contracts, quote: asSdk, signature: otherChain as `0x${string}` })).to.equal(false); // prettier-ignore
      expect(await verifyQuote(client, { contracts, quote: asSdk, signature: (await sign(quote)) as `0x${string}` })).to.equal(true); // prettier-ignore
    });
  });

  describe("expiry", () => {
    it("a quote with no expiry (the largest uint40) is refused; an expired one too", async () => {
      const { escrow } = market;
      const forever = await quoteOf({ expiry: 2n ** 40n - 1n });
      await expect(open(forever, await sign(forever), (await now()) + BigInt(DAY)))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteExpiryTooFar")
        .withArgs(2n ** 40n - 1n, (await now()) + 1n + BigInt(DAY));
      const expired = await quoteOf({ nonce: 2n });
      const signature = await sign(expired);
      await networkHelpers.time.increaseTo(BigInt(expired.expiry as bigint) + 1n);
      await expect(open(expired, signature, (await now()) + BigInt(DAY)))
        .to.be.revertedWithCustomError(escrow, "EscrowQuoteExpired")
        .withArgs(expired.expiry);
      expect(await escrow.lastJobId()).to.equal(0n);
    });
  });

  describe("reclaim griefing", () => {
    it("nobody can reclaim before the deadline the provider agreed to", async () => {
      const { escrow, consumer, outsider } = market;
      const quote = await quoteOf();
      const deadline = (await now()) + 1n + AGREED;
      await open(quote, await sign(quote), deadline);
      await networkHelpers.time.increaseTo(deadline - 1n);
      for (const caller of [consumer, outsider])
        await expect(escrow.connect(caller).reclaim(1n))
          .to.be.revertedWithCustomError(escrow, "EscrowDeadlineNotPassed")
          .withArgs(1n, deadline);
    });

    it("a stranger's reclaim after a missed deadline pays the stranger nothing", async () => {
      const { escrow, token, consumer, outsider } = market;
      const quote = await quoteOf();
      const deadline = (await now()) + 1n + AGREED;
      await open(quote, await sign(quote), deadline);
      await networkHelpers.time.increaseTo(deadline + 1n);
      const balance = await token.balanceOf(outsider.address);
      await escrow.connect(outsider).reclaim(1n);
      expect(await escrow.withdrawable(outsider.address)).to.equal(0n);
      expect(await token.balanceOf(outsider.address)).to.equal(balance);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE + MIN_STAKE / 200n);
    });

    it("a delivered job cannot be reclaimed after its deadline", async () => {
      const { escrow } = market;
      const quote = await quoteOf();
      const deadline = (await now()) + 1n + AGREED;
      await open(quote, await sign(quote), deadline);
      await submitDefault(market, 1n);
      await networkHelpers.time.increaseTo(deadline + 1n);
      await expect(escrow.reclaim(1n))
        .to.be.revertedWithCustomError(escrow, "EscrowWrongStatus")
        .withArgs(1n, Status.Submitted);
    });

    it("claim path: a claim that left less than minPenaltyWindow is not penalised; one that left more is", async () => {
      const { escrow, staking, reputation, consumer, provider1, provider2 } = market;
      const window = (await market.policy.parameters()).minPenaltyWindow;
      expect(window).to.equal(600n);
      // a consumer opens an open job with a 30-second deadline; provider1 claims it (its choice)
      const short = (await now()) + 30n;
      await escrow.connect(consumer).openJob({ modelDigest: MODEL, promptHash: PROMPT, maxTokens: MAX_TOKENS, pricePerToken: PRICE, deadline: short, minTier: 0 }); // prettier-ignore
      await escrow.connect(provider1).claim(1n);
      await networkHelpers.time.increaseTo(short + 1n);
      const score = await reputation.trustScore(provider1.address);
      await expect(escrow.reclaim(1n)).to.emit(escrow, "JobExpired").withArgs(1n, provider1.address, 0n);
      expect(await staking.stakeOf(provider1.address)).to.equal(MIN_STAKE);
      expect(await reputation.trustScore(provider1.address)).to.equal(score);
      expect(await escrow.withdrawable(consumer.address)).to.equal(MAX_TOKENS * PRICE); // refunded

      // a claim with at least the window left is binding
      const long = (await now()) + window + 10n;
      await escrow.connect(consumer).openJob({ modelDigest: MODEL, promptHash: PROMPT, maxTokens: MAX_TOKENS, pricePerToken: PRICE, deadline: long, minTier: 0 }); // prettier-ignore
      await escrow.connect(provider2).claim(2n);
      await networkHelpers.time.increaseTo(long + 1n);
      await expect(escrow.reclaim(2n))
        .to.emit(escrow, "JobExpired")
        .withArgs(2n, provider2.address, MIN_STAKE / 100n);
      expect(await staking.stakeOf(provider2.address)).to.equal(MIN_STAKE - MIN_STAKE / 100n);
    });

    it("minPenaltyWindow is governance's (in the market policy), within [1 minute, 1 day]", async () => {
      const { escrow, policy, governance, outsider, consumer, provider1, staking } = market;
      await expect(policy.connect(outsider).setMinPenaltyWindow(120)).to.be.revertedWithCustomError(
        policy,
        "AccessControlUnauthorizedAccount",
      );
      await expect(policy.connect(governance).setMinPenaltyWindow(59))
        .to.be.revertedWithCustomError(policy, "PolicyParameterOutOfBounds")
        .withArgs(59, 60, DAY);
      await expect(policy.connect(governance).setMinPenaltyWindow(DAY + 1))
        .to.be.revertedWithCustomError(policy, "PolicyParameterOutOfBounds")
        .withArgs(DAY + 1, 60, DAY);
      await expect(policy.connect(governance).setMinPenaltyWindow(120))
        .to.emit(policy, "MinPenaltyWindowSet")
        .withArgs(600, 120);
      expect((await policy.parameters()).minPenaltyWindow).to.equal(120n);
      // The escrow applies the new window to the next assignment: 300 s left now binds the provider.
      const deadline = (await now()) + 300n;
      await escrow.connect(consumer).openJob({ modelDigest: MODEL, promptHash: PROMPT, maxTokens: MAX_TOKENS, pricePerToken: PRICE, deadline, minTier: 0 }); // prettier-ignore
      await escrow.connect(provider1).claim(1n);
      expect((await escrow.jobOf(1n)).penalisable).to.equal(true);
      await networkHelpers.time.increaseTo(deadline + 1n);
      await expect(escrow.reclaim(1n))
        .to.emit(escrow, "JobExpired")
        .withArgs(1n, provider1.address, MIN_STAKE / 100n);
      expect(await staking.stakeOf(provider1.address)).to.equal(MIN_STAKE - MIN_STAKE / 100n);
    });
  });

  describe("the miner program", () => {
    let miner: Miner | undefined;
    let dir: string;

    afterEach(async () => {
      await miner?.stop();
      miner = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("signs (POST /v1/quotes) only for the prompt hash it was asked about, with a duration it can meet", async () => {
      dir = mkdtempSync(join(tmpdir(), "aitbc-quotes-"));
      const contracts = await marketContracts(market, { serviceRegistry: true });
      const rpc = connection.provider as unknown as EIP1193Provider;
      const account = MinerAccount.connect({ rpc, key: market.provider1.address as Address, contracts, pollingIntervalMs: 20 }); // prettier-ignore
      miner = new Miner({
        account,
        backend: new BuiltinBackend(),
        secret: SECRET_1,
        store: join(dir, "miner.sqlite"),
        gpu: { model: "test GPU", vramGb: 8, throughput: 10, source: "flags" },
        pricePerToken: PRICE,
        pollMs: 50,
        rewardsEveryMs: 0,
        minJobDurationS: 300,
        log: () => undefined,
      });
      await miner.start();
      const client = new ProviderClient(miner.url!);
      const digest = await new BuiltinBackend().modelDigest(BUILTIN_MODEL_NAME);
      const payload: JobPayload = { model: BUILTIN_MODEL_NAME, prompt: "is it safe", seed: 0, nonce: "01" };
      const promptHash = payloadHash(payload);
      const request = (overrides: Partial<QuoteRequestBody> = {}): QuoteRequestBody => ({
        consumer: market.consumer.address as Address,
        modelDigest: digest,
        maxTokens: 16n,
        pricePerToken: PRICE,
        promptHash,
        duration: 3_600n,
        ...overrides,
      });
      const refused = async (r: QuoteRequestBody) => {
        const error = await client.requestQuote(r).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(ProviderRefusedError);
        return {
          status: (error as ProviderRefusedError).status,
          reason: (error as ProviderRefusedError).reason,
        };
      };
      // no prompt hash or no duration: a malformed request (400), nothing signed; too little time: refused (409)
      expect(await refused(request({ promptHash: undefined as never }))).to.deep.include({ status: 400 });
      expect((await refused(request({ promptHash: undefined as never }))).reason).to.match(/promptHash/);
      expect((await refused(request({ duration: undefined as never }))).reason).to.match(/duration/);
      const tooShort = await refused(request({ duration: 2n }));
      expect(tooShort.status).to.equal(409);
      expect(tooShort.reason).to.match(/needs at least \d+ s/);
      expect(miner.quotes.signed).to.equal(0);
      expect(miner.quotes.refused).to.equal(1);

      // a matching request: the quote binds exactly the asked prompt hash and duration
      const { quote, signature } = await client.requestQuote(request());
      expect(miner.quotes.signed).to.equal(1);
      expect(quote.promptHash).to.equal(promptHash);
      expect(quote.minDuration).to.equal(3_600n);
      expect(quote.consumer).to.equal(market.consumer.address);
      expect(quote.provider).to.equal(market.provider1.address);
      const before = await snapshot();
      // the consumer cannot open it with a shorter deadline, nor for another prompt: nothing moves
      await expect(open(quote as never, signature, (await now()) + 2n)).to.be.revertedWithCustomError(
        market.escrow,
        "EscrowDeadlineTooSoon",
      );
      await expect(
        open({ ...quote, promptHash: OTHER_PROMPT } as never, signature, (await now()) + BigInt(DAY)),
      )
        .to.be.revertedWithCustomError(market.escrow, "EscrowInvalidQuoteSignature")
        .withArgs(market.provider1.address);
      expect(await snapshot()).to.deep.equal(before);
      await expect(open(quote as never, signature, (await now()) + 3_700n)).to.emit(
        market.escrow,
        "JobClaimed",
      );
    });
  });

  /** A viem public client on the fixture's chain. */
  async function viemClient() {
    const rpc = connection.provider as unknown as EIP1193Provider;
    return createPublicClient({ transport: custom(rpc) });
  }
});
