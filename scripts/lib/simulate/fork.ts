/**
 * `--fork <rpc-url>`: what a pending proposal would change, shown before anyone votes. The live chain is
 * forked with Hardhat 3's forking (an in-process EDR chain that reads the live state over JSON-RPC and
 * never writes to it); the proposal is found in the governor's `ProposalCreated` logs; its actions run on
 * the fork as the timelock runs them (the timelock impersonated with `hardhat_impersonateAccount`, the
 * actions in order, all or nothing); the result names every balance, parameter and event that moved.
 */
import { network } from "hardhat";
import {
  createPublicClient,
  custom,
  decodeEventLog,
  decodeFunctionData,
  encodeAbiParameters,
  formatEther,
  getAddress,
  http,
  isAddress,
  keccak256,
  numberToHex,
  type Abi,
  type Address,
  type EIP1193Provider,
  type Hex,
  type Log,
  type PublicClient,
} from "viem";

import {
  agentIdentityRegistryAbi,
  agentWalletFactoryAbi,
  aitbcTokenAbi,
  AitbcError,
  batchEscrowAbi,
  decodeRevertData,
  DeploymentNotFoundError,
  ecosystemPoolAbi,
  getDeployment,
  gpuStakingAbi,
  jobEscrowAbi,
  marketPolicyAbi,
  milestoneGrantsAbi,
  openClawGovernorAbi,
  openClawTimelockAbi,
  participationRewardsAbi,
  proposalBondEscrowAbi,
  proposalRewardsAbi,
  reputationRegistryAbi,
  safeAbi,
  serviceRegistryAbi,
  type AitbcContracts,
  PROPOSAL_STATES,
} from "@aitbc/sdk";

/** What to fork and which proposal to run. */
export interface ForkOptions {
  /** JSON-RPC URL of the live chain (http or https). */
  rpcUrl: string;
  /**
   * The proposal to run, in any state (its live state is reported); default: the latest proposal that is
   * Pending, Active, Succeeded or Queued at the forked block.
   */
  proposalId?: bigint;
  /** Block of the live chain to fork at; default: its latest block. */
  blockNumber?: bigint;
  /** Directory holding `deployments/<chainId>.json`; default: the SDK's search path (see `getDeployment`). */
  deploymentsDir?: string;
}

/** A JSON value: bigints become decimal strings, so a {@link ForkResult} is `JSON.stringify`-safe. */
export type ForkJson = string | number | boolean | null | ForkJson[] | { [key: string]: ForkJson };

/** One action of the proposal, decoded where the target's ABI is known (the SDK's ABIs). */
export interface ForkAction {
  /** Position in the proposal, 0-based. */
  index: number;
  target: Address;
  /** The target's name in the deployments file, if it is a protocol contract. */
  targetName?: string;
  /** Wei of ether sent with the call, decimal string. */
  value: string;
  calldata: Hex;
  /** The decoded function, e.g. `transfer`; absent when no known ABI matches (or for a plain ether transfer). */
  functionName?: string;
  /** The decoded arguments, JSON-safe. */
  args?: ForkJson[];
}

/** How one action went on the fork. */
export interface ForkActionOutcome {
  index: number;
  /** True when the call succeeded. Later actions are not run once one fails (the timelock's batch is atomic). */
  success: boolean;
  /** Gas the call used, decimal string (successful calls only). */
  gasUsed?: string;
  /** The revert, decoded with the protocol's custom errors (`Error`/`Panic` for the built-in ones). */
  revert?: ForkRevert;
}

/** A decoded revert. */
export interface ForkRevert {
  /** The custom error, e.g. `GovernanceThresholdOutOfBounds`; absent when the data matches no known error. */
  errorName?: string;
  args: ForkJson[];
  /** The raw revert data, if the node returned any. */
  data?: Hex;
  /** One line: the error with its arguments, or the node's message. */
  message: string;
}

/** AITBC and ether balance of one address before and after the execution, wei as decimal strings. */
export interface ForkBalanceChange {
  address: Address;
  /** Its name in the deployments file, if any. */
  name?: string;
  aitbc: { before: string; after: string; delta: string };
  ether: { before: string; after: string; delta: string };
}

