/**
 * What the attack scenarios (`flash-loan`, `buy-then-vote`, `sybil-split`, `malicious-core`,
 * `council-silent`) share: chain time, the governance numbers read from the chain (cap, quorum,
 * threshold, periods), funded and self-delegated accounts, proposing and voting through the SDK's
 * actions, the custom error of a refused call, and the {@link ProposalRecord} of an attack proposal.
 *
 * Every number an attack depends on is read from the deployed contracts here, never assumed: a
 * what-if run with another cap, quorum or voting period measures the attack under those.
 */
import { decodeErrorResult, encodeFunctionData, type Address, type Hex } from "viem";

import {
  aitbcTokenAbi,
  castVote,
  claimProposalBond,
  ContractRevertError,
  delegate,
  getProposal,
  getVotingPower,
  openClawGovernorAbi,
  openClawTimelockAbi,
  propose,
  protocolErrorsAbi,
  transferToken,
  type ProposalActions,
  type ProposalTypeValue,
  type VoteSupportValue,
} from "@aitbc/sdk";

import type { AttackOutcome, ProposalRecord, SimulationWorld } from "../types.js";

/** 1 AITBC in wei. */
export const AITBC = 10n ** 18n;

/** A refused call: the custom error the contract reverted with (or Safe's `Error("GS0xx")` reason). */
export interface Refusal {
  /** The error's name, e.g. `"GovernanceCouncilApprovalRequired"`; `"Error"` for a reason string. */
  errorName: string;
  /** The error's arguments in ABI order (a reason string's text for `"Error"`). */
  args: readonly unknown[];
}

/**
 * Runs `call` and returns how it was refused, or `null` if it went through. Decodes SDK
 * {@link ContractRevertError}s and the revert data of ethers errors (the mock contracts are driven
 * through ethers) with every protocol ABI's custom errors ({@link protocolErrorsAbi}).
 *
 * @param call the transaction to try
 * @returns the refusal, or `null` when the call succeeded
 * @throws the original error when it is not a revert (an RPC failure must not pass for a defence)
 */
export async function refusalOf(call: () => Promise<unknown>): Promise<Refusal | null> {
  try {
    await call();
    return null;
  } catch (error) {
    if (error instanceof ContractRevertError && error.errorName !== undefined) {
      return { errorName: error.errorName, args: error.args };
    }
    const data = revertData(error);
    if (data !== undefined) {
      const decoded = decodeErrorResult({
        abi: [
          ...protocolErrorsAbi,
          { type: "error", name: "Error", inputs: [{ name: "reason", type: "string" }] },
        ],
        data,
      });
      return { errorName: decoded.errorName, args: decoded.args ?? [] };
    }
    throw error;
  }
}

/** The revert data of an ethers or viem error, searched through its causes. */
function revertData(error: unknown): Hex | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 8; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data as Hex;
    e = (e as { cause?: unknown; error?: unknown }).cause ?? (e as { error?: unknown }).error;
  }
  return undefined;
}

/** `"Name(arg, …)"` of a refusal, or `"none"`. */
export function formatRefusal(refusal: Refusal | null): string {
  if (refusal === null) return "none";
  return `${refusal.errorName}(${refusal.args.map((a) => String(a)).join(", ")})`;
}

/** The latest block's timestamp, Unix seconds. */
export async function chainTime(world: SimulationWorld): Promise<number> {
  return world.connection.networkHelpers.time.latest();
}

/** Moves chain time forward to `timestamp` (a no-op when it has passed) and mines a block there. */
export async function advanceTo(world: SimulationWorld, timestamp: number | bigint): Promise<void> {
  const target = Number(timestamp);
  if ((await chainTime(world)) < target) await world.connection.networkHelpers.time.increaseTo(target);
}

/** Moves chain time forward by `seconds` and mines a block. */
export async function advance(world: SimulationWorld, seconds: number | bigint): Promise<void> {
  await world.connection.networkHelpers.time.increase(Number(seconds));
}

