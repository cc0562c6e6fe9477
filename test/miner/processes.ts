/**
 * The whole protocol as separate processes against a real JSON-RPC node, as the README runs it:
 * `hardhat node` on a free port → `scripts/deploy.ts` (`--network localhost`, deployments written
 * to a temporary folder) → the coordinator, one miner (built-in model) and the gateway started with
 * the commands and development keys the deploy script prints → one prompt from the official
 * `ollama` client → the job is submitted on-chain, and settled by the miner once the challenge
 * window has passed on the node's clock. Every child process is killed in `after`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";
import { Ollama } from "ollama";
import { createPublicClient, http, type Address, type PublicClient } from "viem";

import { readDeployment } from "../../scripts/lib/deployments.js";
import { DEV_CHAIN_ID, devIgnitionDeploymentId } from "../../scripts/lib/devnet.js";
import { BUILTIN_MODEL_NAME } from "../../node/backends/backend.js";
import { sleep } from "../../node/shared/retry.js";
import { batchEscrowAbi, jobEscrowAbi, marketPolicyAbi } from "../../sdk/src/abis/index.js";

/** `IBatchEscrow.BatchStatus`, pinned here. */
const BatchStatus = { Submitted: 1, Finalized: 2 } as const;

const ROOT = resolve(import.meta.dirname, "..", "..");
const HARDHAT = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** A child process with its output collected (stdout and stderr interleaved). */
interface Child {
  name: string;
  process: ChildProcess;
  output: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const running = (c: Child) => c.process.exitCode === null && c.process.signalCode === null;

describe("miner, coordinator and gateway as processes against hardhat node", function () {
  const children: Child[] = [];
  let dir: string;
  let rpcUrl: string;
  let client: PublicClient;
  let journalDir: string | undefined;
  let deployOutput = "";

  function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
    const child: Child = {
      name,
      process: spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
      output: "",
    };
    child.process.stdout!.on("data", (d: Buffer) => (child.output += d.toString()));
    child.process.stderr!.on("data", (d: Buffer) => (child.output += d.toString()));
    children.push(child);
    return child;
  }

  /** Everything the children printed, for failure messages. */
  const outputs = () => children.map((c) => `--- ${c.name}\n${c.output.slice(-4_000)}`).join("\n");

  async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5 * 60_000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (
        await Promise.resolve()
          .then(check)
          .catch(() => false)
      )
        return; // e.g. the node not up yet
      const dead = children.find((c) => !running(c) && c.name !== "deploy");
      if (dead)
        throw new Error(`${dead.name} exited (${dead.process.exitCode}) waiting for ${what}\n${outputs()}`);
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}\n${outputs()}`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "aitbc-processes-"));
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    start("hardhat node", [HARDHAT, "node", "--port", String(port), "--hostname", "127.0.0.1"]);
    client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
    await waitFor("hardhat node to answer eth_chainId", async () => (await client.getChainId()) > 0);
    const genesis = await client.getBlock({ blockNumber: 0n });
    journalDir = join(ROOT, "deploy", "deployments", devIgnitionDeploymentId(DEV_CHAIN_ID, genesis.hash));

    const deploy = start(
      "deploy",
      [HARDHAT, "run", "--no-compile", "--network", "localhost", "scripts/deploy.ts"],
      {
        AITBC_LOCALHOST_URL: rpcUrl,
        AITBC_DEPLOYMENTS_DIR: dir,
      },
    );
    const code = await new Promise<number | null>((r) => deploy.process.once("exit", r));
    deployOutput = deploy.output;
    expect(code, deployOutput).to.equal(0);
  });

  after(async () => {
    for (const c of children) if (running(c)) c.process.kill("SIGTERM");
    await Promise.all(
      children.map(async (c) => {
        if (!running(c)) return;
        const exited = new Promise((r) => c.process.once("exit", r));
        if ((await Promise.race([exited, sleep(5_000).then(() => "timeout")])) === "timeout") {
          c.process.kill("SIGKILL");
          await exited;
        }
      }),
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (journalDir) rmSync(journalDir, { recursive: true, force: true });
  });

  /** The arguments of the first `npm run <program> -- …` command the deploy script printed. */
  const printed = (program: string) => {
    const line = new RegExp(`npm run ${program} -- (.+)$`, "m").exec(deployOutput);
    expect(line, deployOutput).to.not.equal(null);
    return line![1]!.trim().split(/\s+/);
  };

  it("deploys, serves a prompt from an ollama client, and settles the job after the challenge window", async () => {
    // The commands the deploy script printed, with the development keys; only the ports, the
    // journal and the poll interval are changed for the test.
    const coordinatorArgs = printed("coordinator");
    expect(coordinatorArgs).to.include.members([
      "--rpc-url",
      rpcUrl,
      "--deployment",
      join(dir, "31337.json"),
    ]);
    const record = await readDeployment(DEV_CHAIN_ID, dir);
    for (const name of [
      "AITBCToken",
      "BatchEscrow",
      "MarketPolicy",
      "OpenClawGovernor",
      "SecurityCouncil",
      "JobEscrow",
      "GPUStaking",
      "ReputationRegistry",
      "ReceiptVerifier",
      "EntryPoint",
      "AgentWalletFactory",
    ])
      // prettier-ignore
      expect(record.contracts[name], name).to.match(/^0x[0-9a-fA-F]{40}$/);

    const relayPort = await freePort();
    const gatewayPort = await freePort();
    const relay = `http://127.0.0.1:${relayPort}`;
    const coordinator = start("coordinator", ["--import", "tsx", "scripts/coordinator.ts", ...coordinatorArgs, "--port", String(relayPort), "--poll-ms", "100"]); // prettier-ignore
    await waitFor("the coordinator", () => coordinator.output.includes("[coordinator] relay at"));
    const miner = start("miner", ["--import", "tsx", "scripts/miner.ts", ...printed("miner"), "--coordinator", relay, "--journal", join(dir, "miner.jsonl"), "--poll-ms", "100"]); // prettier-ignore
    const gateway = start("gateway", ["--import", "tsx", "scripts/gateway.ts", ...printed("gateway"), "--coordinator", relay, "--port", String(gatewayPort)]); // prettier-ignore
    await waitFor("the miner", () => miner.output.includes("serving; journal"));
    await waitFor("the gateway", () => gateway.output.includes("[gateway] Ollama API at"));

