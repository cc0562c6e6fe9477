/**
 * An x402 facilitator for the AITBC token: verifies and settles "exact" EVM payments (EIP-3009
 * `transferWithAuthorization`) on a chain with its own key paying the gas, through `@x402/core`'s
 * `x402Facilitator` and `@x402/evm`'s exact facilitator scheme.
 */
import { x402Facilitator } from "@x402/core/facilitator";
import type { Network } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import type { Abi, Address, Hex, PublicClient, WalletClient } from "viem";

import { InvalidParameterError } from "../errors/validation.js";
import { x402Network } from "./price.js";

/** Parameters of {@link createX402Facilitator}. */
export interface CreateX402FacilitatorParameters {
  /** Reads: code, `isValidSignature` and token state (x402 verifies by `eth_call`). */
  publicClient: PublicClient;
  /** The facilitator's key (with `account` and `chain`): it submits `transferWithAuthorization` and pays the gas. */
  walletClient: WalletClient;
  /** Networks served (default: `eip155:<the wallet client's chain id>`). */
  networks?: Network[];
  /** How long a settlement waits for its receipt, ms (default 180 000, x402's own default). */
  confirmationTimeoutMs?: number;
}

/**
 * A facilitator that verifies x402 "exact" payments (signature by ECDSA or the payer wallet's ERC-1271,
 * recipient, amount, time bounds, balance, and a simulation of the transfer) and settles them with its own key.
 * Use it in-process as the `FacilitatorClient` of {@link createX402Paywall}, or serve it over HTTP
 * (`npm run facilitator`).
 *
 * Time bounds are checked against the facilitator's wall clock (`Date.now()`, as x402 does), and the token checks
 * them against the block time, so the chain's clock must be near real time.
 *
 * @param parameters See {@link CreateX402FacilitatorParameters}.
 * @returns An `x402Facilitator` with `verify`, `settle` and `getSupported`.
 * @throws {InvalidParameterError} when the wallet client has no account or chain.
 * @example
 * ```ts
 * const facilitator = createX402Facilitator({ publicClient, walletClient });
 * const paywall = createX402Paywall({ facilitator, contracts, network: "eip155:31337", payTo: seller });
 * ```
 */
export function createX402Facilitator(parameters: CreateX402FacilitatorParameters): x402Facilitator {
  const { publicClient, walletClient } = parameters;
  const account = walletClient.account;
  const chain = walletClient.chain;
  if (account === undefined || chain === undefined) {
    throw new InvalidParameterError({ what: "walletClient", reason: "needs an account and a chain" });
  }
  const signer = toFacilitatorEvmSigner(
    {
      address: account.address,
      getCode: (args: { address: Address }) => publicClient.getCode(args),
      readContract: (args: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] }) =>
        publicClient.readContract({ ...args, abi: args.abi as Abi, args: args.args ?? [] }),
      verifyTypedData: (args) => publicClient.verifyTypedData(args as never),
      writeContract: (args: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[]; gas?: bigint; dataSuffix?: Hex }) =>
        walletClient.writeContract({ ...args, abi: args.abi as Abi, account, chain } as never),
      sendTransaction: (args: { to: Address; data: Hex }) => walletClient.sendTransaction({ ...args, account, chain }),
      waitForTransactionReceipt: (args: { hash: Hex; timeout?: number }) => publicClient.waitForTransactionReceipt(args),
    },
    parameters.confirmationTimeoutMs === undefined ? {} : { confirmationTimeoutMs: parameters.confirmationTimeoutMs },
  ); // prettier-ignore
  const networks = parameters.networks ?? [x402Network(chain.id)];
  return new x402Facilitator().register(networks, new ExactEvmScheme(signer));
}
