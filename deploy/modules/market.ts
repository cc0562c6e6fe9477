import type { Future, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id, ZeroHash } from "ethers";

import { BUILTIN_MODEL, bigIntToBytes32, modelDigest } from "../../sdk/src/index.js";
import type { AddressArgument } from "./genesis.js";

/** What the market deployment needs (addresses of contracts deployed before it). */
export interface MarketPlan {
  /** The AITBC token. */
  token: AddressArgument;
  /** The timelock: after deployment it holds `DEFAULT_ADMIN_ROLE` of every market contract. */
  timelock: AddressArgument;
  /** The security council Safe: the escrow's dispute arbiter. */
  council: AddressArgument;
  /** Receiver of protocol fees and slashes (default: the timelock, i.e. the community treasury). */
  treasury?: AddressArgument;
  /** Optional holder of the reputation `ORACLE_ROLE` (performance metrics); else governance grants it later. */
  oracle?: AddressArgument;
  /** Optional holder of the reputation `CERTIFIER_ROLE`; else governance grants it later. */
  certifier?: AddressArgument;
  /**
   * Optional initial GPUStaking `rewardRate`, wei per second, set while the deployer is still admin
   * (deployments pass `REWARDS_DEFAULTS.stakingRate` of deploy/modules/rewards.ts, 0.5 AITBC/s, the
   * EcosystemPool's staking stream); else it starts at 0.
   */
  stakingRewardRate?: bigint;
}

/** Role ids of the market contracts. */
export const MARKET_ROLES = {
  DEFAULT_ADMIN_ROLE: ZeroHash,
  ESCROW_ROLE: id("ESCROW_ROLE"),
  ORACLE_ROLE: id("ORACLE_ROLE"),
  CERTIFIER_ROLE: id("CERTIFIER_ROLE"),
  ARBITER_ROLE: id("ARBITER_ROLE"),
} as const;

/** The built-in model's digest as the protocol's bytes32 (the inference circuit's public `modelDigest`). */
export const BUILTIN_MODEL_DIGEST = bigIntToBytes32(modelDigest(BUILTIN_MODEL));

/**
 * Adds the market to an Ignition module: the generated ReceiptVerifier, InferenceVerifier and
 * BatchReceiptVerifier, MarketPolicy, the built-in model's TopicClassifierChecker (its vocabulary,
 * labels and digest from `sdk/src/model/weights.ts`), ReputationRegistry, GPUStaking, JobEscrow and
 * BatchEscrow (both escrows on the one policy), the ServiceRegistry (providers' service URIs,
 * no admin) and the AgentIdentityRegistry (ERC-8004 agent identities and skills, no admin). The deployer is the temporary admin of each while
 * the roles are wired (both escrows → ESCROW_ROLE in staking and reputation, council → ARBITER_ROLE
 * of both escrows, the built-in model → its checker in the policy, timelock → admin of all five),
 * then renounces, so afterwards the timelock owns every parameter and the
 * deployer holds nothing. Usable inside the DAO module (pass its futures) or stand-alone (pass
 * addresses).
 *
 * @param m the module builder; account 0 must be the deploying account
 * @param plan addresses of token, timelock and council
 */