    const answer = await new Ollama({ host: `http://127.0.0.1:${gatewayPort}` }).generate({
      model: BUILTIN_MODEL_NAME,
      prompt: "will it rain tomorrow",
      stream: false,
    });
    expect((answer.response ?? "").length, outputs()).to.be.greaterThan(0);
    // After `scripts/deploy.ts` the consumer wallet allows the BatchEscrow, so the programs take the
    // batch path: the gateway answers once the miner's batch holding the job is on-chain.
    const aitbc = (answer as unknown as { aitbc?: { job_id: string } }).aitbc;
    const batchJob = /^batch-(\d+)-(\d+)$/.exec(aitbc?.job_id ?? "");
    expect(batchJob, JSON.stringify(answer)).to.not.equal(null);
    const batchId = BigInt(batchJob![1]!);

    const escrow = { address: record.contracts.BatchEscrow as Address, abi: batchEscrowAbi } as const;
    const status = async () => Number((await client.readContract({ ...escrow, functionName: "batchOf", args: [batchId] })).status); // prettier-ignore
    await waitFor(
      "the batch to be Submitted on-chain",
      async () => (await status()) === BatchStatus.Submitted,
    );

    const policy = await client.readContract({ address: record.contracts.JobEscrow as Address, abi: jobEscrowAbi, functionName: "policy" }); // prettier-ignore
    const { challengeWindow } = await client.readContract({ address: policy, abi: marketPolicyAbi, functionName: "parameters" }); // prettier-ignore
    await client.request({
      method: "evm_increaseTime" as never,
      params: [Number(challengeWindow) + 1] as never,
    });
    await client.request({ method: "evm_mine" as never, params: [] as never });
    await waitFor("the miner to finalize the batch", async () => (await status()) === BatchStatus.Finalized);
    // The log line follows the receipt: wait for it rather than expect it at once.
    await waitFor(`the miner to log batch ${batchId} finalized`, () =>
      miner.output.includes(`batch ${batchId}: finalized`),
    );
  });

  it("start-up mistakes that need the chain to be seen: one line and exit 1, nothing served", async () => {
    const gatewayArgs = printed("gateway");
    const minerArgs = printed("miner");
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1]!;
    const record = await readDeployment(DEV_CHAIN_ID, dir);
    const withFlag = (args: string[], name: string, value: string) => args.map((a, i) => (args[i - 1] === name ? value : a)); // prettier-ignore
    const exited = async (name: string, args: string[]) => {
      const child = start(name, ["--import", "tsx", `scripts/${name.split(" ")[0]}.ts`, ...args]);
      const code = await new Promise<number | null>((r) => child.process.once("exit", r));
      const lines = child.output.trimEnd().split("\n");
      expect(code, child.output).to.equal(1);
      expect(lines, child.output).to.have.length(1);
      expect(child.output).to.not.match(/\n\s+at /);
      return lines[0]!;
    };

    // A port in use: something already listens there.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const [gatewayLine, coordinatorLine] = await Promise.all([
        exited("gateway port", [...gatewayArgs, "--port", String(busy)]),
        exited("coordinator port", [...printed("coordinator"), "--port", String(busy)]),
      ]);
      expect(gatewayLine).to.equal(`[gateway] 127.0.0.1:${busy} is already in use: choose another --port, or stop the program listening there`); // prettier-ignore
      expect(coordinatorLine).to.equal(`[coordinator] 127.0.0.1:${busy} is already in use: choose another --port, or stop the program listening there`); // prettier-ignore
    } finally {
      await new Promise((r) => blocker.close(r));
    }

    // --agent-wallet that is no AgentWallet: a contract of another kind, an account without code,
    // and a real wallet whose agent key is not the gateway's key.
    const wallet = flag(gatewayArgs, "--agent-wallet");
    const token = record.contracts.AITBCToken!;
    const eoa = "0x000000000000000000000000000000000000dEaD";
    const [contract, account, foreignKey] = await Promise.all([
      exited("gateway token", withFlag(gatewayArgs, "--agent-wallet", token)),
      exited("gateway eoa", withFlag(gatewayArgs, "--agent-wallet", eoa)),
      exited("gateway key", withFlag(gatewayArgs, "--private-key", flag(minerArgs, "--private-key"))),
    ]);
    expect(contract).to.equal(`[gateway] --agent-wallet ${token} is not an AgentWallet of the deployment's AgentWalletFactory ${record.contracts.AgentWalletFactory}`); // prettier-ignore
    expect(account).to.equal(`[gateway] --agent-wallet ${eoa} has no contract code on this chain: it is not an AgentWallet`); // prettier-ignore
    expect(foreignKey).to.match(new RegExp(`^\\[gateway\\] the key's account 0x[0-9a-fA-F]{40} is neither the agent key nor the owner of AgentWallet ${wallet}`)); // prettier-ignore
  });
});
