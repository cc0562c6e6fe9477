import { expect } from "chai";
import { network } from "hardhat";

import { Component, DAY, deployMarket, Tier, type Market } from "../helpers/market.js";

const connection = await network.create();
const { networkHelpers } = connection;

/** `IReputationRegistry.Certification`. */
const Cert = { None: 0, Basic: 1, Intermediate: 2, Advanced: 3, Enterprise: 4 } as const;

describe("ReputationRegistry", function () {
  const fixture = () => deployMarket(connection);
  let market: Market;

  beforeEach(async () => {
    market = await networkHelpers.loadFixture(fixture);
  });

  it("starts at 500 (bronze) and lets each component be written only by its role", async () => {
    const { reputation, oracle, governance, outsider, provider1 } = market;
    expect(await reputation.trustScore(provider1.address)).to.equal(500n);
    expect(await reputation.tierOf(provider1.address)).to.equal(Tier.Bronze);
    const denied: [typeof oracle, number][] = [
      [oracle, Component.Community],
      [oracle, Component.Transactions],
      [governance, Component.Performance],
      [governance, Component.Disputes],
      [outsider, Component.Reliability],
    ];
    for (const [caller, component] of denied) {
      await expect(reputation.connect(caller).adjustComponent(provider1.address, component, 1))
        .to.be.revertedWithCustomError(reputation, "ReputationUnauthorizedWriter")
        .withArgs(caller.address, component);
    }
    await expect(reputation.connect(oracle).adjustComponent(provider1.address, Component.Performance, 150))
      .to.emit(reputation, "ComponentChanged")
      .withArgs(provider1.address, Component.Performance, 0n, 150n, 650n, oracle.address);
    expect(await reputation.tierOf(provider1.address)).to.equal(Tier.Silver);
  });

  it("clamps every component to its range and the score to 0–1000", async () => {
    const { reputation, oracle, governance, outsider, provider1 } = market;
    await reputation.connect(governance).grantRole(await reputation.ESCROW_ROLE(), outsider.address);
    const writers = [oracle, outsider, governance, outsider, outsider];
    const bounds = [200n, 150n, 100n, 50n, 50n];
    for (let c = 0; c < 5; c++) {
      await reputation.connect(writers[c]!).adjustComponent(provider1.address, c, 10n ** 30n);
      expect((await reputation.componentsOf(provider1.address))[c]).to.equal(bounds[c]);
    }
    expect(await reputation.trustScore(provider1.address)).to.equal(1000n); // 500 + 550, clamped
    expect(await reputation.tierOf(provider1.address)).to.equal(Tier.Platinum);
    for (let c = 0; c < 5; c++) {
      await reputation.connect(writers[c]!).adjustComponent(provider1.address, c, -(10n ** 30n));
      expect((await reputation.componentsOf(provider1.address))[c]).to.equal(-bounds[c]!);
    }
    expect(await reputation.trustScore(provider1.address)).to.equal(0n);
    await expect(reputation.connect(oracle).setComponent(provider1.address, Component.Performance, 201))
      .to.be.revertedWithCustomError(reputation, "ReputationValueOutOfRange")
      .withArgs(Component.Performance, 201n, 200n);
    await expect(
      reputation.connect(oracle).setComponent(market.ethers.ZeroAddress, Component.Performance, 1),
    ).to.be.revertedWithCustomError(reputation, "ReputationZeroAgent");
  });

  it("maps scores to tiers at 600, 750 and 900", async () => {
    const { reputation, oracle, governance, provider1 } = market;
    const cases: [number, number, number][] = [
      [99, 0, Tier.Bronze], // 599
      [100, 0, Tier.Silver], // 600
      [149, 100, Tier.Silver], // 749
      [150, 100, Tier.Gold], // 750
      [200, 100, Tier.Gold], // 800
    ];
    for (const [performance, community, tier] of cases) {
      await reputation.connect(oracle).setComponent(provider1.address, Component.Performance, performance);
      await reputation.connect(governance).setComponent(provider1.address, Component.Community, community);
      expect(await reputation.tierOf(provider1.address), `${500 + performance + community}`).to.equal(tier);
    }
    await reputation.connect(governance).grantRole(await reputation.ESCROW_ROLE(), governance.address);
    await reputation.connect(governance).setComponent(provider1.address, Component.Transactions, 99);
    expect(await reputation.trustScore(provider1.address)).to.equal(899n);
    expect(await reputation.tierOf(provider1.address)).to.equal(Tier.Gold);
    await reputation.connect(governance).setComponent(provider1.address, Component.Transactions, 100);
    expect(await reputation.tierOf(provider1.address)).to.equal(Tier.Platinum);
  });

  it("issues certifications for 365 days, revokes them, and only by the certifier", async () => {
    const { reputation, certifier, outsider, provider1 } = market;
    await expect(
      reputation.connect(outsider).certify(provider1.address, Cert.Basic),
    ).to.be.revertedWithCustomError(reputation, "AccessControlUnauthorizedAccount");
    await expect(
      reputation.connect(certifier).certify(provider1.address, Cert.None),
    ).to.be.revertedWithCustomError(reputation, "ReputationInvalidCertification");
    const tx = await reputation.connect(certifier).certify(provider1.address, Cert.Advanced);
    const block = await market.ethers.provider.getBlock((await tx.wait())!.blockNumber);
    const expiry = BigInt(block!.timestamp + 365 * DAY);
    await expect(tx)
      .to.emit(reputation, "CertificationIssued")
      .withArgs(provider1.address, Cert.Advanced, expiry);
    expect(await reputation.certificationOf(provider1.address)).to.deep.equal([
      BigInt(Cert.Advanced),
      expiry,
      true,
    ]);
    await networkHelpers.time.increaseTo(expiry);
    expect((await reputation.certificationOf(provider1.address))[2]).to.equal(false);
    await expect(reputation.connect(certifier).revokeCertification(provider1.address))
      .to.emit(reputation, "CertificationRevoked")
      .withArgs(provider1.address, Cert.Advanced);
    await expect(reputation.connect(certifier).revokeCertification(provider1.address))
      .to.be.revertedWithCustomError(reputation, "ReputationNotCertified")
      .withArgs(provider1.address);
  });
});
