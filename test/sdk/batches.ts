/**
 * The SDK's batch-settlement helpers: the request digest and signatures (EOA, and the AgentWallet's
 * ERC-1271 format checked by a real AgentWallet), the jobs' Merkle tree and commitment against
 * independent encodings (ethers), and the input checks.
 */
import { expect } from "chai";
import { AbiCoder, TypedDataEncoder, keccak256 as ethersKeccak, solidityPacked } from "ethers";
import { network } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  custom,
  keccak256,
  stringToHex,
  type Address,
  type EIP1193Provider,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  agentWalletAbi,
  checkBatchJobs,
  ContractRevertError,
  depositThroughAgentWallet,
  depositToBatchEscrow,
  finalizeBatch,
  findBatchJobSettlement,
  getBatch,
  getBatchDeposit,
  getBatchWithdrawable,
  identityCommitment,
  isBatchNonceUsed,
  requestDepositWithdrawal,
  settleBatch,
  withdrawBatchEarnings,
  withdrawDeposit,
  type BatchJobInput,
  batchCommitment,
  batchJobKey,
  batchJobsRoot,
  batchLeafHash,
  batchLeaves,
  batchMerkleProof,
  hashBatchJobRequest,
  InvalidAmountError,
  InvalidBatchError,
  InvalidParameterError,
  signBatchJobRequest,
  verifyBatchJobRequest,
  type AitbcContracts,
  type BatchJobRequest,
  type BatchLeaf,
} from "../../sdk/src/index.js";
import { deployBatchMarket, mockBatchProver, type BatchMarket } from "../helpers/batch-node.js";
import { MODEL, SECRET_1, SECRET_2 } from "../helpers/market.js";
import { deployWallet } from "../helpers/wallet.js";
import { rejection, viemClients } from "./helpers.js";

const MAGIC = "0x1626ba7e";

/** OpenZeppelin `MerkleProof.processProof` with `Hashes.commutativeKeccak256`, written with ethers. */
function processProof(proof: readonly string[], leaf: string): string {
  let h = leaf;
  for (const p of proof) h = ethersKeccak(BigInt(h) < BigInt(p) ? solidityPacked(["bytes32", "bytes32"], [h, p]) : solidityPacked(["bytes32", "bytes32"], [p, h])); // prettier-ignore
  return h;
}

