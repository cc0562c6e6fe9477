/**
 * Signed provider offers (EIP-712): what a miner serves at `GET /v1/offers` — a model, a price, its
 * limits and its free capacity now — bound to the chain and the `ServiceRegistry`, and valid for at
 * most 600 seconds. The gateway verifies them (EOA or ERC-1271 provider) before ranking them with
 * `rankOffers`.
 */
import type { Account, Address, Hex } from "viem";
import { signTypedData, verifyTypedData } from "viem/actions";

import { contractAddress, type AitbcContracts } from "../deployments.js";
import { OfferExpiredError, OfferSignatureError } from "../errors/offer.js";
import { InvalidParameterError } from "../errors/validation.js";
import { resolveAccount, type AitbcReadClient, type AitbcWriteClient } from "../utils/client.js";
import { assertAddress, assertAmount, assertModelDigest, maxUint } from "../utils/validate.js";

/** EIP-712 domain name of offers (version "1", verifying contract the `ServiceRegistry`). */
export const OFFER_DOMAIN_NAME = "AITBC ServiceRegistry";

/** Longest offer lifetime `expiry − issuedAt`, seconds. */
export const MAX_OFFER_LIFETIME_S = 600n;

/** How far in the future `issuedAt` may lie (clock skew between provider and verifier), seconds. */
export const OFFER_CLOCK_SKEW_S = 60n;

/** EIP-712 types of an offer, in field order. */
export const OFFER_TYPES = {
  Offer: [
    { name: "provider", type: "address" },
    { name: "modelDigest", type: "bytes32" },
    { name: "pricePerToken", type: "uint128" },
    { name: "maxTokens", type: "uint32" },
    { name: "capacity", type: "uint32" },
    { name: "maxConcurrency", type: "uint32" },
    { name: "issuedAt", type: "uint64" },
    { name: "expiry", type: "uint64" },
  ],
} as const;

/** A provider's offer for one model. Times are Unix seconds of chain time. */
export interface Offer {
  /** The provider (the signer: an EOA, or an ERC-1271 contract). */
  provider: Address;
  /** Digest of the model served (bytes32, non-zero). */
  modelDigest: Hex;
  /** Asked price, wei of AITBC per token (uint128, non-zero). */
  pricePerToken: bigint;
  /** Most tokens per job (uint32, non-zero). */
  maxTokens: bigint;
  /** Free job slots now (uint32; 0 = full). */
  capacity: bigint;
  /** Jobs the provider runs at once at most (uint32, non-zero). */
  maxConcurrency: bigint;
  /** When it was signed, Unix seconds (uint64). */
  issuedAt: bigint;
  /** When it lapses, Unix seconds (uint64): `issuedAt < expiry ≤ issuedAt + 600`. */
  expiry: bigint;
}

/** An offer with its signature (the body of `GET /v1/offers`). */
export interface SignedOffer {
  /** The offer. */
  offer: Offer;
  /** The provider's EIP-712 signature (65 bytes for an EOA; any bytes its ERC-1271 check accepts). */
  signature: Hex;
}

function checkOffer(offer: Offer): Offer {
  const uint = (v: unknown, what: string, bits: number, positive = false) =>
    assertAmount(v, `offer.${what}`, { max: maxUint(bits), positive });
  return {
    provider: assertAddress(offer?.provider, "offer.provider"),
    modelDigest: assertModelDigest(offer.modelDigest),
    pricePerToken: uint(offer.pricePerToken, "pricePerToken (wei)", 128, true),
    maxTokens: uint(offer.maxTokens, "maxTokens", 32, true),
    capacity: uint(offer.capacity, "capacity", 32),
    maxConcurrency: uint(offer.maxConcurrency, "maxConcurrency", 32, true),
    issuedAt: uint(offer.issuedAt, "issuedAt (Unix s)", 64),
    expiry: uint(offer.expiry, "expiry (Unix s)", 64, true),
  };
}

/**
 * The EIP-712 typed data of an offer: domain `{ name: "AITBC ServiceRegistry", version: "1", chainId,
 * verifyingContract: ServiceRegistry }`, {@link OFFER_TYPES}, primary type `Offer`. No request is made.
 *
 * @param parameters `{ contracts, chainId, offer }` (`ServiceRegistry` is used).
 * @returns `{ domain, types, primaryType, message }` for viem's `signTypedData` / `hashTypedData`.
 * @throws {InvalidAmountError} | {InvalidAddressError} | {UnknownModelDigestError} on a malformed offer.
 * @example
 * ```ts
 * const digest = hashTypedData(offerTypedData({ contracts, chainId: 31337, offer }));
 * ```
 */
export function offerTypedData(parameters: { contracts: AitbcContracts; chainId: number; offer: Offer }) {
  const { chainId } = parameters;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new InvalidParameterError({
      what: "chainId",
      reason: `expected a positive integer, got ${chainId}`,
    });
  }
  return {
    domain: {
      name: OFFER_DOMAIN_NAME,
      version: "1",
      chainId,
      verifyingContract: contractAddress(parameters.contracts, "ServiceRegistry"),
    },
    types: OFFER_TYPES,
    primaryType: "Offer",
    message: offerMessage(checkOffer(parameters.offer)),
  } as const;
}

