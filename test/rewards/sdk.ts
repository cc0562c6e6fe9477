import { expect } from "chai";
import { network } from "hardhat";
import { stringToHex, type Address } from "viem";

import {
  ContractRevertError,
  ROLE_ALLOCATION_BPS,
  claimParticipationReward,
  claimProposalReward,
  getParticipationByRole,
  getParticipationReward,
  releaseEcosystemStream,
} from "../../sdk/src/index.js";
import { AITBC, VOTING_PERIOD, Vote, openVoting, propose, treasuryTransfer } from "../helpers/openclaw.js";
import { deployRewards } from "./fixture.js";

const connection = await network.create();
const { networkHelpers } = connection;
const fixture = () => deployRewards(connection);
const M = 1_000_000n * 10n ** 18n;

async function rejection(promise: Promise<unknown>): Promise<ContractRevertError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ContractRevertError) return error;
    throw error;
  }
  throw new Error("expected a revert");
}

describe("Rewards: SDK actions", function () {
  it("release, read, claim and report participation by role (provider, declared agent roles, humans)", async function () {
    const r = await networkHelpers.loadFixture(fixture);
    const { publicClient, walletFor } = r.viem;
    const contracts = r.contracts;
    // Roles: carol registers as a GPU provider; dave as an agent declaring "builder"; carolB as an agent
    // with no role; alice, bob and the ERC-1271 wallet have no agent identity (humans).
    await r.staking
      .connect(r.carol)
      .register(12_345n, { model: "NVIDIA RTX 4090", vramGb: 24, throughput: 120 }, []);
    await r.agentRegistry
      .connect(r.dave)
      .register("https://dave.example/agent.json", [
        { metadataKey: "role", metadataValue: stringToHex("builder") },
      ]);
    await r.agentRegistry.connect(r.carolB).register("https://carolb.example/agent.json", []);

    const actions = await treasuryTransfer(r, r.outsider.address, 1n, "Roles report");
    const { id } = await propose(r, r.proposer, actions);
    await openVoting(r);
    for (const [voter, support] of [
      [r.alice, Vote.For],
      [r.bob, Vote.Against],
      [r.dave, Vote.For],
      [r.carol, Vote.For],
      [r.carolB, Vote.Abstain],
    ] as const) {
      // prettier-ignore
      await r.governor.connect(voter).castVote(id, support);
    }
    await networkHelpers.time.increase(VOTING_PERIOD);

    const report = await getParticipationByRole(publicClient, { contracts, proposalId: id });
    expect(report.totalPower).to.equal(150n * M);
    const row = (role: string) => report.roles.find((x) => x.role === role)!;
    expect(row("human")).to.deep.equal({ role: "human", voters: 2, power: 100n * M, shareBps: 6_666, allocationBps: 6_000 }); // prettier-ignore
    expect(row("provider")).to.deep.equal({ role: "provider", voters: 1, power: 12_500_000n * AITBC, shareBps: 833, allocationBps: 2_000 }); // prettier-ignore
    expect(row("builder")).to.deep.equal({ role: "builder", voters: 1, power: 25n * M, shareBps: 1_666, allocationBps: 700 }); // prettier-ignore
    expect(row("agent")).to.deep.equal({ role: "agent", voters: 1, power: 12_500_000n * AITBC, shareBps: 833, allocationBps: undefined }); // prettier-ignore
    expect(row("consumer").voters).to.equal(0);
    expect(row("coordinator").voters).to.equal(0);
    expect(ROLE_ALLOCATION_BPS).to.deep.equal({ human: 6_000, provider: 2_000, consumer: 1_000, builder: 700, coordinator: 300, agent: undefined }); // prettier-ignore

    // Not funded yet: the exact error, decoded by the SDK.
    const unfunded = await rejection(
      claimParticipationReward(walletFor(r.outsider.address), { contracts, proposalId: id, voter: r.alice.address as Address }), // prettier-ignore
    );
    expect(unfunded.errorName).to.equal("ParticipationInsufficientFunds");
    const { amount: released } = await releaseEcosystemStream(walletFor(r.outsider.address), { contracts });
    expect(released > 0n).to.equal(true);

    // 10,000 AITBC × 50M / 150M = 3,333.33… AITBC, rounded down to the wei.
    const share = (10_000n * AITBC * 50n) / 150n;
    expect(await getParticipationReward(publicClient, { contracts, proposalId: id, voter: r.alice.address as Address })).to.deep.equal({ amount: share, budget: 10_000n * AITBC, claimed: false }); // prettier-ignore
    const { amount } = await claimParticipationReward(walletFor(r.outsider.address), { contracts, proposalId: id, voter: r.alice.address as Address }); // prettier-ignore
    expect(amount).to.equal(share);
    expect((await getParticipationReward(publicClient, { contracts, proposalId: id, voter: r.alice.address as Address })).claimed).to.equal(true); // prettier-ignore
    const again = await rejection(
      claimParticipationReward(walletFor(r.alice.address), { contracts, proposalId: id, voter: r.alice.address as Address }), // prettier-ignore
    );
    expect(again.errorName).to.equal("ParticipationAlreadyClaimed");
    expect(again.args).to.deep.equal([id, r.alice.address]);

    // Succeeded but never queued or executed: no proposer reward.
    const notExecuted = await rejection(claimProposalReward(walletFor(r.proposer.address), { contracts, proposalId: id })); // prettier-ignore
    expect(notExecuted.errorName).to.equal("ProposalRewardNotExecuted");
    expect(notExecuted.args).to.deep.equal([id, 4]);
  });
});
