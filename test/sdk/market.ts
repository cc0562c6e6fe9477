import { expect } from "chai";
import { network } from "hardhat";
import type { Address, Hex } from "viem";

import {
  claimJob,
  claimRewards,
  ContractRevertError,
  disputeJob,
  finalizeJob,
  getJob,
  getProviderPosition,
  getTrustScore,
  identityCommitment,
  InvalidAmountError,
  InvalidParameterError,
  openJob,
  openJobWithQuote,
  proveAndSubmitResult,
  releaseProverResources,
  requestUnbond,
  runJob,
  signQuote,
  stake,
  UnknownModelDigestError,
  verifyQuote,
  watchJobEvents,
  withdrawEarnings,
  withdrawStake,
  type AitbcContracts,
  type JobEvent,
  type Quote,
} from "../../sdk/src/index.js";
import {
  DAY,
  deployMarket,
  MAX_TOKENS,
  MODEL,
  OUTPUT,
  OTHER_MODEL,
  PRICE,
  PROMPT,
  SECRET_1,
  SECRET_2,
  TOKENS,
} from "../helpers/market.js";
import { rejection, viemClients } from "./helpers.js";

describe("sdk: staking, reputation and job actions", function () {
  let market: Awaited<ReturnType<typeof deployMarket>>;
  let contracts: AitbcContracts;
  let clients: ReturnType<typeof viemClients>;
  const addr = (s: { address: string }) => s.address as Address;
  const now = async () => BigInt(await market.networkHelpers.time.latest());

  before(async function () {
    const connection = await network.create();
    market = await deployMarket(connection);
    contracts = {
      AITBCToken: (await market.token.getAddress()) as Address,
      GPUStaking: (await market.staking.getAddress()) as Address,
      ReputationRegistry: (await market.reputation.getAddress()) as Address,
      JobEscrow: (await market.escrow.getAddress()) as Address,
    };
    clients = viemClients(connection);
  });
  after(releaseProverResources);

  it("stakes with a GPU declaration, unbonds, withdraws; decodes staking errors", async function () {
    const provider = clients.walletFor(market.unstaked.address);
    const amount = 2_000n * 10n ** 18n;
    const staked = await stake(provider, {
      contracts,
      amount,
      lockOption: 0,
      registration: {
        identityCommitment: identityCommitment(0x5ec2e7_0003n),
        gpu: { model: "NVIDIA A100", vramGb: 80, throughput: 300 },
        modelDigests: [MODEL],
      },
    });
    expect(staked.lockedUntil).to.equal((await now()) + 30n * BigInt(DAY));
    const position = await getProviderPosition(clients.publicClient, {
      contracts,
      provider: addr(market.unstaked),
    });
    expect(position.registered).to.equal(true);
    expect(position.staked).to.equal(amount);
    expect(position.gpu).to.deep.equal({ model: "NVIDIA A100", vramGb: 80, throughput: 300 });

    const locked = await rejection<ContractRevertError>(requestUnbond(provider, { contracts, amount: 1n }));
    expect(locked.errorName).to.equal("StakingLocked");
    expect(locked.args[0]).to.equal(staked.lockedUntil);
    const noRewards = await rejection<ContractRevertError>(claimRewards(provider, { contracts }));
    expect(noRewards.errorName).to.equal("StakingNoRewards");
    const zero = await rejection(stake(provider, { contracts, amount: 0n }));
    expect(zero).to.be.instanceOf(InvalidAmountError);

    await market.networkHelpers.time.increase(31 * DAY);
    const unbond = await requestUnbond(provider, { contracts, amount: 500n * 10n ** 18n });
    const early = await rejection<ContractRevertError>(withdrawStake(provider, { contracts }));
    expect(early.errorName).to.equal("StakingNotWithdrawable");
    await market.networkHelpers.time.increaseTo(unbond.unbondingEnds);
    const withdrawn = await withdrawStake(provider, { contracts });
    expect(withdrawn.amount).to.equal(500n * 10n ** 18n);
  });

  it("reads the trust score, its components, tier and certification", async function () {
    let trust = await getTrustScore(clients.publicClient, { contracts, agent: addr(market.provider1) });
    expect(trust.score).to.equal(500n);
    expect(trust.tier).to.equal("Bronze");
    expect(trust.certification.level).to.equal("None");
    await market.reputation.connect(market.certifier).certify(market.provider1.address, 2);
    await market.reputation.connect(market.oracle).adjustComponent(market.provider1.address, 0, 150);
    trust = await getTrustScore(clients.publicClient, { contracts, agent: addr(market.provider1) });
    expect(trust.components.performance).to.equal(150n);
    expect(trust.score).to.equal(650n);
    expect(trust.tier).to.equal("Silver");
    expect(trust.certification.level).to.equal("Intermediate");
    expect(trust.certification.valid).to.equal(true);
  });

  it("opens, claims, proves and submits, watches events, finalizes and withdraws", async function () {
    const consumer = clients.walletFor(market.consumer.address);
    const provider = clients.walletFor(market.provider1.address);
    const events: JobEvent[] = [];
    const request = { modelDigest: MODEL, promptHash: PROMPT, maxTokens: MAX_TOKENS, pricePerToken: PRICE };
    const opened = await openJob(consumer, { contracts, ...request, deadline: (await now()) + BigInt(DAY) });
    expect(opened.escrowed).to.equal(MAX_TOKENS * PRICE);
    const unwatch = watchJobEvents(clients.publicClient, {
      contracts,
      jobId: opened.jobId,
      pollingInterval: 20,
      onEvent: (e) => events.push(e),
    });
    await claimJob(provider, { contracts, jobId: opened.jobId });
    const again = await rejection<ContractRevertError>(
      claimJob(clients.walletFor(market.provider2.address), { contracts, jobId: opened.jobId }),
    );
    expect(again.errorName).to.equal("EscrowWrongStatus");
    expect(again.args).to.deep.equal([opened.jobId, 2]);

    const submitted = await proveAndSubmitResult(provider, {
      contracts,
      jobId: opened.jobId,
      secret: SECRET_1,
      outputHash: OUTPUT,
      tokenCount: TOKENS,
    });
    expect(submitted.challengeEnds).to.equal((await now()) + BigInt(DAY));
    const job = await getJob(clients.publicClient, { contracts, jobId: opened.jobId });
    expect(job.status).to.equal("Submitted");
    expect(job.tokenCount).to.equal(TOKENS);

    const tooEarly = await rejection<ContractRevertError>(
      finalizeJob(consumer, { contracts, jobId: opened.jobId }),
    );
    expect(tooEarly.errorName).to.equal("EscrowChallengeWindowOpen");
    await market.networkHelpers.time.increase(DAY + 1);
    await finalizeJob(consumer, { contracts, jobId: opened.jobId });
    expect((await getJob(clients.publicClient, { contracts, jobId: opened.jobId })).status).to.equal(
      "Settled",
    );
    const earned = await withdrawEarnings(provider, { contracts });
    expect(earned.amount).to.equal(TOKENS * PRICE - (TOKENS * PRICE * 250n) / 10_000n);

    for (let i = 0; i < 100 && events.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    unwatch();
    expect(events.map((e) => e.eventName)).to.include.members([
      "JobClaimed",
      "ResultSubmitted",
      "JobSettled",
    ]);
  });

  it("validates model digests and amounts before any request", async function () {
    const consumer = clients.walletFor(market.consumer.address);
    const base = {
      contracts,
      promptHash: PROMPT,
      maxTokens: 10n,
      pricePerToken: PRICE,
      deadline: (await now()) + 3600n,
    };
    const zero = await rejection(openJob(consumer, { ...base, modelDigest: `0x${"00".repeat(32)}` as Hex }));
    expect(zero).to.be.instanceOf(UnknownModelDigestError);
    const unknown = await rejection(
      openJob(consumer, { ...base, modelDigest: OTHER_MODEL, knownModels: [MODEL] }),
    );
    expect(unknown).to.be.instanceOf(UnknownModelDigestError);
    const negative = await rejection(openJob(consumer, { ...base, modelDigest: MODEL, pricePerToken: -5n }));
    expect(negative).to.be.instanceOf(InvalidAmountError);
  });

  it("signs and verifies a quote; JobEscrow opens a job from it; disputes a result", async function () {
    const providerWallet = clients.walletFor(market.provider2.address);
    const quote: Quote = {
      provider: addr(market.provider2),
      consumer: addr(market.consumer),
      modelDigest: MODEL,
      promptHash: PROMPT,
      pricePerToken: PRICE,
      maxTokens: 50n,
      minDuration: 3_600n,
      expiry: (await now()) + 3600n,
      nonce: 1n,
    };
    const signature = await signQuote(providerWallet, { contracts, quote });
    expect(await verifyQuote(clients.publicClient, { contracts, quote, signature })).to.equal(true);
    expect(
      await verifyQuote(clients.publicClient, {
        contracts,
        quote: { ...quote, pricePerToken: 1n },
        signature,
      }),
    ).to.equal(false);
    // the signature covers the prompt hash and the agreed duration too
    expect(await verifyQuote(clients.publicClient, { contracts, quote: { ...quote, promptHash: OUTPUT }, signature })).to.equal(false); // prettier-ignore
    expect(await verifyQuote(clients.publicClient, { contracts, quote: { ...quote, minDuration: 2n }, signature })).to.equal(false); // prettier-ignore
    const consumer = clients.walletFor(market.consumer.address);
    // a deadline sooner than the agreed duration is refused before any transaction
    const tooSoon = await rejection(
      openJobWithQuote(consumer, { contracts, quote, signature, deadline: (await now()) + 2n }),
    );
    expect(tooSoon).to.be.instanceOf(InvalidParameterError);
    expect(tooSoon.message).to.match(/minDuration/);
    // default deadline: latest block + minDuration + 60 s
    const opened = await openJobWithQuote(consumer, { contracts, quote, signature });
    const job = await getJob(clients.publicClient, { contracts, jobId: opened.jobId });
    expect(job.status).to.equal("Claimed");
    expect(job.provider).to.equal(addr(market.provider2));
    expect(job.promptHash).to.equal(PROMPT);
    // the opening block is at most the margin after the latest block seen by openJobWithQuote
    expect(Number(job.deadline - (await now()))).to.be.within(3_600, 3_660);
    const reused = await rejection<ContractRevertError>(
      openJobWithQuote(consumer, {
        contracts,
        quote,
        signature,
        deadline: (await now()) + BigInt(DAY),
      }),
    );
    expect(reused.errorName).to.equal("EscrowQuoteUsed");

    await proveAndSubmitResult(providerWallet, {
      contracts,
      jobId: opened.jobId,
      secret: SECRET_2,
      outputHash: OUTPUT,
      tokenCount: 20n,
    });
    await disputeJob(clients.walletFor(market.challenger.address), { contracts, jobId: opened.jobId });
    expect((await getJob(clients.publicClient, { contracts, jobId: opened.jobId })).status).to.equal(
      "Disputed",
    );
  });

  it("runJob waits for a provider's result and settles the job", async function () {
    const consumer = clients.walletFor(market.consumer.address);
    const provider = clients.walletFor(market.provider1.address);
    const statuses: string[] = [];
    const lastBefore = await market.escrow.lastJobId();
    const running = runJob(consumer, {
      contracts,
      modelDigest: MODEL,
      promptHash: PROMPT,
      maxTokens: MAX_TOKENS,
      pricePerToken: PRICE,
      deadline: (await now()) + BigInt(DAY),
      pollingInterval: 20,
      timeoutMs: 60_000,
      onStatus: (job) => statuses.push(job.status),
    });
    // The miner's side: wait for the job, claim, prove, submit; then let the challenge window pass.
    while ((await market.escrow.lastJobId()) === lastBefore) await new Promise((r) => setTimeout(r, 20));
    const jobId = lastBefore + 1n;
    await claimJob(provider, { contracts, jobId });
    await proveAndSubmitResult(provider, {
      contracts,
      jobId,
      secret: SECRET_1,
      outputHash: OUTPUT,
      tokenCount: TOKENS,
    });
    await market.networkHelpers.time.increase(DAY + 1);
    const result = await running;
    expect(result.jobId).to.equal(jobId);
    expect(result.job.status).to.equal("Settled");
    expect(result.settlement?.providerAmount).to.equal(TOKENS * PRICE - (TOKENS * PRICE * 250n) / 10_000n);
    expect(statuses[0]).to.equal("Open");
    expect(statuses.at(-1)).to.equal("Settled");
  });
});
