/**
 * `@aitbc/sdk` — typed access to the AITBC protocol, on viem.
 *
 * Actions take a viem client first and a parameters object:
 * ```ts
 * import { getDeployment, getVotingPower } from "@aitbc/sdk";
 * const { contracts } = getDeployment(31337);
 * const { power } = await getVotingPower(publicClient, { contracts, account });
 * ```
 */
export * from "./errors/base.js";
export * from "./errors/zk.js";
export * from "./errors/contract.js";
export * from "./errors/validation.js";
export * from "./abis/index.js";
export * from "./deployments.js";
export type { AitbcReadClient, AitbcWriteClient, WriteParameters, WriteReturnType } from "./utils/client.js";
export { assertAddress, assertAmount, assertModelDigest } from "./utils/validate.js";
export * from "./actions/token.js";
export * from "./actions/governance.js";
export * from "./actions/safe.js";
export * from "./actions/staking.js";
export * from "./actions/reputation.js";
export * from "./actions/jobs.js";
export * from "./actions/wallet.js";
export * from "./actions/wallet-reads.js";
// The AgentWallet as a viem SmartAccount (issue 18), and its wire formats.
export * from "./accounts/agentWalletEncoding.js";
export * from "./accounts/toAgentWalletAccount.js";
export * from "./agents/index.js";
export * from "./zk/field.js";
export * from "./zk/artifacts.js";
export * from "./zk/proof.js";
export * from "./zk/receipt.js";
export * from "./zk/batch.js";
export * from "./zk/inference.js";
export * from "./model/features.js";
export * from "./model/mlp.js";
export * from "./model/weights.js";
export * from "./actions/batches.js";
export * from "./actions/sampling.js";
export * from "./actions/batch-disputes.js";
export * from "./errors/offer.js";
export * from "./actions/service-registry.js";
export * from "./actions/agent-skill.js";
export * from "./actions/agent-register.js";
export * from "./actions/agent-get-skill.js";
export * from "./actions/agent-find.js";
export * from "./actions/agent-summary.js";
export * from "./actions/offers.js";
export * from "./actions/escrow-reads.js";
export * from "./x402/index.js";
export * from "./actions/rewards-claim-participation.js";
export * from "./actions/rewards-get-participation.js";
export * from "./actions/rewards-claim-proposal.js";
export * from "./actions/rewards-release.js";
export * from "./actions/rewards-participation-by-role.js";
// Milestone grants (issue 17).
export * from "./actions/grants-common.js";
export * from "./actions/grants-propose.js";
export * from "./actions/grants-submit.js";
export * from "./actions/grants-approve.js";
export * from "./actions/grants-claim.js";
export * from "./actions/grants-cancel.js";
export * from "./actions/grants-get.js";
export * from "./safe-contract-networks.js";
