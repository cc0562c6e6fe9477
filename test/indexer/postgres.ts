/**
 * The indexer (Ponder, indexer/) against a real PostgreSQL 15 server started here (test/indexer/
 * cluster.ts), after a real run of the protocol on the embedded chain served over HTTP: the whole
 * deployment (the main job's Ignition modules), a provider's stake, a job proved (Groth16 receipt)
 * and settled, two proposals and votes. Then:
 *
 * 1. the rows in PostgreSQL equal the chain's, read with the SDK (proposals, tallies, quorum, vote
 *    opening, votes, stakes, jobs);
 * 2. a restart resumes from Ponder's checkpoint (`_ponder_checkpoint`, "Detected crash recovery")
 *    instead of indexing from block 0, and the events made while it was stopped are there;
 * 3. a reorg (`evm_snapshot`, a vote, `evm_revert`, a longer branch with another vote) is followed:
 *    the reverted vote's row is gone, the new one is there, the tallies are the new chain's.
 *
 * Waits for the indexer's block (`/status`) and for its log lines, never for time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import pg from "pg";
import {
  createPublicClient,
  encodeFunctionData,
  http,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";

import {
  aitbcTokenAbi,
  castVote,
  claimJob,
  finalizeJob,
  getJob,
  getProposal,
  getProviderPosition,
  hasVoted,
  identityCommitment,
  openClawGovernorAbi,
  openJob,
  propose,
  proveAndSubmitResult,
  stake,
  type AitbcContracts,
} from "@aitbc/sdk";
import { serveRpc } from "../../scripts/lib/main/rpc-http.js";
import { viemClients, type ViemClients } from "../../scripts/lib/main/clients.js";
import {
  deployProtocol,
  fundAccounts,
  mainAccounts,
  type MainAccounts,
} from "../../scripts/lib/main/deploy.js";
import { startIndexer, waitForIndexedBlock, type RunningIndexer } from "../../scripts/lib/indexer/process.js";
import { freePort, startPostgres, type PostgresCluster } from "./cluster.js";

const AITBC = 10n ** 18n;
const DAY = 86_400;
/** The challenge period before votes open: 48 h (DESIGN.md). */
const CHALLENGE_PERIOD = 48n * 3600n;
/** The escrow's challenge window after a result: 1 day (MarketPolicy's default). */
const CHALLENGE_WINDOW = DAY;
const SCHEMA = "aitbc_pg";
const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts");
const MODEL = keccak256(toHex("indexer-test-model@sha256:01")) as Hex;
const SECRET = 0x1de7_0001n;
const PRICE = 10n ** 15n; // 0.001 AITBC per token
const TOKENS = 37n;

/** Ponder's checkpoint string: timestamp (10 digits), chain id (16), block number (16), … */
const checkpointBlock = (checkpoint: string) => BigInt(checkpoint.slice(26, 42));

/** One JSON-RPC call the indexer made through the bridge. */
interface RpcCall {
  method: string;
  params: unknown[];
}

/** A Ponder JSON log line. */
type LogLine = { msg?: string } & Record<string, unknown>;

/** The indexer's process with its JSON log lines, and a wait for a line. */
class Indexer {
  lines: LogLine[] = [];
  private waiters: { match: (l: LogLine) => boolean; done: () => void }[] = [];
  constructor(readonly running: RunningIndexer) {
    let rest = "";
    running.child.stdout!.on("data", (d: Buffer) => {
      const parts = (rest + d.toString()).split("\n");
      rest = parts.pop()!;
      for (const part of parts) {
        let line: LogLine;
        try {
          line = JSON.parse(part) as LogLine;
        } catch {
          line = { msg: part };
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.done(), false) : true));
      }
    });
    running.child.stderr!.on("data", (d: Buffer) => this.lines.push({ msg: d.toString(), stderr: true }));
  }
  /** Resolves at the first log line (past or future) that `match`es; rejects if the process exits. */
  waitFor(match: (l: LogLine) => boolean): Promise<void> {
    if (this.lines.some(match)) return Promise.resolve();
    return new Promise((done, fail) => {
      this.waiters.push({ match, done });
      void this.running.exited.then((code) =>
        fail(new Error(`the indexer exited (${code}):\n${this.tail()}`)),
      );
    });
  }
  has(msg: string): boolean {
    return this.lines.some((l) => l.msg === msg);
  }
  tail(): string {
    return this.lines
      .slice(-40)
      .map((l) => JSON.stringify(l))
      .join("\n");
  }
}