/** A governed parameter read through a contract's view before and after the execution. */
export interface ForkParameter {
  /** Deployments-file name of the contract, e.g. `OpenClawGovernor`. */
  contract: string;
  /** The view, e.g. `proposalThreshold`. */
  name: string;
  before: string;
  after: string;
  changed: boolean;
}

/** An event the execution emitted, decoded where the emitter's ABI is known. */
export interface ForkEvent {
  /** Which action emitted it (0-based). */
  action: number;
  address: Address;
  contract?: string;
  eventName?: string;
  args?: { [name: string]: ForkJson };
  /** Raw topics and data when the event could not be decoded. */
  topics?: Hex[];
  data?: Hex;
}

/** The result of {@link runFork}: JSON-safe (bigints as decimal strings). */
export interface ForkResult {
  /** Chain id of the live chain (the deployments file used is `<chainId>.json`). */
  chainId: number;
  /** Block of the live chain the fork started from, decimal string. */
  blockNumber: string;
  /** Decimal string. */
  proposalId: string;
  proposer: Address;
  description: string;
  /** OpenZeppelin's proposal state on the live chain at that block (`Pending`, `Active`, ...). */
  state: string;
  /** True when the council must approve it before it can be queued (IOpenClawGovernor.ProposalExtras.critical). */
  critical: boolean;
  actions: ForkAction[];
  /** True when every action succeeded. */
  executes: boolean;
  outcomes: ForkActionOutcome[];
  /** Addresses whose AITBC or ether balance changed (none when the execution reverts: it is atomic). */
  balanceChanges: ForkBalanceChange[];
  /** The governed parameters (governor, timelock, bond escrow, token), before and after. */
  parameters: ForkParameter[];
  events: ForkEvent[];
}

/** Base of the fork run's errors: one readable line in `shortMessage` (and `message`). */
export class ForkError extends AitbcError {
  override name = "ForkError";
}

/** The RPC URL is malformed or the chain behind it does not answer. */
export class ForkRpcError extends ForkError {
  override name = "ForkRpcError";
}

/** There is no deployments file for the live chain, or it lacks the governor or the timelock, or they have no code. */
export class ForkDeploymentNotFoundError extends ForkError {
  override name = "ForkDeploymentNotFoundError";
}

/** The governor has no such proposal (or, without an id, no pending one) up to the forked block. */
export class ForkProposalNotFoundError extends ForkError {
  override name = "ForkProposalNotFoundError";
}

/** States in which a proposal may still be executed: Pending, Active, Succeeded, Queued. */
const PENDING_STATES = new Set([0, 1, 4, 5]);

/** The SDK's ABI of each deployments-file name. */
const ABIS: Record<string, Abi> = {
  AITBCToken: aitbcTokenAbi,
  OpenClawGovernor: openClawGovernorAbi,
  OpenClawTimelock: openClawTimelockAbi,
  ProposalBondEscrow: proposalBondEscrowAbi,
  SecurityCouncil: safeAbi,
  MilestoneGrants: milestoneGrantsAbi,
  GPUStaking: gpuStakingAbi,
  ServiceRegistry: serviceRegistryAbi,
  AgentIdentityRegistry: agentIdentityRegistryAbi,
  ReputationRegistry: reputationRegistryAbi,
  JobEscrow: jobEscrowAbi,
  BatchEscrow: batchEscrowAbi,
  MarketPolicy: marketPolicyAbi,
  AgentWalletFactory: agentWalletFactoryAbi,
  EcosystemPool: ecosystemPoolAbi,
  ParticipationRewards: participationRewardsAbi,
  ProposalRewards: proposalRewardsAbi,
};

/** The governed parameters read before and after: deployments-file name → argument-free views. */
const GOVERNED_VIEWS: Record<string, readonly string[]> = {
  OpenClawGovernor: [
    "proposalThreshold",
    "quorumNumerator",
    "council",
    "timelock",
    "votingPeriod",
    "VOTING_PERIOD",
    "EMERGENCY_VOTING_PERIOD",
  ],
  OpenClawTimelock: ["getMinDelay", "emergencyDelay"],
  ProposalBondEscrow: ["proposalBond", "challengeBond"],
  AITBCToken: ["VOTING_POWER_CAP_BPS", "SHORT_AVERAGE_WINDOW", "MAX_AVERAGE_WINDOW"],
};

