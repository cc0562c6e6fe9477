import SafeModule from "@safe-global/protocol-kit";
import { expect } from "chai";
import { network } from "hardhat";

import { safeContractNetworks } from "../../sdk/src/index.js";
import { deployGrants } from "../grants/fixture.js";
import { CHALLENGE_PERIOD, PROPOSAL_BOND, VOTING_PERIOD, Vote } from "../helpers/openclaw.js";

// protocol-kit's types describe its CommonJS build (default = the module); Node loads its ESM build,
// whose default export is the Safe class itself.
const Safe = ("init" in SafeModule ? SafeModule : SafeModule.default) as typeof SafeModule.default;

const connection = await network.create();
const { networkHelpers } = connection;
const fixture = () => deployGrants(connection);

describe("Security council driven by Safe's protocol-kit 8", function () {
  it("protocol-kit reads 5 owners / 3, and 3 owners' signatures approve a proposal and a grant milestone", async function () {
    const g = await networkHelpers.loadFixture(fixture);
    const { governor, grants, token, escrow, council, proposer, alice, bob, grantee } = g;
    const contractNetworks = safeContractNetworks({ chainId: Number(g.chainId), contracts: g.addresses });
    const safeAddress = await council.getAddress();
    const kitFor = (signer: string) =>
      Safe.init({ provider: connection.provider as never, signer, safeAddress, contractNetworks });
    const kits = await Promise.all(g.owners.map((owner) => kitFor(owner.address)));
    expect(await kits[0]!.getOwners()).to.deep.equal(await Promise.all(g.owners.map((o) => o.getAddress())));
    expect(await kits[0]!.getThreshold()).to.equal(3);
    expect(await kits[0]!.getContractVersion()).to.equal("1.5.0");

    /** createTransaction → 3 owners sign (EIP-712) → executeTransaction (by the third owner). */
    const approveThroughKit = async (to: string, data: string, signers = [0, 2, 4]) => {
      let tx = await kits[signers[0]!]!.createTransaction({ transactions: [{ to, value: "0", data }] });
      for (const index of signers) tx = await kits[index]!.signTransaction(tx);
      expect(tx.signatures.size).to.equal(signers.length);
      return kits[signers[signers.length - 1]!]!.executeTransaction(tx);
    };

    // A critical proposal (a treasury transfer) approved by the council through protocol-kit.
    const actions = {
      targets: [await token.getAddress()],
      values: [0n],
      calldatas: [token.interface.encodeFunctionData("transfer", [bob.address, 1_000n * 10n ** 18n])],
      description: "Treasury: 1,000 AITBC to bob (council through protocol-kit)",
    };
    await token.connect(proposer).approve(await escrow.getAddress(), PROPOSAL_BOND);
    await governor
      .connect(proposer)
      .propose(actions.targets, actions.values, actions.calldatas, actions.description); // prettier-ignore
    const id = await governor.getProposalId(actions.targets, actions.values, actions.calldatas, g.ethers.id(actions.description)); // prettier-ignore
    await networkHelpers.time.increase(CHALLENGE_PERIOD + 1);
    await governor.connect(alice).castVote(id, Vote.For);
    await governor.connect(bob).castVote(id, Vote.For);
    await networkHelpers.time.increase(VOTING_PERIOD);
    expect((await governor.proposalExtras(id)).councilApproved).to.equal(false);
    // Two signatures are not enough: protocol-kit checks the threshold before sending, nothing changes.
    let tooFew = await kits[0]!.createTransaction({ transactions: [{ to: await governor.getAddress(), value: "0", data: governor.interface.encodeFunctionData("approveProposal", [id, proposer.address]) }] }); // prettier-ignore
    tooFew = await kits[0]!.signTransaction(tooFew);
    tooFew = await kits[1]!.signTransaction(tooFew);
    const refusal = await kits[1]!.executeTransaction(tooFew).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refusal?.message).to.equal("There is 1 signature missing");
    expect((await governor.proposalExtras(id)).councilApproved).to.equal(false);
    await approveThroughKit(await governor.getAddress(), governor.interface.encodeFunctionData("approveProposal", [id, proposer.address])); // prettier-ignore
    const extras = await governor.proposalExtras(id);
    expect([extras.councilApproved, extras.approvedProposer]).to.deep.equal([true, proposer.address]);

    // A grant milestone approved by the council through protocol-kit.
    await grants.connect(grantee).submitMilestone(1n, 0n, g.grant1[0]!.deliverableHash);
    await approveThroughKit(await grants.getAddress(), grants.interface.encodeFunctionData("approveMilestone", [1n, 0n]), [1, 2, 3]); // prettier-ignore
    expect(Number((await grants.getMilestone(1n, 0n)).status)).to.equal(2); // Approved
    await grants.connect(grantee).claimMilestone(1n, 0n);
    expect(await token.balanceOf(grantee.address)).to.equal(10_000n * 10n ** 18n);
  });
});
