import { expect } from "chai";
import { network } from "hardhat";
import { hashTypedData, keccak256, recoverTypedDataAddress, toHex, type Address, type Hex } from "viem";
import { signTypedData } from "viem/actions";

import {
  InvalidAmountError,
  MAX_OFFER_LIFETIME_S,
  OFFER_TYPES,
  OfferExpiredError,
  offerTypedData,
  OfferSignatureError,
  signOffer,
  verifyOffer,
  type AitbcContracts,
  type Offer,
} from "../../sdk/src/index.js";
import { rejection, viemClients } from "./helpers.js";

const MODEL = keccak256(toHex("llama3.2:1b@sha256:0b1c"));

describe("sdk: signed provider offers", function () {
  let clients: ReturnType<typeof viemClients>;
  let contracts: AitbcContracts;
  let otherRegistry: AitbcContracts;
  let provider: Address;
  let stranger: Address;
  let walletOwner: Address;
  let contractProvider: Address;
  let now: bigint;

  const offerOf = (overrides: Partial<Offer> = {}): Offer => ({
    provider,
    modelDigest: MODEL,
    pricePerToken: 2n * 10n ** 15n,
    maxTokens: 512n,
    capacity: 3n,
    maxConcurrency: 4n,
    issuedAt: now,
    expiry: now + 300n,
    ...overrides,
  });

  before(async function () {
    const connection = await network.create();
    const { ethers } = connection;
    const signers = await ethers.getSigners();
    [provider, stranger, walletOwner] = signers.slice(1, 4).map((s) => s.address as Address) as [Address, Address, Address]; // prettier-ignore
    // The domain only needs the registry's address; the staking address is irrelevant to offers.
    const registries = await Promise.all([0, 1].map(() => ethers.deployContract("ServiceRegistry", [signers[0]!.address]))); // prettier-ignore
    contracts = { ServiceRegistry: (await registries[0]!.getAddress()) as Address };
    otherRegistry = { ServiceRegistry: (await registries[1]!.getAddress()) as Address };
    const wallet = await ethers.deployContract("ERC1271WalletMock", [walletOwner]);
    contractProvider = (await wallet.getAddress()) as Address;
    clients = viemClients(connection);
    now = (await clients.publicClient.getBlock()).timestamp;
  });

  it("an EOA's offer verifies; the signature is EIP-712 over the documented domain and types", async function () {
    const signed = await signOffer(clients.walletFor(provider), { contracts, offer: offerOf() });
    expect(signed.offer).to.deep.equal(offerOf());
    const checked = await verifyOffer(clients.publicClient, { contracts, ...signed, now });
    expect(checked).to.deep.equal(offerOf());
    // Default `now`: this machine's clock (offers are dated by the provider's clock, not the chain's).
    const wall = BigInt(Math.floor(Date.now() / 1000));
    const fresh = await signOffer(clients.walletFor(provider), { contracts, offer: { ...offerOf(), issuedAt: wall, expiry: wall + 300n } }); // prettier-ignore
    expect((await verifyOffer(clients.publicClient, { contracts, ...fresh })).expiry).to.equal(wall + 300n);
    const stale = await signOffer(clients.walletFor(provider), { contracts, offer: { ...offerOf(), issuedAt: wall - 400n, expiry: wall - 100n } }); // prettier-ignore
    await verifyOffer(clients.publicClient, { contracts, ...stale }).then(
      () => expect.fail("a wall-clock-expired offer verified"),
      (e: unknown) => expect((e as Error).name).to.equal("OfferExpiredError"),
    );
    const domain = { name: "AITBC ServiceRegistry", version: "1", chainId: 31337, verifyingContract: contracts.ServiceRegistry! }; // prettier-ignore
    const message = { ...offerOf(), maxTokens: 512, capacity: 3, maxConcurrency: 4 };
    const signer = await recoverTypedDataAddress({ domain, types: OFFER_TYPES, primaryType: "Offer", message, signature: signed.signature }); // prettier-ignore
    expect(signer).to.equal(provider);
    expect(hashTypedData(offerTypedData({ contracts, chainId: 31337, offer: offerOf() }))).to.equal(
      hashTypedData({ domain, types: OFFER_TYPES, primaryType: "Offer", message }),
    );
  });

  it("an ERC-1271 contract provider's offer verifies through isValidSignature; another key's does not", async function () {
    const offer = offerOf({ provider: contractProvider });
    const signed = await signOffer(clients.walletFor(walletOwner), { contracts, offer });
    expect(await verifyOffer(clients.publicClient, { contracts, ...signed, now })).to.deep.equal(offer);
    const forged = await signOffer(clients.walletFor(stranger), { contracts, offer });
    const error = await rejection<OfferSignatureError>(
      verifyOffer(clients.publicClient, { contracts, ...forged, now }),
    );
    expect(error).to.be.instanceOf(OfferSignatureError);
    expect(error.provider).to.equal(contractProvider);
  });

  it("refuses an offer signed by someone else than its provider", async function () {
    const signed = await signOffer(clients.walletFor(stranger), { contracts, offer: offerOf() });
    const error = await rejection(verifyOffer(clients.publicClient, { contracts, ...signed, now }));
    expect(error).to.be.instanceOf(OfferSignatureError);
  });

  it("refuses every tampered field", async function () {
    const signed = await signOffer(clients.walletFor(provider), { contracts, offer: offerOf() });
    const tampered: Partial<Offer>[] = [
      { pricePerToken: 10n ** 15n },
      { maxTokens: 4096n },
      { capacity: 9n },
      { maxConcurrency: 16n },
      { modelDigest: keccak256(toHex("another model")) },
      { issuedAt: now - 1n },
      { expiry: now + 301n },
      { provider: stranger },
    ];
    for (const change of tampered) {
      const offer = { ...signed.offer, ...change };
      const error = await rejection(verifyOffer(clients.publicClient, { contracts, offer, signature: signed.signature, now })); // prettier-ignore
      expect(error, JSON.stringify(Object.keys(change))).to.be.instanceOf(OfferSignatureError);
    }
  });

  it("an offer for another registry or another chain does not verify here (no replay)", async function () {
    const onOther = await signOffer(clients.walletFor(provider), {
      contracts: otherRegistry,
      offer: offerOf(),
    });
    expect(await verifyOffer(clients.publicClient, { contracts: otherRegistry, ...onOther, now })).to.deep.equal(offerOf()); // prettier-ignore
    const replayed = await rejection(verifyOffer(clients.publicClient, { contracts, ...onOther, now }));
    expect(replayed).to.be.instanceOf(OfferSignatureError);

    const otherChain = await signTypedData(clients.walletFor(provider), {
      account: provider,
      ...offerTypedData({ contracts, chainId: 1, offer: offerOf() }),
    });
    const error = await rejection(verifyOffer(clients.publicClient, { contracts, offer: offerOf(), signature: otherChain as Hex, now })); // prettier-ignore
    expect(error).to.be.instanceOf(OfferSignatureError);
  });

  it("refuses expired, too long-lived and future offers with OfferExpiredError before checking the signature", async function () {
    const cases: [Partial<Offer>, bigint, string][] = [
      [{ issuedAt: now - 300n, expiry: now }, now, "expired"], // expiry ≤ now
      [{ issuedAt: now - 400n, expiry: now - 100n }, now, "expired"],
      [{ issuedAt: now, expiry: now + MAX_OFFER_LIFETIME_S + 1n }, now, "lifetimeTooLong"],
      [{ issuedAt: now, expiry: now }, now - 10n, "lifetimeTooLong"], // zero lifetime
      [{ issuedAt: now + 100n, expiry: now + 50n }, now, "lifetimeTooLong"], // expiry before issuedAt
      [{ issuedAt: now + 120n, expiry: now + 400n }, now, "notYetIssued"],
    ];
    for (const [change, at, problem] of cases) {
      const signed = await signOffer(clients.walletFor(provider), { contracts, offer: offerOf(change) });
      const error = await rejection<OfferExpiredError>(verifyOffer(clients.publicClient, { contracts, ...signed, now: at })); // prettier-ignore
      expect(error, problem).to.be.instanceOf(OfferExpiredError);
      expect(error.problem).to.equal(problem);
    }
    // The times are checked first: an expired offer with a garbage signature is still "expired".
    const garbage = await rejection<OfferExpiredError>(
      verifyOffer(clients.publicClient, { contracts, offer: offerOf({ issuedAt: now - 300n, expiry: now }), signature: "0x00", now }), // prettier-ignore
    );
    expect(garbage.problem).to.equal("expired");
    // The longest lifetime itself is fine, and so is a small clock skew.
    for (const change of [
      { expiry: now + MAX_OFFER_LIFETIME_S },
      { issuedAt: now + 30n, expiry: now + 330n },
    ]) {
      const signed = await signOffer(clients.walletFor(provider), { contracts, offer: offerOf(change) });
      expect((await verifyOffer(clients.publicClient, { contracts, ...signed, now })).expiry).to.equal(
        change.expiry,
      );
    }
  });

  it("rejects malformed offers before signing", async function () {
    for (const change of [
      { pricePerToken: 0n },
      { maxTokens: 2n ** 32n },
      { capacity: -1n },
      { maxConcurrency: 0n },
    ]) {
      const error = await rejection(
        signOffer(clients.walletFor(provider), { contracts, offer: offerOf(change) }),
      );
      expect(error).to.be.instanceOf(InvalidAmountError);
    }
  });
});