/**
 * Storage slots of OpenZeppelin 5 `Governor._governanceCall` (a `DoubleEndedQueue.Bytes32Deque`): slot 5
 * holds `_begin` (low 128 bits) and `_end` (high 128 bits), slot 6 is the `_data` mapping. Before them:
 * EIP712's two fallback strings (0, 1), Nonces' mapping (2), Governor's `_name` (3) and `_proposals` (4).
 * `Governor.execute` pushes `keccak256(calldata)` of every action that targets the governor itself, and
 * `onlyGovernance` pops it; the fork does the same push, so a governor setter runs as in a real execution.
 */
const GOVERNANCE_CALL_SLOT = 5n;
const GOVERNANCE_CALL_DATA_SLOT = 6n;

/**
 * Forks the live chain at `rpcUrl`, finds the proposal and runs its actions as the timelock would.
 * The live chain is only read.
 *
 * @param options the URL, the proposal id (default: the latest pending one), the block, the deployments directory
 * @returns the decoded actions, whether they execute, balance and parameter changes and the events (JSON-safe)
 * @throws {ForkRpcError} the URL is not http(s) or the chain does not answer
 * @throws {ForkDeploymentNotFoundError} no deployments file for the chain id, or no governor/timelock code there
 * @throws {ForkProposalNotFoundError} no such proposal (or no pending one) up to the block
 * @example
 * const result = await runFork({ rpcUrl: "http://127.0.0.1:8545" });
 * console.log(formatFork(result));
 */
export async function runFork(options: ForkOptions): Promise<ForkResult> {
  const live = liveClient(options.rpcUrl);
  const chainId = await live.getChainId().catch((error: unknown) => {
    throw new ForkRpcError(`cannot reach ${options.rpcUrl}: ${firstLine(error)}`);
  });
  const contracts = deploymentOf(chainId, options.deploymentsDir);
  const governor = contracts.OpenClawGovernor!;
  const timelock = contracts.OpenClawTimelock!;
  const blockNumber = options.blockNumber ?? (await live.getBlockNumber());
  for (const [name, address] of [
    ["OpenClawGovernor", governor],
    ["OpenClawTimelock", timelock],
  ] as const) {
    const code = await live.getCode({ address, blockNumber });
    if (code === undefined || code === "0x") {
      throw new ForkDeploymentNotFoundError(
        `chain ${chainId} has no ${name} at ${address} (block ${blockNumber}): the deployments file does not match the chain`,
      );
    }
  }
  const proposal = await findProposal(live, governor, blockNumber, options.proposalId, chainId);
  const names = new Map(Object.entries(contracts).map(([name, address]) => [address!.toLowerCase(), name]));
  const actions = proposal.targets.map((target, index) =>
    decodeAction(index, target, proposal.values[index]!, proposal.calldatas[index]!, names),
  );

  const connection = await network.create({
    override: { forking: { enabled: true, url: options.rpcUrl, blockNumber } },
  });
  try {
    const provider = connection.provider as unknown as EIP1193Provider;
    const fork = createPublicClient({ transport: custom(provider, { retryCount: 0 }) });
    const request = (method: string, params: unknown[]) =>
      provider.request({ method, params } as never) as Promise<unknown>;
    const token = contracts.AITBCToken;
    // One local block on top of the fork block: every read and call then runs on the fork's own state
    // (the same as the fork block's), which needs no hardfork history of the live chain (EDR knows it only
    // for the chains it ships with, not for a chain id like 31337).
    await request("hardhat_mine", ["0x1"]);

    const parametersBefore = await readParameters(fork, contracts);
    const snapshot = (await request("evm_snapshot", [])) as Hex;
    await request("hardhat_impersonateAccount", [timelock]);
    const { outcomes, logs } = await execute(fork, request, governor, timelock, actions);
    const executes = outcomes.length === actions.length && outcomes.every((outcome) => outcome.success);
    if (!executes) {
      // The timelock's batch is atomic: a failed action undoes the ones before it.
      await request("evm_revert", [snapshot]);
    }
    const parametersAfter = await readParameters(fork, contracts);
    // A reverted batch emits nothing.
    const events = executes ? logs.map(({ action, log }) => decodeEvent(action, log, names)) : [];
    const touched = touchedAddresses(timelock, actions, events);
    const after = await readBalances(fork, token, touched);
    if (executes) await request("evm_revert", [snapshot]);
    const before = executes ? await readBalances(fork, token, touched) : after;

    return {
      chainId,
      blockNumber: blockNumber.toString(),
      proposalId: proposal.id.toString(),
      proposer: proposal.proposer,
      description: proposal.description,
      state: PROPOSAL_STATES[proposal.state] ?? String(proposal.state),
      critical: proposal.critical,
      actions,
      executes,
      outcomes,
      balanceChanges: balanceChanges(touched, before, after, names),
      parameters: parametersBefore.map((parameter, index) => {
        const later = parametersAfter[index]!.value;
        return {
          contract: parameter.contract,
          name: parameter.name,
          before: parameter.value,
          after: later,
          changed: later !== parameter.value,
        };
      }),
      events,
    };
  } finally {
    await connection.close();
  }
}