describe("sdk: batch requests, signatures and the jobs' Merkle tree", function () {
  let fx: Awaited<ReturnType<typeof deployWallet>>;
  let transport: ReturnType<typeof custom>;
  let chainId: number;
  // Stand-in verifier address for the signature checks (the escrow's address in production).
  const escrow = "0x00000000000000000000000000000000000ba7c4" as Address;
  const otherEscrow = "0x00000000000000000000000000000000000e5c40" as Address;
  const contracts: AitbcContracts = { BatchEscrow: escrow };
  const consumerKey = privateKeyToAccount(keccak256(stringToHex("batch test consumer")));
  const ownerKey = privateKeyToAccount(keccak256(stringToHex("agent-wallet test owner")));
  const agentKey = privateKeyToAccount(keccak256(stringToHex("agent-wallet test agent")));
  const strangerKey = privateKeyToAccount(keccak256(stringToHex("agent-wallet test stranger")));
  const provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
  const request = (over: Partial<BatchJobRequest> = {}): BatchJobRequest => ({
    consumer: consumerKey.address,
    provider,
    modelDigest: keccak256(stringToHex("model")),
    promptHash: keccak256(stringToHex("prompt")),
    pricePerToken: 10n ** 15n,
    maxTokens: 256n,
    deadline: 2_000_000_000n,
    nonce: 7n,
    ...over,
  });

  before(async function () {
    const connection = await network.create();
    fx = await deployWallet(connection);
    transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
    chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  });

  const client = (account = consumerKey) => createWalletClient({ account, transport, pollingInterval: 20 });
  const reader = () => createPublicClient({ transport, pollingInterval: 20 });

  it("computes the EIP-712 digest of a request as an independent encoder does", async function () {
    const r = request();
    const domain = { name: "AITBC BatchEscrow", version: "1", chainId, verifyingContract: escrow };
    const types = {
      BatchJobRequest: [
        { name: "consumer", type: "address" },
        { name: "provider", type: "address" },
        { name: "modelDigest", type: "bytes32" },
        { name: "promptHash", type: "bytes32" },
        { name: "pricePerToken", type: "uint128" },
        { name: "maxTokens", type: "uint32" },
        { name: "deadline", type: "uint40" },
        { name: "nonce", type: "uint256" },
      ],
    };
    const expected = TypedDataEncoder.hash(domain, types, r);
    const digest = hashBatchJobRequest({ chainId, escrow, request: r });
    expect(digest).to.equal(expected);
    // every field, the chain and the escrow change the digest
    expect(hashBatchJobRequest({ chainId: chainId + 1, escrow, request: r })).to.not.equal(digest);
    expect(hashBatchJobRequest({ chainId, escrow: otherEscrow, request: r })).to.not.equal(digest);
    for (const over of [
      { nonce: 8n },
      { maxTokens: 255n },
      { pricePerToken: 1n },
      { deadline: 1n },
      { provider: consumerKey.address },
    ])
      // prettier-ignore
      expect(hashBatchJobRequest({ chainId, escrow, request: request(over) })).to.not.equal(digest);
    // the proof-of-inference job key: the top 248 bits of the digest
    expect(batchJobKey(digest)).to.equal(BigInt(expected) >> 8n);
    expect(batchJobKey(digest) < 1n << 248n).to.equal(true);
  });

  it("signs for an EOA consumer; the signature verifies for that escrow only", async function () {
    const r = request();
    const signature = await signBatchJobRequest(client(), { contracts, request: r });
    expect(await verifyBatchJobRequest(reader(), { contracts, request: r, signature })).to.equal(true);
    expect(await verifyBatchJobRequest(reader(), { contracts: { BatchEscrow: otherEscrow }, request: r, signature })).to.equal(false); // prettier-ignore
    expect(await verifyBatchJobRequest(reader(), { contracts, request: request({ nonce: 8n }), signature })).to.equal(false); // prettier-ignore
    // a stranger's signature for the consumer's request
    const forged = await signBatchJobRequest(client(strangerKey), { contracts, request: r });
    expect(await verifyBatchJobRequest(reader(), { contracts, request: r, signature: forged })).to.equal(
      false,
    );
  });

  it("signs in the AgentWallet's ERC-1271 format: the agent key only towards an allowed verifier", async function () {
    const wallet = fx.walletAddress as Address;
    const r = request({ consumer: wallet });
    const digest = hashBatchJobRequest({ chainId, escrow, request: r });
    const byAgent = await signBatchJobRequest(client(agentKey), {
      contracts,
      request: r,
      agentWallet: wallet,
    });
    expect(byAgent.slice(0, 42).toLowerCase()).to.equal(agentKey.address.toLowerCase());
    expect((byAgent.length - 2) / 2).to.equal(20 + 65);
    // called from `from`, as the escrow's SignatureChecker calls it
    const isValid = (from: Address, sig: Hex) =>
      reader().readContract({ address: wallet, abi: agentWalletAbi, functionName: "isValidSignature", args: [digest, sig], account: from }); // prettier-ignore
    // not allowed yet: the agent's signature is refused, by the wallet and by verifyBatchJobRequest
    expect(await isValid(escrow, byAgent)).to.equal("0xffffffff");
    expect(await verifyBatchJobRequest(reader(), { contracts, request: r, signature: byAgent })).to.equal(
      false,
    );
    const owner = new fx.ethers.Wallet(fx.ethers.id("agent-wallet test owner"), fx.ethers.provider);
    await (await fx.wallet.connect(owner).setSignatureVerifier(escrow, true)).wait();
    expect(await isValid(escrow, byAgent)).to.equal(MAGIC);
    expect(await verifyBatchJobRequest(reader(), { contracts, request: r, signature: byAgent })).to.equal(
      true,
    );
    // towards another verifier (not allowed) the same key's signature is worthless
    const elsewhere = await signBatchJobRequest(client(agentKey), { contracts: { BatchEscrow: otherEscrow }, request: r, agentWallet: wallet }); // prettier-ignore
    expect(await verifyBatchJobRequest(reader(), { contracts: { BatchEscrow: otherEscrow }, request: r, signature: elsewhere })).to.equal(false); // prettier-ignore
    // the owner's signature is valid for any verifier
    const byOwner = await signBatchJobRequest(client(ownerKey), { contracts: { BatchEscrow: otherEscrow }, request: r, agentWallet: wallet }); // prettier-ignore
    expect(await verifyBatchJobRequest(reader(), { contracts: { BatchEscrow: otherEscrow }, request: r, signature: byOwner })).to.equal(true); // prettier-ignore
    // a stranger's key, a re-bound request (another nonce) and a frozen wallet are refused
    const byStranger = await signBatchJobRequest(client(strangerKey), { contracts, request: r, agentWallet: wallet }); // prettier-ignore
    expect(await isValid(escrow, byStranger)).to.equal("0xffffffff");
    expect(await verifyBatchJobRequest(reader(), { contracts, request: request({ consumer: wallet, nonce: 8n }), signature: byAgent })).to.equal(false); // prettier-ignore
    // the wallet must be the consumer
    const wrong = await rejection(signBatchJobRequest(client(agentKey), { contracts, request: request(), agentWallet: wallet })); // prettier-ignore
    expect(wrong).to.be.instanceOf(InvalidParameterError);
  });

  it("builds the leaves, root and proofs OpenZeppelin's MerkleProof accepts; the commitment as the escrow encodes it", async function () {
    const coder = AbiCoder.defaultAbiCoder();
    const jobs = [1n, 2n, 3n, 4n, 5n].map((n) => ({
      request: request({ nonce: n }),
      outputHash: keccak256(stringToHex(`out ${n}`)),
      tokenCount: n * 10n,
    }));
    const leaves = batchLeaves({ chainId, escrow, jobs });
    expect(leaves[2]!.fee).to.equal(30n * 10n ** 15n);
    expect(leaves[4]!.index).to.equal(4n);
    const l: BatchLeaf = leaves[1]!;
    const encoded = coder.encode(
      ["tuple(uint256,bytes32,address,bytes32,uint32,uint256)"],
      [[l.index, l.requestDigest, l.consumer, l.outputHash, l.tokenCount, l.fee]],
    );
    expect(batchLeafHash(l)).to.equal(ethersKeccak(encoded));
    // one leaf: the root is the leaf
    expect(batchJobsRoot(leaves.slice(0, 1))).to.equal(batchLeafHash(leaves[0]!));
    for (const n of [1, 2, 3, 4, 5]) {
      const some = leaves.slice(0, n);
      const root = batchJobsRoot(some);
      for (let i = 0; i < n; i++) expect(processProof(batchMerkleProof(some, i), batchLeafHash(some[i]!))).to.equal(root); // prettier-ignore
      // a leaf with another token count does not prove against the root
      expect(processProof(batchMerkleProof(some, 0), batchLeafHash({ ...some[0]!, tokenCount: 11n }))).to.not.equal(root); // prettier-ignore
    }
    // 5 leaves: ((l0 l1)(l2 l3)) l4 — the odd last node carried up unchanged
    const h = leaves.map(batchLeafHash);
    const pair = (a: string, b: string) => processProof([b], a);
    expect(batchJobsRoot(leaves)).to.equal(pair(pair(pair(h[0]!, h[1]!), pair(h[2]!, h[3]!)), h[4]!));
    const root = batchJobsRoot(leaves);
    const commitment = batchCommitment({
      chainId: BigInt(chainId),
      escrow,
      provider,
      jobsRoot: root,
      jobCount: 5n,
    });
    const expected = BigInt(ethersKeccak(coder.encode(["uint256", "address", "address", "bytes32", "uint256"], [chainId, escrow, provider, root, 5n]))) >> 8n; // prettier-ignore
    expect(commitment).to.equal(expected);
    expect(batchCommitment({ chainId: BigInt(chainId + 1), escrow, provider, jobsRoot: root, jobCount: 5n })).to.not.equal(commitment); // prettier-ignore
    expect(() => batchJobsRoot([])).to.throw(InvalidBatchError);
    expect(() => batchMerkleProof(leaves, 5)).to.throw(InvalidBatchError);
  });

  it("refuses malformed requests before signing", async function () {
    for (const over of [
      { pricePerToken: 0n },
      { maxTokens: 0n },
      { maxTokens: 1n << 32n },
      { deadline: 1n << 40n },
    ]) {
      const error = await rejection(signBatchJobRequest(client(), { contracts, request: request(over) }));
      expect(error).to.be.instanceOf(InvalidAmountError);
    }
  });
});

