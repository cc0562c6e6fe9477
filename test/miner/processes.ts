/**
 * The whole protocol as separate processes against a real JSON-RPC node, as the README runs it:
 * `hardhat node` → `scripts/deploy.ts` → two miners (built-in model) that publish their service URIs
 * on-chain, and the gateway, started with the commands and development keys the deploy script
 * prints — no relay, no coordinator. The official `ollama` client streams a prompt through the
 * gateway: tokens arrive before the final line; the job, a signed batch request to one of the
 * miners, is settled on-chain by that miner and finalized after the challenge window.
 */
import { createServer, type AddressInfo } from "node:net";

import { expect } from "chai";
import { Ollama } from "ollama";
import type { Address, Hex } from "viem";

import {
  batchEscrowAbi,
  findBatchJobSettlement,
  jobEscrowAbi,
  marketPolicyAbi,
  type AitbcContracts,
} from "@aitbc/sdk";
import { readDeployment } from "../../scripts/lib/deployments.js";
import { DEV_CHAIN_ID } from "../../scripts/lib/devnet.js";
import { BUILTIN_MODEL_NAME } from "../../node/backends/backend.js";
import { outputHash } from "../../node/shared/protocol.js";
import { freePort, ProcessNetwork, withFlag } from "../node/gateway-harness.js";

/** `IBatchEscrow.BatchStatus`, pinned here. */
const BatchStatus = { Submitted: 1, Finalized: 2 } as const;

describe("miners and gateway as processes against hardhat node (no relay, no coordinator)", function () {
  const net = new ProcessNetwork();
  let contracts: AitbcContracts;

  before(async () => {
    await net.up();
    contracts = (await readDeployment(DEV_CHAIN_ID, net.dir)).contracts as AitbcContracts;
  });

  after(() => net.down());

  it("deploys, streams a prompt from an ollama client through the gateway to a miner found on-chain, and settles it", async () => {
    for (const name of [
      "AITBCToken",
      "BatchEscrow",
      "MarketPolicy",
      "JobEscrow",
      "GPUStaking",
      "ReputationRegistry",
      "ServiceRegistry",
      "AgentWalletFactory",
    ])
      // prettier-ignore
      expect(contracts[name as keyof AitbcContracts], name).to.match(/^0x[0-9a-fA-F]{40}$/);
    const miners = [
      net.start("miner 1", await net.minerArgs(0, ["--batch-max-wait", "1"])),
      net.start("miner 2", await net.minerArgs(1, ["--batch-max-wait", "1"])),
    ];
    for (const m of miners)
      await net.waitFor(`${m.name} to serve`, () => m.output.includes("[miner] serving"));
    const port = await freePort();
    const gateway = net.start("gateway", net.gatewayArgs(port));
    await net.waitFor("the gateway", () => gateway.output.includes("[gateway] Ollama API at"));
    const url = `http://127.0.0.1:${port}`;
    await net.waitFor("the gateway to see both miners", async () => ((await (await fetch(`${url}/health`)).json()) as { providers: number }).providers === 2); // prettier-ignore

    const parts = await new Ollama({ host: url }).generate({ model: BUILTIN_MODEL_NAME, prompt: "will it rain tomorrow", stream: true }); // prettier-ignore
    const pieces: string[] = [];
    let final: { aitbc?: { job_key: Hex; path: string; output_hash: Hex } } | undefined;
    for await (const part of parts) {
      if (part.done) final = part as never;
      else pieces.push(part.response ?? "");
    }
    const text = pieces.join("");
    expect(text.length, net.outputs()).to.be.greaterThan(0);
    // The built-in topic model answers one word: one token line, then the final line.
    expect(pieces.length, "the answer arrives in token lines before the final one").to.be.at.least(1);
    expect(final?.aitbc?.path, JSON.stringify(final)).to.equal("batch");
    expect(final!.aitbc!.output_hash).to.equal(outputHash(text));

    const printed = net.printed("gateway")[0]!;
    const wallet = printed[printed.indexOf("--agent-wallet") + 1] as Address; // the paying AgentWallet
    const requestDigest = final!.aitbc!.job_key;
    let settled: Awaited<ReturnType<typeof findBatchJobSettlement>>;
    await net.waitFor("the miner to settle the batch job on-chain", async () => {
      settled = await findBatchJobSettlement(net.client, { contracts, consumer: wallet, requestDigest });
      return settled !== undefined;
    });
    expect(settled!.outputHash).to.equal(outputHash(text));

    const escrow = { address: contracts.BatchEscrow!, abi: batchEscrowAbi } as const;
    const status = async () => Number((await net.client.readContract({ ...escrow, functionName: "batchOf", args: [settled!.batchId] })).status); // prettier-ignore
    expect(await status()).to.equal(BatchStatus.Submitted);
    const policy = await net.client.readContract({ address: contracts.JobEscrow!, abi: jobEscrowAbi, functionName: "policy" }); // prettier-ignore
    const { challengeWindow } = await net.client.readContract({ address: policy, abi: marketPolicyAbi, functionName: "parameters" }); // prettier-ignore
    await net.client.request({
      method: "evm_increaseTime" as never,
      params: [Number(challengeWindow) + 1] as never,
    });
    await net.client.request({ method: "evm_mine" as never, params: [] as never });
    await net.waitFor(
      "the miner to finalize the batch",
      async () => (await status()) === BatchStatus.Finalized,
    );
  });

  it("start-up mistakes that need the chain to be seen: one line and exit 1, nothing served", async () => {
    const gatewayArgs = net.printed("gateway")[0]!;
    const minerArgs = net.printed("miner")[0]!;
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1]!;
    const exited = async (name: string, args: string[]) => {
      const child = net.start(name, ["--import", "tsx", "scripts/gateway.ts", ...args, "--state-db", ":memory:", "--archive-db", ":memory:"]); // prettier-ignore
      const code = await new Promise<number | null>((r) => child.process.once("exit", r));
      const lines = child.output.trimEnd().split("\n");
      expect(code, child.output).to.equal(1);
      expect(lines, child.output).to.have.length(1);
      expect(child.output).to.not.match(/\n\s+at /);
      return lines[0]!;
    };
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const busy = (blocker.address() as AddressInfo).port;
    try {
      const line = await exited("gateway port", [...gatewayArgs, "--port", String(busy)]);
      expect(line).to.equal(`[gateway] 127.0.0.1:${busy} is already in use: choose another --port, or stop the program listening there`); // prettier-ignore
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const wallet = flag(gatewayArgs, "--agent-wallet");
    const token = contracts.AITBCToken!;
    const eoa = "0x000000000000000000000000000000000000dEaD";
    const [contract, account, foreignKey] = await Promise.all([
      exited("gateway token", withFlag(gatewayArgs, "--agent-wallet", token)),
      exited("gateway eoa", withFlag(gatewayArgs, "--agent-wallet", eoa)),
      exited("gateway key", withFlag(gatewayArgs, "--private-key", flag(minerArgs, "--private-key"))),
    ]);
    expect(contract).to.equal(`[gateway] --agent-wallet ${token} is not an AgentWallet of the deployment's AgentWalletFactory ${contracts.AgentWalletFactory}`); // prettier-ignore
    expect(account).to.equal(`[gateway] --agent-wallet ${eoa} has no contract code on this chain: it is not an AgentWallet`); // prettier-ignore
    expect(foreignKey).to.match(new RegExp(`^\\[gateway\\] the key's account 0x[0-9a-fA-F]{40} is neither the agent key nor the owner of AgentWallet ${wallet}`)); // prettier-ignore
  });
});
