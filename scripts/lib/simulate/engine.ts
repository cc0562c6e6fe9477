/**
 * The simulation engine: drives the population's governance over simulated weeks on the real contracts
 * ({@link runGovernance}) and turns a scenario's run into the JSON result ({@link runSimulation}).
 *
 * Every proposal goes through its whole life with the SDK's actions: the 1,000 AITBC bond and
 * `propose`, the 48 h challenge period, the votes, the council's approval through the real Safe
 * (`approveProposalByCouncil`, `councilThreshold` of the 5 owners; before creation for Emergency),
 * `queueProposal`, the timelock delay, `executeProposal`, `claimProposalBond`. A proposal planned with a
 * `challenge` is challenged by a watcher in its challenge period (`challengeProposal`) and the council
 * resolves it through the Safe (`execSafeCall` of the escrow's `resolveChallenge`). The population's votes
 * are the bulk of the transactions: each is the governor's `castVote` (or the AgentWallet's
 * `castVote`, sent by its agent key) sent straight to the node and mined at once, its gas read from its
 * receipt. Events run in chain-time order; votes fall on the hour.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";

import {
  agentWalletAbi,
  approveProposalByCouncil,
  castVote,
  challengeProposal,
  claimProposalBond,
  ContractRevertError,
  execSafeCall,
  executeProposal,
  getProposal,
  getProposalId,
  getVotingPower,
  openClawGovernorAbi,
  proposalBondEscrowAbi,
  propose,
  queueProposal,
  type ProposalActions,
} from "@aitbc/sdk";

import { decide } from "./behaviour.js";
import { gini, nakamoto, successMetrics } from "./metrics.js";
import { TYPE_VALUES, weeklyProposals, type PlannedProposal } from "./proposals.js";
import {
  SIMULATION_RESULT_VERSION,
  type AttackOutcome,
  type HolderPower,
  type ParticipationPoint,
  type PowerDistribution,
  type ProposalRecord,
  type Scenario,
  type SimulationParameters,
  type SimulationResult,
} from "./types.js";
import { createWorld, type SimWorld } from "./world.js";

const HOUR = 3_600;
const DAY = 86_400;
const WEEK = 7 * DAY;

/** What {@link runGovernance} takes besides the world. */
export interface GovernancePlan {
  /** Unix seconds of week 0's start (default: the clock's now, on the next hour). */
  start?: number;
  /** Weeks of proposals (default `world.parameters.weeks`). */
  weeks?: number;
  /** Proposals to add (e.g. an attack), each in a week of the schedule. */
  extra?: readonly { week: number; proposal: PlannedProposal }[];
  /** Leaves out the population's own proposals (only `extra` runs). */
  noWeekly?: boolean;
  /** Turnout factor of a proposal (default 1): e.g. 0.1 for every proposal of a quiet week. */
  turnoutFactor?: (proposal: PlannedProposal, week: number) => number;
  /** Called after each proposal ended. */
  onProgress?: (done: number, total: number) => void;
}

/** What the engine keeps about a proposal while it runs. */
interface Live {
  plan: PlannedProposal;
  week: number;
  proposer: Address;
  proposalId: bigint;
  createdAt: number;
  closeAt: number;
  voters: number;
  gas: number[];
  councilApproved: boolean | null;
  queueRefusal?: string;
  /** A watcher challenged it in its challenge period. */
  challenged: boolean;
  /** The council upheld the challenge: the proposal is Canceled, no vote is cast on it. */
  struckDown: boolean;
  /** Chain time of the council's upholding resolution, Unix seconds (0 until then). */
  struckAt: number;
}

/** Per-world state of the engine: the timeline points and vote gas it measured. */
const measured = new WeakMap<SimWorld, { timeline: ParticipationPoint[]; gas: number[]; power?: PowerDistribution; countedTotal?: bigint }>(); // prettier-ignore

function stateOf(world: SimWorld) {
  let s = measured.get(world);
  if (s === undefined) measured.set(world, (s = { timeline: [], gas: [] }));
  return s;
}

