/** x402 pay-per-call in AITBC: prices, the buyer's fetch, AgentWallet payers, a facilitator and a paywall. */
export * from "./price.js";
export * from "./agent-wallet-signer.js";
export * from "./fetch.js";
export * from "./facilitator.js";
export * from "./paywall.js";