/** The EIP-712 message of a checked offer (viem types uint32 fields as numbers). */
function offerMessage(offer: Offer) {
  return {
    ...offer,
    maxTokens: Number(offer.maxTokens),
    capacity: Number(offer.capacity),
    maxConcurrency: Number(offer.maxConcurrency),
  };
}

async function chainIdOf(client: AitbcReadClient): Promise<number> {
  return client.chain?.id ?? Number(await client.request({ method: "eth_chainId" }));
}

/**
 * Signs an offer (no transaction). An EOA provider signs with its key; for a contract provider
 * (ERC-1271) pass the key its `isValidSignature` accepts as `account` and the contract as
 * `offer.provider`.
 *
 * @param client A wallet client of the signing key (its chain id is read from the node if unset).
 * @param parameters `{ contracts, offer, account? }` (`ServiceRegistry` is used).
 * @returns `{ offer, signature }`.
 * @throws {InvalidAmountError} | {InvalidAddressError} | {UnknownModelDigestError} on a malformed offer.
 * @example
 * ```ts
 * const now = BigInt(Math.floor(Date.now() / 1000));
 * const signed = await signOffer(minerWallet, { contracts, offer: { provider: miner, modelDigest,
 *   pricePerToken: 10n ** 15n, maxTokens: 512n, capacity: 3n, maxConcurrency: 4n,
 *   issuedAt: now, expiry: now + 300n } });
 * ```
 */
export async function signOffer(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts; offer: Offer; account?: Account | Address },
): Promise<SignedOffer> {
  const account = resolveAccount(client, parameters.account, "signOffer");
  const offer = checkOffer(parameters.offer);
  const typed = offerTypedData({ contracts: parameters.contracts, chainId: await chainIdOf(client), offer });
  const signature = await signTypedData(client, { account, ...typed });
  return { offer, signature };
}

/** Parameters of {@link verifyOffer}. */
export interface VerifyOfferParameters extends SignedOffer {
  /** Addresses; `ServiceRegistry` is used. */
  contracts: AitbcContracts;
  /**
   * Reference time, Unix seconds. Default: this machine's clock — offers are off-chain adverts dated by
   * the provider's clock and never checked by a contract; a development chain's block time lags the wall
   * clock while no block is mined (and leaps ahead after `evm_increaseTime`), so it is not the default.
   */
  now?: bigint;
}

function checkTimes(offer: Offer, now: bigint): void {
  const times = { issuedAt: offer.issuedAt, expiry: offer.expiry, now, maxLifetime: MAX_OFFER_LIFETIME_S };
  const lifetime = offer.expiry - offer.issuedAt;
  if (lifetime <= 0n || lifetime > MAX_OFFER_LIFETIME_S) {
    throw new OfferExpiredError({ problem: "lifetimeTooLong", ...times });
  }
  if (offer.expiry <= now) throw new OfferExpiredError({ problem: "expired", ...times });
  if (offer.issuedAt > now + OFFER_CLOCK_SKEW_S) throw new OfferExpiredError({ problem: "notYetIssued", ...times }); // prettier-ignore
}

/**
 * Verifies a signed offer for this chain and `ServiceRegistry`: its times (`issuedAt < expiry ≤
 * issuedAt + 600`, `expiry > now`, `issuedAt ≤ now + 60`), then its signature — ECDSA for an EOA
 * provider, `isValidSignature` (ERC-1271, also ERC-6492) for a contract provider, through viem's
 * `verifyTypedData`. An offer signed for another chain or registry fails (no replay).
 *
 * @param client A viem client of the chain the offer is for.
 * @param parameters See {@link VerifyOfferParameters}.
 * @returns The checked offer (fields normalised, e.g. a checksummed provider).
 * @throws {OfferExpiredError} outside its validity window.
 * @throws {OfferSignatureError} if the signature is not the provider's for this offer, chain and registry.
 * @throws {InvalidAmountError} | {InvalidAddressError} | {UnknownModelDigestError} on a malformed offer.
 * @example
 * ```ts
 * const offers = await new ProviderClient(uri).offers();
 * const valid = [];
 * for (const o of offers) {
 *   try { valid.push(await verifyOffer(publicClient, { contracts, ...o })); } catch { continue; }
 * }
 * ```
 */
export async function verifyOffer(
  client: AitbcReadClient,
  parameters: VerifyOfferParameters,
): Promise<Offer> {
  const chainId = await chainIdOf(client);
  const offer = checkOffer(parameters.offer);
  const typed = offerTypedData({ contracts: parameters.contracts, chainId, offer });
  const now =
    parameters.now === undefined
      ? BigInt(Math.floor(Date.now() / 1000))
      : assertAmount(parameters.now, "now (Unix s)");
  checkTimes(offer, now);
  let valid: boolean;
  try {
    valid = await verifyTypedData(client, {
      address: offer.provider,
      signature: parameters.signature,
      ...typed,
    });
  } catch (cause) {
    throw new OfferSignatureError({ provider: offer.provider, reason: "the signature check failed", cause });
  }
  if (!valid) throw new OfferSignatureError({ provider: offer.provider, reason: "signature does not match" });
  return offer;
}
