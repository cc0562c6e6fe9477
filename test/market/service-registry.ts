import { expect } from "chai";
import { network } from "hardhat";

import {
  buildMarketModule,
  MARKET_DEPLOYMENT_NAMES,
  marketDeploymentAddresses,
} from "../../deploy/modules/market.js";
import { identityCommitment } from "../../sdk/src/zk/receipt.js";
import { DAY, deployMarket, GPU, MIN_STAKE, MODEL } from "../helpers/market.js";

const connection = await network.create();
const { networkHelpers } = connection;
const URI = "https://gpu1.example.org:8080";

async function fixture() {
  const market = await deployMarket(connection);
  const registry = await market.ethers.deployContract("ServiceRegistry", [await market.staking.getAddress()]);
  return { ...market, registry };
}

describe("ServiceRegistry", function () {
  let m: Awaited<ReturnType<typeof fixture>>;

  beforeEach(async () => {
    m = await networkHelpers.loadFixture(fixture);
  });

  it("a registered provider publishes its URI: event args, getter, keyed by the sender only", async () => {
    const { registry, provider1, provider2 } = m;
    await expect(registry.connect(provider1).setServiceURI(URI))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(provider1.address, URI);
    expect(await registry.getServiceURI(provider1.address)).to.equal(URI);
    expect(await registry.getServiceURI(provider2.address)).to.equal("");
    // provider2 writing changes its own entry, never provider1's.
    await expect(registry.connect(provider2).setServiceURI("http://10.0.0.2:9000"))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(provider2.address, "http://10.0.0.2:9000");
    expect(await registry.getServiceURI(provider1.address)).to.equal(URI);
    // An update replaces the old value.
    await registry.connect(provider1).setServiceURI("https://gpu1.example.org:9443");
    expect(await registry.getServiceURI(provider1.address)).to.equal("https://gpu1.example.org:9443");
  });

  it("refuses a stranger, a consumer and a funded but unregistered account with ServiceRegistryNotProvider", async () => {
    const { registry, outsider, consumer, unstaked, deployer, governance } = m;
    for (const account of [outsider, consumer, unstaked, deployer, governance]) {
      await expect(registry.connect(account).setServiceURI(URI))
        .to.be.revertedWithCustomError(registry, "ServiceRegistryNotProvider")
        .withArgs(account.address);
      // Clearing is refused too: nobody but a provider writes.
      await expect(registry.connect(account).setServiceURI(""))
        .to.be.revertedWithCustomError(registry, "ServiceRegistryNotProvider")
        .withArgs(account.address);
      expect(await registry.getServiceURI(account.address)).to.equal("");
    }
  });

  it("registration, not stake, is what counts: a provider registered without stake may publish", async () => {
    const { registry, staking, unstaked } = m;
    await staking.connect(unstaked).register(identityCommitment(0x5ec2e7_0099n), GPU, [MODEL]);
    expect(await staking.stakeOf(unstaked.address)).to.equal(0n);
    await expect(registry.connect(unstaked).setServiceURI(URI))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(unstaked.address, URI);
  });

  it("a provider that leaves (unbonds and withdraws its whole stake) stays registered and keeps its URI", async () => {
    // GPUStaking has no unregister: a provider that withdrew everything is still registered, so
    // its URI stays and it may still update or clear it. Gateways rank on stake and trust, read
    // from the chain, never on the URI alone.
    const { registry, staking, provider1 } = m;
    await registry.connect(provider1).setServiceURI(URI);
    await networkHelpers.time.increase(31 * DAY); // past the 30-day lock
    await staking.connect(provider1).requestUnbond(MIN_STAKE);
    await networkHelpers.time.increase(15 * DAY); // past the 14-day unbonding
    await staking.connect(provider1).withdraw();
    expect(await staking.stakeOf(provider1.address)).to.equal(0n);
    expect((await staking.providerOf(provider1.address)).unbonding).to.equal(0n);
    expect(await registry.getServiceURI(provider1.address)).to.equal(URI);
    await expect(registry.connect(provider1).setServiceURI(""))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(provider1.address, "");
    expect(await registry.getServiceURI(provider1.address)).to.equal("");
  });

  it("bounds the URI at 256 bytes (UTF-8 bytes, not characters) with ServiceRegistryURITooLong", async () => {
    const { registry, provider1 } = m;
    const max = "h".repeat(256);
    await expect(registry.connect(provider1).setServiceURI(max))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(provider1.address, max);
    await expect(registry.connect(provider1).setServiceURI(max + "x"))
      .to.be.revertedWithCustomError(registry, "ServiceRegistryURITooLong")
      .withArgs(257n, 256n);
    // 86 × "€" is 86 characters but 258 bytes.
    await expect(registry.connect(provider1).setServiceURI("€".repeat(86)))
      .to.be.revertedWithCustomError(registry, "ServiceRegistryURITooLong")
      .withArgs(258n, 256n);
    await expect(registry.connect(provider1).setServiceURI("h".repeat(10_000)))
      .to.be.revertedWithCustomError(registry, "ServiceRegistryURITooLong")
      .withArgs(10_000n, 256n);
    expect(await registry.getServiceURI(provider1.address)).to.equal(max);
    expect(await registry.MAX_URI_LENGTH()).to.equal(256n);
  });

  it("the empty string clears the URI and emits the empty value", async () => {
    const { registry, provider1 } = m;
    await registry.connect(provider1).setServiceURI(URI);
    await expect(registry.connect(provider1).setServiceURI(""))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(provider1.address, "");
    expect(await registry.getServiceURI(provider1.address)).to.equal("");
  });

  it("a contract registered as provider (e.g. a smart wallet) publishes through its own call", async () => {
    const { registry, staking, ethers, walletOwner, outsider } = m;
    const wallet = await ethers.deployContract("ERC1271WalletMock", [walletOwner.address]);
    const register = staking.interface.encodeFunctionData("register", [identityCommitment(0x5ec2e7_0077n), GPU, [MODEL]]); // prettier-ignore
    await wallet.connect(walletOwner).execute(await staking.getAddress(), register);
    const set = registry.interface.encodeFunctionData("setServiceURI", [URI]);
    await expect(wallet.connect(walletOwner).execute(await registry.getAddress(), set))
      .to.emit(registry, "ServiceURIUpdated")
      .withArgs(await wallet.getAddress(), URI);
    // Its owner key is not the provider.
    await expect(registry.connect(walletOwner).setServiceURI(URI))
      .to.be.revertedWithCustomError(registry, "ServiceRegistryNotProvider")
      .withArgs(walletOwner.address);
    await expect(registry.connect(outsider).setServiceURI(URI)).to.be.revertedWithCustomError(
      registry,
      "ServiceRegistryNotProvider",
    );
  });

  it("has no admin: its only functions are the setter and views; the staking address is fixed", async () => {
    const { registry, staking } = m;
    const functions: string[] = [];
    registry.interface.forEachFunction((f) => functions.push(f.name));
    functions.sort();
    expect(functions).to.deep.equal(["MAX_URI_LENGTH", "getServiceURI", "setServiceURI", "staking"]);
    expect(await registry.staking()).to.equal(await staking.getAddress());
  });

  it("the market's Ignition module deploys it on the market's staking and records it as ServiceRegistry", async () => {
    const { ignition, ethers, token, governance, arbiter } = m;
    const deployed = await ignition.deploy(
      buildMarketModule(
        { token: await token.getAddress(), timelock: governance.address, council: arbiter.address },
        "ServiceRegistryMarket",
      ),
    );
    const addresses = await marketDeploymentAddresses(deployed);
    expect(MARKET_DEPLOYMENT_NAMES.serviceRegistry).to.equal("ServiceRegistry");
    const registry = await ethers.getContractAt("ServiceRegistry", addresses.ServiceRegistry!);
    expect(await registry.staking()).to.equal(addresses.GPUStaking);
  });
});