/** A simple time-ordered queue of tasks (ties: insertion order). */
class Agenda {
  private tasks: { time: number; seq: number; run: () => Promise<void> }[] = [];
  private seq = 0;
  add(time: number, run: () => Promise<void>) {
    this.tasks.push({ time, seq: this.seq++, run });
  }
  next() {
    if (this.tasks.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < this.tasks.length; i++) {
      const t = this.tasks[i]!;
      const b = this.tasks[best]!;
      if (t.time < b.time || (t.time === b.time && t.seq < b.seq)) best = i;
    }
    return this.tasks.splice(best, 1)[0];
  }
}

/** Reason of a refused SDK action (its custom error name). */
function refusal(error: unknown): string {
  if (error instanceof ContractRevertError) return error.errorName ?? "revert";
  throw error;
}

/** The plain (non-wallet), self-delegated participants that propose, largest first (the top 10). */
function proposers(world: SimWorld): Address[] {
  return world.population
    .filter((p) => p.address === p.signer && p.delegate === p.address)
    .sort((a, b) => (b.balance > a.balance ? 1 : b.balance < a.balance ? -1 : a.index - b.index))
    .slice(0, 10)
    .map((p) => p.address);
}

/** Indices of participants that hold voting power (delegates of someone, themselves included). */
function eligibleIndices(world: SimWorld): number[] {
  const delegates = new Set(world.population.map((p) => p.delegate));
  return world.population.filter((p) => delegates.has(p.address)).map((p) => p.index);
}

/**
 * Reads every participant's raw and counted power at `timepoint` (`getVotingPower`) and the Gini and
 * Nakamoto coefficients of both.
 */
export async function readPower(
  world: SimWorld,
  timepoint: number,
): Promise<{ power: PowerDistribution; countedTotal: bigint; byIndex: { raw: bigint; counted: bigint }[] }> {
  const byIndex: { raw: bigint; counted: bigint }[] = [];
  for (const p of world.population) {
    const vp = await getVotingPower(world.clients.publicClient, { contracts: world.contracts, account: p.address, timepoint: BigInt(timepoint) }); // prettier-ignore
    byIndex.push({ raw: vp.votes, counted: vp.power });
  }
  const raw = byIndex.map((x) => x.raw);
  const counted = byIndex.map((x) => x.counted);
  const order = world.population.map((p) => p.index).sort((a, b) => (raw[b]! > raw[a]! ? 1 : raw[b]! < raw[a]! ? -1 : a - b)); // prettier-ignore
  const top: HolderPower[] = order.slice(0, 100).filter((i) => raw[i]! > 0n).map((i) => ({ address: world.population[i]!.address, kind: world.population[i]!.kind, raw: raw[i]!.toString(), counted: counted[i]!.toString() })); // prettier-ignore
  const power: PowerDistribution = {
    timepoint: timepoint - world.startTimestamp,
    top,
    giniRaw: gini(raw),
    giniCounted: gini(counted),
    nakamotoRaw: nakamoto(raw),
    nakamotoCounted: nakamoto(counted),
  };
  return { power, countedTotal: counted.reduce((s, x) => s + x, 0n), byIndex };
}

/**
 * Runs the population's governance: each week one proposal of every type (`proposals.ts`) plus
 * `plan.extra`, each through its whole life, the population voting on it. Records every proposal
 * (`world.record`) and returns the records of this call.
 *
 * @throws if a step that must succeed reverts (e.g. a vote), naming the proposal
 */
