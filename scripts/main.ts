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
 * 5. runs one governance proposal through its whole life (human and agent votes, council 3 of 5);
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
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

import { network } from "hardhat";
import { Ollama } from "ollama";
import type { Address, EIP1193Provider } from "viem";

import { buildAgentWalletModule } from "../deploy/modules/wallet.js";
import { buildMarketModule } from "../deploy/modules/market.js";
import { buildOpenClawModule, openClawAddresses } from "../deploy/modules/openclaw.js";
import { releaseProverResources } from "@aitbc/sdk";
import { ChainAdapter, JobStatus, type MarketAddresses } from "../node/shared/chain.js";
import { Coordinator } from "../node/coordinator/coordinator.js";
import { DEPLOYMENTS_DIR, deploymentPath, writeDeployment } from "./lib/deployments.js";
import { AITBC, DAY, DEV_FUNDING, setUpConsumerWallet } from "./lib/devnet.js";
import { formatTokens, renderTable } from "../node/shared/format.js";
import { startGateway } from "../node/gateway/server.js";
import { runTreasuryGrant } from "./lib/governance.js";
import { ROOT, UsageError, mainOptionsFromEnv, readPrompts } from "./lib/main-options.js";
import { Miner } from "../node/miner/miner.js";
import { BUILTIN_MODEL_NAME, BuiltinBackend, OllamaBackend, type InferenceBackend } from "../node/backends/backend.js"; // prettier-ignore
import { limiter, sleep } from "../node/shared/retry.js";

const wallStart = performance.now();

/** Picks the backend: a real Ollama when one answers at the host, otherwise the built-in model. */
async function chooseBackend(opts: ReturnType<typeof mainOptionsFromEnv>) {
  const ollamaVersion = await OllamaBackend.probe(opts.ollamaHost);
  if (!ollamaVersion) {
    const reason = opts.ollamaHostGiven
      ? `OLLAMA_HOST=${opts.ollamaHost} did not answer GET /api/version`
      : `no Ollama answered at ${opts.ollamaHost} (OLLAMA_HOST not set)`;
    return {
      backend: new BuiltinBackend() as InferenceBackend,
      model: BUILTIN_MODEL_NAME,
      host: undefined,
      reason,
      note: `built-in model, a topic classifier with a full proof of inference (${reason})`,
    };
  }
  const ollama = new OllamaBackend({ host: opts.ollamaHost });
  let models: { name: string }[];
  try {
    models = await ollama.listModels();
  } catch (error) {
    throw new UsageError(`the Ollama ${ollamaVersion} at ${ollama.host} answers, but listing its models failed: ${(error as Error).message}`); // prettier-ignore
  }
  if (models.length === 0)
    throw new UsageError(
      `the Ollama ${ollamaVersion} at ${ollama.host} answers but has no models: pull one first ` +
        "(ollama pull <model>), or unset OLLAMA_HOST / stop it to use the built-in model",
    );
  const model = opts.model ?? models[0]!.name;
  if (!models.some((m) => m.name === model))
    throw new UsageError(
      `the Ollama at ${ollama.host} has no model '${model}' (it has: ${models.map((m) => m.name).join(", ")})`,
    );
  const reason = `Ollama ${ollamaVersion} answered at ${ollama.host}`;
  return {
    backend: ollama as InferenceBackend,
    model,
    host: ollama.host,
    reason,
    note: `real Ollama ${ollamaVersion} at ${ollama.host}, model ${model}${opts.model ? "" : " (the first it lists)"}`,
  };
}

