import type { IgnitionModuleBuilder, ModuleParameterRuntimeValue } from "@nomicfoundation/ignition-core";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id, ZeroAddress, ZeroHash } from "ethers";

import { addGenesis, type AddressArgument, type ContributorVesting } from "./genesis.js";
import { addEcosystemPool } from "./rewards.js";

/** A number in an Ignition module: a literal or a module parameter. */
type NumberArgument = bigint | ReturnType<IgnitionModuleBuilder["getParameter"]>;

/** What the OpenClaw DAO deployment needs; amounts in wei of AITBC, times and delays in seconds. */
export interface OpenClawPlan {
  /** The five owners of the security council Safe. */
  councilOwners: readonly AddressArgument[];
  /** Signatures the council needs (3 in the design). */
  councilThreshold?: NumberArgument;
  /** Salt of the Safe proxy's CREATE2 address. */
  councilSaltNonce?: NumberArgument;
  /**
   * Genesis recipients other than the treasury (the timelock receives the 40% treasury share).
   * `ecosystemRewards` omitted: the 25% goes to a new EcosystemPool owned by the timelock (returned as
   * `ecosystemPool`; initialize it with deploy/modules/rewards.ts `addRewards`).
   */
  ecosystemRewards?: AddressArgument;
  developmentFund: AddressArgument;
  liquidity: AddressArgument;
  contributors: readonly ContributorVesting[];
  /** Standard timelock delay (2 days in the design). */
  timelockDelay?: NumberArgument;
  /** Timelock delay of Emergency proposals (6 hours by default). */
  emergencyDelay?: NumberArgument;
  /** Counted voting power needed to propose (100 AITBC). */
  proposalThreshold?: NumberArgument;
  /** Quorum in percent of total supply (10). */
  quorumPercent?: NumberArgument;
  /** Proposal bond (1,000 AITBC). */
  proposalBond?: NumberArgument;
  /** Challenge bond (1,000 AITBC). */
  challengeBond?: NumberArgument;
  /**
   * (target, selector) pairs registered in the governor as resource calls (treasury outflows such as
   * a grant contract's `createGrant`): a proposal making only these (and ERC-20 transfers) is derived
   * Resource, not Protocol. The grant contract's `createGrant` and `cancelMilestone` are always registered;
   * these come on top.
   */
  resourceCalls?: readonly { target: AddressArgument; selector: string }[];
}

/** Default parameters (shared/DESIGN.md), in wei and seconds. */
export const OPENCLAW_DEFAULTS = {
  councilThreshold: 3n,
  councilSaltNonce: 0n,
  timelockDelay: 2n * 24n * 3600n,
  emergencyDelay: 6n * 3600n,
  proposalThreshold: 100n * 10n ** 18n,
  quorumPercent: 10n,
  proposalBond: 1_000n * 10n ** 18n,
  challengeBond: 1_000n * 10n ** 18n,
} as const;

/**
 * Selector of OpenZeppelin `VestingWallet.release(address token)`: permissionless (anyone may call it)
 * and it pays only the wallet's fixed beneficiary, so a proposal calling it needs no council. The one
 * kind of call the deployment allowlists (contracts/governance/README.md, "Critical by default").
 */
export const VESTING_RELEASE_SELECTOR = id("release(address)").slice(0, 10);

/**
 * `MilestoneGrants.createGrant(address,(uint128,uint64,bytes32)[])`: registered as a resource call at
 * deployment, so a proposal creating a grant derives the Resource type (contracts/grants/README.md).
 */
export const GRANT_CREATE_SELECTOR = id("createGrant(address,(uint128,uint64,bytes32)[])").slice(0, 10);

/** `MilestoneGrants.cancelMilestone(uint256,uint256)`: a resource call too (it returns escrow to the treasury). */
export const GRANT_CANCEL_SELECTOR = id("cancelMilestone(uint256,uint256)").slice(0, 10);