/**
 * A readable report of a {@link ForkResult}: the proposal, its actions and their outcome, then tables of
 * balance changes (AITBC and ether, in whole units), parameters (changed ones marked `*`) and events.
 *
 * @param result the result of {@link runFork}
 * @returns lines of text, no trailing newline
 */
export function formatFork(result: ForkResult): string {
  const lines = [
    `Proposal ${result.proposalId} on chain ${result.chainId}, forked at block ${result.blockNumber}`,
    `  description: ${result.description}`,
    `  proposer: ${result.proposer}; state: ${result.state}; critical: ${result.critical ? "yes (council approval)" : "no"}`,
    `  executes: ${result.executes ? "yes" : "NO"}`,
    "",
    "Actions",
  ];
  lines.push(
    ...table(
      ["#", "target", "call", "ether", "result"],
      result.actions.map((action) => {
        const outcome = result.outcomes.find((o) => o.index === action.index);
        const call =
          action.functionName === undefined
            ? action.calldata === "0x"
              ? "(ether transfer)"
              : `${action.calldata.slice(0, 10)}… (unknown ABI)`
            : `${action.functionName}(${(action.args ?? []).map(formatJson).join(", ")})`;
        const status =
          outcome === undefined ? "not run" : outcome.success ? `ok, ${outcome.gasUsed} gas` : `reverts: ${outcome.revert!.message}`; // prettier-ignore
        return [
          String(action.index),
          action.targetName ?? action.target,
          call,
          formatEther(BigInt(action.value)),
          status,
        ];
      }),
    ),
  );
  lines.push("", "Balance changes");
  lines.push(
    ...(result.balanceChanges.length === 0
      ? ["  (none)"]
      : table(
          ["address", "AITBC before", "AITBC change", "ether change"],
          result.balanceChanges.map((change) => [
            change.name === undefined ? change.address : `${change.name} ${change.address}`,
            formatEther(BigInt(change.aitbc.before)),
            signed(BigInt(change.aitbc.delta)),
            signed(BigInt(change.ether.delta)),
          ]),
        )),
  );
  lines.push("", "Parameters (* changed)");
  lines.push(
    ...table(
      ["", "parameter", "before", "after"],
      result.parameters.map((p) => [p.changed ? "*" : "", `${p.contract}.${p.name}`, p.before, p.after]),
    ),
  );
  lines.push("", "Events");
  lines.push(
    ...(result.events.length === 0
      ? ["  (none)"]
      : result.events.map(
          (event) =>
            `  [${event.action}] ${event.contract ?? event.address}.${event.eventName ?? "(unknown event)"}` +
            (event.args === undefined ? "" : ` ${formatJson(event.args)}`),
        )),
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------- internals

/** A viem client on the live chain; refuses a URL that is not http(s). */
function liveClient(rpcUrl: string): PublicClient {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new ForkRpcError(`not a URL: ${JSON.stringify(rpcUrl)} (expected http:// or https://)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ForkRpcError(
      `unsupported URL scheme ${url.protocol} in ${rpcUrl} (expected http:// or https://)`,
    );
  }
  return createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 15_000 }) });
}

