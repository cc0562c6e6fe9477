/**
 * The seller's side of x402 for `node:http` servers: answer 402 with AITBC payment requirements, verify the
 * payment the client sent (through a facilitator), and settle it when the seller says so — through
 * `@x402/core`'s `x402HTTPResourceServer` and `@x402/evm`'s exact server scheme.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from "@x402/core/server";
import type { FacilitatorClient, HTTPAdapter, HTTPRequestContext } from "@x402/core/server";
import type { x402Facilitator } from "@x402/core/facilitator";
import type { Network, PaymentPayload, PaymentRequirements, SupportedResponse } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { getAddress, type Address, type Hex } from "viem";

import type { AitbcContracts } from "../deployments.js";
import { AitbcError } from "../errors/base.js";
import { assertAddress, assertAmount } from "../utils/validate.js";
import { aitbcPrice } from "./price.js";

/** Parameters of {@link createX402Paywall}. */
export interface CreateX402PaywallParameters {
  /**
   * The facilitator: an in-process one ({@link createX402Facilitator}), any x402 `FacilitatorClient`, or a
   * facilitator's HTTP URL (`npm run facilitator`).
   */
  facilitator: x402Facilitator | FacilitatorClient | string;
  /** The deployment; payments are in its `AITBCToken`. */
  contracts: AitbcContracts;
  /** The x402 network, e.g. `"eip155:31337"` ({@link x402Network}). */
  network: Network;
  /** Who is paid. */
  payTo: Address;
  /** How long a signed payment stays valid, seconds (default 120). */
  maxTimeoutSeconds?: number;
  /** What is sold, shown to clients in the 402 answer. */
  description?: string;
}

/** A settled (or refused) x402 payment. */
export interface X402Settlement {
  /** Whether the facilitator's transfer succeeded. */
  success: boolean;
  /** The settlement transaction (empty when it failed before one was sent). */
  transaction: Hex | "";
  /** The x402 network. */
  network: Network;
  /** The payer (the authorization's `from`). */
  payer: Address | undefined;
  /** Wei of AITBC. */
  amount: bigint;
  /** The facilitator's reason when it failed, e.g. `invalid_exact_evm_payload_signature`. */
  errorReason?: string;
  /** Response headers to send: `PAYMENT-RESPONSE` on success. */
  headers: Record<string, string>;
}

/** A payment verified by the facilitator and not settled yet. */
export interface X402VerifiedPayment {
  /** The payer (an EOA or a wallet contract). */
  payer: Address;
  /** Wei of AITBC. */
  amount: bigint;
  /** What was asked and what was sent. */
  requirements: PaymentRequirements;
  payload: PaymentPayload;
  /**
   * Settles the payment through the facilitator (once; later calls return the first result). On success, set
   * `headers` on the response; on failure answer with {@link X402VerifiedPayment.refuse}.
   */
  settle(): Promise<X402Settlement>;
  /**
   * Answers the client for a failed settlement: x402's 402 answer with the reason, or 502
   * `facilitator_unavailable` when the facilitator could not be reached (nothing was paid).
   */
  refuse(res: ServerResponse): void;
}

/** Options of one paid request. */
export interface X402ChargeOptions {
  /** The price, wei of AITBC (positive). */
  amount: bigint;
}

/** A paywall for `node:http` handlers; see {@link createX402Paywall}. */
export interface X402Paywall {
  /**
   * Requires payment for this request: without a valid payment it answers the client (402 with the
   * `PAYMENT-REQUIRED` requirements, or the facilitator's refusal) and resolves `undefined`; with one, it
   * resolves the verified payment, which the handler settles when it chooses.
   *
   * @throws {X402FacilitatorError} when the facilitator cannot be reached (nothing was paid).
   */
  charge(
    req: IncomingMessage,
    res: ServerResponse,
    options: X402ChargeOptions,
  ): Promise<X402VerifiedPayment | undefined>;
}

/** The facilitator could not be reached or answered garbage; nobody paid. */
export class X402FacilitatorError extends AitbcError {
  override name = "X402FacilitatorError";
}

