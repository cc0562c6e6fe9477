/**
 * Autonomous voting agents: one AgentWallet per seed role (Provider, Consumer, Builder, Coordinator),
 * each voting with its agent key through its wallet. The voter follows the governor's `ProposalCreated`
 * and `ProposalTyped` events from a cursor in its SQLite store; once a proposal's voting opens (after
 * the 48 h challenge period) it decodes the proposal's calldata (`summarizeProposal`: treasury outflows,
 * parameter changes against the values in force), scores it with the wallet's role strategy
 * (`evaluateProposal`), votes For above the threshold and Against otherwise with the explanation as the
 * on-chain reason (`autonomousVote` through the wallet), and logs every rule that applied.
 *
 * A restart on the same store re-reads nothing it has handled and never votes twice: before voting it
 * asks the governor (`hasVoted`), and a vote cast before a crash is recorded from its `VoteCast` event.
 *
 * @example
 * ```ts
 * const voter = new Voter({ client, contracts, store, agents: [{ wallet, role: "Provider", signer }] });
 * voter.start();
 * await voter.caughtUp();
 * const votes = await voter.round(); // votes on every proposal whose voting is open
 * await voter.stop();
 * ```
 */
import type { Address, PublicClient } from "viem";
import { getContractEvents } from "viem/actions";

import {
  autonomousVote,
  getProposalState,
  hasVoted,
  openClawGovernorAbi,
  summarizeProposal,
  type AgentWalletRoleName,
  type AitbcContracts,
  type OpenProposal,
  type SummarizeProposalReturnType,
} from "@aitbc/sdk";
import { followLogs, type FollowedLog, type Follower } from "../shared/follow.js";
import { formatTokens } from "../shared/format.js";
import type { Store } from "../shared/store.js";
import type { ChainSigner } from "../watcher/signer.js";
import { describeError } from "../watcher/errors.js";
import { VoterState, type StoredVote } from "./state.js";

const PROPOSAL_TYPES = ["Protocol", "Resource", "Community", "Emergency"] as const;
const SUPPORT = ["Against", "For", "Abstain"] as const;

/** One agent: its wallet, the role whose strategy decides, and its agent key's signer. */
export interface VotingAgent {
  /** The AgentWallet whose counted power votes (delegated to itself). */
  wallet: Address;
  /** The wallet's on-chain role. */
  role: AgentWalletRoleName;
  /** The wallet's agent key: sends the wallet call. */
  signer: ChainSigner;
}

/** Options of {@link Voter}. */
export interface VoterOptions {
  /** Reads and event queries. */
  client: PublicClient;
  /** Needs `OpenClawGovernor` and `AITBCToken`; `GPUStaking` and `MarketPolicy` to decode their setters. */
  contracts: AitbcContracts;
  /** The agents (at most one per wallet). */
  agents: readonly VotingAgent[];
  /** Cursor, proposals and votes. */
  store: Store;
  /** First block read when the store has no cursor (default 0). */
  fromBlock?: bigint;
  /** Chain poll interval, ms (default 1 000). */
  pollingIntervalMs?: number;
  /** Score above which an agent votes For (default 0.7, the seed's `AgentVotingStrategy`). */
  threshold?: number;
  /** Log sink (default `console.log` with a `[voter]` prefix). */
  log?: (line: string) => void;
}

/** The voting agents (see the module's description). */
export class Voter {
  private readonly state: VoterState;
  private follower: Follower | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly summaries = new Map<bigint, SummarizeProposalReturnType>();
  private readonly log: (line: string) => void;

  /** @param options See {@link VoterOptions}. */
  constructor(readonly options: VoterOptions) {
    this.state = new VoterState(options.store);
    this.log = options.log ?? ((line) => console.log(`[voter] ${line}`));
  }

  /** Starts following the governor and voting at every poll. */
  start(): void {
    const { client, contracts, store } = this.options;
    const interval = this.options.pollingIntervalMs ?? 1_000;
    this.follower = followLogs({
      client,
      address: contracts.OpenClawGovernor!,
      abi: openClawGovernorAbi,
      eventNames: ["ProposalCreated", "ProposalTyped"],
      store,
      cursorKey: "voter:OpenClawGovernor",
      fromBlock: this.options.fromBlock ?? 0n,
      pollingIntervalMs: interval,
      onLogs: (logs) => this.onLogs(logs),
      onError: (e) => this.log(`follow failed: ${describeError(e)}`),
    });
    this.timer = setInterval(() => void this.round().catch((e) => this.log(`round failed: ${describeError(e)}`)), interval); // prettier-ignore
  }

  /** Resolves once every proposal created up to the current head is stored. */
  async caughtUp(): Promise<void> {
    await this.follower?.caughtUp();
  }

  /** Stops following and voting (waits for the round in progress). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.follower?.stop();
    this.follower = undefined;
    await this.queue.catch(() => undefined);
  }

  /** Every vote recorded (this run and earlier runs on the same store), oldest first. */
  votes(): StoredVote[] {
    return this.state.votes();
  }

