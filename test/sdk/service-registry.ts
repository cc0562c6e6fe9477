import { expect } from "chai";
import { network } from "hardhat";
import type { Address } from "viem";

import {
  ContractRevertError,
  getServiceProviders,
  getServiceURI,
  InvalidParameterError,
  setServiceURI,
  type AitbcContracts,
} from "../../sdk/src/index.js";
import { deployMarket } from "../helpers/market.js";
import { rejection, viemClients } from "./helpers.js";

describe("sdk: service registry actions", function () {
  let market: Awaited<ReturnType<typeof deployMarket>>;
  let contracts: AitbcContracts;
  let clients: ReturnType<typeof viemClients>;
  const addr = (s: { address: string }) => s.address as Address;

  before(async function () {
    const connection = await network.create();
    market = await deployMarket(connection);
    const registry = await market.ethers.deployContract("ServiceRegistry", [
      await market.staking.getAddress(),
    ]);
    contracts = {
      GPUStaking: (await market.staking.getAddress()) as Address,
      ServiceRegistry: (await registry.getAddress()) as Address,
    };
    clients = viemClients(connection);
  });

  it("setServiceURI publishes, getServiceURI reads, a stranger gets the decoded custom error", async function () {
    const p1 = clients.walletFor(market.provider1.address);
    const { receipt } = await setServiceURI(p1, { contracts, uri: "http://127.0.0.1:9101" });
    expect(receipt.status).to.equal("success");
    expect(
      await getServiceURI(clients.publicClient, { contracts, provider: addr(market.provider1) }),
    ).to.deep.equal({ uri: "http://127.0.0.1:9101" });
    const stranger = clients.walletFor(market.outsider.address);
    const error = await rejection<ContractRevertError>(
      setServiceURI(stranger, { contracts, uri: "http://evil" }),
    );
    expect(error).to.be.instanceOf(ContractRevertError);
    expect(error.errorName).to.equal("ServiceRegistryNotProvider");
    expect(error.args).to.deep.equal([market.outsider.address]);
  });

  it("refuses an overlong URI (bytes of UTF-8) before any request", async function () {
    const p1 = clients.walletFor(market.provider1.address);
    const before = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
    const error = await rejection(setServiceURI(p1, { contracts, uri: "é".repeat(129) })); // 258 bytes
    expect(error).to.be.instanceOf(InvalidParameterError);
    expect(error.details).to.contain("258 bytes");
    expect(await clients.publicClient.getBlockNumber({ cacheTime: 0 })).to.equal(before);
    // 128 × "é" = 256 bytes: accepted.
    await setServiceURI(p1, { contracts, uri: "é".repeat(128) });
    expect(
      (await getServiceURI(clients.publicClient, { contracts, provider: addr(market.provider1) })).uri,
    ).to.equal("é".repeat(128));
  });

  it("getServiceProviders: the latest non-empty URI per provider, cleared ones left out, block ranges", async function () {
    const { publicClient } = clients;
    const [p1, p2] = [
      clients.walletFor(market.provider1.address),
      clients.walletFor(market.provider2.address),
    ];
    const start = (await publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    await setServiceURI(p1, { contracts, uri: "http://a:1" });
    await setServiceURI(p2, { contracts, uri: "http://b:1" });
    const middle = await publicClient.getBlockNumber({ cacheTime: 0 });
    await setServiceURI(p1, { contracts, uri: "http://a:2" });

    const all = await getServiceProviders(publicClient, { contracts, fromBlock: start });
    expect(all.toBlock).to.equal(await publicClient.getBlockNumber({ cacheTime: 0 }));
    // Ordered by each provider's latest update: p2 (block start+1), then p1 (start+2).
    expect(all.providers.map(({ provider, uri }) => ({ provider, uri }))).to.deep.equal([
      { provider: addr(market.provider2), uri: "http://b:1" },
      { provider: addr(market.provider1), uri: "http://a:2" },
    ]);
    expect(all.providers[1]!.blockNumber).to.equal(middle + 1n);

    const early = await getServiceProviders(publicClient, { contracts, fromBlock: start, toBlock: middle });
    expect(early.providers.map((p) => p.uri)).to.deep.equal(["http://a:1", "http://b:1"]);
    expect(early.toBlock).to.equal(middle);

    await setServiceURI(p2, { contracts, uri: "" });
    const after = await getServiceProviders(publicClient, { contracts, fromBlock: start });
    expect(after.providers.map((p) => [p.provider, p.uri])).to.deep.equal([
      [addr(market.provider1), "http://a:2"],
    ]);
    // From block 0: the earlier tests' URIs are superseded by the latest one per provider.
    const fromGenesis = await getServiceProviders(publicClient, { contracts });
    expect(fromGenesis.providers.map((p) => p.uri)).to.deep.equal(["http://a:2"]);
  });

  it("needs ServiceRegistry in contracts", async function () {
    const error = await rejection(getServiceProviders(clients.publicClient, { contracts: {} }));
    expect(error.name).to.equal("DeploymentNotFoundError");
  });
});