/** The deployment of `chainId`, with the governor and the timelock. */
function deploymentOf(chainId: number, dir: string | undefined): AitbcContracts {
  let contracts: AitbcContracts;
  try {
    contracts = getDeployment(chainId, dir === undefined ? {} : { dir }).contracts;
  } catch (error) {
    if (error instanceof DeploymentNotFoundError) {
      throw new ForkDeploymentNotFoundError(
        `no AITBC deployment is known for chain ${chainId} (no ${chainId}.json in ${dir ?? "the SDK's deployments directories"})`,
      );
    }
    throw error;
  }
  for (const name of ["OpenClawGovernor", "OpenClawTimelock"]) {
    if (contracts[name] === undefined) {
      throw new ForkDeploymentNotFoundError(`the deployment of chain ${chainId} has no ${name}`);
    }
  }
  return contracts;
}

interface FoundProposal {
  id: bigint;
  proposer: Address;
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
  state: number;
  critical: boolean;
}

/** The proposal `id` (or the latest pending one) from the governor's `ProposalCreated` logs up to `blockNumber`. */
async function findProposal(
  live: PublicClient,
  governor: Address,
  blockNumber: bigint,
  id: bigint | undefined,
  chainId: number,
): Promise<FoundProposal> {
  const created = await live.getContractEvents({
    address: governor,
    abi: openClawGovernorAbi,
    eventName: "ProposalCreated",
    fromBlock: 0n,
    toBlock: blockNumber,
  });
  const stateOf = async (proposalId: bigint) =>
    Number(
      await live.readContract({
        address: governor,
        abi: openClawGovernorAbi,
        functionName: "state",
        args: [proposalId],
        blockNumber,
      }),
    );
  let chosen: (typeof created)[number] | undefined;
  let state = 0;
  if (id !== undefined) {
    chosen = created.find((log) => log.args.proposalId === id);
    if (chosen === undefined) {
      throw new ForkProposalNotFoundError(
        `proposal ${id} not found: the governor ${governor} on chain ${chainId} has no ProposalCreated with that id up to block ${blockNumber}`,
      );
    }
    state = await stateOf(id);
  } else {
    for (const log of [...created].reverse()) {
      const s = await stateOf(log.args.proposalId!);
      if (PENDING_STATES.has(s)) {
        chosen = log;
        state = s;
        break;
      }
    }
    if (chosen === undefined) {
      throw new ForkProposalNotFoundError(
        `no pending proposal: the governor ${governor} on chain ${chainId} has ${created.length} proposal(s) up to block ${blockNumber}, none pending, active, succeeded or queued`,
      );
    }
  }
  const args = chosen.args;
  const extras = await live.readContract({
    address: governor,
    abi: openClawGovernorAbi,
    functionName: "proposalExtras",
    args: [args.proposalId!],
    blockNumber,
  });
  return {
    id: args.proposalId!,
    proposer: args.proposer!,
    targets: args.targets!,
    values: args.values!,
    calldatas: args.calldatas!,
    description: args.description!,
    state,
    critical: extras.critical,
  };
}

/** Decodes one action with its target's ABI (by deployments name), else with any SDK ABI that matches. */
function decodeAction(
  index: number,
  target: Address,
  value: bigint,
  calldata: Hex,
  names: Map<string, string>,
) {
  const targetName = names.get(target.toLowerCase());
  const action: ForkAction = { index, target: getAddress(target), value: value.toString(), calldata };
  if (targetName !== undefined) action.targetName = targetName;
  if (calldata.length < 10) return action;
  const candidates = [ABIS[targetName ?? ""], ...Object.values(ABIS)].filter(
    (abi): abi is Abi => abi !== undefined,
  );
  for (const abi of candidates) {
    try {
      const decoded = decodeFunctionData({ abi, data: calldata });
      action.functionName = decoded.functionName;
      action.args = (decoded.args ?? []).map(toJson);
      return action;
    } catch {
      // Not this ABI: try the next.
    }
  }
  return action;
}

type Request = (method: string, params: unknown[]) => Promise<unknown>;

/**
 * Runs the actions in order from the impersonated timelock, with a zero base fee and gas price (so no
 * ether moves for gas). Each call is simulated first (to get its revert data); the first failure stops the run.
 */
