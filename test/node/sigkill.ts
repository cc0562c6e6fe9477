/**
 * Nothing lost, nothing paid twice, when a process dies mid-job: the network as processes (hardhat
 * node, deploy, two miners on a local Ollama-API server that streams one token per 100 ms, the
 * gateway; no relay, no coordinator). A streamed request is cut by SIGKILL of the gateway after its
 * first token, and the gateway restarted on the same SQLite state; another by SIGKILL of the miner
 * serving it, and that miner restarted on its own store and port. Then, on-chain: every request
 * the gateway recorded as answered is settled exactly once (one `BatchJobSettled` per request
 * digest, none other for the consumer), and the consumer's deposit went down by exactly the fees.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";

import { expect } from "chai";
import { Ollama } from "ollama";
import { getContractEvents } from "viem/actions";
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";

import { batchEscrowAbi, getBatchDeposit, type AitbcContracts } from "@aitbc/sdk";
import { readDeployment } from "../../scripts/lib/deployments.js";
import { DEV_CHAIN_ID } from "../../scripts/lib/devnet.js";
import { FAKE_MODELS, startFakeOllama, type FakeOllama } from "../helpers/ollama-server.js";
import { freePort, ProcessNetwork, withFlag, type Child } from "./gateway-harness.js";

const MODEL = FAKE_MODELS[0]!;

interface Row {
  prompt_hash: string;
  state: string;
  path: string;
  provider: string;
  job_key: string | null;
}

describe("SIGKILL mid-job: the gateway and a miner restart, every job settles once", function () {
  const net = new ProcessNetwork();
  let ollama: FakeOllama;
  let contracts: AitbcContracts;
  let wallet: Address;
  let gatewayPort: number;
  let gateway: Child;
  const miners: { child: Child; args: string[]; address: Address }[] = [];
  const statePath = () => join(net.dir, "gateway-state.sqlite");

  /** The gateway's job table, read beside the running gateway (SQLite in WAL mode). */
  const rows = (): Row[] => {
    const db = new DatabaseSync(statePath(), { readOnly: true });
    try {
      return db.prepare("SELECT prompt_hash, state, path, provider, job_key FROM gateway_jobs").all() as unknown as Row[]; // prettier-ignore
    } finally {
      db.close();
    }
  };

  const startGateway = async () => {
    gateway = net.start(
      "gateway",
      net.gatewayArgs(gatewayPort, ["--model", `${MODEL.name}=0x${MODEL.digest}`]),
    );
    await net.waitFor("the gateway", () => gateway.output.includes("[gateway] Ollama API at"));
  };

  /** Starts a streamed request and resolves once its first token arrived; the rest is read on. */
  async function startRequest(prompt: string) {
    const parts = await new Ollama({ host: `http://127.0.0.1:${gatewayPort}` }).generate({ model: MODEL.name, prompt, stream: true }); // prettier-ignore
    const iterator = parts[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done, net.outputs()).to.equal(false);
    const rest = (async () => {
      for (let s = await iterator.next(); !s.done; s = await iterator.next());
    })().catch(() => "cut");
    return { rest };
  }

  before(async function () {
    ollama = await startFakeOllama({ faults: { tokenDelayMs: 100 } });
    await net.up();
    contracts = (await readDeployment(DEV_CHAIN_ID, net.dir)).contracts as AitbcContracts;
    const printed = net.printed("gateway")[0]!;
    wallet = printed[printed.indexOf("--agent-wallet") + 1] as Address;
    for (const i of [0, 1]) {
      const base = await net.minerArgs(i, ["--batch-max-wait", "1"]);
      const args = withFlag(withFlag(base, "--backend", "ollama"), "--ollama-host", ollama.url);
      const full = args.includes("--ollama-host") ? args : [...args, "--ollama-host", ollama.url];
      const key = full[full.indexOf("--private-key") + 1] as Hex;
      const child = net.start(`miner ${i + 1}`, full);
      miners.push({ child, args: full, address: privateKeyToAccount(key).address });
    }
    for (const m of miners) await net.waitFor(`${m.child.name} to serve`, () => m.child.output.includes("[miner] serving")); // prettier-ignore
    gatewayPort = await freePort();
    await startGateway();
    await net.waitFor("the gateway to see both miners", async () => ((await (await fetch(`http://127.0.0.1:${gatewayPort}/health`)).json()) as { providers: number }).providers === 2); // prettier-ignore
  });

  after(async () => {
    await net.down();
    await ollama?.close();
  });

  it("answers, survives both kills, and settles every answered request exactly once", async function () {
    // Two plain requests first.
    for (const p of ["one", "two"]) await (await startRequest(p)).rest;

    // SIGKILL the gateway after the first token of a request; restart it on the same state.
    const cut = await startRequest("the gateway dies here");
    await net.kill(gateway);
    expect(await cut.rest).to.equal("cut");
    await startGateway();
    await net.waitFor("the restarted gateway to finish the cut job", () => rows().every((r) => !["signed", "accepted"].includes(r.state))); // prettier-ignore

    // SIGKILL the miner serving a request after its first token; restart it on its store and port.
    const before = new Set(rows().map((r) => r.prompt_hash));
    const second = await startRequest("the miner dies here");
    const row = rows().find((r) => !before.has(r.prompt_hash))!;
    const miner = miners.find((m) => m.address.toLowerCase() === row.provider.toLowerCase())!;
    await net.kill(miner.child);
    miner.child = net.start(`${miner.child.name.replace("killed ", "")} (restarted)`, miner.args);
    await net.waitFor("the miner to serve again", () => miner.child.output.includes("[miner] serving"));
    expect(await second.rest, "the client's stream completes after the miner's restart").to.equal(undefined);

    for (const p of ["three", "four"]) await (await startRequest(p)).rest;

    // Every recorded request answered, then settled on-chain exactly once.
    const answered = () => rows().filter((r) => r.state === "answered" || r.state === "settled");
    await net.waitFor("every request answered", () => answered().length === 6);
    const keys = answered().map((r) => r.job_key!.toLowerCase());
    expect(answered().every((r) => r.path === "batch")).to.equal(true);
    const settledLogs = async () => getContractEvents(net.client, { address: contracts.BatchEscrow!, abi: batchEscrowAbi, eventName: "BatchJobSettled", args: { consumer: wallet }, fromBlock: 0n }); // prettier-ignore
    await net.waitFor(
      "every answered request settled",
      async () => (await settledLogs()).length >= keys.length,
    );
    const logs = await settledLogs();
    const digests = logs.map((l) => l.args.requestDigest!.toLowerCase());
    expect(digests.slice().sort(), "one settlement per answered request, no other").to.deep.equal(
      keys.slice().sort(),
    );
    const fees = logs.reduce((s, l) => s + l.args.fee!, 0n);
    const deposits = await getContractEvents(net.client, { address: contracts.BatchEscrow!, abi: batchEscrowAbi, eventName: "Deposited", fromBlock: 0n }); // prettier-ignore
    const deposited = deposits.filter((d) => (d.args as { account?: string }).account?.toLowerCase() === wallet.toLowerCase()).reduce((s, d) => s + ((d.args as { amount?: bigint }).amount ?? 0n), 0n); // prettier-ignore
    const { balance } = await getBatchDeposit(net.client, { contracts, account: wallet });
    expect(deposited - balance, "the consumer paid exactly the settled fees").to.equal(fees);
    expect(fees > 0n).to.equal(true);
  });
});