  /**
   * One round: every stored proposal whose voting is open gets a vote from each agent that has not
   * voted; proposals whose voting is over are closed. Rounds run one at a time. A vote that fails
   * (a frozen wallet, an RPC error) is logged and tried again in the next round.
   * @returns The votes recorded in this round.
   */
  round(): Promise<StoredVote[]> {
    const run = this.queue.then(() => this.runRound());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private onLogs(logs: FollowedLog[]): void {
    const typed = new Map<bigint, { proposalType: number; critical: boolean }>();
    for (const log of logs)
      if (log.eventName === "ProposalTyped")
        typed.set(log.args.proposalId as bigint, { proposalType: Number(log.args.proposalType), critical: log.args.critical as boolean }); // prettier-ignore
    for (const log of logs) {
      if (log.eventName !== "ProposalCreated") continue;
      const a = log.args as { proposalId: bigint; proposer: Address; targets: Address[]; values: bigint[]; calldatas: `0x${string}`[]; description: string }; // prettier-ignore
      const extra = typed.get(a.proposalId);
      if (extra === undefined) continue; // every governor proposal is typed in the same transaction
      this.state.addProposal({
        proposalId: a.proposalId,
        proposer: a.proposer,
        targets: a.targets,
        values: a.values,
        calldatas: a.calldatas,
        description: a.description,
        proposalType: PROPOSAL_TYPES[extra.proposalType]!,
        critical: extra.critical,
        blockNumber: log.blockNumber,
      });
    }
  }

  private async runRound(): Promise<StoredVote[]> {
    const { client, contracts } = this.options;
    const cast: StoredVote[] = [];
    for (const proposal of this.state.openProposals()) {
      const state = await getProposalState(client, { contracts, proposalId: proposal.proposalId });
      if (state === "Pending") continue; // the challenge period: votes are refused until it ends
      if (state !== "Active") {
        this.state.close(proposal.proposalId);
        this.summaries.delete(proposal.proposalId);
        continue;
      }
      for (const agent of this.options.agents) {
        if (this.state.hasVote(proposal.proposalId, agent.wallet)) continue;
        try {
          const vote = await this.vote(agent, proposal);
          this.state.recordVote(vote);
          cast.push(vote);
        } catch (error) {
          // e.g. AgentWalletFrozen: not recorded, so the next round tries again.
          this.log(`${agent.role} agent ${agent.wallet} could not vote on proposal ${proposal.proposalId.toString().slice(0, 8)}…: ${describeError(error)}`); // prettier-ignore
        }
      }
    }
    return cast;
  }

  private async vote(agent: VotingAgent, proposal: Omit<OpenProposal, "state">): Promise<StoredVote> {
    const { client, contracts } = this.options;
    const { proposalId } = proposal;
    const short = `proposal ${proposalId.toString().slice(0, 8)}… (${proposal.proposalType})`;
    if (await hasVoted(client, { contracts, proposalId, account: agent.wallet })) {
      const found = await this.castBefore(agent, proposalId);
      this.log(`${agent.role} agent ${agent.wallet} had already voted ${SUPPORT[found.support]} on ${short} (found on-chain)`); // prettier-ignore
      return found;
    }
    let summary = this.summaries.get(proposalId);
    if (summary === undefined) {
      summary = await summarizeProposal(client, { contracts, ...proposal });
      this.summaries.set(proposalId, summary);
    }
    const threshold = this.options.threshold;
    const result = await agent.signer.send(
      "vote",
      (c) =>
      autonomousVote(c, { contracts, proposalId, role: agent.role, proposal: summary, wallet: agent.wallet, ...(threshold === undefined ? {} : { threshold }) }), // prettier-ignore
    );
    const e = result.evaluation;
    this.log(`${agent.role} agent ${agent.wallet} votes ${SUPPORT[e.vote]} on ${short} "${proposal.description.slice(0, 60)}" with ${formatTokens(result.weight, 0)} AITBC of counted power (tx ${result.hash}):`); // prettier-ignore
    for (const reason of e.reasons) this.log(`    ${reason}`);
    for (const call of summary.unrecognized) this.log(`    not scored: call ${call}`);
    return { proposalId, wallet: agent.wallet, role: agent.role, support: e.vote, score: e.score, reasons: e.reasons, hash: result.hash, weight: result.weight }; // prettier-ignore
  }

  /** The wallet's vote on `proposalId` from its `VoteCast` event (cast before a restart). */
  private async castBefore(agent: VotingAgent, proposalId: bigint): Promise<StoredVote> {
    const { client, contracts } = this.options;
    const logs = await getContractEvents(client, {
      address: contracts.OpenClawGovernor!,
      abi: openClawGovernorAbi,
      eventName: "VoteCast",
      args: { voter: agent.wallet },
      fromBlock: this.options.fromBlock ?? 0n,
    });
    const log = logs.find((l) => l.args.proposalId === proposalId);
    const reason = log?.args.reason ?? "";
    const score = /score (\d+(?:\.\d+)?)/.exec(reason);
    return {
      proposalId,
      wallet: agent.wallet,
      role: agent.role,
      support: log?.args.support ?? 0,
      ...(score === null ? {} : { score: Number(score[1]) }),
      reasons: reason === "" ? [] : reason.replace(/^[A-Za-z]+ agent: /, "").split("; "),
      ...(log === undefined ? {} : { hash: log.transactionHash }),
      weight: log?.args.weight ?? 0n,
    };
  }
}
