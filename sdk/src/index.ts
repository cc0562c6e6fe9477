/**
 * `@aitbc/sdk` — typed access to the AITBC protocol.
 *
 * This entry point re-exports every module; import what you need:
 * ```ts
 * import { proveReceipt, identityCommitment, AitbcError } from "@aitbc/sdk";
 * ```
 */
export * from "./errors/base.js";
export * from "./errors/zk.js";
export * from "./zk/field.js";
export * from "./zk/artifacts.js";
export * from "./zk/proof.js";
export * from "./zk/receipt.js";
export * from "./zk/inference.js";
export * from "./model/features.js";
export * from "./model/mlp.js";
export * from "./model/weights.js";
