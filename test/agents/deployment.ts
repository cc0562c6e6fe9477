import { expect } from "chai";
import { network } from "hardhat";

import {
  buildMarketModule,
  MARKET_DEPLOYMENT_NAMES,
  marketDeploymentAddresses,
} from "../../deploy/modules/market.js";
import { agentIdentityRegistryAbi } from "../../sdk/src/abis/index.js";
import { deployMarket } from "../helpers/market.js";

const connection = await network.create();

describe("AgentIdentityRegistry deployment", function () {
  it("the market's Ignition module deploys it on the market's reputation registry and records it", async () => {
    const m = await deployMarket(connection);
    const deployed = await connection.ignition.deploy(
      buildMarketModule(
        { token: await m.token.getAddress(), timelock: m.governance.address, council: m.arbiter.address },
        "AgentIdentityMarket",
      ),
    );
    const addresses = await marketDeploymentAddresses(deployed);
    expect(MARKET_DEPLOYMENT_NAMES.agentIdentityRegistry).to.equal("AgentIdentityRegistry");
    const registry = await connection.ethers.getContractAt(
      "AgentIdentityRegistry",
      addresses.AgentIdentityRegistry!,
    );
    expect(await registry.reputation()).to.equal(addresses.ReputationRegistry);
    expect(await registry.totalAgents()).to.equal(0n);
    // the SDK ships the ABI with the ERC-8004 names
    const names = agentIdentityRegistryAbi.filter((e) => e.type === "function").map((e) => e.name);
    for (const name of [
      "register",
      "setAgentURI",
      "setMetadata",
      "getMetadata",
      "setAgentWallet",
      "getAgentWallet",
      "getSummary",
    ])
      // prettier-ignore
      expect(names).to.include(name);
  });
});