/** TimelockController role ids. */
export const TIMELOCK_ROLES = {
  DEFAULT_ADMIN_ROLE: ZeroHash,
  PROPOSER_ROLE: id("PROPOSER_ROLE"),
  EXECUTOR_ROLE: id("EXECUTOR_ROLE"),
  CANCELLER_ROLE: id("CANCELLER_ROLE"),
} as const;

/**
 * Adds the whole OpenClaw DAO to an Ignition module: the Safe 1.5 council (singleton, proxy factory,
 * fallback handler, 3-of-5 proxy) and Safe's libraries (MultiSend, MultiSendCallOnly, SignMessageLib,
 * CreateCall, SimulateTxAccessor: what `@safe-global/protocol-kit` needs), the timelock (treasury),
 * the AITBC token minted with the treasury share to the timelock, the governor and its bond escrow,
 * and the milestone grants escrow (funded by the timelock, milestones approved by the council). The timelock's roles go to the governor
 * (proposer, executor, canceller), the council Safe may cancel a queued operation (canceller only),
 * and the deployer's temporary admin role is renounced, so no admin key remains. The governor's
 * allowlist of non-critical calls is `release(address)` of each early-contributor vesting wallet.
 *
 * @param m the module builder; account 0 must be the deploying account
 * @param plan owners, genesis recipients and parameters (defaults: {@link OPENCLAW_DEFAULTS})
 */
