import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { keccak256, stringToBytes, type Address, type Hex } from "viem";

import { InvalidBatchError } from "../../sdk/src/errors/zk.js";
import { bigIntToBytes32 } from "../../sdk/src/zk/field.js";
import {
  batchCommitment,
  batchJobKey,
  batchJobsRoot,
  batchLeafHash,
  batchMerkleProof,
  proveBatchReceipt,
  verifyBatchMerkleProof,
  verifyBatchReceipt,
  type BatchLeaf,
} from "../../sdk/src/zk/batch.js";
import { calculateWitness, releaseProverResources } from "../../sdk/src/zk/proof.js";
import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import { expectWitnessFailure, P, SECRET } from "./helpers.js";

const { ethers } = await network.create();
const verifier = await ethers.deployContract("BatchReceiptVerifier");
const rules = await ethers.deployContract("BatchRulesHarness", [await verifier.getAddress()]);
const chainId = (await ethers.provider.getNetwork()).chainId;
const escrow = (await rules.getAddress()) as Address;
const [, providerSigner, otherSigner] = await ethers.getSigners();
const provider = providerSigner!.address as Address;

const hex32 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map(bigIntToBytes32);
const address = fc.bigInt({ min: 0n, max: 2n ** 160n - 1n }).map((v) => `0x${v.toString(16).padStart(40, "0")}` as Address); // prettier-ignore
const leafArb = (index: number) =>
  fc.record({
    index: fc.constant(BigInt(index)),
    requestDigest: hex32,
    consumer: address,
    outputHash: hex32,
    tokenCount: fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
    fee: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  });

function leaves(n: number, salt = "job"): BatchLeaf[] {
  return Array.from({ length: n }, (_, i) => ({
    index: BigInt(i),
    requestDigest: keccak256(stringToBytes(`${salt} request ${i}`)),
    consumer: `0x${(0xc0 + (i % 3)).toString(16).repeat(20)}` as Address,
    outputHash: keccak256(stringToBytes(`${salt} output ${i}`)),
    tokenCount: BigInt(10 + i),
    fee: BigInt(10 + i) * 2n * 10n ** 15n,
  }));
}

