/**
 * The main job: real prompts through the whole protocol, on the embedded Hardhat chain.
 *
 *   node tools/bootstrap.mjs hardhat run scripts/main.ts
 *
 * 1. deploys the whole protocol with the Ignition modules (OpenClaw DAO with its Safe council,
 *    market: staking, reputation, escrow with the receipt verifier; agent wallets);
 * 2. funds a consumer agent wallet (ERC-4337 AgentWallet, paid by its agent key) and two providers;
 * 3. starts the coordinator (relay, matching, proof of sampling, performance reports), two miners
 *    (offers at 0.001 AITBC per token) and the Ollama-compatible gateway in this process;
 * 4. sends the prompts of `examples/prompts.jsonl` through the gateway with the official `ollama`
 *    client. The first `AITBC_SINGLE_JOBS` (default 2) take the per-job path for comparison: matched
 *    (the coordinator ranks the miners' offers, the best one signs a quote, the agent wallet opens the
 *    job with it — no claim) or, without a quote in time, opened for any miner to claim, each proved
 *    and settled alone on JobEscrow. The rest are batch jobs (when the deployment has a BatchEscrow):
 *    the agent wallet keeps a deposit in BatchEscrow (through `payInto`, within its spending limit),
 *    the agent key signs one `BatchJobRequest` per job for the matched miner, and each miner settles
 *    its answered requests in batches (`AITBC_BATCH_SIZE`, default 8, or after `AITBC_BATCH_MAX_WAIT`
 *    seconds, default 6) with one proof per batch (`AITBC_BATCH_CONCURRENCY`, default 16, requests in
 *    flight together, so batches fill); the challenge window is passed by moving chain
 *    time, then jobs and batches are finalized and the miners withdraw;
 * 5. runs one governance proposal through its whole life with the SDK's governance actions (human
 *    votes, the agent wallet's vote by its agent key, the council's 3 of 5 through the Safe);
 * 6. prints the report and writes it as JSON: among others the all-in gas per job of each path
 *    (batch: deposit + settleBatch + finalizeBatch + withdraw; per job: open + submit + finalize +
 *    withdraw) and the batch sizes used.
 *
 * Backend: a real Ollama when `OLLAMA_HOST` answers `/api/version` (the first model it has, or
 * `AITBC_OLLAMA_MODEL`), otherwise the built-in model (no GPU; full proof of inference).
 *
 * Options come from the environment only, because `hardhat run` passes no arguments to its script:
 * AITBC_PROMPTS (file), AITBC_REPORT (JSON path, default reports/main-<timestamp>.json), OLLAMA_HOST,
 * AITBC_OLLAMA_MODEL, AITBC_CLIENT_CONCURRENCY (default 4), AITBC_DEPLOYMENTS_DIR (default
 * deployments/). `npm run demo -- --flags` (scripts/main-cli.ts) turns flags into these variables.
 * User mistakes (missing, empty or malformed prompts file, an Ollama with no models) are one line
 * on stderr and exit code 1.
 */
import { relative } from "node:path";

import { network } from "hardhat";
import type { EIP1193Provider, Hex } from "viem";

import { releaseProverResources } from "@aitbc/sdk";
import { chooseBackend } from "./lib/main/backend.js";
import { viemClients } from "./lib/main/clients.js";
import { deployProtocol, fundAccounts, mainAccounts } from "./lib/main/deploy.js";
import { sendPrompts } from "./lib/main/market.js";
import { startNetwork, stopNetwork } from "./lib/main/network.js";
import { runMainGrant } from "./lib/main/proposal.js";
import { writeMainReport } from "./lib/main/report.js";
import { serveRpc } from "./lib/main/rpc-http.js";
import { startDashboard } from "../dashboard/server.js";
import { checkSettledOnce, settleJobs } from "./lib/main/settle.js";
import { ROOT, UsageError, mainOptionsFromEnv, readPrompts } from "./lib/main-options.js";

const wallStart = performance.now();
const t = () => `${((performance.now() - wallStart) / 1000).toFixed(1).padStart(5)} s`;
const say = (line: string) => console.log(`[${t()}] ${line}`);
const shortPath = (path: string) => (relative(ROOT, path).startsWith("..") ? path : relative(ROOT, path));