export async function runGovernance(world: SimWorld, plan: GovernancePlan = {}): Promise<ProposalRecord[]> {
  const { clients, contracts, clock } = world;
  const start = plan.start ?? Math.ceil((clock.now + 1) / HOUR) * HOUR;
  const weeks = plan.weeks ?? world.parameters.weeks;
  const state = stateOf(world);
  const agenda = new Agenda();
  const planned: { week: number; proposal: PlannedProposal }[] = [];
  if (plan.noWeekly !== true)
    for (let w = 0; w < weeks; w++) for (const p of weeklyProposals(contracts, w, world.seed)) planned.push({ week: w, proposal: p }); // prettier-ignore
  planned.push(...(plan.extra ?? []));
  const proposerList = proposers(world);
  const eligible = eligibleIndices(world);
  const governor = contracts.OpenClawGovernor!;
  const deployerClient = clients.walletFor(world.roles.deployer);
  const owners = world.roles.councilOwners.slice(0, world.parameters.councilThreshold).map((o) => clients.walletFor(o)); // prettier-ignore
  const records: ProposalRecord[] = [];
  let ended = 0;
  let cast = 0;

  const record = (
    live: Live,
    finalState: ProposalRecord["state"],
    endedAt: number,
    tallies: { for: bigint; against: bigint; abstain: bigint },
    quorum: bigint,
  ) => {
    // prettier-ignore
    const mean = live.gas.length === 0 ? 0 : Math.round(live.gas.reduce((s, g) => s + g, 0) / live.gas.length);
    const rec: ProposalRecord = {
      proposalId: live.proposalId.toString(),
      type: live.plan.type,
      description: live.plan.actions.description,
      proposer: live.proposer,
      attack: live.plan.attack,
      createdAt: live.createdAt - world.startTimestamp,
      endedAt: endedAt - world.startTimestamp,
      decisionLatency: endedAt - live.createdAt,
      state: finalState,
      forVotes: tallies.for.toString(),
      againstVotes: tallies.against.toString(),
      abstainVotes: tallies.abstain.toString(),
      quorum: quorum.toString(),
      voters: live.voters,
      eligible: eligible.length,
      participation: eligible.length === 0 ? 0 : Math.round((live.voters / eligible.length) * 1e6) / 1e6,
      councilApproved: live.councilApproved,
      challenged: live.challenged,
      gasPerVote: mean,
    };
    world.record(rec);
    records.push(rec);
    const cast = tallies.for + tallies.against + tallies.abstain;
    const total = state.countedTotal ?? 0n;
    state.timeline.push({ time: live.closeAt - world.startTimestamp, proposalId: rec.proposalId, participation: rec.participation, powerTurnout: total === 0n ? 0 : Number((cast * 1_000_000n) / total) / 1e6 }); // prettier-ignore
    ended++;
    if (plan.onProgress) plan.onProgress(ended, planned.length);
    else world.progress("proposals", ended, planned.length);
  };

  const sendVotes = async (live: Live, voters: { index: number; support: number }[]) => {
    if (live.struckDown) return;
    for (const v of voters) {
      const p = world.population[v.index]!;
      const wallet = world.wallets[v.index];
      const data: Hex = wallet
        ? encodeFunctionData({ abi: agentWalletAbi, functionName: "castVote", args: [governor, live.proposalId, v.support] }) // prettier-ignore
        : encodeFunctionData({ abi: openClawGovernorAbi, functionName: "castVote", args: [live.proposalId, v.support] }); // prettier-ignore
      const hash = await world.send(p.signer, wallet ?? governor, data);
      const receipt = (await world.connection.provider.request({ method: "eth_getTransactionReceipt", params: [hash] })) as { gasUsed: Hex; status: Hex }; // prettier-ignore
      if (receipt.status !== "0x1")
        throw new Error(`vote of participant ${v.index} on ${live.plan.key} reverted`);
      const gas = Number(BigInt(receipt.gasUsed));
      live.gas.push(gas);
      state.gas.push(gas);
      live.voters++;
      if (++cast % 500 === 0)
        world.progress(`votes (${ended}/${planned.length} proposals ended)`, cast, cast + 500);
    }
  };

  const execute =
    (
      live: Live,
      actions: ProposalActions,
      quorum: bigint,
      tallies: { for: bigint; against: bigint; abstain: bigint },
    ) =>
    async () => {
      // prettier-ignore
      await executeProposal(deployerClient, { contracts, ...actions });
      record(live, "Executed", clock.now, tallies, quorum);
    };

  const close = (live: Live) => async () => {
    const { actions } = live.plan;
    const info = await getProposal(clients.publicClient, { contracts, proposalId: live.proposalId });
    const tallies = info.votes;
    if (live.struckDown) {
      record(live, info.state, live.struckAt, tallies, info.quorum); // its bond was slashed
      return;
    }
    await claimProposalBond(deployerClient, { contracts, proposalId: live.proposalId });
    if (info.state !== "Succeeded") {
      record(live, info.state, Number(info.deadline), tallies, info.quorum);
      return;
    }
    if (info.critical && !info.councilApproved) {
      if (live.plan.attack) {
        live.councilApproved = false; // the council does not approve an attack
      } else {
        await approveProposalByCouncil(deployerClient, { contracts, proposalId: live.proposalId, owners });
        live.councilApproved = true;
      }
    }
    try {
      await queueProposal(deployerClient, { contracts, ...actions });
    } catch (error) {
      live.queueRefusal = refusal(error);
      record(live, "Succeeded", Number(info.deadline), tallies, info.quorum);
      return;
    }
    const eta = Number(await clients.publicClient.readContract({ address: governor, abi: openClawGovernorAbi, functionName: "proposalEta", args: [live.proposalId] })); // prettier-ignore
    agenda.add(eta, execute(live, actions, info.quorum, tallies));
  };

  // A watcher (an account of its own, given the challenge bond) challenges in the challenge period.
  const challenge = async (live: Live) => {
    const watcher = await world.account(`watcher:${live.plan.key}`);
    const bond = await clients.publicClient.readContract({ address: contracts.ProposalBondEscrow!, abi: proposalBondEscrowAbi, functionName: "challengeBond" }); // prettier-ignore
    await world.fund(watcher, bond);
    await challengeProposal(clients.walletFor(watcher), { contracts, proposalId: live.proposalId });
    live.challenged = true;
  };

  // The council resolves it through the Safe; an upheld challenge's bond goes back to the watcher.
  const resolveChallenge = async (live: Live, uphold: boolean) => {
    const escrow = contracts.ProposalBondEscrow!;
    const data = encodeFunctionData({ abi: proposalBondEscrowAbi, functionName: "resolveChallenge", args: [live.proposalId, uphold] }); // prettier-ignore
    await execSafeCall(deployerClient, { safe: contracts.SecurityCouncil!, to: escrow, data, owners });
    if (!uphold) return;
    live.struckDown = true;
    live.struckAt = Number((await clients.publicClient.getBlock()).timestamp);
    const watcher = await world.account(`watcher:${live.plan.key}`);
    await world.send(watcher, escrow, encodeFunctionData({ abi: proposalBondEscrowAbi, functionName: "claimChallengeBond", args: [live.proposalId] })); // prettier-ignore
  };

  const create = (item: { week: number; proposal: PlannedProposal }, k: number) => async () => {
    const p = item.proposal;
    const proposer = p.proposer ?? proposerList[k % proposerList.length]!;
    const proposalId = getProposalId(p.actions);
    const live: Live = { plan: p, week: item.week, proposer, proposalId, createdAt: 0, closeAt: 0, voters: 0, gas: [], councilApproved: null, challenged: false, struckDown: false, struckAt: 0 }; // prettier-ignore
    if (p.type === "Emergency") {
      if (!p.attack) {
        await approveProposalByCouncil(deployerClient, { contracts, proposalId, proposer, owners });
        live.councilApproved = true;
      }
    }
    await propose(clients.walletFor(proposer), {
      contracts,
      ...p.actions,
      proposalType: TYPE_VALUES[p.type],
    });
    const info = await getProposal(clients.publicClient, { contracts, proposalId });
    if (info.critical && p.type !== "Emergency") live.councilApproved = false;
    live.createdAt = Number(info.createdAt);
    live.closeAt = Number(info.deadline) + 1;
    if (state.countedTotal === undefined) {
      await clock.advanceTo(clock.now + 1); // counted power at the creation timepoint is readable from the next block
      const read = await readPower(world, live.createdAt);
      state.power = read.power;
      state.countedTotal = read.countedTotal;
    }
    const voteStart = Number(info.voteStart);
    const window = Number(info.deadline) - voteStart - 2 * HOUR;
    const factor = plan.turnoutFactor?.(p, item.week) ?? 1;
    const buckets = new Map<number, { index: number; support: number }[]>();
    for (const i of eligible) {
      const d = decide(world.rng, world.population[i]!, p.key, p.summary, p.attack, factor);
      if (!d.votes) continue;
      const t = voteStart + HOUR + Math.floor((d.at * window) / HOUR) * HOUR;
      const list = buckets.get(t) ?? [];
      list.push({ index: i, support: d.support });
      buckets.set(t, list);
    }
    for (const [t, voters] of [...buckets.entries()].sort((a, b) => a[0] - b[0])) agenda.add(t, () => sendVotes(live, voters)); // prettier-ignore
    if (p.challenge !== undefined) {
      agenda.add(live.createdAt + HOUR, () => challenge(live));
      agenda.add(live.createdAt + DAY, () => resolveChallenge(live, p.challenge!.uphold));
    }
    if (p.proposerVote !== undefined) {
      const support = p.proposerVote;
      agenda.add(voteStart + HOUR, async () => {
        if (!live.struckDown) await castVote(clients.walletFor(proposer), { contracts, proposalId, support });
      });
    }
    agenda.add(live.closeAt, close(live));
  };

  planned.forEach((item, k) => agenda.add(start + item.week * WEEK + item.proposal.offset, create(item, k)));
  for (let task = agenda.next(); task !== undefined; task = agenda.next()) {
    if (task.time > clock.now) await clock.advanceTo(task.time);
    await task.run();
    world.sampleRss();
  }
  return records;
}

