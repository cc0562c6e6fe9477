/** x402 pay-per-call in AITBC: prices, the buyer's fetch, AgentWallet payers, a facilitator and a paywall. */
export * from "./price.js";
export * from "./agent-wallet-signer.js";
export * from "./fetch.js";
export * from "./facilitator.js";
export * from "./paywall.js";
export type { PaymentPayload, PaymentRequirements, SettleResponse, VerifyResponse } from "@x402/core/types";
export type { x402Facilitator as X402Facilitator } from "@x402/core/facilitator";
