/**
 * x402 on the gateway: with `--facilitator <url>`, every generation and embedding request is paid per request in
 * AITBC by the client (an EOA with only a key, or an AgentWallet's agent key within its limit), as an alternative
 * to the gateway paying from its own wallet for whoever calls it. The price is what the request can cost the
 * gateway at most: `maxTokens × pricePerToken` (the gateway's `--price-per-token` ceiling, wei of AITBC), computed
 * after the request was checked, so a request that would be refused (unknown model, bad fields, too many tokens)
 * is refused before anyone pays. The payment is settled through the facilitator before the gateway spends
 * anything on the network; a failed settlement is answered with x402's 402 and nothing runs, and an unreachable
 * facilitator with 502 `facilitator_unavailable` (nothing paid).
 *
 * Known gap: a request that fails after its payment settled (no provider accepts within the placement timeout,
 * 503; the provider fails, 502) is not refunded: the client has paid the price and gets the error. The price is
 * the most the request could cost, and the gateway does not yet pay back the difference either.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import type { Address } from "viem";

import { createX402Paywall, x402Network, type X402Facilitator, type X402Paywall } from "@aitbc/sdk";

import { HttpError } from "../shared/http.js";
import type { GatewayContext } from "./context.js";

/** The first line of an error's message (and of its cause's, which says what failed). */
function firstLine(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const line = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  return cause === undefined ? line(error) : `${line(error)} (${line(cause)})`;
}

/** The gateway's x402 settings (`--facilitator`, `--pay-to`). */
export interface GatewayX402Options {
  /** The facilitator's URL, or an in-process facilitator (tests, the main job). */
  facilitator: string | X402Facilitator;
  /** Who is paid (default: the gateway's payer, its AgentWallet or account). */
  payTo?: Address;
}

/** The paywall the gateway charges through. */
export function gatewayPaywall(
  ctx: Pick<GatewayContext, "contracts" | "chainId" | "consumer">,
  options: GatewayX402Options,
): X402Paywall {
  return createX402Paywall({
    facilitator: options.facilitator,
    contracts: ctx.contracts,
    network: x402Network(ctx.chainId),
    payTo: options.payTo ?? ctx.consumer,
    description: "AITBC network inference, priced at the most the request can cost",
  });
}

/**
 * Takes the x402 payment of one request of at most `maxTokens` tokens, if the gateway sells per request.
 *
 * @returns true to go on (paid and settled, or no x402 on this gateway); false when the client was answered
 *   (402 with the requirements, a refused or failed payment).
 * @throws {HttpError} 502 `facilitator_unavailable` when the facilitator cannot be reached (nothing paid).
 */
export async function chargeRequest(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  maxTokens: number,
): Promise<boolean> {
  if (!ctx.x402) return true;
  const amount = BigInt(maxTokens) * ctx.policy.maxPricePerToken;
  const unreachable = (error: unknown): never => {
    throw new HttpError(502, "facilitator_unavailable", `the x402 facilitator failed: ${firstLine(error)}`);
  };
  const payment = await ctx.x402.charge(req, res, { amount }).catch(unreachable);
  if (!payment) return false;
  const settlement = await payment.settle().catch(unreachable);
  if (!settlement.success) {
    ctx.log(
      `${req.url}: x402 payment of ${amount} wei by ${payment.payer} not settled (${settlement.errorReason})`,
    );
    payment.refuse(res);
    return false;
  }
  ctx.log(
    `${req.url}: paid ${amount} wei of AITBC by ${payment.payer} over x402 (${settlement.transaction})`,
  );
  for (const [name, value] of Object.entries(settlement.headers)) res.setHeader(name, value);
  return true;
}