/** What {@link runSimulation} takes. */
export interface SimulationOptions {
  scenario: Scenario;
  agents: number;
  seed: number;
  parameters?: Partial<SimulationParameters>;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** Parameters as the JSON holds them (bigints as decimal strings). */
export function parametersJson(p: SimulationParameters): SimulationResult["parameters"] {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])) as SimulationResult["parameters"]; // prettier-ignore
}

/**
 * Runs a scenario in a new world and assembles the result: the records, the participation timeline,
 * the power distribution, the attack outcomes, the success metrics and the cost figures.
 */
export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const started = performance.now();
  const world = await createWorld({ agents: o.agents, seed: o.seed, ...(o.parameters ? { parameters: o.parameters } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) }); // prettier-ignore
  try {
    const attacks: AttackOutcome[] = await o.scenario.run(world);
    return await assembleResult(world, o.scenario, attacks, started);
  } finally {
    await world.connection.close();
  }
}

/** Builds the {@link SimulationResult} of a world after its scenario ran. */
export async function assembleResult(
  world: SimWorld,
  scenario: Scenario,
  attacks: AttackOutcome[],
  started: number,
): Promise<SimulationResult> {
  // prettier-ignore
  const state = stateOf(world);
  const latest = await world.clients.publicClient.getBlock();
  await world.clock.advanceTo(world.clock.now + 1);
  const end = await readPower(world, Number(latest.timestamp));
  const power = state.power ?? end.power;
  const kinds = ["Human", "Provider", "Consumer", "Builder", "Coordinator"] as const;
  const population = kinds.map((kind) => {
    const members = world.population.filter((p) => p.kind === kind);
    const raw = members.reduce((s, p) => s + end.byIndex[p.index]!.raw, 0n);
    const counted = members.reduce((s, p) => s + end.byIndex[p.index]!.counted, 0n);
    return { kind, count: members.length, raw: raw.toString(), counted: counted.toString() };
  });
  const gas = state.gas;
  const wallTimeMs = Math.round(performance.now() - started);
  const votingMs = Math.max(1, wallTimeMs - world.setupMs);
  const block = await world.clients.publicClient.getBlock();
  const chainId = await world.clients.publicClient.getChainId();
  return {
    version: SIMULATION_RESULT_VERSION,
    kind: "simulation",
    scenario: scenario.name,
    description: scenario.description,
    seed: world.seed,
    agents: world.population.length,
    parameters: parametersJson(world.parameters),
    population,
    proposals: world.records,
    timeline: state.timeline,
    power,
    attacks,
    metrics: successMetrics(world.records, attacks),
    performance: {
      wallTimeMs,
      setupMs: world.setupMs,
      votes: gas.length,
      votesPerSecond: Math.round((gas.length / (votingMs / 1000)) * 10) / 10,
      transactions: world.transactions(),
      gasPerVote: {
        mean: gas.length === 0 ? 0 : Math.round(gas.reduce((s, g) => s + g, 0) / gas.length),
        min: gas.reduce((m, g) => Math.min(m, g), gas.length === 0 ? 0 : Infinity),
        max: gas.reduce((m, g) => Math.max(m, g), 0),
      },
      peakRssBytes: world.sampleRss(),
    },
    chain: { chainId, blocks: Number(block.number), startTimestamp: world.startTimestamp, endTimestamp: Number(block.timestamp) }, // prettier-ignore
  };
}