describe("indexer on PostgreSQL: rows equal the chain's, restarts resume, reorgs are followed", function () {
  this.timeout(600_000);
  let cluster: PostgresCluster;
  let db: pg.Client;
  let dir: string;
  let rpc: { url: string; close(): Promise<void> };
  let calls: RpcCall[] = [];
  let client: PublicClient;
  let clients: ViemClients;
  let contracts: AitbcContracts;
  let accounts: MainAccounts;
  let deploymentFile: string;
  let time: { increase(s: number): Promise<number>; increaseTo(t: number): Promise<void> };
  let indexer: Indexer;
  const logs: LogLine[][] = [];
  let port: number;
  let jobId: bigint;
  let proposalA: bigint;
  let proposalB: bigint;

  const start = async () => {
    const running = await startIndexer({
      rpc: rpc.url,
      deployments: deploymentFile,
      port,
      databaseUrl: cluster.url,
      schema: SCHEMA,
      pollMs: 200,
      stdio: "pipe",
      logLevel: "debug",
      logFormat: "json",
      // The cache of finalized RPC data (off by default on chain 31337): a restart re-fetches none of it.
      rpcCache: true,
    });
    indexer = new Indexer(running);
    logs.push(indexer.lines);
  };
  const synced = async () =>
    waitForIndexedBlock(indexer.running.url, await client.getBlockNumber(), { child: indexer.running.child });
  const rows = async <T>(query: string, values: unknown[] = []) =>
    (await db.query(query, values)).rows as T[];
  const wallet = (a: Address) => clients.walletFor(a);
  const voteRows = (proposalId: bigint) =>
    rows<{ voter: string; support: number; weight: string }>(
      `select voter, support, weight from ${SCHEMA}.vote where proposal_id = $1 order by voter`,
      [proposalId.toString()],
    );
  /** The chain's VoteCast logs of a proposal, read with the SDK's ABI. */
  const chainVotes = async (proposalId: bigint) =>
    (
      await client.getContractEvents({
        abi: openClawGovernorAbi,
        address: contracts.OpenClawGovernor!,
        eventName: "VoteCast",
        fromBlock: 0n,
      })
    )
      .filter((l) => l.args.proposalId === proposalId)
      .map((l) => ({
        voter: l.args.voter!.toLowerCase(),
        support: l.args.support!,
        weight: l.args.weight!.toString(),
      })) // prettier-ignore
      .sort((a, b) => a.voter.localeCompare(b.voter));
  const grantCall = (to: Address, description: string) => ({
    contracts,
    targets: [contracts.AITBCToken!],
    values: [0n],
    calldatas: [encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [to, 1n] })],
    description,
  });

  before(async () => {
    cluster = await startPostgres();
    db = new pg.Client({ connectionString: cluster.url });
    await db.connect();

    const connection = await network.create();
    time = connection.networkHelpers.time;
    accounts = await mainAccounts(connection.ethers);
    const { chainId } = await connection.ethers.provider.getNetwork();
    dir = mkdtempSync(join(tmpdir(), "aitbc-idx-pg-"));
    const deployed = await deployProtocol(connection, accounts, chainId, dir);
    await fundAccounts(connection.ethers, deployed, accounts);
    contracts = deployed.contracts;
    deploymentFile = deployed.deploymentFile;
    clients = viemClients(connection);
    // The chain over HTTP for the indexer, recording the calls it makes.
    const provider = connection.provider as unknown as {
      request(a: { method: string; params?: unknown[] }): Promise<unknown>;
    };
    rpc = await serveRpc({
      request: (a) => {
        calls.push({ method: a.method, params: a.params ?? [] });
        return provider.request(a);
      },
    });
    client = createPublicClient({ transport: http(rpc.url), cacheTime: 0 });

    // Market: a provider stakes; a consumer's job is proved, submitted and settled.
    const p1 = accounts.provider1.address as Address;
    const alice = accounts.alice.address as Address;
    await stake(wallet(p1), {
      contracts,
      amount: 5_000n * AITBC,
      registration: {
        identityCommitment: identityCommitment(SECRET),
        gpu: { model: "CPU (test)", vramGb: 0, throughput: 5 },
        modelDigests: [MODEL],
      },
    });
    const now = BigInt((await client.getBlock()).timestamp);
    ({ jobId } = await openJob(wallet(alice), {
      contracts,
      modelDigest: MODEL,
      promptHash: keccak256(toHex("What does an indexer do?")),
      maxTokens: 100n,
      pricePerToken: PRICE,
      deadline: now + BigInt(DAY),
    }));
    await claimJob(wallet(p1), { contracts, jobId });
    await proveAndSubmitResult(wallet(p1), {
      contracts,
      jobId,
      secret: SECRET,
      outputHash: keccak256(toHex("It turns events into rows.")),
      tokenCount: TOKENS,
    });
    await time.increase(CHALLENGE_WINDOW + 1);
    await finalizeJob(wallet(alice), { contracts, jobId });

    // Governance: votes delegated at day 0 vest over 7 days; two proposals, votes on the first.
    await time.increaseTo(deployed.day0 + 8 * DAY);
    const proposer = wallet(accounts.proposer.address as Address);
    ({ proposalId: proposalA } = await propose(proposer, grantCall(alice, "indexer test: proposal A")));
    ({ proposalId: proposalB } = await propose(proposer, grantCall(alice, "indexer test: proposal B")));
    await time.increase(2 * DAY + 1);
    await castVote(wallet(alice), { contracts, proposalId: proposalA, support: 1 });
    await castVote(wallet(accounts.bob.address as Address), { contracts, proposalId: proposalA, support: 0 });

    port = await freePort();
    await start();
    await synced();
  });

  after(async () => {
    if (indexer) await indexer.running.stop();
    mkdirSync(ARTIFACTS, { recursive: true });
    const text = logs.map((lines, i) =>
      [`# start ${i + 1}`, ...lines.map((l) => JSON.stringify(l))].join("\n"),
    );
    writeFileSync(join(ARTIFACTS, "indexer-postgres.log"), text.join("\n") + "\n");
    await db?.end();
    await rpc?.close();
    cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("stores in PostgreSQL the chain's proposals, tallies, votes, stakes and jobs", async () => {
    for (const id of [proposalA, proposalB]) {
      const [row] = await rows<Record<string, string>>(`select * from ${SCHEMA}.proposal where id = $1`, [id.toString()]); // prettier-ignore
      const chain = await getProposal(client, { contracts, proposalId: id });
      expect(row, `proposal ${id}`).to.not.equal(undefined);
      expect(BigInt(row!.for_votes!)).to.equal(chain.votes.for);
      expect(BigInt(row!.against_votes!)).to.equal(chain.votes.against);
      expect(BigInt(row!.abstain_votes!)).to.equal(chain.votes.abstain);
      expect(BigInt(row!.voting_opens_at!)).to.equal(chain.voteStart);
      expect(chain.voteStart - chain.createdAt).to.equal(CHALLENGE_PERIOD);
      expect(row!.proposer!.toLowerCase()).to.equal(accounts.proposer.address.toLowerCase());
      expect(row!.proposal_type).to.equal("Resource");
    }
    const [a] = await rows<{ quorum: string; voters: number }>(`select quorum, voters from ${SCHEMA}.proposal where id = $1`, [proposalA.toString()]); // prettier-ignore
    expect(BigInt(a!.quorum)).to.equal(
      (await getProposal(client, { contracts, proposalId: proposalA })).quorum,
    );
    expect(a!.voters).to.equal(2);

    const votes = await voteRows(proposalA);
    expect(votes.map((v) => ({ ...v, voter: v.voter.toLowerCase() }))).to.deep.equal(
      await chainVotes(proposalA),
    );
    expect(votes.length).to.equal(2);
    for (const v of votes)
      expect(await hasVoted(client, { contracts, proposalId: proposalA, account: v.voter as Address })).to.equal(true); // prettier-ignore

    const p1 = accounts.provider1.address as Address;
    const [staked] = await rows<{ staked: string; registered: boolean }>(`select staked, registered from ${SCHEMA}.provider where address = $1`, [p1.toLowerCase()]); // prettier-ignore
    expect(BigInt(staked!.staked)).to.equal(
      (await getProviderPosition(client, { contracts, provider: p1 })).staked,
    );
    expect(BigInt(staked!.staked)).to.equal(5_000n * AITBC);
    expect(staked!.registered).to.equal(true);

    const [job] = await rows<Record<string, string>>(`select * from ${SCHEMA}.job where id = $1`, [jobId.toString()]); // prettier-ignore
    const chainJob = await getJob(client, { contracts, jobId });
    expect(chainJob.status).to.equal("Settled");
    expect(job!.status).to.equal("settled");
    expect(BigInt(job!.token_count!)).to.equal(chainJob.tokenCount);
    expect(BigInt(job!.token_count!)).to.equal(TOKENS);
    expect(job!.consumer!.toLowerCase()).to.equal(chainJob.consumer.toLowerCase());
    expect(job!.provider!.toLowerCase()).to.equal(chainJob.provider.toLowerCase());
    expect(BigInt(job!.provider_amount!) + BigInt(job!.protocol_fee!)).to.equal(TOKENS * PRICE);
  });

  it("restarts from its checkpoint, not from block 0, and indexes what happened while it was down", async () => {
    const [before] = await rows<{ safe_checkpoint: string; latest_checkpoint: string }>(`select safe_checkpoint, latest_checkpoint from ${SCHEMA}._ponder_checkpoint`); // prettier-ignore
    const safeBlock = checkpointBlock(before!.safe_checkpoint);
    expect(safeBlock > 0n).to.equal(true);
    await indexer.running.stop();

    // While it is down: the proposer votes on A, the provider stakes more.
    const p1 = accounts.provider1.address as Address;
    await castVote(wallet(accounts.proposer.address as Address), { contracts, proposalId: proposalA, support: 1 }); // prettier-ignore
    await stake(wallet(p1), { contracts, amount: 1_000n * AITBC });

    calls = [];
    await start();
    await synced();
    expect(indexer.has("Detected crash recovery"), indexer.tail()).to.equal(true);
    // Ponder's own account of where indexing started: block 0 the first time, the safe checkpoint now.
    const backfill = (lines: LogLine[]) => lines.filter((l) => l.msg === "Started backfill indexing").map((l) => JSON.parse(String(l.block_range)) as [number, number]); // prettier-ignore
    expect(backfill(logs[0]!)[0]![0]).to.equal(0);
    const resumed = backfill(indexer.lines);
    expect(resumed.length).to.equal(1);
    expect(BigInt(resumed[0]![0])).to.equal(safeBlock);
    // And every log range it fetched again starts at or after that block (finalized ones are cached).
    const from = calls.filter((c) => c.method === "eth_getLogs").map((c) => (c.params[0] as { fromBlock?: Hex }).fromBlock).filter((f) => f !== undefined).map((f) => BigInt(f)); // prettier-ignore
    expect(from.length > 0).to.equal(true);
    for (const f of from) expect(f >= safeBlock, `eth_getLogs from block ${f} < ${safeBlock}`).to.equal(true);

    const votes = await voteRows(proposalA);
    expect(votes.length).to.equal(3);
    expect(votes.map((v) => ({ ...v, voter: v.voter.toLowerCase() }))).to.deep.equal(
      await chainVotes(proposalA),
    );
    const [row] = await rows<{ for_votes: string; voters: number }>(`select for_votes, voters from ${SCHEMA}.proposal where id = $1`, [proposalA.toString()]); // prettier-ignore
    expect(BigInt(row!.for_votes)).to.equal((await getProposal(client, { contracts, proposalId: proposalA })).votes.for); // prettier-ignore
    expect(row!.voters).to.equal(3);
    const [staked] = await rows<{ staked: string }>(`select staked from ${SCHEMA}.provider where address = $1`, [p1.toLowerCase()]); // prettier-ignore
    expect(BigInt(staked!.staked)).to.equal(6_000n * AITBC);
    expect(BigInt(staked!.staked)).to.equal(
      (await getProviderPosition(client, { contracts, provider: p1 })).staked,
    );
    // One row per stake event, none indexed twice.
    const [{ n }] = (await rows<{ n: string }>(`select count(*) as n from ${SCHEMA}.stake_event where provider = $1`, [p1.toLowerCase()])) as [{ n: string }]; // prettier-ignore
    expect(Number(n)).to.equal(2);
  });

  it("follows a reorg: the reverted vote's row is gone, the new branch's vote is there", async () => {
    const alice = accounts.alice.address as Address;
    const bob = accounts.bob.address as Address;
    const height = await client.getBlockNumber();
    const snapshot = (await client.request({ method: "evm_snapshot" as never })) as Hex;
    await castVote(wallet(alice), { contracts, proposalId: proposalB, support: 1 });
    expect(await client.getBlockNumber()).to.equal(height + 1n);
    await synced();
    expect((await voteRows(proposalB)).map((v) => v.voter.toLowerCase())).to.deep.equal([
      alice.toLowerCase(),
    ]);

    expect(await client.request({ method: "evm_revert" as never, params: [snapshot] as never })).to.equal(
      true,
    );
    expect(await client.getBlockNumber()).to.equal(height);
    // A different, longer branch at the same height: bob votes Against, then two more blocks.
    await castVote(wallet(bob), { contracts, proposalId: proposalB, support: 0 });
    await client.request({ method: "evm_mine" as never });
    await client.request({ method: "evm_mine" as never });
    expect(await client.getBlockNumber()).to.equal(height + 3n);
    await synced();
    await indexer.waitFor((l) => l.msg === "Reconciled reorg in local chain");

    const votes = await voteRows(proposalB);
    expect(votes.map((v) => v.voter.toLowerCase())).to.deep.equal([bob.toLowerCase()]);
    expect(votes.map((v) => ({ ...v, voter: v.voter.toLowerCase() }))).to.deep.equal(
      await chainVotes(proposalB),
    );
    const chain = await getProposal(client, { contracts, proposalId: proposalB });
    expect(chain.votes.for).to.equal(0n);
    const [row] = await rows<{ for_votes: string; against_votes: string; voters: number }>(`select for_votes, against_votes, voters from ${SCHEMA}.proposal where id = $1`, [proposalB.toString()]); // prettier-ignore
    expect(BigInt(row!.for_votes)).to.equal(0n);
    expect(BigInt(row!.against_votes)).to.equal(chain.votes.against);
    expect(row!.voters).to.equal(1);
  });
});
