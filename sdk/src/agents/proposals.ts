/**
 * What an autonomous voter reads about proposals: the open ones (from the governor's
 * `ProposalCreated` and `ProposalTyped` events and its `state`), and a {@link ProposalSummary} of each
 * decoded from its calldata — the features the voting strategies score — so an agent judges what a
 * proposal does, not what its description says it does.
 *
 * Decoded calls (anything else is listed in `unrecognized` and not scored):
 *
 * | call | feature |
 * |---|---|
 * | `AITBCToken.transfer(to, amount)` (executed by the timelock: a treasury outflow) | `treasuryAmount` += amount |
 * | `GPUStaking.setRewardRate` / `setMinStake` / `setUnbondingPeriod` | `rewardRate` / `minStake` / `unbondingPeriod`, increase or decrease against the current value |
 * | `MarketPolicy.setProtocolFeeBps` / `setDisputeBond` / `setChallengeWindow` | `protocolFeeBps` / `disputeBond` / `challengeWindow`, likewise |
 *
 * A setter to the value already in force changes nothing and is not scored.
 */
import { decodeFunctionData, type Abi, type Address, type Hex } from "viem";
import { getContractEvents } from "viem/actions";

import { aitbcTokenAbi } from "../abis/aitbcToken.js";
import { gpuStakingAbi } from "../abis/gpuStaking.js";
import { marketPolicyAbi } from "../abis/marketPolicy.js";
import { openClawGovernorAbi } from "../abis/openClawGovernor.js";
import { getProposalState, type ProposalActions, type ProposalStateName } from "../actions/governance.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import type { GovernedParameter, ProposalSummary } from "./strategies.js";

const PROPOSAL_TYPES = ["Protocol", "Resource", "Community", "Emergency"] as const;

/** The governed setters the summary decodes: contract, setter, the getter of the value in force. */
const SETTERS: readonly {
  contract: "GPUStaking" | "MarketPolicy";
  setter: string;
  getter: string;
  parameter: GovernedParameter;
}[] = [
  { contract: "GPUStaking", setter: "setRewardRate", getter: "rewardRate", parameter: "rewardRate" },
  { contract: "GPUStaking", setter: "setMinStake", getter: "minStake", parameter: "minStake" },
  { contract: "GPUStaking", setter: "setUnbondingPeriod", getter: "unbondingPeriod", parameter: "unbondingPeriod" }, // prettier-ignore
  { contract: "MarketPolicy", setter: "setProtocolFeeBps", getter: "protocolFeeBps", parameter: "protocolFeeBps" }, // prettier-ignore
  { contract: "MarketPolicy", setter: "setDisputeBond", getter: "disputeBond", parameter: "disputeBond" },
  { contract: "MarketPolicy", setter: "setChallengeWindow", getter: "challengeWindow", parameter: "challengeWindow" }, // prettier-ignore
];

/** A proposal as the governor announced it, with its type. */
export interface OpenProposal extends ProposalActions {
  /** The `proposalId` (the governor's hash of the actions). */
  proposalId: bigint;
  /** Who proposed it. */
  proposer: Address;
  /** Protocol, Resource, Community or Emergency (from `ProposalTyped`). */
  proposalType: ProposalSummary["proposalType"];
  /** Whether it needs the council's approval as well as the vote. */
  critical: boolean;
  /** Its state when read. */
  state: ProposalStateName;
  /** The block of its `ProposalCreated` event. */
  blockNumber: bigint;
}

/** Parameters of {@link getOpenProposals}. */
export interface GetOpenProposalsParameters {
  /** Needs `OpenClawGovernor`. */
  contracts: AitbcContracts;
  /** First block searched (default 0). */
  fromBlock?: bigint;
  /** Which states count as open (default: `["Pending", "Active"]`: challenge period and voting). */
  states?: readonly ProposalStateName[];
}

/**
 * Lists the governor's proposals that are still open, oldest first.
 *
 * @param client A viem client.
 * @param parameters See {@link GetOpenProposalsParameters}.
 * @returns The open proposals with their actions, type and state.
 * @throws {ContractRevertError} or {RpcRequestError} from the reads.
 * @example
 * ```ts
 * const open = await getOpenProposals(publicClient, { contracts, states: ["Active"] });
 * ```
 */