export function addOpenClaw(m: IgnitionModuleBuilder, plan: OpenClawPlan) {
  const deployer = m.getAccount(0);

  // Security council: a real Safe 1.5 proxy, 5 owners, threshold 3.
  const safeSingleton = m.contract("Safe", [], { id: "SafeSingleton" });
  const safeProxyFactory = m.contract("SafeProxyFactory", []);
  const fallbackHandler = m.contract("CompatibilityFallbackHandler", []);
  const setupData = m.encodeFunctionCall(
    safeSingleton,
    "setup",
    [
      [...plan.councilOwners],
      plan.councilThreshold ?? OPENCLAW_DEFAULTS.councilThreshold,
      ZeroAddress,
      "0x",
      fallbackHandler,
      ZeroAddress,
      0n,
      ZeroAddress,
    ],
    { id: "CouncilSetupData" },
  );
  const createCouncil = m.call(
    safeProxyFactory,
    "createProxyWithNonce",
    [safeSingleton, setupData, plan.councilSaltNonce ?? OPENCLAW_DEFAULTS.councilSaltNonce],
    { id: "CreateCouncilProxy" },
  );
  const councilAddress = m.readEventArgument(createCouncil, "ProxyCreation", "proxy", {
    id: "CouncilAddress",
  });
  const council = m.contractAt("Safe", councilAddress, { id: "SecurityCouncil" });
  // Safe 1.5's own libraries, so Safe's tools (protocol-kit, the Safe UI) work on this chain as they do
  // on chains Safe deployed to: batching (MultiSend, MultiSendCallOnly), on-chain message signing
  // (SignMessageLib), contract creation (CreateCall) and gas simulation (SimulateTxAccessor).
  const safeLibraries = {
    multiSend: m.contract("MultiSend", []),
    multiSendCallOnly: m.contract("MultiSendCallOnly", []),
    signMessageLib: m.contract("SignMessageLib", []),
    createCall: m.contract("CreateCall", []),
    simulateTxAccessor: m.contract("SimulateTxAccessor", []),
  };

  // Treasury and executor; the deployer is its admin only until the roles are wired below.
  const timelock = m.contract("OpenClawTimelock", [
    plan.timelockDelay ?? OPENCLAW_DEFAULTS.timelockDelay,
    plan.emergencyDelay ?? OPENCLAW_DEFAULTS.emergencyDelay,
    [],
    [],
    deployer,
  ]);

  const ecosystemPool = plan.ecosystemRewards === undefined ? addEcosystemPool(m, { timelock }) : undefined;
  const { token, vestingWallets } = addGenesis(m, {
    communityTreasury: timelock,
    ecosystemRewards: plan.ecosystemRewards ?? ecosystemPool!,
    developmentFund: plan.developmentFund,
    liquidity: plan.liquidity,
    contributors: plan.contributors,
  });

  // Milestone grants: escrowed from the treasury (the timelock), milestones approved by the council.
  // Deployed before the governor so that creating and cancelling a grant are registered resource calls:
  // a grant proposal is then a Resource proposal (critical: the council approves it as well as the vote).
  const milestoneGrants = m.contract("MilestoneGrants", [token, timelock, council]);

  // The governor's proposal-type rules, a linked library (keeps the governor under 24,576 bytes).
  const proposalClassifier = m.library("ProposalClassifier");
  const governor = m.contract(
    "OpenClawGovernor",
    [
      token,
      timelock,
      council,
      plan.proposalThreshold ?? OPENCLAW_DEFAULTS.proposalThreshold,
      plan.quorumPercent ?? OPENCLAW_DEFAULTS.quorumPercent,
      plan.proposalBond ?? OPENCLAW_DEFAULTS.proposalBond,
      plan.challengeBond ?? OPENCLAW_DEFAULTS.challengeBond,
      vestingWallets.map((wallet) => ({ target: wallet, selector: VESTING_RELEASE_SELECTOR })),
      [
        { target: milestoneGrants, selector: GRANT_CREATE_SELECTOR },
        { target: milestoneGrants, selector: GRANT_CANCEL_SELECTOR },
        ...(plan.resourceCalls ?? []),
      ],
    ],
    { libraries: { ProposalClassifier: proposalClassifier } },
  );
  const bondEscrow = m.contractAt(
    "ProposalBondEscrow",
    m.staticCall(governor, "bondEscrow", [], 0, { id: "BondEscrowAddress" }),
    {
      id: "ProposalBondEscrow",
    },
  );

  const grants = [
    m.call(timelock, "grantRole", [TIMELOCK_ROLES.PROPOSER_ROLE, governor], { id: "GrantProposerRole" }),
    m.call(timelock, "grantRole", [TIMELOCK_ROLES.CANCELLER_ROLE, governor], { id: "GrantCancellerRole" }),
    m.call(timelock, "grantRole", [TIMELOCK_ROLES.EXECUTOR_ROLE, governor], { id: "GrantExecutorRole" }),
    // The council's veto of last resort: it can cancel a queued operation, never schedule or execute one.
    m.call(timelock, "grantRole", [TIMELOCK_ROLES.CANCELLER_ROLE, council], {
      id: "GrantCouncilCancellerRole",
    }),
  ];
  m.call(timelock, "renounceRole", [TIMELOCK_ROLES.DEFAULT_ADMIN_ROLE, deployer], {
    id: "RenounceTimelockAdmin",
    after: grants,
  });

  return {
    token,
    timelock,
    governor,
    bondEscrow,
    proposalClassifier,
    council,
    safeSingleton,
    safeProxyFactory,
    fallbackHandler,
    ...(ecosystemPool ? { ecosystemPool } : {}),
    ...safeLibraries,
    milestoneGrants,
    ...Object.fromEntries(vestingWallets.map((wallet, index) => [`earlyContributorVesting${index}`, wallet])),
  };
}

/** Names under which the results of {@link addOpenClaw} are recorded in `deployments/<chainId>.json`. */
export const OPENCLAW_DEPLOYMENT_NAMES: Readonly<Record<string, string>> = {
  token: "AITBCToken",
  timelock: "OpenClawTimelock",
  governor: "OpenClawGovernor",
  bondEscrow: "ProposalBondEscrow",
  proposalClassifier: "ProposalClassifier",
  council: "SecurityCouncil",
  safeSingleton: "SafeSingleton",
  safeProxyFactory: "SafeProxyFactory",
  fallbackHandler: "CompatibilityFallbackHandler",
  ecosystemPool: "EcosystemPool",
  multiSend: "MultiSend",
  multiSendCallOnly: "MultiSendCallOnly",
  signMessageLib: "SignMessageLib",
  createCall: "CreateCall",
  simulateTxAccessor: "SimulateTxAccessor",
  milestoneGrants: "MilestoneGrants",
};

