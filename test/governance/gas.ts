import { expect } from "chai";

import { benchGovernance } from "../../bench/governance.js";

/**
 * Regression guard on the gas target: castVote at most 1.3 times a plain OpenZeppelin
 * Governor's, both measured in the same run (bench/governance.ts, 2 proposals each).
 */
describe("OpenClaw governance: gas against the plain OpenZeppelin Governor", function () {
  it("castVote (first and later voter) stays within 1.3× the anchor", async function () {
    const section = await benchGovernance(2);
    const castVotes = section.rows.filter((row) => row.name.startsWith("castVote"));
    expect(castVotes).to.have.length(2);
    for (const row of castVotes) {
      expect(row.anchor, row.name).to.not.equal(undefined);
      expect(row.value / row.anchor!.value, row.name).to.be.at.most(1.3);
    }
    // Every other OpenClaw step is measured against the anchor too (sanity: both ran).
    for (const row of section.rows) expect(row.value, row.name).to.be.greaterThan(21_000);
  });
});