/** The governance numbers an attack is measured against, read from the deployed contracts. */
export interface GovernanceNumbers {
  /** `totalSupply()`, wei. */
  totalSupply: bigint;
  /** Counted-power cap per address (`getPastVotingPowerBreakdown(…).cap`), wei. */
  cap: bigint;
  /** `quorum(now − 1)`: For + Abstain needed, wei. */
  quorum: bigint;
  /** `proposalThreshold()`: counted power needed to propose, wei. */
  threshold: bigint;
  /** `ProposalBondEscrow.proposalBond()`, wei (read by the SDK's `propose`; here for budgets). */
  bond: bigint;
  /** The timelock's `getMinDelay()`, seconds. */
  timelockDelay: bigint;
  /**
   * The token's averaging windows, seconds: `SHORT_AVERAGE_WINDOW()` and `MAX_AVERAGE_WINDOW()` (the
   * long, vesting window) where the token has them (counted-power parameters fixed at deployment),
   * else the world's parameters (a token with the design's fixed 24 h and 7 days).
   */
  shortWindow: number;
  longWindow: number;
}

const windowsAbi = [
  { type: "function", name: "SHORT_AVERAGE_WINDOW", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
  { type: "function", name: "MAX_AVERAGE_WINDOW", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
] as const; // prettier-ignore

async function averagingWindows(
  world: SimulationWorld,
): Promise<{ shortWindow: number; longWindow: number }> {
  const address = world.contracts.AITBCToken!;
  try {
    const [short, long] = await Promise.all([
      world.clients.publicClient.readContract({
        address,
        abi: windowsAbi,
        functionName: "SHORT_AVERAGE_WINDOW",
      }),
      world.clients.publicClient.readContract({
        address,
        abi: windowsAbi,
        functionName: "MAX_AVERAGE_WINDOW",
      }),
    ]);
    return { shortWindow: Number(short), longWindow: Number(long) };
  } catch {
    return {
      shortWindow: world.parameters.shortAverageWindow,
      longWindow: world.parameters.longAverageWindow,
    };
  }
}

/** Reads {@link GovernanceNumbers} from the chain. */
export async function governanceNumbers(world: SimulationWorld): Promise<GovernanceNumbers> {
  const { publicClient } = world.clients;
  const { contracts } = world;
  const at = BigInt(await chainTime(world)) - 1n;
  const governor = { address: contracts.OpenClawGovernor!, abi: openClawGovernorAbi } as const;
  const [totalSupply, quorum, threshold, power, timelockDelay, bond] = await Promise.all([
    publicClient.readContract({ address: contracts.AITBCToken!, abi: aitbcTokenAbi, functionName: "totalSupply" }), // prettier-ignore
    publicClient.readContract({ ...governor, functionName: "quorum", args: [at] }),
    publicClient.readContract({ ...governor, functionName: "proposalThreshold" }),
    getVotingPower(publicClient, { contracts, account: world.roles.funder, timepoint: at }),
    publicClient.readContract({ address: contracts.OpenClawTimelock!, abi: openClawTimelockAbi, functionName: "getMinDelay" }), // prettier-ignore
    publicClient.readContract({
      address: contracts.ProposalBondEscrow!,
      abi: [{ type: "function", name: "proposalBond", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] }], // prettier-ignore
      functionName: "proposalBond",
    }),
  ]);
  return {
    totalSupply,
    cap: power.cap,
    quorum,
    threshold,
    bond,
    timelockDelay,
    ...(await averagingWindows(world)),
  };
}

/** AITBC held by `account`, wei. */
export async function balanceOf(world: SimulationWorld, account: Address): Promise<bigint> {
  return world.clients.publicClient.readContract({
    address: world.contracts.AITBCToken!,
    abi: aitbcTokenAbi,
    functionName: "balanceOf",
    args: [account],
  });
}

/** Counted power of `account` at `timepoint` (strictly past), wei: what a proposal created then counts. */
export async function countedAt(world: SimulationWorld, account: Address, timepoint: number | bigint) {
  const p = await getVotingPower(world.clients.publicClient, {
    contracts: world.contracts,
    account,
    timepoint: BigInt(timepoint),
  });
  return p.power;
}

/**
 * Where a scenario's AITBC comes from, and how it is handed back. First the world's funder
 * (`world.fund`: the spare liquidity share); past what the funder holds, the attacker *buys* from the
 * population — plain-account participants sell their whole holding, largest first — the way a large
 * holder is assembled on a market. {@link Funding.settle} collects everything the scenario's accounts
 * hold and pays every seller back exactly what it sold (its counted power then vests again).
 */
export class Funding {
  /** Population sellers and what each sold, wei. */
  private readonly sold = new Map<Address, bigint>();
  /** Accounts that received AITBC from this funding. */
  private readonly holders = new Set<Address>();
  private sellers: Address[] | undefined;

  /**
   * @param world the world
   * @param scenario the scenario's name (for error messages)
   */
  constructor(
    private readonly world: SimulationWorld,
    private readonly scenario: string,
  ) {}

  /** Participants that can sell: plain accounts (they sign for themselves), largest holding first. */
  private async sellerList(): Promise<Address[]> {
    if (this.sellers === undefined) {
      const plain = this.world.population.filter((p) => p.signer.toLowerCase() === p.address.toLowerCase());
      const held = await Promise.all(plain.map(async (p) => [p.address, await balanceOf(this.world, p.address)] as const)); // prettier-ignore
      this.sellers = held.filter(([, b]) => b > 0n).sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0)).map(([a]) => a); // prettier-ignore
    }
    return this.sellers;
  }

  /** AITBC this funding can still hand out: the funder's balance plus what the sellers hold, wei. */
  async available(): Promise<bigint> {
    let total = await balanceOf(this.world, this.world.roles.funder);
    for (const seller of await this.sellerList()) total += await balanceOf(this.world, seller);
    return total;
  }

  /**
   * Fails early, with the numbers, when the world cannot fund `needed` wei (the scenario would
   * otherwise measure a smaller attack than it claims).
   */
  async require(needed: bigint): Promise<void> {
    const available = await this.available();
    if (available < needed) {
      throw new Error(`${this.scenario}: the world can fund ${available / AITBC} AITBC (funder and sellers), the scenario needs ${needed / AITBC} AITBC`); // prettier-ignore
    }
  }

  /**
   * Sends `amount` wei of AITBC to `to`: from the funder first, the rest bought from the population.
   * With `collectable: false` (a contract that cannot send through the node, e.g. a lender) the caller
   * sends it back to the funder itself before {@link Funding.settle}.
   */
  async give(to: Address, amount: bigint, collectable = true): Promise<void> {
    if (collectable) this.holders.add(to);
    const fromFunder = minimum(amount, await balanceOf(this.world, this.world.roles.funder));
    if (fromFunder > 0n) await this.world.fund(to, fromFunder);
    let rest = amount - fromFunder;
    for (const seller of await this.sellerList()) {
      if (rest === 0n) break;
      const part = minimum(rest, await balanceOf(this.world, seller));
      if (part === 0n) continue;
      await transferToken(this.world.clients.walletFor(seller), {
        contracts: this.world.contracts,
        to,
        amount: part,
      });
      this.sold.set(seller, (this.sold.get(seller) ?? 0n) + part);
      rest -= part;
    }
    if (rest > 0n) throw new Error(`${this.scenario}: ${rest / AITBC} AITBC short funding ${to}`);
  }

  /** Sends what `accounts` hold back to the funder now (sellers are paid back only at {@link Funding.settle}). */
  async collect(accounts: readonly Address[]): Promise<void> {
    await returnFunds(this.world, accounts);
    for (const account of accounts) this.holders.delete(account);
  }

  /**
   * Hands everything back: every account that received AITBC here (and `others`, e.g. a grantee) sends
   * its whole balance to the funder, and the funder pays each seller what it sold.
   */
  async settle(others: readonly Address[] = []): Promise<void> {
    await returnFunds(this.world, [...this.holders, ...others]);
    for (const [seller, amount] of this.sold) await this.world.fund(seller, amount);
    this.sold.clear();
    this.holders.clear();
  }
}

