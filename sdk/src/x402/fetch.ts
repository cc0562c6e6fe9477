/**
 * The buyer's side of x402: a `fetch` that answers HTTP 402 by paying and retrying, through `@x402/fetch`
 * and `@x402/evm`'s "exact" scheme.
 */
import { x402Client, wrapFetchWithPayment } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import type { ClientEvmSigner } from "@x402/evm";
import type { Network } from "@x402/core/types";

import { contractAddress, type AitbcContracts } from "../deployments.js";
import { assertAmount } from "../utils/validate.js";

/** Parameters of {@link createX402Fetch}. */
export interface CreateX402FetchParameters {
  /**
   * Who pays: a viem `LocalAccount` (`privateKeyToAccount`: an EOA holding AITBC) or
   * {@link toAgentWalletPaymentSigner} (an AgentWallet's agent key, within its spending limit).
   */
  signer: ClientEvmSigner;
  /**
   * The deployment: its `AITBCToken` is the one asset this fetch pays in (x402's spend controls refuse every
   * other asset).
   */
  contracts: AitbcContracts;
  /** The network to pay on, e.g. `"eip155:31337"` ({@link x402Network}). */
  network: Network;
  /** The `fetch` to wrap (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
  /**
   * The most this fetch pays for one request, wei of AITBC (default: no bound). A 402 asking more is not
   * paid: the fetch throws before signing anything.
   */
  maxAmount?: bigint;
}

/**
 * A `fetch` that pays x402 resources: on a 402 it signs the payment the server asks for (EIP-3009, gasless
 * for the payer) and retries with the `PAYMENT-SIGNATURE` header; the response carries `PAYMENT-RESPONSE`
 * (decode with `decodePaymentResponseHeader` from `@x402/fetch`) once the facilitator settled.
 *
 * @param parameters See {@link CreateX402FetchParameters}.
 * @returns A drop-in `fetch` (also usable as the `fetch` option of the `openai` client).
 * @example
 * ```ts
 * const pay = createX402Fetch({ signer: privateKeyToAccount(key), contracts, network: "eip155:31337", maxAmount: parseEther("1") });
 * const answer = await (await pay(`${gateway}/v1/chat/completions`, { method: "POST", body })).json();
 * ```
 */
export function createX402Fetch(parameters: CreateX402FetchParameters): typeof globalThis.fetch {
  const asset = contractAddress(parameters.contracts, "AITBCToken");
  const max =
    parameters.maxAmount === undefined ? undefined : assertAmount(parameters.maxAmount, "maxAmount (wei)");
  const client = new x402Client().setSpendControls({
    maxAmountPerPayment: false,
    allowedAssets: [
      {
        network: parameters.network,
        asset,
        ...(max !== undefined ? { maxAmountPerPayment: max.toString() } : {}),
      },
    ],
  });
  registerExactEvmScheme(client, {
    signer: parameters.signer,
    networks: [parameters.network],
  });
  return wrapFetchWithPayment(parameters.fetch ?? globalThis.fetch, client) as typeof globalThis.fetch;
}