describe("sdk: batch settlement on a real BatchEscrow (deposits, settle, finalize, withdraw, attacks)", function () {
  let m: BatchMarket;
  let clients: ReturnType<typeof viemClients>;
  let chainId: number;
  const AITBC = 10n ** 18n;
  const PRICE = 10n ** 15n;

  before(async function () {
    const connection = await network.create();
    m = await deployBatchMarket(connection);
    clients = viemClients(connection);
    chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  });

  const balance = async (a: string) => (await m.token.balanceOf(a)) as bigint;
  const now = async () => BigInt(await m.networkHelpers.time.latest());
  const request = async (over: Partial<BatchJobRequest> = {}): Promise<BatchJobRequest> => ({
    consumer: m.consumer.address as Address,
    provider: m.provider1.address as Address,
    modelDigest: MODEL,
    promptHash: keccak256(stringToHex(`prompt ${over.nonce ?? 0n}`)),
    pricePerToken: PRICE,
    maxTokens: 100n,
    deadline: (await now()) + 3_600n,
    nonce: 1n,
    ...over,
  });
  const job = async (r: BatchJobRequest, tokenCount: bigint, signer = r.consumer, agentWallet?: Address) => ({
    request: r,
    signature: await signBatchJobRequest(clients.walletFor(signer), { contracts: m.contracts, request: r, ...(agentWallet ? { agentWallet } : {}) }), // prettier-ignore
    outputHash: keccak256(stringToHex(`output ${r.nonce}`)),
    tokenCount,
  });
  const proofFor = async (provider: Address, secret: bigint, jobs: BatchJobInput[]) => {
    const leaves = batchLeaves({ chainId, escrow: m.contracts.BatchEscrow, jobs });
    const jobsRoot = batchJobsRoot(leaves);
    const commitment = batchCommitment({ chainId: BigInt(chainId), escrow: m.contracts.BatchEscrow, provider, jobsRoot, jobCount: BigInt(jobs.length) }); // prettier-ignore
    return { proof: await mockBatchProver({ secret, identityCommitment: identityCommitment(secret), commitment, provider, jobsRoot, leaves }), jobsRoot, commitment }; // prettier-ignore
  };

  it("deposits from an EOA, and from the AgentWallet through payInto within its spending limit only", async function () {
    const escrow = m.contracts.BatchEscrow;
    const before = await balance(m.consumer.address);
    await depositToBatchEscrow(clients.walletFor(m.consumer.address), { contracts: m.contracts, amount: 1_000n * AITBC }); // prettier-ignore
    expect(before - (await balance(m.consumer.address))).to.equal(1_000n * AITBC);
    expect((await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: m.consumer.address as Address })).balance).to.equal(1_000n * AITBC); // prettier-ignore
    const agent = clients.walletFor(m.agentKey.address);
    await depositThroughAgentWallet(agent, {
      contracts: m.contracts,
      agentWallet: m.wallet,
      amount: 6_000n * AITBC,
    });
    expect((await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: m.wallet })).balance).to.equal(6_000n * AITBC); // prettier-ignore
    expect(await m.token.allowance(m.wallet, escrow)).to.equal(0n);
    // the limit is 10,000 AITBC a day: a further 5,000 is refused and nothing moves
    const [walletBefore, escrowBefore] = [await balance(m.wallet), await balance(escrow)];
    const over = await rejection<ContractRevertError>(depositThroughAgentWallet(agent, { contracts: m.contracts, agentWallet: m.wallet, amount: 5_000n * AITBC })); // prettier-ignore
    expect(over).to.be.instanceOf(ContractRevertError);
    expect(over.errorName).to.equal("AgentWalletSpendingLimitExceeded");
    expect(await balance(m.wallet)).to.equal(walletBefore);
    expect(await balance(escrow)).to.equal(escrowBefore);
    // a stranger cannot deposit from the wallet
    const stranger = await rejection<ContractRevertError>(depositThroughAgentWallet(clients.walletFor(m.outsider.address), { contracts: m.contracts, agentWallet: m.wallet, amount: 1n })); // prettier-ignore
    expect(stranger.errorName).to.equal("AgentWalletUnauthorized");
    expect(await balance(m.wallet)).to.equal(walletBefore);
  });

  it("settles a batch of EOA and AgentWallet requests: the on-chain digest, root and commitment are the SDK's", async function () {
    const r1 = await request({ nonce: 11n });
    const r2 = await request({ nonce: 12n, maxTokens: 50n });
    const r3 = await request({ nonce: 13n, consumer: m.wallet });
    const jobs = [
      await job(r1, 37n),
      await job(r2, 50n),
      await job(r3, 20n, m.agentKey.address as Address, m.wallet),
    ];
    expect(await m.batchEscrow.requestDigest({ ...r1 })).to.equal(hashBatchJobRequest({ chainId, escrow: m.contracts.BatchEscrow, request: r1 })); // prettier-ignore
    const { accepted, problems } = await checkBatchJobs(clients.publicClient, { contracts: m.contracts, provider: m.provider1.address as Address, jobs, minDeadline: await now() }); // prettier-ignore
    expect(problems.map((p) => p.message)).to.deep.equal([]);
    expect(accepted).to.deep.equal([0, 1, 2]);
    const { proof, jobsRoot, commitment } = await proofFor(m.provider1.address as Address, SECRET_1, jobs);
    expect(await m.batchEscrow.batchCommitment(m.provider1.address, jobsRoot, 3n)).to.equal(commitment);
    const [c, w] = [await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: r1.consumer }), await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: m.wallet })]; // prettier-ignore
    const settled = await settleBatch(clients.walletFor(m.provider1.address), {
      contracts: m.contracts,
      jobs,
      proof,
    });
    expect(settled.batchId).to.equal(1n);
    expect(settled.jobsRoot).to.equal(jobsRoot);
    expect(settled.totalFee).to.equal(107n * PRICE);
    expect((await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: r1.consumer })).balance).to.equal(c.balance - 87n * PRICE); // prettier-ignore
    expect((await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: m.wallet })).balance).to.equal(w.balance - 20n * PRICE); // prettier-ignore
    for (const r of [r1, r2, r3]) expect(await isBatchNonceUsed(clients.publicClient, { contracts: m.contracts, consumer: r.consumer, nonce: r.nonce })).to.equal(true); // prettier-ignore
    const found = await findBatchJobSettlement(clients.publicClient, { contracts: m.contracts, consumer: m.wallet, requestDigest: hashBatchJobRequest({ chainId, escrow: m.contracts.BatchEscrow, request: r3 }) }); // prettier-ignore
    expect(found?.batchId).to.equal(1n);
    expect(found?.index).to.equal(2n);
    expect(found?.outputHash).to.equal(jobs[2]!.outputHash);
    expect(found?.tokenCount).to.equal(20n);
    const batch = await getBatch(clients.publicClient, { contracts: m.contracts, batchId: 1n });
    expect(batch.status).to.equal("Submitted");
    expect(batch.jobCount).to.equal(3);
    expect(batch.jobsRoot).to.equal(jobsRoot);

    // replayed: the pre-check and the escrow refuse it, nothing moves
    const escrowBefore = await balance(m.contracts.BatchEscrow);
    const again = await checkBatchJobs(clients.publicClient, { contracts: m.contracts, provider: m.provider1.address as Address, jobs, minDeadline: await now() }); // prettier-ignore
    expect(again.problems.map((p) => p.problem)).to.deep.equal(["nonce-used", "nonce-used", "nonce-used"]);
    const replay = await rejection<ContractRevertError>(settleBatch(clients.walletFor(m.provider1.address), { contracts: m.contracts, jobs, proof })); // prettier-ignore
    expect(replay.errorName).to.equal("BatchNonceUsed");
    expect(await balance(m.contracts.BatchEscrow)).to.equal(escrowBefore);
    expect(await m.batchEscrow.lastBatchId()).to.equal(1n);
  });

  it("refuses what an attacker would send: another provider, more tokens, a forged or re-bound signature, a low deposit, another's proof", async function () {
    const p1 = m.provider1.address as Address;
    const p2 = m.provider2.address as Address;
    const escrowBefore = await balance(m.contracts.BatchEscrow);
    const depositBefore = (await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: m.consumer.address as Address })).balance; // prettier-ignore
    const check = async (jobs: BatchJobInput[], provider = p1) =>
      (await checkBatchJobs(clients.publicClient, { contracts: m.contracts, provider, jobs, minDeadline: (await now()) + 60n })).problems.map((p) => p.problem); // prettier-ignore
    const expectRevert = async (
      provider: Address,
      secret: bigint,
      jobs: BatchJobInput[],
      name: string,
      proofProvider = provider,
    ) => {
      const { proof } = await proofFor(proofProvider, secret, jobs);
      const e = await rejection<ContractRevertError>(settleBatch(clients.walletFor(provider), { contracts: m.contracts, jobs, proof })); // prettier-ignore
      expect(e.errorName).to.equal(name);
    };
    const ok = await job(await request({ nonce: 21n }), 10n);
    // provider 2 settles a request addressed to provider 1
    expect(await check([ok], p2)).to.deep.equal(["not-for-provider"]);
    await expectRevert(p2, SECRET_2, [ok], "BatchRequestNotForProvider");
    // more tokens than the request allows
    const greedy = { ...ok, tokenCount: 101n };
    expect(await check([greedy])).to.deep.equal(["too-many-tokens"]);
    await expectRevert(p1, SECRET_1, [greedy], "BatchTooManyTokens");
    // a stranger's signature for the consumer's request; the consumer's signature re-bound to a higher price
    const forged = { ...ok, signature: await signBatchJobRequest(clients.walletFor(m.outsider.address), { contracts: m.contracts, request: ok.request }) }; // prettier-ignore
    expect(await check([forged])).to.deep.equal(["bad-signature"]);
    await expectRevert(p1, SECRET_1, [forged], "BatchInvalidRequestSignature");
    const rebound = { ...ok, request: { ...ok.request, pricePerToken: PRICE * 10n } };
    expect(await check([rebound])).to.deep.equal(["bad-signature"]);
    await expectRevert(p1, SECRET_1, [rebound], "BatchInvalidRequestSignature");
    // the AgentWallet's agent key towards this escrow only: a request signed with the stranger's key
    const walletJob = await job(await request({ nonce: 22n, consumer: m.wallet }), 1n, m.outsider.address as Address, m.wallet); // prettier-ignore
    expect(await check([walletJob])).to.deep.equal(["bad-signature"]);
    await expectRevert(p1, SECRET_1, [walletJob], "BatchInvalidRequestSignature");
    // a deposit that does not cover the sum of the consumer's fees in the batch
    const big = await job(await request({ nonce: 23n, pricePerToken: 10n * AITBC, maxTokens: 100n }), 100n);
    expect(await check([big])).to.deep.equal(["deposit-too-low"]);
    await expectRevert(p1, SECRET_1, [big], "BatchDepositTooLow");
    // provider 2 with a proof made for provider 1's commitment (and provider 1's secret)
    const forP2 = await job(await request({ nonce: 24n, provider: p2 }), 5n);
    await expectRevert(p2, SECRET_1, [forP2], "BatchInvalidProof", p1);
    // an expired request
    const late = await job(await request({ nonce: 25n, deadline: (await now()) - 1n }), 5n);
    expect(await check([late])).to.deep.equal(["deadline-too-close"]);
    await expectRevert(p1, SECRET_1, [late], "BatchRequestExpired");
    expect(await balance(m.contracts.BatchEscrow)).to.equal(escrowBefore);
    expect((await getBatchDeposit(clients.publicClient, { contracts: m.contracts, account: m.consumer.address as Address })).balance).to.equal(depositBefore); // prettier-ignore
    expect(await m.batchEscrow.lastBatchId()).to.equal(1n);
  });

  it("finalizes after the window, pays the provider once, and returns a deposit after the withdrawal delay", async function () {
    const provider = clients.walletFor(m.provider1.address);
    const early = await rejection<ContractRevertError>(
      finalizeBatch(provider, { contracts: m.contracts, batchId: 1n }),
    );
    expect(early.errorName).to.equal("BatchChallengeWindowOpen");
    await m.networkHelpers.time.increase(86_400 + 1);
    const fin = await finalizeBatch(clients.walletFor(m.outsider.address), {
      contracts: m.contracts,
      batchId: 1n,
    });
    expect(fin.jobsPaid).to.equal(3n);
    expect(fin.protocolFee).to.equal((107n * PRICE * 250n) / 10_000n);
    expect(fin.providerAmount).to.equal(107n * PRICE - fin.protocolFee);
    const again = await rejection<ContractRevertError>(
      finalizeBatch(provider, { contracts: m.contracts, batchId: 1n }),
    );
    expect(again.errorName).to.equal("BatchWrongStatus");
    expect(await getBatchWithdrawable(clients.publicClient, { contracts: m.contracts, account: m.provider1.address as Address })).to.equal(fin.providerAmount); // prettier-ignore
    const before = await balance(m.provider1.address);
    const { amount } = await withdrawBatchEarnings(provider, { contracts: m.contracts });
    expect(amount).to.equal(fin.providerAmount);
    expect((await balance(m.provider1.address)) - before).to.equal(fin.providerAmount);
    const twice = await rejection<ContractRevertError>(
      withdrawBatchEarnings(provider, { contracts: m.contracts }),
    );
    expect(twice.errorName).to.equal("BatchNothingToWithdraw");
    // the consumer takes back 100 AITBC of its deposit after one day
    const consumer = clients.walletFor(m.consumer.address);
    const { unlockAt } = await requestDepositWithdrawal(consumer, {
      contracts: m.contracts,
      amount: 100n * AITBC,
    });
    expect(unlockAt).to.equal((await now()) + 86_400n);
    const locked = await rejection<ContractRevertError>(
      withdrawDeposit(consumer, { contracts: m.contracts }),
    );
    expect(locked.errorName).to.equal("BatchWithdrawalLocked");
    await m.networkHelpers.time.increase(86_400);
    const b = await balance(m.consumer.address);
    const out = await withdrawDeposit(consumer, { contracts: m.contracts });
    expect(out.amount).to.equal(100n * AITBC);
    expect((await balance(m.consumer.address)) - b).to.equal(100n * AITBC);
  });
});
