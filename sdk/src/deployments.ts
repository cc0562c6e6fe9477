import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { Address } from "viem";

import { DeploymentNotFoundError } from "./errors/validation.js";
import { assertAddress } from "./utils/validate.js";

/** Names of the protocol contracts the SDK talks to (as in `deployments/<chainId>.json`). */
export type AitbcContractName =
  | "AITBCToken"
  | "OpenClawGovernor"
  | "OpenClawTimelock"
  | "ProposalBondEscrow"
  | "SecurityCouncil"
  | "MilestoneGrants"
  | "SafeSingleton"
  | "SafeProxyFactory"
  | "CompatibilityFallbackHandler"
  | "MultiSend"
  | "MultiSendCallOnly"
  | "SignMessageLib"
  | "CreateCall"
  | "SimulateTxAccessor"
  | "GPUStaking"
  | "ServiceRegistry"
  | "AgentIdentityRegistry"
  | "ReputationRegistry"
  | "JobEscrow"
  | "BatchEscrow"
  | "MarketPolicy"
  | "BatchReceiptVerifier"
  | "TopicClassifierChecker"
  | "ReceiptVerifier"
  | "InferenceVerifier"
  | "EntryPoint"
  | "AgentWalletFactory"
  | "EcosystemPool"
  | "ParticipationRewards"
  | "ProposalRewards";

/**
 * Contract addresses by name. Every action takes one and uses the entries it needs; a missing
 * entry throws {@link DeploymentNotFoundError} before any request. Extra names are allowed.
 */
export type AitbcContracts = { readonly [K in AitbcContractName]?: Address } & {
  readonly [name: string]: Address | undefined;
};

/** The content of `deployments/<chainId>.json`. */
export interface AitbcDeployment {
  /** EIP-155 chain id. */
  chainId: number;
  /** Addresses by contract name. */
  contracts: AitbcContracts;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Directories searched for `<chainId>.json`: the package's `deployments/`, then the repository's. */
function deploymentDirectories(dir?: string): string[] {
  return [
    dir,
    process.env.AITBC_DEPLOYMENTS,
    join(here, "..", "deployments"),
    join(here, "..", "..", "deployments"),
  ].filter((d): d is string => d !== undefined && d !== "");
}

/**
 * Returns the addresses of the AITBC deployment on `chainId`, read from `deployments/<chainId>.json`
 * shipped with the package (or `dir`, or `$AITBC_DEPLOYMENTS`).
 *
 * @param chainId EIP-155 chain id, e.g. `31337` for a local Hardhat chain.
 * @param options.dir Directory holding `<chainId>.json`, searched first.
 * @returns `{ chainId, contracts }`.
 * @throws {DeploymentNotFoundError} if no file exists for the chain.
 * @throws {InvalidAddressError} if the file holds a malformed address.
 * @example
 * ```ts
 * const { contracts } = getDeployment(31337);
 * await getVotingPower(client, { contracts, account });
 * ```
 */
export function getDeployment(chainId: number, options: { dir?: string } = {}): AitbcDeployment {
  const searched = deploymentDirectories(options.dir).map((d) => join(d, `${chainId}.json`));
  const file = searched.find((path) => existsSync(path));
  if (file === undefined) throw new DeploymentNotFoundError({ chainId, searched });
  const parsed = JSON.parse(readFileSync(file, "utf8")) as {
    chainId: number;
    contracts: Record<string, string>;
  };
  const contracts: Record<string, Address> = {};
  for (const [name, address] of Object.entries(parsed.contracts)) {
    contracts[name] = assertAddress(address, `deployments/${chainId}.json ${name}`);
  }
  return { chainId: parsed.chainId, contracts };
}

/**
 * The address of `name` in `contracts`.
 *
 * @param contracts Addresses by name.
 * @param name The contract needed.
 * @returns Its address.
 * @throws {DeploymentNotFoundError} if missing.
 * @throws {InvalidAddressError} if malformed.
 * @example
 * ```ts
 * contractAddress(getDeployment(31337).contracts, "AITBCToken");
 * ```
 */
export function contractAddress(contracts: AitbcContracts, name: AitbcContractName): Address {
  const address = contracts[name];
  if (address === undefined) throw new DeploymentNotFoundError({ contract: name });
  return assertAddress(address, `contracts.${name}`);
}
