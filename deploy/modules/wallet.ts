/**
 * Ignition module for the agent wallets: the AgentWalletFactory (which deploys its AgentWallet
 * implementation) on an ERC-4337 EntryPoint v0.8. On chains that have the canonical EntryPoint v0.8
 * (ENTRYPOINT_V08), pass its address; on a fresh local chain, omit it and the module deploys the
 * EntryPoint from @account-abstraction/contracts.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The canonical EntryPoint v0.8 address (same on every chain where it is deployed). */
export const ENTRYPOINT_V08 = "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108";

/** Names under which the module's contracts are recorded in `deployments/<chainId>.json`. */
export const AGENT_WALLET_DEPLOYMENT_NAMES: Readonly<Record<string, string>> = {
  entryPoint: "EntryPoint",
  factory: "AgentWalletFactory",
};

/**
 * Builds the module.
 *
 * @param entryPoint address of an existing EntryPoint v0.8; omitted: deploy one
 * @param moduleId Ignition module id
 */
export function buildAgentWalletModule(entryPoint?: string, moduleId = "AgentWallets") {
  return buildModule(moduleId, (m) => {
    const entry =
      entryPoint === undefined ? m.contract("EntryPoint") : m.contractAt("EntryPoint", entryPoint);
    const factory = m.contract("AgentWalletFactory", [entry]);
    return { entryPoint: entry, factory };
  });
}

/** `hardhat ignition deploy deploy/modules/wallet.ts`: deploys a fresh EntryPoint and the factory. */
export default buildAgentWalletModule();
