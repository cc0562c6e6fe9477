/**
 * The attack scenarios of the governance digital twin (scripts/lib/simulate/scenarios/attacks.ts),
 * each run on a small world (the real stack, no population) with its outcome asserted against the
 * design's numbers as literals (shared/DESIGN.md: cap 5%, quorum 10%, 7-day vesting, 3-of-5 council).
 */
import { expect } from "chai";
import { network } from "hardhat";

import { flashLoanScenario } from "../../scripts/lib/simulate/scenarios/flash-loan.js";
import { createAttackWorld } from "./attack-world.js";

const AITBC = 10n ** 18n;
const THRESHOLD = 100n * AITBC;

const connection = await network.create();
const fixture = () => createAttackWorld(connection);

describe("simulate: attack scenarios", function () {
  it("flash-loan: 50,000,000 AITBC borrowed in one transaction count 0; the proposal is refused, the vote weighs 0", async function () {
    const { world, recorded } = await connection.networkHelpers.loadFixture(fixture);
    const [o] = await flashLoanScenario.run(world);
    console.log(o);
    expect(o!.succeeded).to.equal(false);
    expect(o!.asExpected).to.equal(true);
    expect(o!.details.borrowed).to.equal((50_000_000n * AITBC).toString());
    expect(o!.details.votesDuringLoan).to.equal((50_000_000n * AITBC).toString());
    expect(o!.details.countedAtLoan).to.equal("0");
    expect(o!.details.voteWeight).to.equal("0");
    expect(o!.details.proposeRefusal).to.equal(
      `GovernorInsufficientProposerVotes(${o!.details.attacker}, 0, ${THRESHOLD})`,
    );
    expect(recorded.map((r) => [r.attack, r.state, r.forVotes])).to.deep.equal([[true, "Defeated", "0"]]);
  });
});