async function execute(
  fork: PublicClient,
  request: Request,
  governor: Address,
  timelock: Address,
  actions: readonly ForkAction[],
) {
  const outcomes: ForkActionOutcome[] = [];
  const logs: { action: number; log: Log }[] = [];
  for (const action of actions) {
    const value = BigInt(action.value);
    if (action.target.toLowerCase() === governor.toLowerCase()) {
      await pushGovernanceCall(fork, request, governor, action.calldata);
    }
    try {
      await fork.call({ account: timelock, to: action.target, data: action.calldata, value, gasPrice: 0n });
    } catch (error) {
      outcomes.push({ index: action.index, success: false, revert: revertOf(error) });
      break;
    }
    await request("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
    const hash = (await request("eth_sendTransaction", [
      {
        from: timelock,
        to: action.target,
        data: action.calldata,
        value: numberToHex(value),
        gasPrice: "0x0",
      },
    ])) as Hex;
    const receipt = await fork.getTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      outcomes.push({ index: action.index, success: false, revert: { args: [], message: "reverted" } });
      break;
    }
    outcomes.push({ index: action.index, success: true, gasUsed: receipt.gasUsed.toString() });
    for (const log of receipt.logs) logs.push({ action: action.index, log });
  }
  return { outcomes, logs };
}

/** Pushes `keccak256(calldata)` onto the governor's `_governanceCall` queue, as `Governor.execute` does. */
async function pushGovernanceCall(fork: PublicClient, request: Request, governor: Address, calldata: Hex) {
  const packed = BigInt(
    (await fork.getStorageAt({ address: governor, slot: slotHex(GOVERNANCE_CALL_SLOT) })) ?? "0x0",
  );
  const begin = packed & ((1n << 128n) - 1n);
  const end = packed >> 128n;
  const dataSlot = BigInt(
    keccak256(
      encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [end, GOVERNANCE_CALL_DATA_SLOT]),
    ),
  );
  await request("hardhat_setStorageAt", [governor, slotHex(dataSlot), keccak256(calldata)]);
  await request("hardhat_setStorageAt", [governor, slotHex(GOVERNANCE_CALL_SLOT), slotHex(((end + 1n) << 128n) | begin)]); // prettier-ignore
}

/** A 32-byte hex word. */
function slotHex(value: bigint): Hex {
  return numberToHex(value, { size: 32 });
}

/** The revert data somewhere in a viem error's cause chain, decoded with the protocol's errors. */
function revertOf(error: unknown): ForkRevert {
  let data: Hex | undefined;
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    const candidate = (e as { data?: unknown }).data;
    if (typeof candidate === "string" && /^0x[0-9a-fA-F]*$/.test(candidate) && candidate.length >= 10) {
      data = candidate as Hex;
      break;
    }
    if (typeof candidate === "object" && candidate !== null) {
      const nested = (candidate as { data?: unknown }).data;
      if (typeof nested === "string" && /^0x[0-9a-fA-F]*$/.test(nested) && nested.length >= 10) {
        data = nested as Hex;
        break;
      }
    }
  }
  const decoded = data === undefined ? undefined : decodeRevertData(data);
  if (decoded === undefined) return { args: [], ...(data ? { data } : {}), message: firstLine(error) };
  const args = decoded.args.map(toJson);
  return {
    errorName: decoded.errorName,
    args,
    data: data!,
    message: `${decoded.errorName}(${args.map(formatJson).join(", ")})`,
  };
}

/** Decodes one log with its emitter's ABI, else with any SDK ABI that matches, else keeps it raw. */
function decodeEvent(action: number, log: Log, names: Map<string, string>): ForkEvent {
  const contract = names.get(log.address.toLowerCase());
  const event: ForkEvent = { action, address: getAddress(log.address) };
  if (contract !== undefined) event.contract = contract;
  const candidates = [ABIS[contract ?? ""], ...Object.values(ABIS)].filter(
    (abi): abi is Abi => abi !== undefined,
  );
  for (const abi of candidates) {
    try {
      const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      event.eventName = decoded.eventName;
      const args = decoded.args as unknown;
      event.args = Array.isArray(args)
        ? Object.fromEntries(args.map((value, index) => [String(index), toJson(value)]))
        : Object.fromEntries(
            Object.entries((args ?? {}) as Record<string, unknown>).map(([k, v]) => [k, toJson(v)]),
          );
      return event;
    } catch {
      // Not this ABI: try the next.
    }
  }
  event.topics = [...log.topics];
  event.data = log.data;
  return event;
}

