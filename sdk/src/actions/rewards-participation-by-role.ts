/** `getParticipationByRole`: a proposal's votes grouped by the voters' roles, against the seed's allocation. */
import { hexToString, type Address } from "viem";
import { getContractEvents } from "viem/actions";

import { agentIdentityRegistryAbi } from "../abis/agentIdentityRegistry.js";
import { gpuStakingAbi } from "../abis/gpuStaking.js";
import { openClawGovernorAbi } from "../abis/openClawGovernor.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { toAitbcError } from "../errors/contract.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";

/** Voter roles: registered GPU providers, agents by their self-declared `role` metadata, and humans. */
export type ParticipationRole = "human" | "provider" | "consumer" | "builder" | "coordinator" | "agent";

/**
 * The seed's "voting power allocation" by role, basis points of all votes (seed 000; contracts/governance/README.md):
 * humans 60%, providers 20%, consumers 10%, builders 7%, coordinators 3%. A reporting target only: vote
 * weight stays 1 AITBC = 1 vote. `agent` (an agent without a declared role) has no target.
 */
export const ROLE_ALLOCATION_BPS: Readonly<Record<ParticipationRole, number | undefined>> = {
  human: 6_000,
  provider: 2_000,
  consumer: 1_000,
  builder: 700,
  coordinator: 300,
  agent: undefined,
};

/** The metadata key under which an agent declares its role in the AgentIdentityRegistry (UTF-8 value). */
export const ROLE_METADATA_KEY = "role";

/** One role's participation. */
export interface RoleParticipation {
  role: ParticipationRole;
  /** Addresses that voted. */
  voters: number;
  /** Counted voting power they voted with, wei of AITBC (from `VoteCast.weight`). */
  power: bigint;
  /** `power` in basis points of all power cast (0 when nobody voted). */
  shareBps: number;
  /** The seed's allocation, basis points (`undefined` for `agent`). */
  allocationBps: number | undefined;
}

/** Parameters of {@link getParticipationByRole}. */
export interface GetParticipationByRoleParameters {
  /** Addresses; `OpenClawGovernor`, `AgentIdentityRegistry` and `GPUStaking` are used. */
  contracts: AitbcContracts;
  proposalId: bigint;
  /** First block searched for `VoteCast` (default 0). */
  fromBlock?: bigint;
}

/** Result of {@link getParticipationByRole}. */
export interface GetParticipationByRoleReturnType {
  /** All counted power cast on the proposal, wei. */
  totalPower: bigint;
  /** One row per role, in the order of {@link ROLE_ALLOCATION_BPS}. */
  roles: RoleParticipation[];
}

/**
 * Groups a proposal's voters (its `VoteCast` logs) by role: a registered GPUStaking provider is
 * `provider`; else an address bound to an agent identity (`agentIdOfWallet`) takes the agent's `role`
 * metadata (`consumer`, `builder`, `coordinator` or `provider`; anything else is `agent`); else `human`.
 * Reports power and share per role against {@link ROLE_ALLOCATION_BPS}. Roles are self-declared, which
 * is why they are reported and rewarded, never weighted (shared/DESIGN.md).
 *
 * @param client A viem client.
 * @param parameters See {@link GetParticipationByRoleParameters}.
 * @returns See {@link GetParticipationByRoleReturnType}.
 * @example
 * ```ts
 * const { roles } = await getParticipationByRole(client, { contracts, proposalId });
 * ```
 */
export async function getParticipationByRole(
  client: AitbcReadClient,
  parameters: GetParticipationByRoleParameters,
): Promise<GetParticipationByRoleReturnType> {
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const governor = contractAddress(parameters.contracts, "OpenClawGovernor");
  const registry = contractAddress(parameters.contracts, "AgentIdentityRegistry");
  const staking = contractAddress(parameters.contracts, "GPUStaking");
  let logs;
  try {
    logs = await getContractEvents(client, {
      address: governor,
      abi: openClawGovernorAbi,
      eventName: "VoteCast",
      fromBlock: assertAmount(parameters.fromBlock ?? 0n, "fromBlock"),
      strict: true,
    });
  } catch (error) {
    throw toAitbcError(error, "getParticipationByRole");
  }
  const power = new Map<Address, bigint>();
  for (const log of logs) {
    if (log.args.proposalId === proposalId) power.set(log.args.voter, log.args.weight);
  }
  const rows = new Map<ParticipationRole, RoleParticipation>(
    (Object.keys(ROLE_ALLOCATION_BPS) as ParticipationRole[]).map((role) => [
      role,
      { role, voters: 0, power: 0n, shareBps: 0, allocationBps: ROLE_ALLOCATION_BPS[role] },
    ]),
  );
  let totalPower = 0n;
  for (const [voter, weight] of power) {
    const row = rows.get(await roleOf(client, { registry, staking, voter }))!;
    row.voters += 1;
    row.power += weight;
    totalPower += weight;
  }
  const roles = [...rows.values()].map((row) => ({
    ...row,
    shareBps: totalPower === 0n ? 0 : Number((row.power * 10_000n) / totalPower),
  }));
  return { totalPower, roles };
}

async function roleOf(
  client: AitbcReadClient,
  at: { registry: Address; staking: Address; voter: Address },
): Promise<ParticipationRole> {
  const commitment = await read(client, { address: at.staking, abi: gpuStakingAbi, functionName: "identityCommitmentOf", args: [at.voter] }); // prettier-ignore
  if (commitment !== 0n) return "provider";
  const agentId = await read(client, { address: at.registry, abi: agentIdentityRegistryAbi, functionName: "agentIdOfWallet", args: [at.voter] }); // prettier-ignore
  if (agentId === 0n) return "human";
  const raw = await read(client, { address: at.registry, abi: agentIdentityRegistryAbi, functionName: "getMetadata", args: [agentId, ROLE_METADATA_KEY] }); // prettier-ignore
  const declared = raw === "0x" ? "" : hexToString(raw).trim().toLowerCase();
  return declared === "consumer" ||
    declared === "builder" ||
    declared === "coordinator" ||
    declared === "provider"
    ? declared
    : "agent";
}
