/** Contract name → Hardhat artifact (relative to `artifacts/`) whose ABI the SDK ships. */
export const ABI_SOURCES: Record<string, string> = {
  AITBCToken: "contracts/token/AITBCToken.sol/AITBCToken.json",
  OpenClawGovernor: "contracts/governance/OpenClawGovernor.sol/OpenClawGovernor.json",
  ProposalBondEscrow: "contracts/governance/ProposalBondEscrow.sol/ProposalBondEscrow.json",
  OpenClawTimelock: "contracts/governance/OpenClawTimelock.sol/OpenClawTimelock.json",
  MilestoneGrants: "contracts/grants/MilestoneGrants.sol/MilestoneGrants.json",
  GPUStaking: "contracts/staking/GPUStaking.sol/GPUStaking.json",
  ServiceRegistry: "contracts/staking/ServiceRegistry.sol/ServiceRegistry.json",
  AgentIdentityRegistry: "contracts/agents/AgentIdentityRegistry.sol/AgentIdentityRegistry.json",
  ReputationRegistry: "contracts/reputation/ReputationRegistry.sol/ReputationRegistry.json",
  JobEscrow: "contracts/escrow/JobEscrow.sol/JobEscrow.json",
  BatchEscrow: "contracts/escrow/BatchEscrow.sol/BatchEscrow.json",
  MarketPolicy: "contracts/escrow/MarketPolicy.sol/MarketPolicy.json",
  // Any model's checker (the interface the escrows call) and the built-in model's implementation.
  InferenceChecker: "contracts/escrow/IInferenceChecker.sol/IInferenceChecker.json",
  TopicClassifierChecker: "contracts/inference/TopicClassifierChecker.sol/TopicClassifierChecker.json",
  ReceiptVerifier: "contracts/verifiers/ReceiptVerifier.sol/ReceiptVerifier.json",
  InferenceVerifier: "contracts/verifiers/InferenceVerifier.sol/InferenceVerifier.json",
  AgentWallet: "contracts/wallet/AgentWallet.sol/AgentWallet.json",
  AgentWalletFactory: "contracts/wallet/AgentWalletFactory.sol/AgentWalletFactory.json",
  EcosystemPool: "contracts/rewards/EcosystemPool.sol/EcosystemPool.json",
  ParticipationRewards: "contracts/rewards/ParticipationRewards.sol/ParticipationRewards.json",
  ProposalRewards: "contracts/rewards/ProposalRewards.sol/ProposalRewards.json",
  Safe: "@safe-global/safe-smart-account/contracts/Safe.sol/Safe.json",
  EntryPoint: "@account-abstraction/contracts/core/EntryPoint.sol/EntryPoint.json",
};

/** `AITBCToken` → `aitbcToken`, `GPUStaking` → `gpuStaking`, `OpenClawGovernor` → `openClawGovernor`. */
export function abiFileName(contract: string): string {
  return contract.replace(/^[A-Z]+(?=[A-Z][a-z])|^[A-Z]/, (s) => s.toLowerCase());
}