/** The main job, step by step (each step is a function of `scripts/lib/main/`). */
async function main(): Promise<void> {
  const opts = mainOptionsFromEnv(); // inputs are checked before any work
  const prompts = readPrompts(opts.prompts);
  const chosen = await chooseBackend(opts);
  say(`${prompts.length} prompt(s) from ${shortPath(opts.prompts)}; backend: ${chosen.note}`);

  const connection = await network.create();
  const { ethers, networkHelpers } = connection;
  const { chainId } = await ethers.provider.getNetwork();
  say(`embedded chain: Hardhat ${connection.networkName} network (in-process EVM), chain id ${chainId}`);
  const accounts = await mainAccounts(ethers);
  const deployed = await deployProtocol(connection, accounts, chainId, opts.deploymentsDir);
  say(`deployed with Ignition: OpenClaw DAO (token, timelock, governor, Safe 3-of-5), market, agent wallets → ${shortPath(deployed.deploymentFile)}`); // prettier-ignore
  const walletAddress = await fundAccounts(ethers, deployed, accounts);
  say(`funded: consumer agent wallet ${walletAddress} (30,000,000 AITBC, agent key = the gateway), two providers (100,000 each), coordinator, voters`); // prettier-ignore

  const { contracts } = deployed;
  const digest = (await chosen.backend.modelDigest(chosen.model)) as Hex;
  const rpc = connection.provider as unknown as EIP1193Provider;
  const net = await startNetwork({ rpc, contracts, backend: chosen.backend, model: chosen.model, digest, accounts, walletAddress, opts, say }); // prettier-ignore
  const { results, jobsWallMs } = await sendPrompts(net, prompts, chosen.model, opts, say);
  say(`all ${prompts.length} answers streamed in ${(jobsWallMs / 1000).toFixed(1)} s; now passing the 1-day challenge window`); // prettier-ignore
  const settlement = await settleJobs(ethers, networkHelpers.time, contracts, net, results, say);
  if (!opts.dashboard) await stopNetwork(net); // --dashboard: the programs keep running
  const clients = viemClients(connection);
  const toBlock = await clients.publicClient.getBlockNumber();

  say("governance: a treasury grant through its whole life (agent wallet and humans vote)");
  const { daoAddresses, day0, deploymentFile } = deployed;
  const grant = await runMainGrant({ clients, daoAddresses, accounts, walletAddress, day0, time: networkHelpers.time }); // prettier-ignore

  await checkSettledOnce(ethers, contracts, results);
  const shown = await writeMainReport({ chosen, digest, opts, chainId, deploymentFile, net, results, jobsWallMs, settlement, grant, wallStart, publicClient: clients.publicClient, contracts, toBlock }); // prettier-ignore
  say(`report written to ${shown}`);
  if (opts.dashboard) {
    const rpcServer = await serveRpc(connection.provider, Number(process.env.AITBC_DASHBOARD_RPC_PORT ?? 8545)); // prettier-ignore
    const dashboard = await startDashboard({ rpc: rpcServer.url, deployments: deploymentFile, port: Number(process.env.AITBC_DASHBOARD_PORT ?? 8080), indexerPort: Number(process.env.AITBC_INDEXER_PORT ?? 42069), pollMs: 500 }); // prettier-ignore
    say(`chain RPC: ${rpcServer.url} (chain id ${chainId}); indexer: ${dashboard.indexerUrl}/graphql`);
    say(`dashboard: ${dashboard.url} (Ctrl-C stops the chain, the programs, the indexer and the dashboard)`);
    let stopping = false;
    const stop = async (code = 0) => {
      stopping = true;
      await dashboard.stop();
      await stopNetwork(net);
      await rpcServer.close();
      net.removeStores();
      await releaseProverResources();
      process.exit(code);
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop());
    void dashboard.indexerExited.then((code) => {
      if (stopping) return;
      console.error(`main: the indexer exited (code ${code}); stopping the chain and the programs`);
      void stop(1);
    });
    return;
  }
  net.removeStores();
  await releaseProverResources();
  process.exit(0); // nothing left to do; do not wait for idle sockets of the in-process servers
}

main().catch(async (error: unknown) => {
  // A user's mistake is one line; anything else is a bug worth its stack trace.
  if (error instanceof UsageError) console.error(`main: ${error.message}`);
  else console.error(error);
  await releaseProverResources();
  process.exit(1);
});
