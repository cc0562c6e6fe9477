/**
 * `--fork`: a "live" chain (the OpenClaw DAO deployed in-process, served over JSON-RPC on 127.0.0.1 by a
 * small HTTP bridge to its provider) with three pending proposals — an out-of-bounds threshold, a treasury
 * transfer (AITBC and ether) and a parameter change — is forked with Hardhat's forking; runFork reports the
 * exact balance and parameter changes, the decoded revert of the failing one, and leaves the live chain
 * unchanged. Unknown proposal, bad URL and a deployment that does not match the chain give typed errors.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import {
  ForkDeploymentNotFoundError,
  ForkProposalNotFoundError,
  ForkRpcError,
  formatFork,
  runFork,
  type ForkResult,
} from "../../scripts/lib/simulate/fork.js";
import { AITBC, ProposalType, deployOpenClaw, propose, type OpenClaw } from "../helpers/openclaw.js";

const E18 = 10n ** 18n;

/** Serves `provider.request` as JSON-RPC over HTTP (single and batch requests). */
function serveJsonRpc(provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> }) {
  const answer = async (call: { id?: unknown; method: string; params?: unknown[] }) => {
    try {
      const result = await provider.request({ method: call.method, params: call.params ?? [] });
      return { jsonrpc: "2.0", id: call.id ?? null, result: result ?? null };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: call.id ?? null,
        error: {
          code: typeof e.code === "number" ? e.code : -32603,
          message: e.message ?? String(error),
          data: e.data,
        },
      };
    }
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      void (async () => {
        const parsed = JSON.parse(body) as unknown;
        const reply = Array.isArray(parsed)
          ? await Promise.all(parsed.map((call) => answer(call as never)))
          : await answer(parsed as never);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(reply, (_key, value: unknown) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value))); // prettier-ignore
      })();
    });
  });
  return new Promise<Server>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("simulate --fork: a pending proposal's actions on a fork of a live chain", function () {
  let dao: OpenClaw;
  let server: Server;
  let rpcUrl: string;
  let deploymentsDir: string;
  const ids = { failing: 0n, transfer: 0n, parameters: 0n };
  let timelock: string;
  let governorAddress: string;

  before(async function () {
    const live = await network.create();
    dao = await deployOpenClaw(live);
    timelock = await dao.timelock.getAddress();
    governorAddress = await dao.governor.getAddress();
    // The treasury holds 2 ether as well as its 400,000,000 AITBC.
    await dao.deployer.sendTransaction({ to: timelock, value: 2n * E18 });
    const token = await dao.token.getAddress();
    const threshold = (amount: bigint) => dao.governor.interface.encodeFunctionData("setProposalThreshold", [amount]); // prettier-ignore
    ids.failing = (
      await propose(dao, dao.proposer, {
        targets: [governorAddress],
        values: [0n],
        calldatas: [threshold(0n)],
        description: "Protocol: a zero proposal threshold",
      })
    ).id;
    ids.transfer = (
      await propose(
        dao,
        dao.proposer,
        {
          targets: [token, dao.outsider.address],
          values: [0n, 1n * E18],
          calldatas: [dao.token.interface.encodeFunctionData("transfer", [dao.outsider.address, 250_000n * AITBC]), "0x"], // prettier-ignore
          description: "Resource: pay the outsider 250,000 AITBC and 1 ether",
        },
        ProposalType.Resource,
      )
    ).id;
    ids.parameters = (
      await propose(dao, dao.proposer, {
        targets: [governorAddress, governorAddress],
        values: [0n, 0n],
        calldatas: [
          threshold(150n * AITBC),
          dao.governor.interface.encodeFunctionData("updateQuorumNumerator", [12n]),
        ],
        description: "Protocol: threshold 150 AITBC, quorum 12%",
      })
    ).id;
    server = await serveJsonRpc(live.provider as never);
    rpcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    deploymentsDir = await mkdtemp(join(tmpdir(), "aitbc-fork-"));
    await writeFile(
      join(deploymentsDir, "31337.json"),
      JSON.stringify({ chainId: 31337, contracts: dao.addresses }),
    );
  });

  after(async function () {
    await new Promise((resolve) => server.close(resolve));
    await rm(deploymentsDir, { recursive: true, force: true });
  });

  /** What the test compares on the live chain before and after the fork runs. */
  async function liveState() {
    const { token, governor, ethers, outsider } = dao;
    return {
      block: await ethers.provider.getBlockNumber(),
      timelockAitbc: await token.balanceOf(timelock),
      timelockEther: await ethers.provider.getBalance(timelock),
      outsiderAitbc: await token.balanceOf(outsider.address),
      outsiderEther: await ethers.provider.getBalance(outsider.address),
      threshold: await governor.proposalThreshold(),
      quorum: await governor["quorumNumerator()"](),
    };
  }

  it("the treasury transfer: exact AITBC and ether changes of the timelock and the recipient; the live chain is unchanged", async function () {
    const before = await liveState();
    const result = await runFork({ rpcUrl, proposalId: ids.transfer, deploymentsDir });
    expect(result.chainId).to.equal(31337);
    expect(result.blockNumber).to.equal(String(before.block));
    expect(result.proposalId).to.equal(ids.transfer.toString());
    expect(result.description).to.equal("Resource: pay the outsider 250,000 AITBC and 1 ether");
    expect(result.state).to.equal("Pending");
    expect(result.critical).to.equal(true);
    expect(result.actions.map((a) => [a.targetName ?? a.target, a.functionName ?? null, a.args ?? null, a.value])).to.deep.equal([
      ["AITBCToken", "transfer", [dao.outsider.address, (250_000n * AITBC).toString()], "0"],
      [dao.outsider.address, null, null, (1n * E18).toString()],
    ]); // prettier-ignore
    expect(result.executes).to.equal(true);
    expect(result.outcomes.map((o) => o.success)).to.deep.equal([true, true]);
    expect(result.balanceChanges).to.deep.equal([
      {
        address: timelock,
        name: "OpenClawTimelock",
        aitbc: { before: (400_000_000n * AITBC).toString(), after: (399_750_000n * AITBC).toString(), delta: (-250_000n * AITBC).toString() }, // prettier-ignore
        ether: { before: (2n * E18).toString(), after: (1n * E18).toString(), delta: (-1n * E18).toString() },
      },
      {
        address: dao.outsider.address,
        aitbc: { before: "0", after: (250_000n * AITBC).toString(), delta: (250_000n * AITBC).toString() },
        ether: { before: before.outsiderEther.toString(), after: (before.outsiderEther + E18).toString(), delta: E18.toString() }, // prettier-ignore
      },
    ]);
    expect(result.parameters.filter((p) => p.changed)).to.deep.equal([]);
    expect(result.events.map((e) => [e.action, e.contract, e.eventName, e.args])).to.deep.equal([
      [
        0,
        "AITBCToken",
        "Transfer",
        { from: timelock, to: dao.outsider.address, value: (250_000n * AITBC).toString() },
      ],
    ]);
    expect(JSON.parse(JSON.stringify(result))).to.deep.equal(result);
    // Nothing happened on the live chain.
    expect(await liveState()).to.deep.equal(before);
  });

  it("no id: the latest pending proposal (the parameter change); threshold 100 → 150 AITBC, quorum 10 → 12%, read through the views", async function () {
    const before = await liveState();
    const result: ForkResult = await runFork({ rpcUrl, deploymentsDir });
    expect(result.proposalId).to.equal(ids.parameters.toString());
    expect(result.actions.map((a) => [a.targetName, a.functionName, a.args])).to.deep.equal([
      ["OpenClawGovernor", "setProposalThreshold", [(150n * AITBC).toString()]],
      ["OpenClawGovernor", "updateQuorumNumerator", ["12"]],
    ]);
    expect(result.executes).to.equal(true);
    expect(result.parameters.filter((p) => p.changed)).to.deep.equal([
      { contract: "OpenClawGovernor", name: "proposalThreshold", before: (100n * E18).toString(), after: (150n * E18).toString(), changed: true }, // prettier-ignore
      { contract: "OpenClawGovernor", name: "quorumNumerator", before: "10", after: "12", changed: true },
    ]);
    const unchanged = Object.fromEntries(result.parameters.filter((p) => !p.changed).map((p) => [`${p.contract}.${p.name}`, p.after])); // prettier-ignore
    expect(unchanged).to.include({
      "OpenClawGovernor.VOTING_PERIOD": "604800",
      "OpenClawTimelock.getMinDelay": "172800",
      "ProposalBondEscrow.proposalBond": (1_000n * E18).toString(),
      "AITBCToken.VOTING_POWER_CAP_BPS": "500",
    });
    expect(result.balanceChanges).to.deep.equal([]);
    expect(result.events.map((e) => [e.eventName, e.args])).to.deep.equal([
      [
        "ProposalThresholdSet",
        { oldThreshold: (100n * E18).toString(), newThreshold: (150n * E18).toString() },
      ],
      ["QuorumNumeratorUpdated", { oldQuorumNumerator: "10", newQuorumNumerator: "12" }],
    ]);
    const text = formatFork(result);
    expect(text).to.include("Protocol: threshold 150 AITBC, quorum 12%");
    expect(text).to.match(
      /\* +OpenClawGovernor\.proposalThreshold +100000000000000000000 +150000000000000000000/,
    );
    expect(await liveState()).to.deep.equal(before);
  });

  it("an action that reverts: executes false, the custom error decoded with its arguments, nothing changes", async function () {
    const result = await runFork({ rpcUrl, proposalId: ids.failing, deploymentsDir });
    expect(result.executes).to.equal(false);
    expect(result.outcomes).to.have.length(1);
    expect(result.outcomes[0]!.success).to.equal(false);
    expect(result.outcomes[0]!.revert).to.include({
      errorName: "GovernanceThresholdOutOfBounds",
      message: `GovernanceThresholdOutOfBounds(0, ${E18}, ${10_000n * E18})`,
    });
    expect(result.outcomes[0]!.revert!.args).to.deep.equal(["0", E18.toString(), (10_000n * E18).toString()]);
    expect(result.balanceChanges).to.deep.equal([]);
    expect(result.parameters.filter((p) => p.changed)).to.deep.equal([]);
    expect(result.events).to.deep.equal([]);
    expect(formatFork(result)).to.include("executes: NO");
  });

  it("typed errors, one line each: unknown proposal, bad URL, unreachable chain, a deployment that does not match", async function () {
    const unknown = await runFork({ rpcUrl, proposalId: 123n, deploymentsDir }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(ForkProposalNotFoundError);
    expect((unknown as Error).message).to.equal(
      `proposal 123 not found: the governor ${governorAddress} on chain 31337 has no ProposalCreated with that id up to block ${await dao.ethers.provider.getBlockNumber()}`,
    );
    const scheme = await runFork({ rpcUrl: "ftp://127.0.0.1:1", deploymentsDir }).catch((e: unknown) => e);
    expect(scheme).to.be.instanceOf(ForkRpcError);
    expect((scheme as Error).message).to.equal(
      "unsupported URL scheme ftp: in ftp://127.0.0.1:1 (expected http:// or https://)",
    );
    // A port nobody listens on: the server's own port after it closed.
    const closed = await serveJsonRpc({ request: async () => null });
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await runFork({ rpcUrl: deadUrl, deploymentsDir }).catch((e: unknown) => e);
    expect(unreachable).to.be.instanceOf(ForkRpcError);
    expect((unreachable as Error).message).to.match(new RegExp(`^cannot reach ${deadUrl}: `));
    expect((unreachable as Error).message).to.not.include("\n");
    const wrongDir = await mkdtemp(join(tmpdir(), "aitbc-fork-wrong-"));
    try {
      const wrong = { ...dao.addresses, OpenClawGovernor: "0x000000000000000000000000000000000000dEaD" };
      await writeFile(join(wrongDir, "31337.json"), JSON.stringify({ chainId: 31337, contracts: wrong }));
      const mismatch = await runFork({ rpcUrl, deploymentsDir: wrongDir }).catch((e: unknown) => e);
      expect(mismatch).to.be.instanceOf(ForkDeploymentNotFoundError);
      expect((mismatch as Error).message).to.match(
        /^chain 31337 has no OpenClawGovernor at 0x000000000000000000000000000000000000dEaD/,
      );
    } finally {
      await rm(wrongDir, { recursive: true, force: true });
    }
  });
});
