/**
 * The seller's {@link PaymentStep} on the SDK's x402 paywall (`createX402Paywall`): each call is
 * charged its skill's price in AITBC, the payment verified and then settled through the facilitator
 * before the skill runs, and the settlement's facts handed to the seller, which records them in its
 * ledger. The buyer gets the settlement in the `PAYMENT-RESPONSE` header of the answer.
 *
 * The payment settles before the skill runs because the seller's ledger is keyed by the settlement's
 * transaction (one settlement pays for one call) and a call is recorded before it runs. A skill that
 * then fails is recorded `failed` with the payment (the seller owes a refund), which the ledger's
 * totals show.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { X402FacilitatorError, type PaymentFacts, type SkillDefinition, type X402Paywall } from "@aitbc/sdk";
import { HttpError } from "../shared/http.js";
import type { PaymentStep } from "./seller.js";

/** Options of {@link x402PaymentStep}. */
export interface X402PaymentStepOptions {
  /** The price of one call of `skill`, wei of AITBC (default: the skill's `priceWei`). */
  priceOf?: (skill: SkillDefinition) => bigint;
}

/**
 * The payment step of `startSeller` on an x402 paywall.
 *
 * For each call: `paywall.charge` answers a request without a valid payment itself (402 with the
 * `PAYMENT-REQUIRED` requirements, or the facilitator's refusal of the signature, amount, balance,
 * replayed nonce or spending limit) and the step returns `undefined`; a verified payment is settled
 * at once; a failed settlement is answered with `refuse(res)` (402 with the facilitator's reason) and
 * the step returns `undefined`; a successful one sets `PAYMENT-RESPONSE` on the response and returns
 * the facts: `payer`, `amountWei` (what was settled), `transaction` (the settlement's hash) and
 * `network` (CAIP-2).
 *
 * @param paywall The seller's paywall (`createX402Paywall({ facilitator, contracts, network, payTo })`).
 * @param options See {@link X402PaymentStepOptions}.
 * @returns A {@link PaymentStep}.
 * @throws (from the step) {HttpError} 503 `facilitator_unavailable` when the facilitator cannot be
 *   reached or fails while verifying or settling (nothing is recorded; the seller answers 503).
 * @example
 * ```ts
 * const paywall = createX402Paywall({ facilitator: "http://127.0.0.1:4022", contracts, network: x402Network(31337), payTo });
 * const seller = await startSeller({ router, ledger, pay: x402PaymentStep(paywall) });
 * ```
 */
export function x402PaymentStep(paywall: X402Paywall, options: X402PaymentStepOptions = {}): PaymentStep {
  const priceOf = options.priceOf ?? ((skill: SkillDefinition) => skill.priceWei);
  return async (req: IncomingMessage, res: ServerResponse, skill: SkillDefinition) => {
    try {
      const payment = await paywall.charge(req, res, { amount: priceOf(skill) });
      if (payment === undefined) return undefined; // answered: 402 with the requirements, or refused
      const settlement = await payment.settle();
      if (!settlement.success || settlement.transaction === "") {
        payment.refuse(res);
        // `refuse` answers once the settlement's promise resolves its callbacks; awaiting the same
        // settlement again runs after that callback, so the answer is written before we return.
        await payment.settle();
        return undefined;
      }
      for (const [name, value] of Object.entries(settlement.headers)) res.setHeader(name, value);
      const facts: PaymentFacts = {
        payer: settlement.payer ?? payment.payer,
        amountWei: settlement.amount,
        transaction: settlement.transaction,
        network: settlement.network as PaymentFacts["network"],
      };
      return facts;
    } catch (error) {
      if (error instanceof X402FacilitatorError)
        throw new HttpError(503, "facilitator_unavailable", error.shortMessage, undefined, { cause: error });
      throw error;
    }
  };
}
