/**
 * The SDK actions the node programs (miner, gateway, coordinator, watcher) use instead of the old
 * untyped chain adapter: staking reads and `setModelServing`, the oracle's component write, the
 * escrow reads (last job id, withdrawable, a job's submitted result, a model's checker), opening a
 * job as an AgentWallet through `payInto` (plain and with a quote), the batch dispute read and the
 * wallet's verifier flag for BatchEscrow.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, stringToHex, type Address } from "viem";

import { BUILTIN_MODEL_DIGEST } from "../../deploy/modules/market.js";
import {
  batchCommitment,
  batchJobsRoot,
  batchLeaves,
  batchMerkleProof,
  claimJob,
  ContractRevertError,
  depositToBatchEscrow,
  disputeBatchJob,
  finalizeJob,
  getBatchDispute,
  getJob,
  getJobClaim,
  getLastJobId,
  getMarketParameters,
  getModelChecker,
  getResultSubmission,
  getSpendingLimit,
  getStakingParameters,
  getTrustScore,
  getWithdrawable,
  hashBatchJobRequest,
  identityCommitment,
  InvalidAmountError,
  isBatchEscrowSignatureVerifier,
  isServingModel,
  openJob,
  openJobWithQuote,
  proveAndSubmitResult,
  releaseProverResources,
  setModelServing,
  setReputationComponent,
  settleBatch,
  signBatchJobRequest,
  signQuote,
  type BatchJobRequest,
} from "../../sdk/src/index.js";
import {
  deployBatchMarket,
  mockBatchProver,
  WALLET_DAILY_LIMIT,
  type BatchMarket,
} from "../helpers/batch-node.js";
import { AITBC, DAY, MIN_STAKE, MODEL, OTHER_MODEL, SECRET_1 } from "../helpers/market.js";
import { rejection, viemClients } from "./helpers.js";

const PRICE = 10n ** 15n;

describe("sdk: the actions the node programs use", function () {
  let m: BatchMarket;
  let clients: ReturnType<typeof viemClients>;
  let chainId: number;
  const addr = (s: { address: string }) => s.address as Address;
  const now = async () => BigInt(await m.networkHelpers.time.latest());

  before(async function () {
    const connection = await network.create();
    m = await deployBatchMarket(connection);
    clients = viemClients(connection);
    chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  });
  after(releaseProverResources);

  it("staking: isServingModel, setModelServing (registered providers only), getStakingParameters", async function () {
    const { publicClient, walletFor } = clients;
    const contracts = m.contracts;
    const provider = addr(m.provider1);
    expect(await isServingModel(publicClient, { contracts, provider, modelDigest: MODEL })).to.equal(true);
    expect(await isServingModel(publicClient, { contracts, provider, modelDigest: OTHER_MODEL })).to.equal(
      false,
    );
    await setModelServing(walletFor(provider), { contracts, modelDigest: OTHER_MODEL, serving: true });
    expect(await m.staking.servesModel(provider, OTHER_MODEL)).to.equal(true);
    await setModelServing(walletFor(provider), { contracts, modelDigest: OTHER_MODEL, serving: false });
    expect(await isServingModel(publicClient, { contracts, provider, modelDigest: OTHER_MODEL })).to.equal(
      false,
    );
    const stranger = await rejection<ContractRevertError>(
      setModelServing(walletFor(m.outsider.address), { contracts, modelDigest: MODEL, serving: true }),
    );
    expect(stranger.errorName).to.equal("StakingNotRegistered");
    expect(stranger.args).to.deep.equal([m.outsider.address]);
    expect(await getStakingParameters(publicClient, { contracts })).to.deep.equal({
      minStake: MIN_STAKE,
      unbondingPeriod: BigInt(14 * DAY),
      maxSlashBps: 2_000n,
      rewardRate: 0n,
    });
  });

  it("reputation: the oracle's setReputationComponent moves the trust score; others and out-of-range values are refused", async function () {
    const { publicClient, walletFor } = clients;
    const contracts = m.contracts;
    const agent = addr(m.provider2);
    await setReputationComponent(walletFor(m.oracle.address), { contracts, agent, component: "Performance", value: 120n }); // prettier-ignore
    const trust = await getTrustScore(publicClient, { contracts, agent });
    expect(trust.components.performance).to.equal(120n);
    expect(trust.score).to.equal(620n);
    const stranger = await rejection<ContractRevertError>(setReputationComponent(walletFor(m.outsider.address), { contracts, agent, component: "Performance", value: 200n })); // prettier-ignore
    expect(stranger.errorName).to.equal("ReputationUnauthorizedWriter");
    expect(stranger.args).to.deep.equal([m.outsider.address, 0]);
    const before = await publicClient.getBlockNumber({ cacheTime: 0 });
    const tooBig = await rejection(setReputationComponent(walletFor(m.oracle.address), { contracts, agent, component: "Reliability", value: 51n })); // prettier-ignore
    expect(tooBig).to.be.instanceOf(InvalidAmountError);
    expect(await publicClient.getBlockNumber({ cacheTime: 0 })).to.equal(before);
    expect((await getTrustScore(publicClient, { contracts, agent })).score).to.equal(620n);
  });

  it("opens jobs as the AgentWallet through payInto (plain and quoted), within its spending limit only", async function () {
    const { publicClient, walletFor } = clients;
    const contracts = m.contracts;
    const agent = walletFor(m.agentKey.address);
    const token = contracts.AITBCToken;
    expect(await getLastJobId(publicClient, { contracts })).to.deep.equal({ jobId: 0n });
    const request = async () => ({ modelDigest: MODEL, promptHash: keccak256(stringToHex("p")), maxTokens: 100n, pricePerToken: PRICE, deadline: (await now()) + 3_600n }); // prettier-ignore
    const opened = await openJob(agent, { contracts, agentWallet: m.wallet, ...(await request()) });
    expect(opened.jobId).to.equal(1n);
    expect(opened.escrowed).to.equal(100n * PRICE);
    expect((await getJob(publicClient, { contracts, jobId: 1n })).consumer).to.equal(m.wallet);
    expect((await getSpendingLimit(publicClient, { wallet: m.wallet, token })).spent).to.equal(100n * PRICE);
    expect(await m.token.allowance(m.wallet, contracts.JobEscrow)).to.equal(0n);
    expect(await getLastJobId(publicClient, { contracts })).to.deep.equal({ jobId: 1n });

    // Quoted: provider1's quote for the wallet as consumer; the job is assigned at once.
    const quote = { provider: addr(m.provider1), consumer: m.wallet, modelDigest: MODEL, promptHash: keccak256(stringToHex("q")), pricePerToken: PRICE, maxTokens: 50n, minDuration: 3_600n, expiry: (await now()) + 600n, nonce: 1n }; // prettier-ignore
    const signature = await signQuote(walletFor(m.provider1.address), { contracts, quote });
    const quoted = await openJobWithQuote(agent, { contracts, quote, signature, agentWallet: m.wallet });
    expect(quoted.jobId).to.equal(2n);
    const job = await getJob(publicClient, { contracts, jobId: 2n });
    expect([job.consumer, job.provider, job.status]).to.deep.equal([
      m.wallet,
      m.provider1.address,
      "Claimed",
    ]);
    expect(await getJobClaim(publicClient, { contracts, jobId: 2n })).to.deep.include({ jobId: 2n, provider: m.provider1.address, byQuote: true, quoteNonce: 1n }); // prettier-ignore
    expect(await getJobClaim(publicClient, { contracts, jobId: 1n })).to.equal(undefined); // open, unassigned
    await claimJob(walletFor(m.provider2.address), { contracts, jobId: 1n });
    expect(await getJobClaim(publicClient, { contracts, jobId: 1n })).to.deep.include({ provider: m.provider2.address, byQuote: false, quoteNonce: 0n }); // prettier-ignore
    expect((await getSpendingLimit(publicClient, { wallet: m.wallet, token })).spent).to.equal(150n * PRICE);

    // Above the daily limit: refused, nothing opened; a stranger key cannot spend from the wallet.
    const over = await rejection<ContractRevertError>(openJob(agent, { contracts, agentWallet: m.wallet, ...(await request()), pricePerToken: WALLET_DAILY_LIMIT / 100n })); // prettier-ignore
    expect(over.errorName).to.equal("AgentWalletSpendingLimitExceeded");
    const stranger = await rejection<ContractRevertError>(openJob(walletFor(m.outsider.address), { contracts, agentWallet: m.wallet, ...(await request()) })); // prettier-ignore
    expect(stranger.errorName).to.equal("AgentWalletUnauthorized");
    expect(await getLastJobId(publicClient, { contracts })).to.deep.equal({ jobId: 2n });
  });

  it("escrow reads: getResultSubmission before/after the result, getWithdrawable after finalize", async function () {
    const { publicClient, walletFor } = clients;
    const contracts = m.contracts;
    const provider = walletFor(m.provider1.address);
    expect(await getResultSubmission(publicClient, { contracts, jobId: 2n })).to.equal(undefined);
    const outputHash = keccak256(stringToHex("the answer"));
    const submitted = await proveAndSubmitResult(provider, { contracts, jobId: 2n, secret: SECRET_1, outputHash, tokenCount: 30n }); // prettier-ignore
    const sub = await getResultSubmission(publicClient, { contracts, jobId: 2n });
    expect(sub).to.deep.include({ jobId: 2n, provider: m.provider1.address, outputHash, tokenCount: 30n, challengeEnds: submitted.challengeEnds }); // prettier-ignore
    expect(sub!.nullifier).to.equal(submitted.proof.nullifier);
    expect(sub!.transactionHash).to.equal(submitted.hash);
    expect(await getResultSubmission(publicClient, { contracts, jobId: 1n })).to.equal(undefined);

    expect(await getWithdrawable(publicClient, { contracts, account: addr(m.provider1) })).to.deep.equal({
      amount: 0n,
    });
    await m.networkHelpers.time.increaseTo(submitted.challengeEnds + 1n);
    await finalizeJob(walletFor(m.outsider.address), { contracts, jobId: 2n });
    const fee = 30n * PRICE;
    const { amount } = await getWithdrawable(publicClient, { contracts, account: addr(m.provider1) });
    expect(amount).to.equal(fee - (fee * 250n) / 10_000n); // the 2.5% protocol fee
    expect(amount).to.equal(await m.escrow.withdrawable(m.provider1.address));
  });

  it("getModelChecker reads the checker from the escrow's own policy (none for an Ollama model)", async function () {
    const { publicClient } = clients;
    const contracts = m.contracts;
    const builtin = await getModelChecker(publicClient, { contracts, modelDigest: BUILTIN_MODEL_DIGEST });
    expect(builtin.checker).to.equal(await m.checker.getAddress());
    expect(builtin.policy).to.equal(await m.escrow.policy());
    expect((await getModelChecker(publicClient, { contracts, modelDigest: MODEL })).checker).to.equal(
      undefined,
    );
    // This fixture's BatchEscrow uses another policy, with no checker for the built-in model.
    const batch = await getModelChecker(publicClient, { contracts, modelDigest: BUILTIN_MODEL_DIGEST, escrow: "BatchEscrow" }); // prettier-ignore
    expect(batch).to.deep.equal({ checker: undefined, policy: contracts.MarketPolicy });
    // getMarketParameters reads the policy of the escrow asked for.
    await (await m.policy.connect(m.governance).setRevealWindow(7_200)).wait();
    const ofBatch = await getMarketParameters(publicClient, { contracts, escrow: "BatchEscrow" });
    expect([ofBatch.policy, ofBatch.revealWindow]).to.deep.equal([contracts.MarketPolicy, 7_200]);
    const ofJobs = await getMarketParameters(publicClient, { contracts });
    expect([ofJobs.policy, ofJobs.revealWindow]).to.deep.equal([builtin.policy, 86_400]);
  });

  it("batches: isBatchEscrowSignatureVerifier follows the owner's flag; getBatchDispute reads an open dispute", async function () {
    const { publicClient, walletFor } = clients;
    const contracts = m.contracts;
    expect(await isBatchEscrowSignatureVerifier(publicClient, { contracts, agentWallet: m.wallet })).to.equal(
      true,
    );
    await (
      await m.agentWallet.connect(m.walletOwner).setSignatureVerifier(contracts.BatchEscrow, false)
    ).wait();
    expect(await isBatchEscrowSignatureVerifier(publicClient, { contracts, agentWallet: m.wallet })).to.equal(
      false,
    );
    await (
      await m.agentWallet.connect(m.walletOwner).setSignatureVerifier(contracts.BatchEscrow, true)
    ).wait();

    await depositToBatchEscrow(walletFor(m.consumer.address), { contracts, amount: 10n * AITBC });
    const deadline = (await now()) + 3_600n;
    const requests: BatchJobRequest[] = [1n, 2n].map((nonce) => ({ consumer: addr(m.consumer), provider: addr(m.provider1), modelDigest: MODEL, promptHash: keccak256(stringToHex(`b${nonce}`)), pricePerToken: PRICE, maxTokens: 100n, deadline, nonce })); // prettier-ignore
    const jobs = await Promise.all(requests.map(async (request, i) => ({ request, signature: await signBatchJobRequest(walletFor(m.consumer.address), { contracts, request }), outputHash: keccak256(stringToHex(`out ${i}`)), tokenCount: 10n }))); // prettier-ignore
    const leaves = batchLeaves({ chainId, escrow: contracts.BatchEscrow, jobs });
    const jobsRoot = batchJobsRoot(leaves);
    const commitment = batchCommitment({ chainId: BigInt(chainId), escrow: contracts.BatchEscrow, provider: addr(m.provider1), jobsRoot, jobCount: 2n }); // prettier-ignore
    const proof = await mockBatchProver({ secret: SECRET_1, identityCommitment: identityCommitment(SECRET_1), commitment, provider: addr(m.provider1), jobsRoot, leaves }); // prettier-ignore
    const { batchId } = await settleBatch(walletFor(m.provider1.address), { contracts, jobs, proof });
    expect((await getBatchDispute(publicClient, { contracts, batchId, index: 1n })).status).to.equal("None");
    await disputeBatchJob(walletFor(m.challenger.address), { contracts, batchId, leaf: leaves[1]!, proof: batchMerkleProof(leaves, 1) }); // prettier-ignore
    const dispute = await getBatchDispute(publicClient, { contracts, batchId, index: 1n });
    expect(dispute).to.deep.include({ status: "Open", disputer: m.challenger.address, consumer: m.consumer.address, fee: 10n * PRICE, outputHash: jobs[1]!.outputHash }); // prettier-ignore
    expect(dispute.requestDigest).to.equal(hashBatchJobRequest({ chainId, escrow: contracts.BatchEscrow, request: requests[1]! })); // prettier-ignore
    expect(dispute.revealDeadline > (await now())).to.equal(true);
    expect(dispute.bond > 0n).to.equal(true);
    expect((await getBatchDispute(publicClient, { contracts, batchId, index: 0n })).status).to.equal("None");
  });
});