/** `HTTPAdapter` of `@x402/core` over a `node:http` request, carrying this request's price. */
class NodeRequestAdapter implements HTTPAdapter {
  constructor(
    private readonly req: IncomingMessage,
    readonly price: ReturnType<typeof aitbcPrice>,
  ) {}
  getHeader(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
  getMethod(): string {
    return this.req.method ?? "GET";
  }
  getPath(): string {
    return new URL(this.req.url ?? "/", "http://localhost").pathname;
  }
  getUrl(): string {
    return `http://${this.req.headers.host ?? "localhost"}${this.req.url ?? "/"}`;
  }
  getAcceptHeader(): string {
    return this.getHeader("accept") ?? "";
  }
  getUserAgent(): string {
    return this.getHeader("user-agent") ?? "";
  }
}

function send(res: ServerResponse, response: { status: number; headers: Record<string, string>; body?: unknown; isHtml?: boolean }) {
  for (const [key, value] of Object.entries(response.headers)) res.setHeader(key, value);
  if (response.isHtml) {
    res.writeHead(response.status, { "content-type": "text/html; charset=utf-8" });
    res.end(String(response.body ?? ""));
    return;
  }
  res.writeHead(response.status, { "content-type": "application/json" });
  res.end(JSON.stringify(response.body ?? {}));
} // prettier-ignore

/** The payer of an exact EVM payload (`authorization.from`). */
function payerOf(payload: PaymentPayload): Address {
  const inner = payload.payload as { authorization?: { from?: string } };
  return assertAddress(inner.authorization?.from, "payload.authorization.from");
}

/**
 * A paywall that sells requests for AITBC over x402 (EIP-3009 payments, gasless for the buyer; an AgentWallet
 * pays within its agent key's spending limit). The price is set per request, so a server can price from the
 * request itself (e.g. its `max_tokens`).
 *
 * @param parameters See {@link CreateX402PaywallParameters}.
 * @returns `{ charge(req, res, { amount }) }`.
 * @throws {InvalidAddressError} for a malformed `payTo` (at once).
 * @example
 * ```ts
 * const paywall = createX402Paywall({ facilitator: "http://127.0.0.1:4022", contracts, network: "eip155:31337", payTo });
 * createServer(async (req, res) => {
 *   const payment = await paywall.charge(req, res, { amount: parseEther("0.1") });
 *   if (!payment) return; // answered: 402 or refused
 *   const body = JSON.stringify(await work());
 *   const settlement = await payment.settle();
 *   if (!settlement.success) return payment.refuse(res);
 *   res.writeHead(200, { ...settlement.headers, "content-type": "application/json" }).end(body);
 * });
 * ```
 */
export function createX402Paywall(parameters: CreateX402PaywallParameters): X402Paywall {
  const payTo = assertAddress(parameters.payTo, "payTo");
  const given = parameters.facilitator;
  const facilitator: FacilitatorClient =
    typeof given === "string"
      ? new HTTPFacilitatorClient({ url: given })
      : "register" in given
        ? {
            // x402Facilitator answers getSupported synchronously; FacilitatorClient's is async.
            verify: (payload, requirements) => given.verify(payload, requirements),
            settle: (payload, requirements) => given.settle(payload, requirements),
            getSupported: async () => given.getSupported() as SupportedResponse,
          }
        : given;
  const server = new x402ResourceServer(facilitator).register(parameters.network, new ExactEvmScheme());
  const http = new x402HTTPResourceServer(server, {
    accepts: {
      scheme: "exact",
      network: parameters.network,
      payTo: getAddress(payTo),
      price: (context: HTTPRequestContext) => (context.adapter as NodeRequestAdapter).price,
      maxTimeoutSeconds: parameters.maxTimeoutSeconds ?? 120,
    },
    ...(parameters.description ? { description: parameters.description } : {}),
    mimeType: "application/json",
  });
  let ready: Promise<void> | undefined;
  const initialize = () => {
    ready ??= http.initialize().catch((error: unknown) => {
      ready = undefined;
      throw new X402FacilitatorError("The x402 facilitator could not be reached.", { cause: error });
    });
    return ready;
  };

  return {
    async charge(req, res, options) {
      const amount = assertAmount(options.amount, "amount (wei of AITBC)", { positive: true });
      await initialize();
      const adapter = new NodeRequestAdapter(req, aitbcPrice({ contracts: parameters.contracts, amount }));
      const context: HTTPRequestContext = {
        adapter,
        path: adapter.getPath(),
        method: adapter.getMethod(),
        paymentHeader: adapter.getHeader("payment-signature") ?? adapter.getHeader("x-payment"),
      };
      let result: Awaited<ReturnType<typeof http.processHTTPRequest>>;
      try {
        result = await http.processHTTPRequest(context);
      } catch (error) {
        throw new X402FacilitatorError("The x402 facilitator failed to verify the payment.", {
          cause: error,
        });
      }
      if (result.type === "payment-error") {
        send(res, result.response);
        return undefined;
      }
      if (result.type !== "payment-verified") {
        throw new X402FacilitatorError("The x402 server required no payment for a paid request.");
      }
      const { paymentPayload, paymentRequirements, declaredExtensions } = result;
      const payer = payerOf(paymentPayload);
      let settled: Promise<{ settlement: X402Settlement; failure?: Parameters<typeof send>[1] }> | undefined;
      const settleOnce = () =>
        (settled ??= http
          .processSettlement(paymentPayload, paymentRequirements, declaredExtensions, { request: context })
          .then((r) => ({
            settlement: {
              success: r.success,
              transaction: (r.transaction || "") as Hex | "",
              network: parameters.network,
              payer,
              amount,
              ...(r.success ? {} : { errorReason: r.errorReason }),
              headers: r.headers,
            },
            ...(r.success ? {} : { failure: r.response }),
          }))
          .catch((error: unknown) => {
            throw new X402FacilitatorError("The x402 facilitator failed to settle the payment.", {
              cause: error,
            });
          }));
      return {
        payer,
        amount,
        requirements: paymentRequirements,
        payload: paymentPayload,
        settle: async () => (await settleOnce()).settlement,
        refuse: (response) => {
          void settleOnce().then(
            ({ failure, settlement }) =>
              send(response, failure ?? { status: 402, headers: settlement.headers, body: { error: settlement.errorReason ?? "settlement_failed" } }), // prettier-ignore
            // the facilitator could not be reached: nothing was paid
            (error: unknown) => send(response, { status: 502, headers: {}, body: { error: "facilitator_unavailable", reason: (error as Error).message.split("\n")[0] } }), // prettier-ignore
          );
        },
      };
    },
  };
}