function minimum(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * A fresh account (`world.account(label)`) that delegates to itself and, when `amount > 0`, receives
 * `amount` wei of AITBC through `funding` (delegation first, so its votes start when the tokens arrive).
 */
export async function delegatedAccount(
  world: SimulationWorld,
  funding: Funding,
  label: string,
  amount: bigint,
): Promise<Address> {
  const address = await world.account(label);
  await delegate(world.clients.walletFor(address), { contracts: world.contracts, delegatee: address });
  if (amount > 0n) await funding.give(address, amount);
  return address;
}

/**
 * Claims the proposal bond of each proposal back to its proposer (SDK `claimProposalBond`, sent by
 * the proposer; refundable once voting is over). Returns how many were refunded.
 */
export async function claimBonds(world: SimulationWorld, proposals: readonly CreatedProposal[]) {
  let refunded = 0;
  for (const p of proposals) {
    const refusal = await refusalOf(() =>
      claimProposalBond(world.clients.walletFor(p.proposer), {
        contracts: world.contracts,
        proposalId: p.proposalId,
      }),
    );
    if (refusal === null) refunded += 1;
  }
  return refunded;
}

/** Sends every AITBC `accounts` hold back to the funder. */
async function returnFunds(world: SimulationWorld, accounts: readonly Address[]) {
  for (const account of accounts) {
    const amount = await balanceOf(world, account);
    if (amount === 0n) continue;
    await transferToken(world.clients.walletFor(account), {
      contracts: world.contracts,
      to: world.roles.funder,
      amount,
    });
  }
}

/**
 * A proposer whose counted power meets the proposal threshold: a dedicated account given
 * {@link proposerStake} plus `bonds` proposal bonds, then `wait` seconds of chain time (default a fifth
 * of the long averaging window, 1.4 days in the design: a holding of 10 × the threshold has then vested
 * 2 × the threshold, whatever the windows of a what-if run).
 */
export async function vestedProposer(
  world: SimulationWorld,
  funding: Funding,
  label: string,
  bonds: number,
  wait?: number,
) {
  const { threshold, bond, longWindow, shortWindow } = await governanceNumbers(world);
  const stake = proposerStake(threshold);
  const proposer = await delegatedAccount(world, funding, label, stake + bond * BigInt(bonds));
  await advance(world, wait ?? Math.ceil(Math.max(longWindow, shortWindow) / 5));
  return proposer;
}

/** What {@link vestedProposer} holds besides its bonds: 10 × the proposal threshold, wei. */
export function proposerStake(threshold: bigint): bigint {
  return threshold * 10n;
}

/** A created proposal: its id, creation timepoint (its snapshot), actions and proposer. */
export interface CreatedProposal {
  proposalId: bigint;
  /** `proposalSnapshot`, Unix seconds. */
  createdAt: bigint;
  actions: ProposalActions;
  proposer: Address;
  /** Derived type (the governor's `ProposalTyped`). */
  critical: boolean;
}

/**
 * Proposes `actions` as `proposer` with the SDK's `propose` (bond by approval; type derived by the
 * governor unless `proposalType` is given), then moves time 1 s on (a block at a later timestamp), so
 * counted power at the snapshot is readable (it must be strictly past; the twin's chain lets blocks
 * share a timestamp, so mining alone is not enough).
 */
export async function proposeAs(
  world: SimulationWorld,
  proposer: Address,
  actions: ProposalActions,
  proposalType?: ProposalTypeValue,
): Promise<CreatedProposal> {
  const created = await propose(world.clients.walletFor(proposer), {
    contracts: world.contracts,
    ...actions,
    ...(proposalType === undefined ? {} : { proposalType }),
  });
  const block = await world.clients.publicClient.getBlock({ blockNumber: created.receipt.blockNumber });
  await advance(world, 1);
  return {
    proposalId: created.proposalId,
    createdAt: block.timestamp,
    actions,
    proposer,
    critical: created.critical,
  };
}

/** Moves time to the first second votes are accepted on `proposalId` (after the challenge period). */
export async function openVoting(world: SimulationWorld, proposalId: bigint) {
  const start = await world.clients.publicClient.readContract({
    address: world.contracts.OpenClawGovernor!,
    abi: openClawGovernorAbi,
    functionName: "proposalVoteStart",
    args: [proposalId],
  });
  await advanceTo(world, start + 1n);
}

/** Moves time past `proposalId`'s deadline (voting closed). */
export async function closeVoting(world: SimulationWorld, proposalId: bigint) {
  const deadline = await world.clients.publicClient.readContract({
    address: world.contracts.OpenClawGovernor!,
    abi: openClawGovernorAbi,
    functionName: "proposalDeadline",
    args: [proposalId],
  });
  await advanceTo(world, deadline + 1n);
}

/** Votes collected on one proposal: counted weights and gas, for its {@link ProposalRecord}. */
export class Ballot {
  readonly gas: bigint[] = [];
  readonly weights: bigint[] = [];
  constructor(readonly proposal: CreatedProposal) {}

  /** `voter` votes `support` with the SDK's `castVote`; returns the counted weight (`VoteCast.weight`). */
  async cast(world: SimulationWorld, voter: Address, support: VoteSupportValue): Promise<bigint> {
    const { weight, receipt } = await castVote(world.clients.walletFor(voter), {
      contracts: world.contracts,
      proposalId: this.proposal.proposalId,
      support,
    });
    this.gas.push(receipt.gasUsed);
    this.weights.push(weight);
    return weight;
  }
}

/** The proposal's state name (SDK `getProposal`). */
export async function stateOf(world: SimulationWorld, proposalId: bigint) {
  return (await getProposal(world.clients.publicClient, { contracts: world.contracts, proposalId })).state;
}

/**
 * Records an attack proposal for the result (`world.record`, `attack: true`), read from the chain
 * with the SDK's `getProposal`. `eligible` counts the accounts the scenario passes (its own voters)
 * that hold counted power at the snapshot; `endedAt` is now for a proposal that executed, was
 * defeated or cancelled, and its deadline otherwise (e.g. Succeeded but never queued).
 */
export async function recordAttack(
  world: SimulationWorld,
  ballot: Ballot,
  description: string,
  type: ProposalRecord["type"],
  electorate: readonly Address[],
  challenged = false,
): Promise<ProposalRecord> {
  const { proposal } = ballot;
  const p = await getProposal(world.clients.publicClient, {
    contracts: world.contracts,
    proposalId: proposal.proposalId,
  });
  let eligible = 0;
  for (const account of electorate) {
    if ((await countedAt(world, account, proposal.createdAt)) > 0n) eligible += 1;
  }
  const now = BigInt(await chainTime(world));
  const ended = ["Executed", "Defeated", "Canceled", "Expired"].includes(p.state) ? now : p.deadline;
  const createdAt = Number(proposal.createdAt) - world.startTimestamp;
  const endedAt = Number(ended) - world.startTimestamp;
  const voters = ballot.weights.length;
  const record: ProposalRecord = {
    proposalId: proposal.proposalId.toString(),
    type,
    description,
    proposer: proposal.proposer,
    attack: true,
    createdAt,
    endedAt,
    decisionLatency: endedAt - createdAt,
    state: p.state,
    forVotes: p.votes.for.toString(),
    againstVotes: p.votes.against.toString(),
    abstainVotes: p.votes.abstain.toString(),
    quorum: p.quorum.toString(),
    voters,
    eligible,
    participation: eligible === 0 ? 0 : Math.min(1, voters / eligible),
    councilApproved: p.critical ? p.councilApproved : null,
    challenged,
    gasPerVote: voters === 0 ? 0 : Number(ballot.gas.reduce((a, b) => a + b, 0n) / BigInt(voters)),
  };
  world.record(record);
  return record;
}

/** Whole AITBC with thousands separators (wei in, rounded down). */
export function tokens(wei: bigint): string {
  return (wei / AITBC).toLocaleString("en-US");
}

/** A share as a percentage with `digits` decimals (e.g. `"14.29%"`). */
export function percent(part: bigint, whole: bigint, digits = 2): string {
  if (whole === 0n) return "0%";
  const scale = 10n ** BigInt(digits + 2);
  const value = Number((part * scale) / whole) / 10 ** digits;
  return `${value.toFixed(digits)}%`;
}

/** An {@link AttackOutcome} (helper so each scenario spells out the same fields). */
export function outcome(fields: AttackOutcome): AttackOutcome {
  return fields;
}

/** The treasury transfer of `amount` AITBC from the timelock to `to` (a Resource proposal's call). */
export function treasuryTransfer(world: SimulationWorld, to: Address, amount: bigint, description: string) {
  return {
    targets: [world.contracts.AITBCToken!],
    values: [0n],
    calldatas: [encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [to, amount] })],
    description,
  } satisfies ProposalActions;
}