async function main(): Promise<void> {
  const t = () => `${((performance.now() - wallStart) / 1000).toFixed(1).padStart(5)} s`;
  const say = (line: string) => console.log(`[${t()}] ${line}`);

  // ---------------------------------------------------------------- inputs (checked before any work)
  const opts = mainOptionsFromEnv();
  const prompts = readPrompts(opts.prompts);
  const chosen = await chooseBackend(opts);
  const { backend, model, note: backendNote } = chosen;
  const shortPath = (path: string) => (relative(ROOT, path).startsWith("..") ? path : relative(ROOT, path));
  say(`${prompts.length} prompt(s) from ${shortPath(opts.prompts)}; backend: ${backendNote}`);

  // ---------------------------------------------------------------- chain and deployment
  const connection = await network.create();
  const { ethers, ignition, networkHelpers } = connection;
  const { time } = networkHelpers;
  const rpc = connection.provider as unknown as EIP1193Provider;
  const signers = await ethers.getSigners();
  const [, o1, o2, o3, o4, o5, ecosystem, development, liquidity, contributorA, contributorB] = signers;
  const [alice, bob, proposer, grantee, walletOwner, gatewayKey, provider1, provider2, coordinatorKey] =
    signers.slice(11);
  const councilOwners = [o1!, o2!, o3!, o4!, o5!];
  const { chainId } = await ethers.provider.getNetwork();
  say(`embedded chain: Hardhat ${connection.networkName} network (in-process EVM), chain id ${chainId}`);

  const day0 = await time.latest();
  const dao = (await ignition.deploy(
    buildOpenClawModule({
      councilOwners: councilOwners.map((o) => o.address),
      ecosystemRewards: ecosystem!.address,
      developmentFund: development!.address,
      liquidity: liquidity!.address,
      contributors: [
        { beneficiary: contributorA!.address, amount: 60_000_000n * AITBC, start: BigInt(day0), durationSeconds: 730n * BigInt(DAY) }, // prettier-ignore
        { beneficiary: contributorB!.address, amount: 40_000_000n * AITBC, start: BigInt(day0), durationSeconds: 730n * BigInt(DAY) }, // prettier-ignore
      ],
    }),
  )) as unknown as Record<string, { getAddress(): Promise<string> }>;
  const daoAddresses = await openClawAddresses(dao);
  const market = await ignition.deploy(
    buildMarketModule({
      token: daoAddresses.AITBCToken!,
      timelock: daoAddresses.OpenClawTimelock!,
      council: daoAddresses.SecurityCouncil!,
      oracle: coordinatorKey!.address,
    }),
  );
  const wallets = await ignition.deploy(buildAgentWalletModule());
  // The market module's optional parts (batch settlement, the policy, the built-in model's checker).
  const optional = market as unknown as Record<string, { getAddress(): Promise<string> } | undefined>;
  const optionalAddress = async (name: string) => (optional[name] ? ((await optional[name].getAddress()) as Address) : undefined); // prettier-ignore
  const batchEscrowAddress = await optionalAddress("batchEscrow");
  const addresses: MarketAddresses = {
    token: daoAddresses.AITBCToken! as Address,
    staking: (await market.staking.getAddress()) as Address,
    escrow: (await market.escrow.getAddress()) as Address,
    reputation: (await market.reputation.getAddress()) as Address,
    ...(batchEscrowAddress ? { batchEscrow: batchEscrowAddress } : {}),
  };
  const extraNames: [string, string][] = [["policy", "MarketPolicy"], ["batchEscrow", "BatchEscrow"], ["batchReceiptVerifier", "BatchReceiptVerifier"], ["inferenceVerifier", "InferenceVerifier"], ["checker", "TopicClassifierChecker"]]; // prettier-ignore
  const extra: Record<string, string> = {};
  for (const [key, name] of extraNames) {
    const address = await optionalAddress(key);
    if (address) extra[name] = address;
  }
  const deploymentsDir = opts.deploymentsDir ?? DEPLOYMENTS_DIR;
  await writeDeployment(chainId, {
    ...daoAddresses,
    ReceiptVerifier: await market.receiptVerifier.getAddress(),
    ReputationRegistry: addresses.reputation,
    GPUStaking: addresses.staking,
    JobEscrow: addresses.escrow,
    EntryPoint: await wallets.entryPoint.getAddress(),
    AgentWalletFactory: await wallets.factory.getAddress(),
    ...extra,
  }, deploymentsDir); // prettier-ignore
  const deploymentFile = deploymentPath(chainId, deploymentsDir);
  say(`deployed with Ignition: OpenClaw DAO (token, timelock, governor, Safe 3-of-5), market, agent wallets → ${shortPath(deploymentFile)}`); // prettier-ignore

  // ---------------------------------------------------------------- funding
  const token = await ethers.getContractAt("AITBCToken", addresses.token);
  const { wallet: walletAddress } = await setUpConsumerWallet({
    ethers,
    addresses: {
      token: addresses.token,
      escrow: addresses.escrow,
      factory: await wallets.factory.getAddress(),
      ...(batchEscrowAddress ? { batchEscrow: batchEscrowAddress } : {}),
    },
    funder: ecosystem!,
    walletOwner: walletOwner!,
    agentKey: gatewayKey!.address,
    walletFunding: DEV_FUNDING.consumerWallet, // pays jobs, and votes as an agent
    transfers: [
      [provider1!.address, DEV_FUNDING.provider],
      [provider2!.address, DEV_FUNDING.provider],
      [coordinatorKey!.address, DEV_FUNDING.coordinator], // dispute bonds
      [alice!.address, 40_000_000n * AITBC],
      [bob!.address, 40_000_000n * AITBC],
      [proposer!.address, 1_000_000n * AITBC],
    ],
    selfDelegates: [alice!, bob!, proposer!],
  });
  const agentWallet = await ethers.getContractAt("AgentWallet", walletAddress);
  say(`funded: consumer agent wallet ${walletAddress} (30,000,000 AITBC, agent key = the gateway), two providers (100,000 each), coordinator, voters`); // prettier-ignore

  // ---------------------------------------------------------------- services
  const adapter = (account: string) => new ChainAdapter({ rpc, account: account as Address, addresses, pollingIntervalMs: 20 }); // prettier-ignore
  const journals = mkdtempSync(join(tmpdir(), "aitbc-main-"));
  const digest = await backend.modelDigest(model);
  // The coordinator's watcher fetches a job's data from its provider's miner archive and the gateways'
  // (the consumer's) archives, filled in once they serve.
  const minerArchives = new Map<string, string>();
  const gatewayArchives: string[] = [];
  const coordinator = new Coordinator({
    archivesOf: (job) => [...(minerArchives.has(job.provider.toLowerCase()) ? [minerArchives.get(job.provider.toLowerCase())!] : []), ...gatewayArchives], // prettier-ignore
    chain: adapter(coordinatorKey!.address),
    verifiers: new Map([[digest.toLowerCase(), { model, backend }]]),
    sampleRate: 0.25,
    reportEveryMs: 0,
    pollMs: 100,
    log: (line) => say(`coordinator: ${line}`),
  });
  await coordinator.start();
  const PRICE = 10n ** 15n; // 0.001 AITBC per token: the gateway's price and the miners' ask
  const miners = [provider1!, provider2!].map(
    (p, i) =>
      new Miner({
        chain: adapter(p.address),
        backend,
        models: [model],
        relayUrl: coordinator.relay.url,
        secret: 0xa17bc_0000n + BigInt(i + 1),
        journalPath: join(journals, `miner-${i + 1}.jsonl`),
        gpu: { model: "CPU (built-in model)", vramGb: 0, throughput: 5, source: "flags" },
        concurrency: 2,
        pollMs: 100,
        pricePerToken: PRICE,
        offerEveryMs: 2_000,
        ...(batchEscrowAddress
          ? { batch: { size: opts.batchSize, maxWaitMs: opts.batchMaxWaitS * 1000 } }
          : {}),
        log: (line) =>
          /claimed|submitted|finalized|adopted|quote request|batch request|batch job/.test(line)
            ? undefined
            : say(`miner ${i + 1}: ${line}`),
      }),
  );
  for (const m of miners) {
    await m.start();
    minerArchives.set(m.address.toLowerCase(), m.archiveUrl!);
  }
  for (let i = 0; i < 50 && coordinator.relay.state.offers.size < miners.length; i++) await sleep(100);
  say(`miners registered and staked (1,000 AITBC each), ${coordinator.relay.state.offers.size} offer(s) at the coordinator relay ${coordinator.relay.url}`); // prettier-ignore
  const gatewayChain = adapter(gatewayKey!.address);
  const gatewayOptions = {
    chain: gatewayChain,
    agentWallet: walletAddress,
    relayUrl: coordinator.relay.url,
    pricePerToken: PRICE,
    defaultMaxTokens: 256,
    log: (line: string) => (line.includes("open job") || line.includes("deposited") ? say(`gateway: ${line}`) : undefined), // prettier-ignore
  };
  const singleGateway = await startGateway(gatewayOptions);
  const batchGateway = batchEscrowAddress
    ? await startGateway({ ...gatewayOptions, batch: { topUp: 1_000n * AITBC }, matchTimeoutMs: 5_000 })
    : undefined;
  gatewayArchives.push(singleGateway.url, ...(batchGateway ? [batchGateway.url] : []));
  const singles = batchGateway ? Math.min(opts.singleJobs, prompts.length) : prompts.length;
  say(`gateway (Ollama API) at ${singleGateway.url}${batchGateway ? ` (per-job) and ${batchGateway.url} (batch requests)` : ""}, paying from the agent wallet; ${singles} prompt(s) per job, ${prompts.length - singles} in batches${batchEscrowAddress ? ` of up to ${opts.batchSize} (max wait ${opts.batchMaxWaitS} s)` : " (the deployment has no BatchEscrow)"}`); // prettier-ignore

  // ---------------------------------------------------------------- prompts through the gateway
  const limit = limiter(opts.concurrency);
  const batchLimit = limiter(opts.batchConcurrency);
  type Matched = "quote" | "open" | "batch";
  const results: { prompt: string; answer: string; jobId: string; tokens: number; fee: bigint; provider: string; matched: Matched; path: "per-job" | "batch"; batch?: { batch_id: string; index: number; request_digest: string }; ms: number }[] = []; // prettier-ignore
  const jobsStart = performance.now();
  let done = 0;
  const phase = (indices: number[], host: string, lim: typeof limit) =>
    Promise.all(
      indices
        .map((i) => [prompts[i]!, i] as const)
        .map(([p, i]) =>
          lim(async () => {
            const client = new Ollama({ host });
            const started = performance.now();
            const text = p.prompt ?? p.messages!.map((m) => m.content).join(" ");
            let answer: string;
            let aitbc: { job_id: string; fee: string; token_count: number; provider: string; matched: Matched; batch?: { batch_id: string; index: number; request_digest: string } }; // prettier-ignore
            if (p.messages) {
              const r = await client.chat({
                model,
                messages: p.messages,
                stream: false,
                options: { seed: i },
              });
              answer = r.message.content;
              aitbc = (r as unknown as { aitbc: typeof aitbc }).aitbc;
            } else {
              let streamed = "";
              let last: Record<string, unknown> = {};
              for await (const part of await client.generate({
                model,
                prompt: p.prompt!,
                stream: true,
                options: { seed: i },
              })) {
                streamed += part.response;
                last = part as unknown as Record<string, unknown>;
              }
              answer = streamed;
              aitbc = last.aitbc as typeof aitbc;
            }
            const ms = performance.now() - started;
            results[i] = { prompt: text, answer, jobId: aitbc.job_id, tokens: aitbc.token_count, fee: BigInt(aitbc.fee), provider: aitbc.provider, matched: aitbc.matched, path: aitbc.matched === "batch" ? "batch" : "per-job", ...(aitbc.batch ? { batch: aitbc.batch } : {}), ms }; // prettier-ignore
            say(
              `[${++done}/${prompts.length}] job ${aitbc.job_id}: "${text.slice(0, 48)}…" → ${answer.slice(0, 40)} (${Math.round(ms)} ms)`,
            );
          }),
        ),
    );
  const all = prompts.map((_, i) => i);
  await phase(all.slice(0, singles), singleGateway.url, limit);
  if (batchGateway) await phase(all.slice(singles), batchGateway.url, batchLimit);
  const jobsWallMs = performance.now() - jobsStart;
  say(
    `all ${prompts.length} answers arrived in ${(jobsWallMs / 1000).toFixed(1)} s; now passing the 1-day challenge window`,
  );

  // ---------------------------------------------------------------- settle
  const escrow = await ethers.getContractAt("JobEscrow", addresses.escrow);
  await coordinator.tick(); // sample the submitted jobs before the window closes
  const policy = await ethers.getContractAt("MarketPolicy", await escrow.policy());
  const challengeWindow = Number((await policy.parameters()).challengeWindow);
  await time.increase(challengeWindow + 1);
  const settleStart = performance.now();
  const batchEscrow = batchEscrowAddress ? await ethers.getContractAt("BatchEscrow", batchEscrowAddress) : undefined; // prettier-ignore
  /** A job's status: JobEscrow's, or for a batch job "Settled" once its batch is finalized (paid). */
  const statusOf = async (r: (typeof results)[number]) => {
    if (r.path === "per-job") return JobStatus[Number((await escrow.jobOf(BigInt(r.jobId))).status)]!;
    const status = Number((await batchEscrow!.batchOf(BigInt(r.batch!.batch_id))).status);
    return status === 2 ? "Settled" : status === 1 ? "Submitted" : "None";
  };
  const settled = async () => {
    for (const r of results) if ((await statusOf(r)) !== "Settled") return false;
    return true;
  };
  while (!(await settled())) {
    if (performance.now() - settleStart > 60_000) throw new Error("jobs did not settle within 60 s");
    await sleep(100);
  }
  const settleMs = performance.now() - settleStart;
  const statuses = await Promise.all(results.map(statusOf));
  say(
    `all jobs finalized on-chain by the miners ${(settleMs / 1000).toFixed(1)} s (wall) after the window closed`,
  );
  await coordinator.tick();
  const reports = await coordinator.reportPerformance();
  say(`coordinator reported performance of ${reports.length} provider(s) to the reputation oracle role`);
  for (const m of miners) await m.tick(); // withdraw earnings
  const reputation = await ethers.getContractAt("ReputationRegistry", addresses.reputation);
  const trust = await Promise.all(
    miners.map(async (m) => ({
      provider: m.address,
      score: Number(await reputation.trustScore(m.address)),
      tier: ["bronze", "silver", "gold", "platinum"][Number(await reputation.tierOf(m.address))] ?? "?",
      jobs: m.journal.all().filter((e) => e.state === "finalized").length,
      earned: await escrow.withdrawable(m.address),
      balance: await token.balanceOf(m.address),
    })),
  );
  for (const m of miners) await m.stop();
  await singleGateway.close();
  await batchGateway?.close();
  await coordinator.stop();

  // ---------------------------------------------------------------- governance
  say("governance: a treasury grant through its whole life (agent wallet and humans vote)");
  const governor = await ethers.getContractAt("OpenClawGovernor", daoAddresses.OpenClawGovernor!);
  const bondEscrow = await ethers.getContractAt("ProposalBondEscrow", daoAddresses.ProposalBondEscrow!);
  const council = await ethers.getContractAt("Safe", daoAddresses.SecurityCouncil!);
  await time.increaseTo(day0 + 8 * DAY); // votes delegated at day 0 have fully vested (7-day average)
  const grant = await runTreasuryGrant({
    ethers,
    time,
    chainId,
    token,
    governor,
    bondEscrow,
    council,
    councilOwners,
    addresses: {
      token: addresses.token,
      governor: daoAddresses.OpenClawGovernor!,
      bondEscrow: daoAddresses.ProposalBondEscrow!,
      timelock: daoAddresses.OpenClawTimelock!,
    },
    proposer: proposer!,
    earlyVoter: alice!,
    voters: [
      { label: "alice (human)", support: 1, cast: (id, s) => governor.connect(alice!).castVote(id, s) },
      {
        label: "consumer agent wallet (agent key)",
        support: 1,
        cast: (id, s) =>
        agentWallet.connect(gatewayKey!).execute(daoAddresses.OpenClawGovernor!, 0n, governor.interface.encodeFunctionData("castVote", [id, s])), // prettier-ignore
      },
      { label: "bob (human)", support: 2, cast: (id, s) => governor.connect(bob!).castVote(id, s) },
    ],
    grantee: grantee!.address,
    day0,
    log: (line) => console.log(line),
  });

  // ---------------------------------------------------------------- report
  const timings = miners.flatMap((m) => m.timings);
  const timingOf = new Map(timings.map((x) => [x.jobId, x]));
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.floor(s.length / 2)]! : 0;
  };
  // Gas per market action, from the receipts of every adapter: the gateway's (openJob through the
  // agent wallet), the miners' and the coordinator's. The governance steps' gas is in the grant table.
  const gas = new Map<string, { count: number; total: bigint }>();
  for (const chain of [gatewayChain, ...miners.map((m) => m.chain), coordinator.options.chain]) {
    for (const [k, v] of chain.gas) {
      const g = gas.get(k) ?? { count: 0, total: 0n };
      g.count += v.count;
      g.total += v.total;
      gas.set(k, g);
    }
  }
  const jobs = results.map((r, i) => {
    const timing = timingOf.get(r.jobId);
    return {
      ...r,
      status: statuses[i]!,
      inferenceMs: timing?.inferenceMs,
      receiptProofMs: timing?.proveMs,
      submitMs: timing?.submitMs,
    };
  });
  const settledCount = jobs.filter((j) => j.status === "Settled").length;
  // All-in gas per job of each path, from the same run's receipts.
  const gasOf = (...labels: string[]) => labels.reduce((s, l) => s + (gas.get(l)?.total ?? 0n), 0n);
  const batchJobs = results.filter((r) => r.path === "batch");
  const singleJobs = results.filter((r) => r.path === "per-job");
  const batchRecords = miners.flatMap((m) => m.batcher?.batches ?? []);
  const perJob = (total: bigint, n: number) => (n > 0 ? total / BigInt(n) : 0n);
  const batchGas = { deposit: gasOf("deposit (agent wallet payInto)"), settle: gasOf("settleBatch"), finalize: gasOf("finalizeBatch"), withdraw: gasOf("withdraw (batch)") }; // prettier-ignore
  const batchTotal = batchGas.deposit + batchGas.settle + batchGas.finalize + batchGas.withdraw;
  const singleGas = { open: gasOf("openJobWithQuote (agent wallet)", "openJob (agent wallet)", "claim"), submit: gasOf("submitResult", "submitInferenceResult"), finalize: gasOf("finalize"), withdraw: gasOf("withdraw") }; // prettier-ignore
  const singleTotal = singleGas.open + singleGas.submit + singleGas.finalize + singleGas.withdraw;
  const batchReport = {
    jobs: batchJobs.length,
    batches: batchRecords.length,
    sizes: batchRecords.map((b) => b.jobs),
    maxWaitS: opts.batchMaxWaitS,
    batchSize: opts.batchSize,
    proveMs: batchRecords.map((b) => Math.round(b.proveMs)),
    gas: { ...batchGas, total: batchTotal },
    gasPerJob: { deposit: perJob(batchGas.deposit, batchJobs.length), settle: perJob(batchGas.settle, batchJobs.length), finalize: perJob(batchGas.finalize, batchJobs.length), withdraw: perJob(batchGas.withdraw, batchJobs.length), total: perJob(batchTotal, batchJobs.length) }, // prettier-ignore
  };
  const singleReport = {
    jobs: singleJobs.length,
    gas: { ...singleGas, total: singleTotal },
    gasPerJob: { open: perJob(singleGas.open, singleJobs.length), submit: perJob(singleGas.submit, singleJobs.length), finalize: perJob(singleGas.finalize, singleJobs.length), withdraw: perJob(singleGas.withdraw, singleJobs.length), total: perJob(singleTotal, singleJobs.length) }, // prettier-ignore
  };
  const onceEach = batchEscrow
    ? await (async () => {
        const events = await batchEscrow.queryFilter(batchEscrow.filters.BatchJobSettled());
        return batchJobs.every((r) => events.filter((e) => e.args.requestDigest === r.batch!.request_digest).length === 1); // prettier-ignore
      })()
    : true;
  if (!onceEach) throw new Error("a batch job was settled more than once (or not at all)");
  const byQuote = results.filter((r) => r.matched === "quote").length;
  const quoteStats = miners.map((m) => m.quotes);
  const totalFees = results.reduce((s, r) => s + r.fee, 0n);
  const ms = (x: number | undefined) => (x === undefined ? "" : String(Math.round(x)));
  console.log("\nJobs (sent through the gateway with the ollama client; fee = tokens × 0.001 AITBC):");
  console.log(renderTable(["job", "prompt", "answer", "tokens", "fee (AITBC)", "provider", "matched", "status", "inference ms", "receipt proof ms", "total ms"], jobs.map((r) => [r.jobId, r.prompt.slice(0, 40), r.answer.slice(0, 30), String(r.tokens), formatTokens(r.fee, 4), r.provider.slice(0, 10), r.matched, r.status, ms(r.inferenceMs), ms(r.receiptProofMs), ms(r.ms)]), [3, 4, 8, 9, 10])); // prettier-ignore
  console.log("\nMiners (trust score 0–1000 after the jobs and the coordinator's performance report):");
  console.log(renderTable(["provider", "jobs settled", "trust score", "tier", "balance (AITBC)"], trust.map((x) => [x.provider, String(x.jobs), String(x.score), x.tier, formatTokens(x.balance)]), [1, 2, 4])); // prettier-ignore
  console.log(
    "\nGas per action (gateway, miners, coordinator; the proposal's steps are in the table above):",
  );
  console.log(renderTable(["action", "count", "mean gas", "total gas"], [...gas].map(([k, v]) => [k, String(v.count), (v.total / BigInt(v.count)).toLocaleString("en-US"), v.total.toLocaleString("en-US")]), [1, 2, 3])); // prettier-ignore
  const inferenceMs = median(timings.map((x) => x.inferenceMs));
  const proveMs = median(timings.map((x) => x.proveMs));
  const submitMs = median(timings.map((x) => x.submitMs));
  const proposalGas = grant.steps.reduce((s, x) => s + BigInt(x.gas.replace(/,/g, "") || "0"), 0n);
  const wallS = (performance.now() - wallStart) / 1000;
  const processS = performance.now() / 1000; // since this Node process started (Hardhat's start-up and compile check included)
  const summary = [
    ["backend", backendNote],
    ["jobs", `${results.length} sent, ${results.length} answered, ${settledCount} settled on-chain`],
    ["matching", `${byQuote} by quote (coordinator match → signed quote → openJobWithQuote, no claim), ${results.filter((r) => r.matched === "open").length} open (claimed by a miner), ${batchJobs.length} by signed batch request; quotes signed ${quoteStats.reduce((s, q) => s + q.signed, 0)}, refused ${quoteStats.reduce((s, q) => s + q.refused, 0)}`], // prettier-ignore
    ["fees paid by the agent wallet", `${formatTokens(totalFees, 4)} AITBC`],
    ["batches", batchReport.batches > 0 ? `${batchReport.jobs} jobs in ${batchReport.batches} batch(es) of sizes ${batchReport.sizes.join(", ")} (batch size ${opts.batchSize}, max wait ${opts.batchMaxWaitS} s); each settled once` : "none"], // prettier-ignore
    ["gas per job, batch path (all-in)", batchReport.jobs > 0 ? `${batchReport.gasPerJob.total.toLocaleString("en-US")} (deposit ${batchReport.gasPerJob.deposit.toLocaleString("en-US")} + settle ${batchReport.gasPerJob.settle.toLocaleString("en-US")} + finalize ${batchReport.gasPerJob.finalize.toLocaleString("en-US")} + withdraw ${batchReport.gasPerJob.withdraw.toLocaleString("en-US")})` : "—"], // prettier-ignore
    ["gas per job, per-job path (all-in)", singleReport.jobs > 0 ? `${singleReport.gasPerJob.total.toLocaleString("en-US")} (open ${singleReport.gasPerJob.open.toLocaleString("en-US")} + submit ${singleReport.gasPerJob.submit.toLocaleString("en-US")} + finalize ${singleReport.gasPerJob.finalize.toLocaleString("en-US")} + withdraw ${singleReport.gasPerJob.withdraw.toLocaleString("en-US")}), ${singleReport.jobs} job(s)` : "—"], // prettier-ignore
    ["jobs per minute (gateway, wall)", (results.length / (jobsWallMs / 60_000)).toFixed(1)],
    [backend.kind === "builtin" ? "median inference (incl. its proof of inference)" : "median inference", `${inferenceMs.toFixed(0)} ms`], // prettier-ignore
    ["median receipt proof (Groth16)", `${proveMs.toFixed(0)} ms`],
    ["median submitResult (tx + receipt)", `${submitMs.toFixed(0)} ms`],
    ["coordinator re-executions / disputes", `${coordinator.checks.length} / ${coordinator.disputes.length}`],
    ["settlement: result → finalization", `challenge window ${challengeWindow / 3600} h of chain time; ${(settleMs / 1000).toFixed(1)} s wall after it`], // prettier-ignore
    ["trust scores", trust.map((x) => `${x.provider.slice(0, 10)}… ${x.score} (${x.tier})`).join(", ")],
    ["proposal", `${grant.finalState}; For ${formatTokens(grant.tally.for, 0)}, Against ${formatTokens(grant.tally.against, 0)}, Abstain ${formatTokens(grant.tally.abstain, 0)}; quorum ${formatTokens(grant.tally.quorum, 0)}; ${proposalGas.toLocaleString("en-US")} gas`], // prettier-ignore
    ["wall time", `${wallS.toFixed(1)} s in the job, ${processS.toFixed(1)} s since Hardhat started`],
  ];
  console.log("\nSummary:");
  console.log(renderTable(["", ""], summary, []));
  mkdirSync(dirname(opts.report), { recursive: true });
  const json = (v: unknown) =>
    JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : (x as unknown)), 2);
  writeFileSync(
    opts.report,
    json({
      backend: { kind: backend.kind, model, modelDigest: digest, host: chosen.host ?? null, reason: chosen.reason, note: backendNote }, // prettier-ignore
      chainId: Number(chainId),
      wallTimeS: wallS,
      processTimeS: processS,
      prompts: opts.prompts,
      deployment: deploymentFile,
      jobs,
      totals: {
        sent: results.length,
        answered: results.length,
        settled: settledCount,
        fees: totalFees,
        pricePerToken: PRICE,
        jobsPerMinute: results.length / (jobsWallMs / 60_000),
        jobsWallMs,
        matchedByQuote: byQuote,
        matchedOpen: results.filter((r) => r.matched === "open").length,
        matchedBatch: batchJobs.length,
      },
      batches: batchReport,
      perJobPath: singleReport,
      minerTimings: { medianInferenceMs: inferenceMs, medianReceiptProofMs: proveMs, medianSubmitMs: submitMs, perJob: timings }, // prettier-ignore
      settlement: { challengeWindowS: challengeWindow, wallMsAfterWindow: settleMs },
      gas: Object.fromEntries(
        [...gas].map(([k, v]) => [k, { count: v.count, mean: v.total / BigInt(v.count), total: v.total }]),
      ),
      trust,
      quotes: miners.map((m, i) => ({ provider: m.address, ask: PRICE, ...quoteStats[i] })),
      coordinator: { checks: coordinator.checks, disputes: coordinator.disputes, metrics: coordinator.summary(), performanceReports: reports }, // prettier-ignore
      proposal: { ...grant, gasTotal: proposalGas },
    }) + "\n",
  );
  const shown = relative(process.env.INIT_CWD ?? process.cwd(), opts.report);
  say(`report written to ${shown.startsWith("..") ? opts.report : shown}`);
  rmSync(journals, { recursive: true, force: true });
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
