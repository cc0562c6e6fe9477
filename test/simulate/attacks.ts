/**
 * The attack scenarios of the governance digital twin (scripts/lib/simulate/scenarios/attacks.ts), run
 * one after another in one small world of the engine (`createWorld`: the real Ignition-deployed
 * protocol, 20 participants, seed 19), each outcome asserted against the design's numbers as literals
 * (shared/DESIGN.md: cap 5%, quorum 10%, 7-day vesting, 3-of-5 council, proposal threshold 100 AITBC).
 * Running them in sequence also checks that each hands back what it took (funder and sellers).
 */
import { expect } from "chai";
import type { Address } from "viem";

import { aitbcTokenAbi, safeAbi } from "../../sdk/src/index.js";
import { ATTACK_SCENARIOS } from "../../scripts/lib/simulate/scenarios/attacks.js";
import type { AttackOutcome, ProposalRecord } from "../../scripts/lib/simulate/types.js";
import { createWorld, type SimWorld } from "../../scripts/lib/simulate/world.js";

const AITBC = 10n ** 18n;
const THRESHOLD = 100n * AITBC;
/** OpenZeppelin's state bitmap with only Succeeded (4) set, as `GovernorUnexpectedProposalState` reports it. */
const STATE_SUCCEEDED_BITMAP = "0x" + (1n << 4n).toString(16).padStart(64, "0");

let world: SimWorld;
const outcomes = new Map<string, AttackOutcome[]>();
const records = new Map<string, ProposalRecord[]>();
const balances = new Map<Address, bigint>();

async function balanceOf(account: Address): Promise<bigint> {
  return world.clients.publicClient.readContract({ address: world.contracts.AITBCToken!, abi: aitbcTokenAbi, functionName: "balanceOf", args: [account] }); // prettier-ignore
}

/** Every holder the scenarios may take from: the funder and the population. */
function holders(): Address[] {
  return [world.roles.funder, ...world.population.map((p) => p.address)];
}

