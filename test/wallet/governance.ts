import { expect } from "chai";
import { network } from "hardhat";

import { encodeAgentCall } from "../../sdk/src/index.js";
import {
  AITBC,
  DAY,
  Vote,
  deployOpenClaw,
  openVoting,
  propose,
  treasuryTransfer,
} from "../helpers/openclaw.js";
import { AgentRole, handleOps, localAccount, signedOp, viemOf } from "../helpers/wallet.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const BALLOT_TYPES = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

async function fixture() {
  const dao = await deployOpenClaw(connection);
  const entryPoint = await ethers.deployContract("EntryPoint");
  const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
  const owner = new ethers.Wallet(ethers.id("governance wallet owner"), ethers.provider);
  const agent = new ethers.Wallet(ethers.id("governance wallet agent"), ethers.provider);
  await dao.deployer.sendTransaction({ to: owner.address, value: 10n ** 18n });
  await factory.createAccount(owner.address, agent.address, AgentRole.Coordinator, 0n);
  const walletAddress: string = await factory.getFunction("getAddress")(
    owner.address,
    agent.address,
    AgentRole.Coordinator,
    0n,
  );
  const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
  await dao.deployer.sendTransaction({ to: walletAddress, value: 10n ** 18n });
  await dao.token.connect(dao.ecosystem).transfer(walletAddress, 10_000_000n * AITBC);
  // The agent pays its UserOperations' gas from the wallet: up to 0.5 ether a day.
  await wallet.connect(owner).setSpendingLimit(ethers.ZeroAddress, 5n * 10n ** 17n, DAY);
  const fx = { entryPoint, wallet, walletAddress, beneficiary: dao.outsider };
  const viem = viemOf(connection, await entryPoint.getAddress());
  // Built and signed by the SDK: the agent key appends the wallet's current ether-limit period.
  const agentOp = async (walletCalldata: string) =>
    signedOp(
      { ...viem, walletAddress },
      localAccount(agent),
      encodeAgentCall(walletCalldata as `0x${string}`),
    );
  // The agent delegates the wallet's votes to the wallet itself, by UserOperation; power vests over 7 days.
  const delegation = await handleOps(fx, [
    await agentOp(
      wallet.interface.encodeFunctionData("delegateVotes", [await dao.token.getAddress(), walletAddress]),
    ),
  ]);
  expect(delegation.success).to.equal(true);
  await networkHelpers.time.increase(8 * DAY);
  const actions = await treasuryTransfer(dao, dao.outsider.address, 1n, "Wallet-voted grant");
  const { id } = await propose(dao, dao.proposer, actions);
  await openVoting(dao);
  return { ...dao, ...fx, factory, owner, agent, agentOp, proposalId: id };
}

describe("AgentWallet: governance", function () {
  it("the agent votes on an OpenClaw proposal through a UserOperation", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { governor, token, wallet, walletAddress, proposalId } = fx;
    expect(await token.delegates(walletAddress)).to.equal(walletAddress);
    const outcome = await handleOps(fx, [
      await fx.agentOp(
        wallet.interface.encodeFunctionData("castVote", [await governor.getAddress(), proposalId, Vote.For]),
      ),
    ]);
    expect(outcome.success).to.equal(true);
    await expect(outcome.receipt)
      .to.emit(governor, "VoteCast")
      .withArgs(walletAddress, proposalId, Vote.For, 10_000_000n * AITBC, "");
    expect(await governor.hasVoted(proposalId, walletAddress)).to.equal(true);
    // A second vote fails in execution with the governor's own error.
    const again = await handleOps(fx, [
      await fx.agentOp(
        wallet.interface.encodeFunctionData("castVote", [
          await governor.getAddress(),
          proposalId,
          Vote.Against,
        ]),
      ),
    ]);
    expect(again.success).to.equal(false);
  });

  it("the agent votes by ERC-1271 signature (castVoteBySig) once the owner allows the governor", async function () {
    const fx = await networkHelpers.loadFixture(fixture);
    const { governor, wallet, walletAddress, proposalId, owner, agent, outsider, chainId } = fx;
    const domain = {
      name: "OpenClaw DAO",
      version: "1",
      chainId,
      verifyingContract: await governor.getAddress(),
    };
    const ballot = {
      proposalId,
      support: Vote.Against,
      voter: walletAddress,
      nonce: await governor.nonces(walletAddress),
    };
    const ballotHash = ethers.TypedDataEncoder.hash(domain, BALLOT_TYPES, ballot);
    const agentSignature = ethers.concat([
      agent.address,
      agent.signingKey.sign(await wallet.messageDigest(ballotHash)).serialized,
    ]);
    // Not yet allowed: the governor is not a verifier of agent signatures.
    await expect(
      governor.connect(outsider).castVoteBySig(proposalId, Vote.Against, walletAddress, agentSignature),
    )
      .to.be.revertedWithCustomError(governor, "GovernorInvalidSignature")
      .withArgs(walletAddress);
    await wallet.connect(owner).setSignatureVerifier(await governor.getAddress(), true);
    await expect(
      governor.connect(outsider).castVoteBySig(proposalId, Vote.Against, walletAddress, agentSignature),
    )
      .to.emit(governor, "VoteCast")
      .withArgs(walletAddress, proposalId, Vote.Against, 10_000_000n * AITBC, "");
  });
});
