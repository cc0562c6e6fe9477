/**
 * x402 prices in AITBC: the payment requirements' `network`, `asset`, `amount` and the EIP-712 domain the
 * x402 "exact" EVM scheme signs EIP-3009 authorizations in.
 */
import type { Network } from "@x402/core/types";

import { contractAddress, type AitbcContracts } from "../deployments.js";
import { assertAmount } from "../utils/validate.js";

/**
 * The AITBC token's EIP-712 domain name and version (its ERC-2612 permit domain, which its EIP-3009
 * `transferWithAuthorization` shares): x402 requirements carry them in `extra` so the payer signs in the
 * right domain.
 */
export const AITBC_EIP712_DOMAIN = { name: "AITBC", version: "1" } as const;

/** EIP-712 types of EIP-3009's `TransferWithAuthorization`, the message an x402 "exact" payer signs. */
export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

/**
 * The x402 (CAIP-2) network id of an EVM chain: `eip155:<chainId>`.
 *
 * @param chainId The chain id, e.g. 31337 for the local chain.
 * @returns e.g. `"eip155:31337"`.
 * @example
 * ```ts
 * x402Network(31337); // "eip155:31337"
 * ```
 */
export function x402Network(chainId: number): Network {
  return `eip155:${chainId}`;
}

/** An x402 price in a token: `amount` in the token's smallest unit (wei of AITBC), as a decimal string. */
export interface AitbcPrice {
  /** The AITBC token's address. */
  asset: string;
  /** Wei of AITBC, decimal. */
  amount: string;
  /** The token's EIP-712 domain ({@link AITBC_EIP712_DOMAIN}). */
  extra: { name: string; version: string };
}

/**
 * The x402 price of `amount` wei of AITBC (`AssetAmount` of `@x402/core`), for a route's `price`.
 *
 * @param parameters `{ contracts, amount }`: the deployment (`AITBCToken` is used) and the price in wei of AITBC.
 * @returns `{ asset, amount, extra: { name: "AITBC", version: "1" } }`.
 * @throws {InvalidParameterError} for a negative amount; {DeploymentNotFoundError} without `AITBCToken`.
 * @example
 * ```ts
 * const price = aitbcPrice({ contracts, amount: parseEther("0.5") });
 * ```
 */
export function aitbcPrice(parameters: { contracts: AitbcContracts; amount: bigint }): AitbcPrice {
  return {
    asset: contractAddress(parameters.contracts, "AITBCToken"),
    amount: assertAmount(parameters.amount, "amount (wei of AITBC)").toString(),
    extra: { ...AITBC_EIP712_DOMAIN },
  };
}