/**
 * Every address the execution touched, as far as the calls and events show: the timelock, each target,
 * every address argument of the actions and every address in the emitted events.
 */
function touchedAddresses(timelock: Address, actions: readonly ForkAction[], events: readonly ForkEvent[]) {
  const seen = new Map<string, Address>();
  const add = (value: unknown) => {
    if (typeof value === "string" && isAddress(value, { strict: false }))
      seen.set(value.toLowerCase(), getAddress(value)); // prettier-ignore
    else if (Array.isArray(value)) value.forEach(add);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(add);
  };
  add(timelock);
  for (const action of actions) {
    add(action.target);
    add(action.args ?? []);
  }
  for (const event of events) {
    add(event.address);
    add(event.args ?? {});
  }
  seen.delete("0x0000000000000000000000000000000000000000");
  return [...seen.values()];
}

async function readBalances(fork: PublicClient, token: Address | undefined, addresses: readonly Address[]) {
  const balances = new Map<string, { aitbc: bigint; ether: bigint }>();
  for (const address of addresses) {
    const ether = await fork.getBalance({ address });
    const aitbc =
      token === undefined
        ? 0n
        : await fork.readContract({
            address: token,
            abi: aitbcTokenAbi,
            functionName: "balanceOf",
            args: [address],
          });
    balances.set(address, { aitbc, ether });
  }
  return balances;
}

function balanceChanges(
  addresses: readonly Address[],
  before: Map<string, { aitbc: bigint; ether: bigint }>,
  after: Map<string, { aitbc: bigint; ether: bigint }>,
  names: Map<string, string>,
): ForkBalanceChange[] {
  const changes: ForkBalanceChange[] = [];
  for (const address of addresses) {
    const b = before.get(address)!;
    const a = after.get(address)!;
    if (a.aitbc === b.aitbc && a.ether === b.ether) continue;
    const change: ForkBalanceChange = {
      address,
      aitbc: { before: b.aitbc.toString(), after: a.aitbc.toString(), delta: (a.aitbc - b.aitbc).toString() },
      ether: { before: b.ether.toString(), after: a.ether.toString(), delta: (a.ether - b.ether).toString() },
    };
    const name = names.get(address.toLowerCase());
    if (name !== undefined) change.name = name;
    changes.push(change);
  }
  return changes;
}

/** Reads every governed view of the contracts the deployment names (views a contract lacks are left out). */
async function readParameters(fork: PublicClient, contracts: AitbcContracts) {
  const values: { contract: string; name: string; value: string }[] = [];
  for (const [contract, views] of Object.entries(GOVERNED_VIEWS)) {
    const address = contracts[contract];
    if (address === undefined) continue;
    for (const name of views) {
      try {
        const value = await fork.readContract({
          address,
          abi: ABIS[contract]!,
          functionName: name,
          args: [],
        });
        values.push({ contract, name, value: String(value) });
      } catch {
        values.push({ contract, name, value: "(unreadable)" });
      }
    }
  }
  return values;
}

/** A JSON-safe copy: bigints as decimal strings, arrays and objects recursively. */
function toJson(value: unknown): ForkJson {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) return value; // prettier-ignore
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object" && value !== undefined) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJson(v)]),
    );
  }
  return String(value);
}

function formatJson(value: ForkJson): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Wei as whole units with a sign, e.g. `+1000.0` or `-0.5`. */
function signed(wei: bigint): string {
  return wei === 0n ? "0" : (wei > 0n ? "+" : "-") + formatEther(wei < 0n ? -wei : wei);
}

/** Left-aligned columns, two spaces apart, with a header and a rule. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) => "  " + cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd(); // prettier-ignore
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)];
}

/** The first line of an error's message (viem's messages run over several). */
function firstLine(error: unknown): string {
  const message =
    error instanceof AitbcError
      ? error.shortMessage
      : ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message ?? String(error));
  return message.split("\n")[0]!.trim();
}
