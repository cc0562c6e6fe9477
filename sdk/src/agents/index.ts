export * from "./types.js";
export * from "./strategies.js";
export * from "./proposals.js";
export * from "./matcher.js";
export * from "./negotiation.js";
export * from "./router.js";
