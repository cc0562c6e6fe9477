/** The indexer's tables, one file per domain in schema/ (a new contract adds its own file here). */
export * from "./schema/governance.js";
export * from "./schema/market.js";
export * from "./schema/agents.js";
export * from "./schema/grants.js";
export * from "./schema/rewards.js";
