import { expect } from "chai";

import { GAS_TOLERANCE, compareGas, measureGas, readGasSnapshot } from "../bench/gas-snapshots.js";

describe("gas snapshots (snapshots/gas.json)", function () {
  it("compareGas flags a rise above the tolerance and a missing snapshot, nothing else", function () {
    const snapshot = { "a › op": 100_000, "a › other": 50_000 };
    expect(compareGas({ "a › op": 101_000, "a › other": 40_000 }, snapshot)).to.deep.equal([]);
    expect(compareGas({ "a › op": 101_001 }, snapshot)).to.deep.equal([
      "a › op: 101001 gas is 1.00% above the snapshot's 100000",
    ]);
    expect(compareGas({ "b › new": 1 }, snapshot)).to.deep.equal(["b › new: 1 gas has no snapshot"]);
  });

  it(`no operation costs more than ${GAS_TOLERANCE * 100}% above its snapshot`, async function () {
    const problems = compareGas(await measureGas(), await readGasSnapshot());
    expect(problems, "run `npm run snapshots:update` if the change is intended, and commit it").to.deep.equal(
      [],
    );
  });
});