describe("batch receipts: the TypeScript mirror of BatchEscrow's rules and the batch circuit", function () {
  after(releaseProverResources);

  it("leaf hashes equal keccak256(abi.encode(BatchLeaf)) in Solidity, on random leaves", async () => {
    await fc.assert(
      fc.asyncProperty(leafArb(0), async (leaf) => {
        expect(await rules.leafHash(leaf)).to.equal(batchLeafHash(leaf));
      }),
      { numRuns: 25 },
    );
  });

  it("roots and Merkle proofs agree with Solidity and OpenZeppelin MerkleProof.verify for N = 1..9, 31, 32, 33, 64, 256", async () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 32, 33, 64, 256]) {
      const batch = leaves(n);
      const hashes = batch.map(batchLeafHash);
      const root = batchJobsRoot(batch);
      expect(await rules.root(hashes), `N = ${n}`).to.equal(root);
      if (n === 1) expect(root).to.equal(hashes[0]);
      const indices = n <= 9 ? [...Array(n).keys()] : [0, 1, n - 2, n - 1, n >> 1];
      for (const i of indices) {
        const proof = batchMerkleProof(batch, i);
        expect(proof.length).to.be.at.most(Math.ceil(Math.log2(n)));
        expect(await rules.verifyMerkle(proof, root, hashes[i]!), `N = ${n}, leaf ${i}`).to.equal(true);
        expect(verifyBatchMerkleProof(proof, root, hashes[i]!)).to.equal(true);
        // Another leaf of the batch with this proof: refused by both.
        const other = hashes[(i + 1) % n]!;
        if (n > 1) {
          expect(await rules.verifyMerkle(proof, root, other), `N = ${n}, swapped leaf`).to.equal(false);
          expect(verifyBatchMerkleProof(proof, root, other)).to.equal(false);
        }
      }
    }
  });

  it("any change to one leaf (token count, fee, output, consumer, index) changes the root", () => {
    const batch = leaves(32);
    const root = batchJobsRoot(batch);
    const changed: Partial<BatchLeaf>[] = [
      { tokenCount: batch[5]!.tokenCount + 1n },
      { fee: batch[5]!.fee - 1n },
      { outputHash: batch[6]!.outputHash },
      { consumer: `0x${"de".repeat(20)}` },
      { index: 6n },
      { requestDigest: batch[4]!.requestDigest },
    ];
    for (const change of changed) {
      const tampered = batch.map((leaf, i) => (i === 5 ? { ...leaf, ...change } : leaf));
      expect(batchJobsRoot(tampered), JSON.stringify(change, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).to.not.equal(root); // prettier-ignore
    }
    // Reordering two jobs changes it too: the escrow numbers leaves by position, so each moved job's
    // leaf carries its new index. (Commutative pairs alone do not order siblings: the same two leaf
    // hashes swapped give the same root, which is why the index is inside the leaf.)
    const reordered = [batch[1]!, batch[0]!, ...batch.slice(2)].map((leaf, i) => ({
      ...leaf,
      index: BigInt(i),
    }));
    expect(batchJobsRoot(reordered)).to.not.equal(root);
    expect(batchJobsRoot([batch[1]!, batch[0]!, ...batch.slice(2)])).to.equal(root);
  });

  it("the commitment equals the Solidity one for this escrow and chain, on random roots, providers and counts", async () => {
    await fc.assert(
      fc.asyncProperty(hex32, address, fc.integer({ min: 1, max: 256 }), async (jobsRoot, who, count) => {
        const expected = batchCommitment({
          chainId,
          escrow,
          provider: who,
          jobsRoot,
          jobCount: BigInt(count),
        });
        expect(await rules.commitment(who, jobsRoot, count)).to.equal(expected);
        expect(expected < 2n ** 248n).to.equal(true);
      }),
      { numRuns: 20 },
    );
  });

  it("a real batch proof verifies for its provider's batch on this escrow and chain, and for nothing else", async () => {
    const batch = leaves(32);
    const jobsRoot = batchJobsRoot(batch);
    const commitment = batchCommitment({ chainId, escrow, provider, jobsRoot, jobCount: 32n });
    const result = await proveBatchReceipt(SECRET, { commitment });
    const identity = identityCommitment(SECRET);
    expect(result.publicSignals).to.deep.equal([identity, commitment]);
    expect(result.calldata).to.have.length(8);
    expect(await rules.verifyBatch([...result.calldata], identity, provider, jobsRoot, 32n)).to.equal(true);
    expect(await verifyBatchReceipt(result.proof, { identityCommitment: identity, commitment })).to.equal(
      true,
    );
    const c = result.verifierCalldata;
    expect(await verifier.verifyProof(c.pA, c.pB, c.pC, [identity, commitment])).to.equal(true);

    // Another provider presenting it, another root, another count, another identity: refused.
    const flat = [...result.calldata];
    expect(await rules.verifyBatch(flat, identity, otherSigner!.address, jobsRoot, 32n)).to.equal(false);
    expect(
      await rules.verifyBatch(flat, identity, provider, batchJobsRoot(leaves(32, "other")), 32n),
    ).to.equal(false);
    expect(await rules.verifyBatch(flat, identity, provider, jobsRoot, 31n)).to.equal(false);
    expect(await rules.verifyBatch(flat, identityCommitment(SECRET + 1n), provider, jobsRoot, 32n)).to.equal(
      false,
    );
    // Another escrow on this chain, or this escrow's address on another chain, gives another commitment.
    const elsewhere = [
      batchCommitment({ chainId, escrow: `0x${"ee".repeat(20)}`, provider, jobsRoot, jobCount: 32n }),
      batchCommitment({ chainId: chainId + 1n, escrow, provider, jobsRoot, jobCount: 32n }),
    ];
    for (const other of elsewhere) {
      expect(await verifier.verifyProof(c.pA, c.pB, c.pC, [identity, other])).to.equal(false);
      expect(await verifyBatchReceipt(result.proof, { identityCommitment: identity, commitment: other })).to.equal(false); // prettier-ignore
    }
    // Any changed signal, or a changed proof point.
    expect(await verifier.verifyProof(c.pA, c.pB, c.pC, [(identity + 1n) % P, commitment])).to.equal(false);
    expect(await verifier.verifyProof(c.pA, c.pB, c.pC, [identity, commitment + 1n])).to.equal(false);
    expect(await verifier.verifyProof([c.pA[0], c.pA[1] + 1n], c.pB, c.pC, [identity, commitment])).to.equal(
      false,
    );
  });

  it("the circuit refuses a wrong secret and a commitment of 2^248 or more", async () => {
    const identity = identityCommitment(SECRET);
    const honest = { identityCommitment: identity, commitment: 2n ** 248n - 1n, secret: SECRET };
    const witness = await calculateWitness("batch_receipt", honest);
    expect(witness.slice(1, 3)).to.deep.equal([identity, 2n ** 248n - 1n]);
    await expectWitnessFailure("batch_receipt", { ...honest, secret: SECRET + 1n });
    await expectWitnessFailure("batch_receipt", { ...honest, commitment: 2n ** 248n });
    await expectWitnessFailure("batch_receipt", { ...honest, commitment: P - 1n });
  });

  it("rejects malformed batches with a typed error", async () => {
    expect(() => batchJobsRoot([])).to.throw(InvalidBatchError);
    expect(() => batchJobsRoot(leaves(257))).to.throw(InvalidBatchError);
    expect(() => batchMerkleProof(leaves(4), 4)).to.throw(InvalidBatchError);
    expect(() => batchMerkleProof(leaves(4), -1)).to.throw(InvalidBatchError);
    expect(() => batchLeafHash({ ...leaves(1)[0]!, tokenCount: 2n ** 32n })).to.throw(InvalidBatchError);
    expect(() => batchLeafHash({ ...leaves(1)[0]!, consumer: "0x12" as Address })).to.throw(
      InvalidBatchError,
    );
    expect(() => batchJobsRoot(["0x1234" as Hex])).to.throw(InvalidBatchError);
    const root = batchJobsRoot(leaves(2));
    expect(() => batchCommitment({ chainId, escrow, provider, jobsRoot: root, jobCount: 0n })).to.throw(InvalidBatchError); // prettier-ignore
    expect(() => batchCommitment({ chainId, escrow, provider, jobsRoot: root, jobCount: 257n })).to.throw(InvalidBatchError); // prettier-ignore
    await proveBatchReceipt(SECRET, { commitment: 2n ** 248n }).then(
      () => expect.fail("proved a 249-bit commitment"),
      (error: unknown) => expect(error).to.be.instanceOf(InvalidBatchError),
    );
    expect(batchJobKey(`0x${"ff".repeat(32)}`)).to.equal(2n ** 248n - 1n);
    expect(() => batchJobKey("0x12")).to.throw(InvalidBatchError);
  });
});