export function addMarket(m: IgnitionModuleBuilder, plan: MarketPlan) {
  const deployer = m.getAccount(0);
  const receiptVerifier = m.contract("ReceiptVerifier", []);
  const inferenceVerifier = m.contract("InferenceVerifier", []);
  const policy = m.contract("MarketPolicy", [deployer, plan.treasury ?? plan.timelock]);
  const checker = m.contract("TopicClassifierChecker", [
    inferenceVerifier,
    BUILTIN_MODEL_DIGEST,
    [...BUILTIN_MODEL.vocabulary],
    [...BUILTIN_MODEL.labels],
  ]);
  const reputation = m.contract("ReputationRegistry", [deployer]);
  const staking = m.contract("GPUStaking", [plan.token, reputation, deployer]);
  const escrow = m.contract("JobEscrow", [
    plan.token,
    staking,
    reputation,
    policy,
    receiptVerifier,
    deployer,
  ]);
  const batchReceiptVerifier = m.contract("BatchReceiptVerifier", []);
  const batchEscrow = m.contract("BatchEscrow", [
    plan.token,
    staking,
    reputation,
    policy,
    batchReceiptVerifier,
    deployer,
  ]);
  // Providers' service endpoints: no roles, no admin; only the staking address (immutable).
  const serviceRegistry = m.contract("ServiceRegistry", [staking]);
  // ERC-8004 agent identities (skills as metadata); reads trust from the reputation registry. No roles, no admin.
  const agentIdentityRegistry = m.contract("AgentIdentityRegistry", [reputation]);

  const grants: Future[] = [
    m.call(policy, "setModelVerification", [BUILTIN_MODEL_DIGEST, checker], {
      id: "PolicySetBuiltinChecker",
    }),
    m.call(reputation, "grantRole", [MARKET_ROLES.ESCROW_ROLE, escrow], { id: "ReputationGrantEscrow" }),
    m.call(staking, "grantRole", [MARKET_ROLES.ESCROW_ROLE, escrow], { id: "StakingGrantEscrow" }),
    m.call(escrow, "grantRole", [MARKET_ROLES.ARBITER_ROLE, plan.council], { id: "EscrowGrantArbiter" }),
    m.call(reputation, "grantRole", [MARKET_ROLES.ESCROW_ROLE, batchEscrow], {
      id: "ReputationGrantBatchEscrow",
    }),
    m.call(staking, "grantRole", [MARKET_ROLES.ESCROW_ROLE, batchEscrow], { id: "StakingGrantBatchEscrow" }),
    m.call(batchEscrow, "grantRole", [MARKET_ROLES.ARBITER_ROLE, plan.council], {
      id: "BatchEscrowGrantArbiter",
    }),
    m.call(batchEscrow, "grantRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, plan.timelock], {
      id: "BatchEscrowGrantAdmin",
    }),
    m.call(reputation, "grantRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, plan.timelock], {
      id: "ReputationGrantAdmin",
    }),
    m.call(staking, "grantRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, plan.timelock], {
      id: "StakingGrantAdmin",
    }),
    m.call(escrow, "grantRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, plan.timelock], { id: "EscrowGrantAdmin" }),
    m.call(policy, "grantRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, plan.timelock], { id: "PolicyGrantAdmin" }),
  ];
  if (plan.oracle !== undefined) {
    grants.push(
      m.call(reputation, "grantRole", [MARKET_ROLES.ORACLE_ROLE, plan.oracle], {
        id: "ReputationGrantOracle",
      }),
    );
  }
  if (plan.certifier !== undefined) {
    grants.push(
      m.call(reputation, "grantRole", [MARKET_ROLES.CERTIFIER_ROLE, plan.certifier], {
        id: "ReputationGrantCertifier",
      }),
    );
  }
  if (plan.stakingRewardRate !== undefined) {
    grants.push(m.call(staking, "setRewardRate", [plan.stakingRewardRate], { id: "StakingSetRewardRate" }));
  }
  for (const [name, contract] of [
    ["Reputation", reputation],
    ["Staking", staking],
    ["Escrow", escrow],
    ["Policy", policy],
    ["BatchEscrow", batchEscrow],
  ] as const) {
    m.call(contract, "renounceRole", [MARKET_ROLES.DEFAULT_ADMIN_ROLE, deployer], {
      id: `${name}RenounceAdmin`,
      after: grants,
    });
  }

  return {
    receiptVerifier,
    inferenceVerifier,
    batchReceiptVerifier,
    policy,
    checker,
    reputation,
    staking,
    escrow,
    batchEscrow,
    serviceRegistry,
    agentIdentityRegistry,
  };
}

/** Names under which the results of {@link addMarket} are recorded in `deployments/<chainId>.json`. */
export const MARKET_DEPLOYMENT_NAMES: Readonly<Record<string, string>> = {
  receiptVerifier: "ReceiptVerifier",
  inferenceVerifier: "InferenceVerifier",
  policy: "MarketPolicy",
  checker: "TopicClassifierChecker",
  batchReceiptVerifier: "BatchReceiptVerifier",
  batchEscrow: "BatchEscrow",
  reputation: "ReputationRegistry",
  staking: "GPUStaking",
  escrow: "JobEscrow",
  serviceRegistry: "ServiceRegistry",
  agentIdentityRegistry: "AgentIdentityRegistry",
};

/**
 * The addresses of a deployed market by their names in `deployments/<chainId>.json`.
 *
 * @param market the result of `ignition.deploy` of a module built with {@link addMarket}
 * @returns e.g. `{ MarketPolicy: "0x…", JobEscrow: "0x…", … }`
 */
export async function marketDeploymentAddresses(
  market: Record<string, { getAddress(): Promise<string> }>,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(MARKET_DEPLOYMENT_NAMES).map(
      async ([key, name]) => [name, await market[key]!.getAddress()] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/** A stand-alone Ignition module for {@link addMarket} with a fixed plan (tests, scripts). */
export function buildMarketModule(plan: MarketPlan, moduleId = "AITBCMarket") {
  return buildModule(moduleId, (m) => addMarket(m, plan));
}

/**
 * The module for `hardhat ignition deploy` on a chain where the DAO exists: token, timelock and
 * council addresses are module parameters (deploy/parameters/*.json).
 */
export default buildModule("AITBCMarket", (m) =>
  addMarket(m, {
    token: m.getParameter<string>("token"),
    timelock: m.getParameter<string>("timelock"),
    council: m.getParameter<string>("council"),
  }),
);
