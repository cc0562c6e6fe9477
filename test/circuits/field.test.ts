import { expect } from "chai";
import fc from "fast-check";

import { AitbcError } from "../../sdk/src/errors/base.js";
import { FieldElementOutOfRangeError, InvalidBytes32Error } from "../../sdk/src/errors/zk.js";
import {
  BN254_FIELD_MODULUS,
  bigIntToBytes32,
  checkUint,
  joinBytes32,
  splitBytes32,
  toField,
} from "../../sdk/src/zk/field.js";
import { packReceiptFields } from "../../sdk/src/zk/receipt.js";
import { P, sampleJob } from "./helpers.js";

describe("SDK field mapping", () => {
  it("uses the BN254 scalar field modulus", () => {
    expect(BN254_FIELD_MODULUS).to.equal(P);
  });

  it("accepts 0 and p - 1, rejects p, 2^256 - 1 and negatives with a typed error", () => {
    expect(toField(0n)).to.equal(0n);
    expect(toField(P - 1n)).to.equal(P - 1n);
    for (const bad of [P, P + 1n, 2n ** 256n - 1n, -1n]) {
      let error: unknown;
      try {
        toField(bad, "jobId");
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(FieldElementOutOfRangeError);
      expect(error).to.be.instanceOf(AitbcError);
      expect((error as FieldElementOutOfRangeError).value).to.equal(bad);
      expect((error as FieldElementOutOfRangeError).limit).to.equal(P);
      expect((error as AitbcError).shortMessage).to.contain("jobId");
    }
  });

  it("checks unsigned widths exactly at the boundary", () => {
    expect(checkUint(2n ** 32n - 1n, 32, "tokenCount")).to.equal(2n ** 32n - 1n);
    expect(() => checkUint(2n ** 32n, 32, "tokenCount")).to.throw(FieldElementOutOfRangeError);
  });

  it("splits bytes32 into 128-bit limbs without loss (round trip on random values)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (value) => {
        const hex = bigIntToBytes32(value);
        const [hi, lo] = splitBytes32(hex);
        expect(hi < 2n ** 128n && lo < 2n ** 128n).to.equal(true);
        expect(joinBytes32(hi, lo)).to.equal(hex);
      }),
      { numRuns: 200 },
    );
    // A digest at or above p is split, never reduced.
    const [hi, lo] = splitBytes32(bigIntToBytes32(P));
    expect((hi << 128n) + lo).to.equal(P);
  });

  it("rejects malformed bytes32 strings", () => {
    for (const bad of ["0x1234", "0x" + "g".repeat(64), "ab".repeat(32), "0x" + "00".repeat(33)]) {
      expect(() => splitBytes32(bad, "promptHash")).to.throw(InvalidBytes32Error);
    }
  });

  it("packs receipt fields into four 248-bit words that reassemble to the byte string", () => {
    const job = sampleJob({
      jobId: 2n ** 64n - 1n,
      tokenCount: 2n ** 32n - 1n,
      pricePerToken: 2n ** 128n - 1n,
    });
    const words = packReceiptFields(job);
    for (const w of words) expect(w < 2n ** 248n).to.equal(true);
    const all = words.reduce((acc, w) => (acc << 248n) | w, 0n);
    const hex = all.toString(16).padStart(248, "0");
    expect(hex.slice(0, 16)).to.equal("f".repeat(16));
    expect(hex.slice(16, 24)).to.equal("f".repeat(8));
    expect(hex.slice(24, 56)).to.equal("f".repeat(32));
    expect("0x" + hex.slice(56, 120)).to.equal(job.modelDigest);
    expect("0x" + hex.slice(120, 184)).to.equal(job.promptHash);
    expect("0x" + hex.slice(184, 248)).to.equal(job.outputHash);
  });

  it("rejects a job id of 2^64 (the receipt circuit's job ids are uint64)", () => {
    expect(() => packReceiptFields(sampleJob({ jobId: 2n ** 64n }))).to.throw(FieldElementOutOfRangeError);
  });
});

describe("AitbcError", () => {
  it("combines short message, meta messages and details, and keeps the cause chain", () => {
    const root = new Error("disk full");
    const error = new AitbcError("Could not write the proof.", {
      cause: root,
      metaMessages: ["path: out/proof.json"],
    });
    expect(error.shortMessage).to.equal("Could not write the proof.");
    expect(error.details).to.equal("disk full");
    expect(error.message).to.equal(
      "Could not write the proof.\n\npath: out/proof.json\n\nDetails: disk full",
    );
    expect(error.cause).to.equal(root);
    expect(error.walk((e) => e === root)).to.equal(root);
    expect(error.walk((e) => e instanceof TypeError)).to.equal(undefined);
    expect(error.name).to.equal("AitbcError");
    expect(new FieldElementOutOfRangeError({ what: "x", value: 1n, limit: 1n }).name).to.equal(
      "FieldElementOutOfRangeError",
    );
  });
});
