import { expect } from "chai";
import { network } from "hardhat";

import { AGENT_WALLET_DEPLOYMENT_NAMES, buildAgentWalletModule } from "../../deploy/modules/wallet.js";

const { ethers, ignition } = await network.create();

describe("AgentWallet: deployment module", function () {
  it("deploys the EntryPoint and the factory, whose wallets trust that EntryPoint", async function () {
    const deployed = await ignition.deploy(buildAgentWalletModule());
    const entryPoint = await deployed.entryPoint.getAddress();
    const factory = await ethers.getContractAt("AgentWalletFactory", await deployed.factory.getAddress());
    const implementation = await ethers.getContractAt("AgentWallet", await factory.implementation());
    expect(await implementation.entryPoint()).to.equal(entryPoint);
    const [owner, agent] = await ethers.getSigners();
    await factory.createAccount(owner!.address, agent!.address, 0, 0n);
    const wallet = await ethers.getContractAt(
      "AgentWallet",
      await factory.getFunction("getAddress")(owner!.address, agent!.address, 0, 0n),
    );
    expect(await wallet.entryPoint()).to.equal(entryPoint);
    expect(await wallet.owner()).to.equal(owner!.address);
    expect(Object.keys(AGENT_WALLET_DEPLOYMENT_NAMES).sort()).to.deep.equal(Object.keys(deployed).sort());

    // An existing EntryPoint is reused, not redeployed.
    const reused = await ignition.deploy(buildAgentWalletModule(entryPoint, "AgentWalletsReuse"));
    expect(await reused.entryPoint.getAddress()).to.equal(entryPoint);
    expect(await reused.factory.getAddress()).to.not.equal(factory.target as string);
  });
});
