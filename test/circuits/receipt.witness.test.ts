import { expect } from "chai";
import { poseidon3 } from "poseidon-lite";

import { FieldElementOutOfRangeError, InvalidReceiptError } from "../../sdk/src/errors/zk.js";
import { calculateWitness, type CircuitInput } from "../../sdk/src/zk/proof.js";
import {
  buildReceiptInput,
  identityCommitment,
  receiptDomain,
  receiptNullifier,
  type ReceiptJob,
} from "../../sdk/src/zk/receipt.js";
import { splitBytes32 } from "../../sdk/src/zk/field.js";
import { expectWitnessFailure, P, SECRET, sampleJob } from "./helpers.js";

/** Honest inputs with some fields replaced (bypassing the SDK's checks, as an attacker would). */
function tampered(job: ReceiptJob, changes: CircuitInput): CircuitInput {
  return { ...buildReceiptInput(SECRET, job).input, ...changes };
}

describe("receipt circuit (witness)", () => {
  const job = sampleJob();

  it("accepts valid inputs and outputs the nullifier Poseidon(secret, domain, jobId)", async () => {
    const built = buildReceiptInput(SECRET, job);
    const witness = await calculateWitness("receipt", built.input);
    // witness = [1, nullifier, identityCommitment, domain, packed0..3, ...]
    expect(witness[1]).to.equal(receiptNullifier(SECRET, job, job.jobId));
    expect(witness[1]).to.equal(poseidon3([SECRET, (31337n << 160n) | 0x5fbdb2315678afecb367f032d93f642f64180aa3n, 42n])); // prettier-ignore
    expect(witness[3]).to.equal((31337n << 160n) | 0x5fbdb2315678afecb367f032d93f642f64180aa3n);
    expect(witness.slice(1, 8)).to.deep.equal(built.publicSignals);
    expect(built.publicSignals).to.have.length(7);
    expect(built.fee).to.equal(37n * 2n * 10n ** 12n);
  });

  it("has no fee input any more (the chain computes tokenCount * pricePerToken)", async () => {
    expect(Object.keys(buildReceiptInput(SECRET, job).input)).to.not.include("fee");
    let error: unknown;
    try {
      await calculateWitness("receipt", { ...buildReceiptInput(SECRET, job).input, fee: 1n });
    } catch (caught) {
      error = caught;
    }
    expect(String((error as Error | undefined)?.cause)).to.match(/Signal not found|fee/i);
  });

  it("binds the deployment: the nullifier differs per chain and per escrow, and at the domain's bounds", async () => {
    const onChainB = sampleJob({ chainId: 10n });
    const onEscrowB = sampleJob({ escrow: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" });
    const a = await calculateWitness("receipt", buildReceiptInput(SECRET, job).input);
    const b = await calculateWitness("receipt", buildReceiptInput(SECRET, onChainB).input);
    const c = await calculateWitness("receipt", buildReceiptInput(SECRET, onEscrowB).input);
    expect(new Set([a[1], b[1], c[1]]).size).to.equal(3);
    // Same packed words (same job fields), different domain signal.
    expect(b.slice(4, 8)).to.deep.equal(a.slice(4, 8));
    expect(b[3]).to.not.equal(a[3]);
    // The widest domain: chain id 2^64 - 1 and the all-ones address (below 2^224 < p).
    const widest = sampleJob({ chainId: 2n ** 64n - 1n, escrow: `0x${"ff".repeat(20)}` });
    const built = buildReceiptInput(SECRET, widest);
    expect(built.publicSignals[2]).to.equal(2n ** 224n - 1n);
    expect((await calculateWitness("receipt", built.input))[3]).to.equal(2n ** 224n - 1n);
    expect(receiptDomain({ chainId: 0n, escrow: `0x${"00".repeat(20)}` })).to.equal(0n);
    // Beyond it the SDK refuses, like ReceiptPublicSignals.domain.
    expect(() => buildReceiptInput(SECRET, sampleJob({ chainId: 2n ** 64n }))).to.throw(
      FieldElementOutOfRangeError,
    );
    expect(() => buildReceiptInput(SECRET, sampleJob({ escrow: "0x1234" }))).to.throw(InvalidReceiptError);
  });

  it("rejects a witness whose nullifier claims another deployment's domain", async () => {
    // The circuit computes the nullifier from the public domain: a prover cannot keep domain A's
    // nullifier while presenting domain B (the witness' nullifier output follows the domain).
    const built = buildReceiptInput(SECRET, job);
    const other = await calculateWitness("receipt", { ...built.input, domain: built.publicSignals[2] + 1n });
    expect(other[1]).to.not.equal(built.nullifier);
  });

  it("accepts the largest values of every range (uint64 id, uint32 tokens, uint128 price)", async () => {
    const big = sampleJob({
      jobId: 2n ** 64n - 1n,
      tokenCount: 2n ** 32n - 1n,
      pricePerToken: 2n ** 128n - 1n,
    });
    const built = buildReceiptInput(P - 1n, big);
    const witness = await calculateWitness("receipt", built.input);
    expect(witness[1]).to.equal(built.nullifier);
  });

  it("rejects a wrong secret (not the one behind the identity commitment)", async () => {
    await expectWitnessFailure("receipt", tampered(job, { secret: SECRET + 1n }));
  });

  it("rejects a token count or price that disagrees with the public packed words", async () => {
    await expectWitnessFailure("receipt", tampered(job, { tokenCount: job.tokenCount + 1n }));
    await expectWitnessFailure("receipt", tampered(job, { pricePerToken: job.pricePerToken - 1n }));
  });

  it("rejects a token count of 2^32 even with consistent fee and packed words (range check)", async () => {
    // Packed words for tokenCount = 2^32 overflow into the price field: build them by hand.
    const honest = buildReceiptInput(SECRET, job);
    const packed = [...(honest.input.packed as bigint[])];
    packed[0] = packed[0]! + ((2n ** 32n - job.tokenCount) << 152n);
    const tokenCount = 2n ** 32n;
    await expectWitnessFailure("receipt", {
      ...honest.input,
      packed,
      tokenCount,
    });
  });

  it("rejects field-boundary values p - 1 in every range-checked input", async () => {
    for (const name of ["jobId", "tokenCount", "pricePerToken"]) {
      await expectWitnessFailure("receipt", tampered(job, { [name]: P - 1n }));
    }
    const [hi, lo] = splitBytes32(job.promptHash);
    await expectWitnessFailure("receipt", tampered(job, { promptHash: [P - 1n, lo] }));
    await expectWitnessFailure("receipt", tampered(job, { promptHash: [hi, P - 1n] }));
  });

  it("rejects p at the SDK boundary (the witness calculator would silently reduce it to 0)", async () => {
    expect(() => buildReceiptInput(P, job)).to.throw(FieldElementOutOfRangeError);
    expect(() => buildReceiptInput(SECRET, { ...job, jobId: P })).to.throw(FieldElementOutOfRangeError);
    expect(() => buildReceiptInput(SECRET, { ...job, tokenCount: P })).to.throw(FieldElementOutOfRangeError);
    expect(() => buildReceiptInput(SECRET, { ...job, pricePerToken: P })).to.throw(
      FieldElementOutOfRangeError,
    );
    expect(() => identityCommitment(P)).to.throw(FieldElementOutOfRangeError);
    // Why the SDK must reject: the raw witness calculator reduces modulo p, so secret = p
    // would alias to secret = 0 and satisfy a commitment to 0.
    const aliased = buildReceiptInput(0n, job);
    const witness = await calculateWitness("receipt", { ...aliased.input, secret: P });
    expect(witness[1]).to.equal(receiptNullifier(0n, job, job.jobId));
  });

  it("rejects more tokens than the job allows (SDK check against maxTokens)", () => {
    expect(() => buildReceiptInput(SECRET, job, { maxTokens: job.tokenCount - 1n })).to.throw(
      InvalidReceiptError,
    );
    expect(buildReceiptInput(SECRET, job, { maxTokens: job.tokenCount }).fee).to.equal(
      job.tokenCount * job.pricePerToken,
    );
  });

  it("nullifiers are deterministic per (secret, job), so a reused receipt has a reused nullifier", async () => {
    const first = await calculateWitness("receipt", buildReceiptInput(SECRET, job).input);
    const again = await calculateWitness(
      "receipt",
      buildReceiptInput(SECRET, { ...job, outputHash: job.promptHash }).input,
    );
    const otherJob = await calculateWitness(
      "receipt",
      buildReceiptInput(SECRET, { ...job, jobId: job.jobId + 1n }).input,
    );
    const otherProvider = await calculateWitness("receipt", buildReceiptInput(SECRET + 1n, job).input);
    // Same provider and job, even with a different output: the same nullifier (the escrow's
    // spent-set catches the second settlement).
    expect(again[1]).to.equal(first[1]);
    // A receipt for another job or by another provider has a different nullifier.
    expect(otherJob[1]).to.not.equal(first[1]);
    expect(otherProvider[1]).to.not.equal(first[1]);
  });

  it("rejects a receipt for job A presented as job B (packed words of B, job id of A)", async () => {
    const jobB = sampleJob({ jobId: job.jobId + 1n });
    const b = buildReceiptInput(SECRET, jobB);
    await expectWitnessFailure("receipt", tampered(job, { packed: b.input.packed! }));
  });
});