export async function getOpenProposals(
  client: AitbcReadClient,
  parameters: GetOpenProposalsParameters,
): Promise<OpenProposal[]> {
  const address = contractAddress(parameters.contracts, "OpenClawGovernor");
  const fromBlock = parameters.fromBlock ?? 0n;
  const states = parameters.states ?? ["Pending", "Active"];
  const [created, typed] = await Promise.all([
    getContractEvents(client, { address, abi: openClawGovernorAbi, eventName: "ProposalCreated", fromBlock }),
    getContractEvents(client, { address, abi: openClawGovernorAbi, eventName: "ProposalTyped", fromBlock }),
  ]);
  const types = new Map(typed.map((log) => [log.args.proposalId!, log.args]));
  const open: OpenProposal[] = [];
  for (const log of created) {
    const args = log.args;
    const extra = types.get(args.proposalId!);
    if (extra === undefined) continue;
    const state = await getProposalState(client, {
      contracts: parameters.contracts,
      proposalId: args.proposalId!,
    });
    if (!states.includes(state)) continue;
    open.push({
      proposalId: args.proposalId!,
      proposer: args.proposer!,
      targets: [...args.targets!],
      values: [...args.values!],
      calldatas: [...args.calldatas!],
      description: args.description!,
      proposalType: PROPOSAL_TYPES[extra.proposalType!]!,
      critical: extra.critical!,
      state,
      blockNumber: log.blockNumber,
    });
  }
  return open;
}

/** Parameters of {@link summarizeProposal}. */
export interface SummarizeProposalParameters extends ProposalActions {
  /** Needs `AITBCToken`; `GPUStaking` and `MarketPolicy` to decode their setters. */
  contracts: AitbcContracts;
  /** The proposal's type. */
  proposalType: ProposalSummary["proposalType"];
}

/** Result of {@link summarizeProposal}. */
export interface SummarizeProposalReturnType extends ProposalSummary {
  /** One line per call the summary could not read (target, 4-byte selector), not scored. */
  unrecognized: string[];
}

/**
 * Decodes a proposal's actions into the features the voting strategies score (see the module's table).
 *
 * @param client A viem client (reads the values in force to tell an increase from a decrease).
 * @param parameters The proposal's actions, description and type, and the deployment's contracts.
 * @returns The {@link ProposalSummary}, plus the calls it did not recognise.
 * @throws {ContractRevertError} or {RpcRequestError} from the reads.
 * @example
 * ```ts
 * const summary = await summarizeProposal(publicClient, { contracts, ...proposal });
 * const { vote, reasons } = evaluateProposal("Provider", summary);
 * ```
 */
export async function summarizeProposal(
  client: AitbcReadClient,
  parameters: SummarizeProposalParameters,
): Promise<SummarizeProposalReturnType> {
  const { contracts } = parameters;
  const same = (a: Address | undefined, b: Address) => a !== undefined && a.toLowerCase() === b.toLowerCase();
  let treasuryAmount = 0n;
  const parameterChanges: NonNullable<ProposalSummary["parameterChanges"]>[number][] = [];
  const unrecognized: string[] = [];
  for (const [i, target] of parameters.targets.entries()) {
    const data = parameters.calldatas[i] ?? "0x";
    const selector = data.slice(0, 10);
    if (same(contracts.AITBCToken, target)) {
      const call = tryDecode(aitbcTokenAbi, data);
      if (call?.functionName === "transfer") {
        treasuryAmount += call.args[1] as bigint;
        continue;
      }
    }
    const match = await decodeSetter(client, contracts, target, data);
    if (match === "unchanged") continue;
    if (match !== undefined) {
      parameterChanges.push(match);
      continue;
    }
    unrecognized.push(`${target} ${selector}`);
  }
  return {
    proposalType: parameters.proposalType,
    description: parameters.description,
    ...(treasuryAmount > 0n ? { treasuryAmount } : {}),
    ...(parameterChanges.length > 0 ? { parameterChanges } : {}),
    unrecognized,
  };
}

function tryDecode(abi: Abi, data: Hex): { functionName: string; args: readonly unknown[] } | undefined {
  try {
    const decoded = decodeFunctionData({ abi, data });
    return { functionName: decoded.functionName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

async function decodeSetter(
  client: AitbcReadClient,
  contracts: AitbcContracts,
  target: Address,
  data: Hex,
): Promise<{ parameter: GovernedParameter; direction: "increase" | "decrease" } | "unchanged" | undefined> {
  for (const setter of SETTERS) {
    const address = contracts[setter.contract];
    if (address === undefined || address.toLowerCase() !== target.toLowerCase()) continue;
    const abi = setter.contract === "GPUStaking" ? gpuStakingAbi : marketPolicyAbi;
    const call = tryDecode(abi, data);
    if (call?.functionName !== setter.setter) continue;
    const next = BigInt(call.args[0] as bigint | number);
    const current = BigInt((await read(client, { address, abi: abi as Abi, functionName: setter.getter })) as bigint); // prettier-ignore
    if (next === current) return "unchanged";
    return { parameter: setter.parameter, direction: next > current ? "increase" : "decrease" };
  }
  return undefined;
}
