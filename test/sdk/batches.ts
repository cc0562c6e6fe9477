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
  batchCommitment,
  batchJobKey,
  batchJobsRoot,
  batchLeafHash,
  batchLeaves,
  batchMerkleProof,
  hashBatchJobRequest,
  InvalidAmountError,
  InvalidParameterError,
  signBatchJobRequest,
  verifyBatchJobRequest,
  type AitbcContracts,
  type BatchJobRequest,
  type BatchLeaf,
} from "../../sdk/src/index.js";
import { deployWallet } from "../helpers/wallet.js";
import { rejection } from "./helpers.js";

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
    const commitment = batchCommitment({ chainId, escrow, provider, jobsRoot: root, jobCount: 5n });
    const expected = BigInt(ethersKeccak(coder.encode(["uint256", "address", "address", "bytes32", "uint256"], [chainId, escrow, provider, root, 5n]))) >> 8n; // prettier-ignore
    expect(commitment).to.equal(expected);
    expect(batchCommitment({ chainId: chainId + 1, escrow, provider, jobsRoot: root, jobCount: 5n })).to.not.equal(commitment); // prettier-ignore
    expect(() => batchJobsRoot([])).to.throw(InvalidParameterError);
    expect(() => batchMerkleProof(leaves, 5)).to.throw(InvalidParameterError);
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