/**
 * Maps the contracts deployed by an OpenClaw module to deployments-file names and addresses
 * (`earlyContributorVesting<i>` becomes `EarlyContributorVesting<i>`, as in the genesis module).
 *
 * @param deployed the result of `ignition.deploy(...)` for a module built with {@link addOpenClaw}
 * @returns name → checksummed address, ready for `writeDeployment`
 */
export async function openClawAddresses(
  deployed: Record<string, { getAddress(): Promise<string> }>,
): Promise<Record<string, string>> {
  const addresses: Record<string, string> = {};
  for (const [key, contract] of Object.entries(deployed)) {
    const name =
      OPENCLAW_DEPLOYMENT_NAMES[key] ?? key.replace(/^earlyContributorVesting/, "EarlyContributorVesting");
    addresses[name] = await contract.getAddress();
  }
  return addresses;
}

/** A stand-alone Ignition module for {@link addOpenClaw} with a fixed plan (used by tests and the demo). */
export function buildOpenClawModule(plan: OpenClawPlan, moduleId = "OpenClawDAO") {
  return buildModule(moduleId, (m) => addOpenClaw(m, plan));
}

/**
 * An address module parameter whose default is Hardhat account `accountIndex`. Ignition resolves
 * such a parameter to an address at run time; its static type is widened to an address argument.
 */
function addressParameter(m: IgnitionModuleBuilder, name: string, accountIndex: number): AddressArgument {
  return m.getParameter(name, m.getAccount(accountIndex)) as unknown as ModuleParameterRuntimeValue<string>;
}

/**
 * Vesting of the single early-contributor beneficiary of a parameterised deployment (the default
 * module below, and scripts/deploy.ts with AITBC_DEPLOY_PARAMETERS): the whole 10% share
 * (100,000,000 AITBC, in wei), vesting linearly over 4 years (seconds) from 2027-01-01T00:00:00Z.
 */
export const OPENCLAW_CONTRIBUTOR_SCHEDULE = {
  amount: 100_000_000n * 10n ** 18n,
  start: 1_798_761_600n, // 2027-01-01T00:00:00Z
  durationSeconds: 4n * 365n * 24n * 3600n,
} as const;

/**
 * The module for `hardhat ignition deploy` and scripts/deploy-openclaw.ts on any network: every
 * address and number is a module parameter (see deploy/parameters/*.json), defaulting to the
 * Hardhat accounts 1–5 as council owners and account 0 for the other genesis shares.
 */
export default buildModule("OpenClawDAO", (m) =>
  addOpenClaw(m, {
    councilOwners: [1, 2, 3, 4, 5].map((index) => addressParameter(m, `councilOwner${index}`, index)),
    councilThreshold: m.getParameter("councilThreshold", OPENCLAW_DEFAULTS.councilThreshold),
    councilSaltNonce: m.getParameter("councilSaltNonce", OPENCLAW_DEFAULTS.councilSaltNonce),
    ecosystemRewards: addressParameter(m, "ecosystemRewards", 0),
    developmentFund: addressParameter(m, "developmentFund", 0),
    liquidity: addressParameter(m, "liquidity", 0),
    contributors: [
      { beneficiary: addressParameter(m, "contributorBeneficiary", 0), ...OPENCLAW_CONTRIBUTOR_SCHEDULE },
    ],
    timelockDelay: m.getParameter("timelockDelay", OPENCLAW_DEFAULTS.timelockDelay),
    emergencyDelay: m.getParameter("emergencyDelay", OPENCLAW_DEFAULTS.emergencyDelay),
    proposalThreshold: m.getParameter("proposalThreshold", OPENCLAW_DEFAULTS.proposalThreshold),
    quorumPercent: m.getParameter("quorumPercent", OPENCLAW_DEFAULTS.quorumPercent),
    proposalBond: m.getParameter("proposalBond", OPENCLAW_DEFAULTS.proposalBond),
    challengeBond: m.getParameter("challengeBond", OPENCLAW_DEFAULTS.challengeBond),
  }),
);
