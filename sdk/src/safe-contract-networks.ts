/**
 * Safe's own tools on an AITBC chain: the `contractNetworks` configuration that
 * `@safe-global/protocol-kit` (`Safe.init({ provider, signer, safeAddress, contractNetworks })`) needs
 * on a chain Safe did not deploy to, built from `deployments/<chainId>.json`. The Safe 1.5 singleton,
 * proxy factory, fallback handler and libraries are deployed with the council (deploy/modules/openclaw.ts).
 */
import { contractAddress, type AitbcDeployment } from "./deployments.js";

/**
 * One chain's Safe contract addresses, in protocol-kit's `ContractNetworkConfig` field names
 * (structurally assignable to it; the SDK does not depend on protocol-kit).
 */
export interface SafeContractNetwork {
  safeSingletonAddress: string;
  safeProxyFactoryAddress: string;
  fallbackHandlerAddress: string;
  multiSendAddress: string;
  multiSendCallOnlyAddress: string;
  signMessageLibAddress: string;
  createCallAddress: string;
  simulateTxAccessorAddress: string;
}

/**
 * protocol-kit's `contractNetworks` for the deployment's chain: `{ [chainId]: addresses }`.
 *
 * @param deployment `{ chainId, contracts }`, e.g. from `getDeployment(31337)`; needs `SafeSingleton`,
 *   `SafeProxyFactory`, `CompatibilityFallbackHandler`, `MultiSend`, `MultiSendCallOnly`,
 *   `SignMessageLib`, `CreateCall` and `SimulateTxAccessor`.
 * @returns The configuration keyed by the chain id (decimal string).
 * @throws {DeploymentNotFoundError} if an address is missing (an older deployment without the libraries).
 * @example
 * ```ts
 * const kit = await Safe.init({ provider, signer, safeAddress: contracts.SecurityCouncil!,
 *   contractNetworks: safeContractNetworks(getDeployment(31337)) });
 * ```
 */
export function safeContractNetworks(deployment: AitbcDeployment): Record<string, SafeContractNetwork> {
  const c = deployment.contracts;
  return {
    [String(deployment.chainId)]: {
      safeSingletonAddress: contractAddress(c, "SafeSingleton"),
      safeProxyFactoryAddress: contractAddress(c, "SafeProxyFactory"),
      fallbackHandlerAddress: contractAddress(c, "CompatibilityFallbackHandler"),
      multiSendAddress: contractAddress(c, "MultiSend"),
      multiSendCallOnlyAddress: contractAddress(c, "MultiSendCallOnly"),
      signMessageLibAddress: contractAddress(c, "SignMessageLib"),
      createCallAddress: contractAddress(c, "CreateCall"),
      simulateTxAccessorAddress: contractAddress(c, "SimulateTxAccessor"),
    },
  };
}