describe("simulate: attack scenarios", function () {
  before(async function () {
    world = await createWorld({ agents: 20, seed: 19 });
    for (const holder of holders()) balances.set(holder, await balanceOf(holder));
    for (const scenario of ATTACK_SCENARIOS) {
      const first = world.records.length;
      outcomes.set(scenario.name, await scenario.run(world));
      records.set(scenario.name, world.records.slice(first));
    }
  });

  it("flash-loan: 50,000,000 AITBC borrowed in one transaction count 0; the proposal is refused, the vote weighs 0", async function () {
    const [o] = outcomes.get("flash-loan")!;
    const recorded = records.get("flash-loan")!;
    expect(o!.succeeded).to.equal(false);
    expect(o!.asExpected).to.equal(true);
    expect(o!.details.borrowed).to.equal((50_000_000n * AITBC).toString());
    expect(o!.details.votesDuringLoan).to.equal((50_000_000n * AITBC).toString());
    expect(o!.details.countedAtLoan).to.equal("0");
    expect(o!.details.voteWeight).to.equal("0");
    expect(o!.details.proposeRefusal).to.equal(
      `GovernorInsufficientProposerVotes(${o!.details.attacker}, 0, ${THRESHOLD})`,
    );
    // Nothing moved: the treasury kept everything, the lender was repaid within the transaction.
    expect([o!.details.treasuryMoved, o!.details.lenderRepaid]).to.deep.equal(["0", true]);
    expect(recorded.map((r) => [r.attack, r.state, r.forVotes])).to.deep.equal([[true, "Defeated", "0"]]);
  });

  it("buy-then-vote: 50,000,000 AITBC bought count 0 at 0 s, 297,619 at 1 h, 7,142,857 at 24 h, in full from 7 days", async function () {
    const measured = outcomes.get("buy-then-vote")!;
    const recorded = records.get("buy-then-vote")!;
    expect(measured.map((o) => o.details.delaySeconds)).to.deep.equal([0, 3_600, 43_200, 86_400, 259_200, 604_800, 691_200]); // prettier-ignore
    // 50,000,000 × d / 7 days, whole AITBC (floor): the 7-day average is the binding part below 7 days.
    expect(measured.map((o) => BigInt(o.details.counted as string) / AITBC)).to.deep.equal([
      0n,
      297_619n,
      3_571_428n,
      7_142_857n,
      21_428_571n,
      50_000_000n,
      50_000_000n,
    ]);
    for (const o of measured) {
      expect(o.details.bought).to.equal((50_000_000n * AITBC).toString());
      expect([o.succeeded, o.asExpected]).to.deep.equal([false, true]);
    }
    // Below the 10% quorum on its own, every proposal the buyer voted for is defeated.
    expect(recorded.map((r) => [r.attack, r.state, r.voters])).to.deep.equal(
      Array(7).fill([true, "Defeated", 1]),
    );
  });

  it("sybil-split: 20% of supply counts 5% in one address, 10% in 2, and all of it in 4, 10 or 40; the council still blocks the queue", async function () {
    const measured = outcomes.get("sybil-split")!;
    const recorded = records.get("sybil-split")!;
    const rows = measured.map((o) => [
      o.details.k,
      BigInt(o.details.counted as string) / AITBC,
      BigInt(o.details.perAddressCounted as string) / AITBC,
      o.details.voteState,
      o.details.queueRefusal,
    ]);
    const id = (i: number) => recorded[i]!.proposalId;
    expect(rows).to.deep.equal([
      [1, 50_000_000n, 50_000_000n, "Defeated", `GovernorUnexpectedProposalState(${id(0)}, 3, ${STATE_SUCCEEDED_BITMAP})`], // prettier-ignore
      [2, 100_000_000n, 50_000_000n, "Succeeded", `GovernanceCouncilApprovalRequired(${id(1)})`],
      [4, 200_000_000n, 50_000_000n, "Succeeded", `GovernanceCouncilApprovalRequired(${id(2)})`],
      [10, 200_000_000n, 20_000_000n, "Succeeded", `GovernanceCouncilApprovalRequired(${id(3)})`],
      [40, 200_000_000n, 5_000_000n, "Succeeded", `GovernanceCouncilApprovalRequired(${id(4)})`],
    ]);
    for (const o of measured) {
      expect(o.details.holding).to.equal((200_000_000n * AITBC).toString());
      expect([o.succeeded, o.asExpected, o.details.roleGranted]).to.deep.equal([false, true, false]);
    }
    expect(recorded.map((r) => [r.type, r.voters, r.councilApproved])).to.deep.equal([
      ["Protocol", 1, false],
      ["Protocol", 2, false],
      ["Protocol", 4, false],
      ["Protocol", 10, false],
      ["Protocol", 40, false],
    ]);
  });

  it("malicious-core: disguised core calls derive Protocol, the disguise is refused, the voted proposal cannot be queued without the council; nested in the allowlisted target it is Community and the timelock never makes the call", async function () {
    const measured = outcomes.get("malicious-core")!;
    const recorded = records.get("malicious-core")!;
    expect(measured.map((o) => [o.details.declared, o.details.derived])).to.deep.equal([
      ["Community", "Protocol"],
      ["Resource", "Protocol"],
      ["Community", "Protocol"],
      ["Resource", "Protocol"],
      ["Community", "Protocol"],
      ["Community", "Community"],
    ]);
    const declared = [2, 1, 2, 1, 2];
    expect(measured.length).to.equal(6);
    for (const [i, o] of measured.slice(0, 5).entries()) {
      expect(o.details.disguiseRefusal).to.equal(`GovernanceProposalTypeMismatch(${declared[i]}, 0)`);
      expect(o.details.bondMovedOnRefusal).to.equal("0");
      expect(o.details.voteState).to.equal("Succeeded");
      expect(o.details.forVotes).to.equal((100_000_000n * AITBC).toString()); // two backers at the 5% cap
      expect(o.details.queueRefusal).to.equal(
        `GovernanceCouncilApprovalRequired(${recorded[i]!.proposalId})`,
      );
      expect([o.details.roleGranted, o.details.thresholdChanged, o.details.treasuryMoved]).to.deep.equal([false, false, "0"]); // prettier-ignore
      expect([o.succeeded, o.asExpected]).to.deep.equal([false, true]);
    }
    expect(recorded.slice(0, 5).map((r) => [r.type, r.state, r.councilApproved])).to.deep.equal(Array(5).fill(["Protocol", "Succeeded", false])); // prettier-ignore
    // Nested in the allowlisted target itself: Community, executed without the council; the vesting
    // wallet called the attacker's token, whose grantRole was refused (the timelock never made it).
    const nested = measured[5]!;
    const vesting = world.contracts.EarlyContributorVesting0!;
    expect(nested.details).to.deep.include({
      derived: "Community",
      critical: false,
      voteState: "Succeeded",
      queue: "none",
      execute: "none",
      nestedCaller: vesting,
      nestedCallSucceeded: false,
      // The timelock's admin role (0x00…) is what grantRole needs; the caller is the attacker's token.
      nestedError: `AccessControlUnauthorizedAccount(${nested.details.attackerToken}, ${"0x" + "00".repeat(32)})`,
      roleGranted: false,
    });
    expect([nested.succeeded, nested.asExpected]).to.deep.equal([false, true]);
    expect([recorded[5]!.type, recorded[5]!.state, recorded[5]!.councilApproved]).to.deep.equal(["Community", "Executed", null]); // prettier-ignore
  });

  it("council-silent: with 1 or 2 of 5 silent a grant still executes; with 3 silent critical proposals stall (GS020) and Community ones do not; swapOwner recovers", async function () {
    const [one, two, three, recovery] = outcomes.get("council-silent")!;
    const recorded = records.get("council-silent")!;
    for (const [o, silent] of [
      [one!, 1],
      [two!, 2],
    ] as const) {
      expect(o.details).to.deep.include({ silent, activeOwners: 5 - silent, threshold: 3, approval: "none", queue: "none", execute: "none" }); // prettier-ignore
      expect([o.succeeded, o.asExpected]).to.deep.equal([false, true]);
    }
    const grant3 = recorded[2]!.proposalId;
    const replace = recorded[3]!.proposalId;
    expect(three!.details).to.deep.include({
      silent: 3,
      activeOwners: 2,
      approval: "Error(GS020)",
      queue: `GovernanceCouncilApprovalRequired(${grant3})`,
      replaceCouncilApproval: "Error(GS020)",
      replaceCouncilQueue: `GovernanceCouncilApprovalRequired(${replace})`,
      swapOwnerWithTwo: "Error(GS020)",
      cancelWithTwo: "Error(GS020)",
      communityQueue: "none",
      communityExecute: "none",
      granteeReceived: (2_000n * AITBC).toString(), // the two grants decided with 1 and 2 silent
    });
    expect([three!.succeeded, three!.asExpected]).to.deep.equal([true, true]);
    expect(recovery!.details).to.deep.include({ owners: 5, approval: "none", queue: "none", execute: "none", swaps: "none; none" }); // prettier-ignore
    expect(recovery!.details.granteeReceived).to.equal((3_000n * AITBC).toString());
    expect([recovery!.succeeded, recovery!.asExpected]).to.deep.equal([false, true]);
    const owners = await world.clients.publicClient.readContract({ address: world.contracts.SecurityCouncil!, abi: safeAbi, functionName: "getOwners" }); // prettier-ignore
    const newOwners = String(recovery!.details.newOwners).split(",");
    expect(owners.map((o) => o.toLowerCase()).sort()).to.deep.equal(
      [...world.roles.councilOwners.slice(0, 3), ...newOwners].map((o) => o.toLowerCase()).sort(),
    );
    expect(recorded.map((r) => [r.type, r.state, r.councilApproved])).to.deep.equal([
      ["Resource", "Executed", true],
      ["Resource", "Executed", true],
      ["Resource", "Executed", true],
      ["Protocol", "Succeeded", false],
      ["Community", "Executed", null],
    ]);
  });

  it("ATTACK_SCENARIOS lists the five attacks by their --scenario names", function () {
    expect(ATTACK_SCENARIOS.map((s) => s.name)).to.deep.equal([
      "flash-loan",
      "buy-then-vote",
      "sybil-split",
      "malicious-core",
      "council-silent",
    ]);
  });

  it("the five ran one after another in one world: every outcome as expected, everything handed back", async function () {
    const all = [...outcomes.values()].flat();
    expect(all.filter((o) => !o.asExpected).map((o) => o.magnitude)).to.deep.equal([]);
    expect(all.length).to.equal(1 + 7 + 5 + 6 + 4);
    // Only the stalled council "succeeds" (three silent owners stall critical proposals).
    expect(all.filter((o) => o.succeeded).map((o) => [o.name, o.details.silent])).to.deep.equal([["council-silent", 3]]); // prettier-ignore
    expect([...records.values()].flat().map((r) => r.attack)).to.deep.equal(
      Array(1 + 7 + 5 + 6 + 5).fill(true),
    );
    // Every seller got back what it sold; the funder holds what it held (the lender's pool reclaimed,
    // bonds refunded) plus the three council-silent grants (1,000 AITBC each, from the treasury).
    for (const holder of holders()) {
      const expected = balances.get(holder)! + (holder === world.roles.funder ? 3_000n * AITBC : 0n);
      expect(await balanceOf(holder), holder).to.equal(expected);
    }
  });
});
