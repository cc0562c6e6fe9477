import { expect } from "chai";
import { network } from "hardhat";

import {
  AITBC,
  DAY,
  Vote,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
} from "../helpers/openclaw.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fixture = () => deployOpenClaw(connection);

const BALLOT_TYPES = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

describe("OpenClaw governance: delegation and agent wallets", function () {
  it("holders delegate to a smart-contract wallet, which votes by ERC-1271 signature", async function () {
    const dao = await networkHelpers.loadFixture(fixture);
    const { governor, token, ecosystem, agentOwner, outsider, alice } = dao;
    const wallet = await ethers.deployContract("ERC1271WalletMock", [agentOwner.address]);
    const walletAddress = await wallet.getAddress();

    // The wallet holds 10M and self-delegates; a human (outsider) delegates another 5M to it.
    await token.connect(ecosystem).transfer(walletAddress, 10_000_000n * AITBC);
    await wallet
      .connect(agentOwner)
      .execute(await token.getAddress(), token.interface.encodeFunctionData("delegate", [walletAddress]));
    await token.connect(ecosystem).transfer(outsider.address, 5_000_000n * AITBC);
    await token.connect(outsider).delegate(walletAddress);
    expect(await token.delegates(outsider.address)).to.equal(walletAddress);
    expect(await token.getVotes(walletAddress)).to.equal(15_000_000n * AITBC);
    await networkHelpers.time.increase(8 * DAY);

    const actions = await treasuryTransfer(dao, outsider.address, 1n, "Agent-voted grant");
    const { id } = await propose(dao, dao.proposer, actions);
    await openVoting(dao);

    const domain = {
      name: "OpenClaw DAO",
      version: "1",
      chainId: dao.chainId,
      verifyingContract: await governor.getAddress(),
    };
    // A signature by another key is refused.
    const forged = await alice.signTypedData(domain, BALLOT_TYPES, {
      proposalId: id,
      support: Vote.For,
      voter: walletAddress,
      nonce: await governor.nonces(walletAddress),
    });
    await expect(governor.connect(outsider).castVoteBySig(id, Vote.For, walletAddress, forged))
      .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
      .withArgs(walletAddress);

    const signature = await agentOwner.signTypedData(domain, BALLOT_TYPES, {
      proposalId: id,
      support: Vote.For,
      voter: walletAddress,
      nonce: await governor.nonces(walletAddress),
    });
    // Anyone may relay the agent's vote; it counts the wallet's delegated, vested power.
    await expect(governor.connect(outsider).castVoteBySig(id, Vote.For, walletAddress, signature))
      .to.emit(governor, "VoteCast")
      .withArgs(walletAddress, id, Vote.For, 15_000_000n * AITBC, "");
    expect(await governor.hasVoted(id, walletAddress)).to.equal(true);
    // The signature cannot be replayed (nonce used).
    await expect(governor.connect(outsider).castVoteBySig(id, Vote.For, walletAddress, signature))
      .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
      .withArgs(walletAddress);
  });
});
