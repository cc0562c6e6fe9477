/**
 * Deploys the whole protocol to a running chain with Hardhat Ignition — the OpenClaw DAO (token,
 * timelock, governor, Safe 3-of-5 council), the market (receipt verifier, reputation, staking,
 * escrow) and the agent wallets (EntryPoint, factory) — and writes every address to
 * `deployments/<chainId>.json`.
 *
 *   hardhat run --network localhost scripts/deploy.ts            # `hardhat node` (npm run deploy:local)
 *   AITBC_DEPLOY_PARAMETERS=deploy/parameters/example.json \
 *     hardhat run --network rpc scripts/deploy.ts                # any chain (AITBC_RPC_URL, AITBC_PRIVATE_KEY)
 *
 * On a development chain (chain id 31337 with Hardhat's 20 unlocked accounts, no parameters file)
 * the plan is the main job's (council = accounts 1–5, genesis shares to accounts 6–10), the
 * reputation oracle is account 19, and a ready-to-use environment is set up as in the main job:
 * providers (accounts 17, 18) and the coordinator (19) funded with AITBC, a consumer AgentWallet
 * (owner 15, agent key 16) created, funded, with a spending limit and the escrow approved. It then
 * prints the accounts with their private keys (the public Hardhat development keys only) and the
 * commands that start the coordinator, two miners and the gateway.
 *
 * With `AITBC_DEPLOY_PARAMETERS` (JSON, deploy/parameters/example.json): `OpenClawDAO` holds the
 * DAO plan (the keys of the default module of deploy/modules/openclaw.ts), `AITBCMarket.oracle` the reputation oracle
 * (optional; else governance grants ORACLE_ROLE later), `AgentWallets.entryPoint` an existing
 * EntryPoint v0.8 (optional; else one is deployed).
 *
 * Environment: AITBC_DEPLOY_PARAMETERS, AITBC_DEPLOYMENTS_DIR (folder of `<chainId>.json`, default
 * the repository's `deployments/`), AITBC_LOCALHOST_URL (the `localhost` network's URL, default
 * http://127.0.0.1:8545). Errors (no chain, no parameters where needed) exit 1 with a message.
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";

import { network } from "hardhat";
import type { Address } from "viem";

import {
  buildOpenClawModule,
  OPENCLAW_CONTRIBUTOR_SCHEDULE,
  OPENCLAW_DEFAULTS,
  openClawAddresses,
  type OpenClawPlan,
} from "../deploy/modules/openclaw.js";
import { buildMarketModule, marketDeploymentAddresses } from "../deploy/modules/market.js";
import {
  REWARDS_DEFAULTS,
  buildRewardsModule,
  rewardsDeploymentAddresses,
} from "../deploy/modules/rewards.js";
import { buildAgentWalletModule } from "../deploy/modules/wallet.js";
import { DEPLOYMENTS_DIR, deploymentPath, writeDeployment } from "./lib/deployments.js";
import {
  AITBC,
  DAY,
  DEV_CHAIN_ID,
  DEV_FUNDING,
  devIgnitionDeploymentId,
  devPrivateKey,
  setUpConsumerWallet,
} from "./lib/devnet.js";
import { formatTokens, renderTable } from "../node/shared/format.js";

/** The JSON of AITBC_DEPLOY_PARAMETERS. */
interface DeployParameters {
  OpenClawDAO?: Record<string, unknown>;
  AITBCMarket?: { oracle?: string };
  AgentWallets?: { entryPoint?: string };
}

/** A mistake of the user: reported as one line, exit code 1. */
class UsageError extends Error {}

/** The programs' default `--rpc-url` (scripts/miner.ts, coordinator.ts, gateway.ts). */
const PROGRAMS_DEFAULT_RPC = "http://127.0.0.1:8545";

async function readParameters(path: string): Promise<DeployParameters> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`AITBC_DEPLOY_PARAMETERS: cannot read ${path} (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text) as DeployParameters;
  } catch (error) {
    throw new UsageError(`AITBC_DEPLOY_PARAMETERS: ${path} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The DAO plan from the `OpenClawDAO` section of a parameters file (the keys of the default module
 * of deploy/modules/openclaw.ts; amounts in wei, delays in seconds, numbers as JSON numbers or
 * decimal strings). Built as literal values rather than passed as Ignition module parameters: the
 * default module's parameters fall back to Hardhat accounts 1–5, which Ignition validates even
 * when a value is given, so it cannot run with the single key of `--network rpc`.
 */
function openClawPlanFromParameters(p: Record<string, unknown>): OpenClawPlan {
  const address = (key: string) => {
    const value = p[key];
    if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value))
      throw new UsageError(
        `AITBC_DEPLOY_PARAMETERS: OpenClawDAO.${key} must be an address (0x + 40 hex digits)`,
      );
    return value;
  };
  const int = (key: keyof typeof OPENCLAW_DEFAULTS) => {
    const value = p[key];
    if (value === undefined) return OPENCLAW_DEFAULTS[key];
    if ((typeof value !== "number" && typeof value !== "string") || !/^\d+$/.test(String(value)))
      throw new UsageError(`AITBC_DEPLOY_PARAMETERS: OpenClawDAO.${key} must be a non-negative integer`);
    return BigInt(value);
  };
  return {
    councilOwners: [1, 2, 3, 4, 5].map((i) => address(`councilOwner${i}`)),
    councilThreshold: int("councilThreshold"),
    councilSaltNonce: int("councilSaltNonce"),
    ecosystemRewards: address("ecosystemRewards"),
    developmentFund: address("developmentFund"),
    liquidity: address("liquidity"),
    contributors: [{ beneficiary: address("contributorBeneficiary"), ...OPENCLAW_CONTRIBUTOR_SCHEDULE }],
    timelockDelay: int("timelockDelay"),
    emergencyDelay: int("emergencyDelay"),
    proposalThreshold: int("proposalThreshold"),
    quorumPercent: int("quorumPercent"),
    proposalBond: int("proposalBond"),
    challengeBond: int("challengeBond"),
  };
}

type Connection = Awaited<ReturnType<typeof network.create>>;
type Signers = Awaited<ReturnType<Connection["ethers"]["getSigners"]>>;
type Handles = Record<string, { getAddress(): Promise<string> }>;
type Plan = { dev: boolean; parameters: DeployParameters | undefined };
type IgnitionPlan = Awaited<ReturnType<typeof ignitionOptions>>;

/** The chain to deploy to, checked: a running chain, reachable, with what the chosen set-up needs. */
async function openChain(parameters: DeployParameters | undefined) {
  const connection = await network.create();
  const { ethers, networkConfig, networkName } = connection;
  if (networkConfig.type !== "http") {
    throw new UsageError(
      "scripts/deploy.ts deploys to a running chain, and the embedded one ends with this script: " +
        "start `npm run node` and pass --network localhost, or use --network rpc",
    );
  }
  const rpcUrl = await networkConfig.url.get();
  let chainId: bigint;
  try {
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (error) {
    throw new UsageError(
      `network '${networkName}' (${rpcUrl}): ${(error as Error).message.split("\n")[0]}` +
        (networkName === "localhost" ? " — is `npm run node` running?" : ""),
    );
  }
  const signers = await ethers.getSigners();
  const dev = chainId === DEV_CHAIN_ID && parameters === undefined;
  if (dev && signers.length < 20) {
    throw new UsageError(
      `chain ${chainId} at ${rpcUrl} has ${signers.length} unlocked account(s); the development set-up needs ` +
        "Hardhat's 20 (`npm run node`), otherwise pass AITBC_DEPLOY_PARAMETERS",
    );
  }
  if (!dev && parameters?.OpenClawDAO === undefined) {
    throw new UsageError(
      `chain ${chainId} is not a development chain: set AITBC_DEPLOY_PARAMETERS to a JSON file with an ` +
        "OpenClawDAO section (see deploy/parameters/example.json)",
    );
  }

  return { connection, rpcUrl, chainId, signers, dev };
}

/**
 * Ignition's options. Ignition journals a deployment to an http network in
 * deploy/deployments/<deploymentId>/ and, on a later run with the same id, resumes it: it expects the
 * contracts it journaled to exist. A development chain restarts empty with the same chain id, so the
 * default id (chain-31337) would make the deploy onto a fresh node fail on a stale journal. On chain
 * 31337 the id is therefore keyed by the chain's genesis block hash, which differs on every
 * `hardhat node` start: a fresh node gets a fresh journal, and re-running on the same node resumes
 * (nothing is deployed twice). These journals are gitignored. On other chains the default id is kept:
 * that journal is the record of a real deployment and worth keeping.
 */
async function ignitionOptions(connection: Connection, chainId: bigint) {
  const genesis = await connection.ethers.provider.getBlock(0);
  const deploymentId =
    chainId === DEV_CHAIN_ID ? devIgnitionDeploymentId(chainId, genesis!.hash!) : undefined;
  // On an automining dev chain, poll for receipts often instead of Ignition's default 1 s.
  const config = chainId === DEV_CHAIN_ID ? { blockPollingInterval: 50 } : {};
  return { options: { deploymentId, config }, genesisTimestamp: BigInt(genesis!.timestamp) };
}

/** Runs one deployment step and prints its wall time. */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`  ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** The OpenClaw DAO: the development plan (Hardhat accounts) or the parameters file's. */
async function deployDao(connection: Connection, signers: Signers, plan: Plan, ig: IgnitionPlan) {
  const { ignition } = connection;
  if (!plan.dev) {
    const module = buildOpenClawModule(openClawPlanFromParameters(plan.parameters!.OpenClawDAO!));
    const dao = await step("OpenClaw DAO", () => ignition.deploy(module, ig.options));
    return { dao: dao as unknown as Handles, oracle: plan.parameters!.AITBCMarket?.oracle };
  }
  const [, o1, o2, o3, o4, o5, , development, liquidity, contributorA, contributorB] = signers;
  // The contributors' vesting starts at the genesis time: the plan is the same on every run
  // against this node, so a re-run resumes the journal instead of failing on changed arguments.
  const day0 = ig.genesisTimestamp;
  const dao = await step("OpenClaw DAO", () =>
    ignition.deploy(
      buildOpenClawModule({
        councilOwners: [o1!, o2!, o3!, o4!, o5!].map((o) => o.address),
        // No ecosystemRewards: the 25% share is minted to the EcosystemPool (owned by the timelock).
        developmentFund: development!.address,
        liquidity: liquidity!.address,
        contributors: [
          { beneficiary: contributorA!.address, amount: 60_000_000n * AITBC, start: day0, durationSeconds: 730n * BigInt(DAY) }, // prettier-ignore
          { beneficiary: contributorB!.address, amount: 40_000_000n * AITBC, start: day0, durationSeconds: 730n * BigInt(DAY) }, // prettier-ignore
        ],
      }),
      ig.options,
    ),
  );
  return { dao: dao as unknown as Handles, oracle: signers[19]!.address as string | undefined };
}

/** The DAO, the market and the agent wallets; returns every address by deployment name. */
async function deployProtocol(connection: Connection, signers: Signers, plan: Plan, ig: IgnitionPlan) {
  const { ignition } = connection;
  const { dao, oracle } = await deployDao(connection, signers, plan, ig);
  const daoAddresses = await openClawAddresses(dao);
  const market = await step("market", () =>
    ignition.deploy(
      buildMarketModule({
        token: daoAddresses.AITBCToken!,
        timelock: daoAddresses.OpenClawTimelock!,
        council: daoAddresses.SecurityCouncil!,
        ...(oracle ? { oracle } : {}),
        ...(daoAddresses.EcosystemPool ? { stakingRewardRate: REWARDS_DEFAULTS.stakingRate } : {}),
      }),
      ig.options,
    ),
  );
  // With an EcosystemPool (the development plan, or parameters without `ecosystemRewards`): its streams.
  const stakingAddress = await market.staking.getAddress();
  const rewards = daoAddresses.EcosystemPool
    ? await step("rewards (ecosystem pool streams)", () =>
        ignition.deploy(
          buildRewardsModule({
            pool: daoAddresses.EcosystemPool!,
            token: daoAddresses.AITBCToken!,
            governor: daoAddresses.OpenClawGovernor!,
            timelock: daoAddresses.OpenClawTimelock!,
            staking: stakingAddress,
          }),
          ig.options,
        ),
      )
    : undefined;
  const wallets = await step("agent wallets", () =>
    ignition.deploy(buildAgentWalletModule(plan.parameters?.AgentWallets?.entryPoint), ig.options),
  );
  const contracts: Record<string, string> = {
    ...daoAddresses,
    ...(await marketDeploymentAddresses(market)),
    EntryPoint: await wallets.entryPoint.getAddress(),
    AgentWalletFactory: await wallets.factory.getAddress(),
    ...(rewards ? await rewardsDeploymentAddresses(rewards) : {}),
  };
  return { contracts, oracle };
}

/** The commands that start the programs on a chain that is not the development one. */
function printProductionHints(oracle: string | undefined, flags: (rest: string) => string): void {
  console.log(`\nReputation oracle: ${oracle ?? "none (governance grants ORACLE_ROLE later)"}.`);
  console.log("Start the programs with keys of funded accounts (AITBC for stakes and jobs):");
  console.log(`  npm run coordinator -- ${flags("--private-key 0x<oracle key> --backend ollama --store coordinator.sqlite")}`); // prettier-ignore
  console.log(`  npm run miner -- ${flags("--private-key 0x<provider key> --backend ollama --store miner.sqlite --host 0.0.0.0 --port 8601 --public-url http://<this host>:8601")}`); // prettier-ignore
  console.log(`  npm run gateway -- ${flags("--private-key 0x<funded key>")}`);
  console.log("(The miner publishes --public-url in the ServiceRegistry: gateways and coordinators reach it there.)"); // prettier-ignore
}

/** Funds the development accounts and sets up the consumer AgentWallet, once per chain; returns the wallet. */
async function setUpDevelopment(
  connection: Connection,
  signers: Signers,
  contracts: Record<string, string>,
): Promise<Address> {
  // prettier-ignore
  const { ethers } = connection;
  const development = signers[7]; // the development fund: the ecosystem share is the EcosystemPool's
  const [walletOwner, agentKey, provider1, provider2, coordinatorKey] = signers.slice(15);
  const factory = await ethers.getContractAt("AgentWalletFactory", contracts.AgentWalletFactory!);
  const predicted = (await factory.getFunction("getAddress")(walletOwner!.address, agentKey!.address, 1, 1n)) as string; // prettier-ignore
  let wallet = predicted as Address;
  if ((await ethers.provider.getCode(predicted)) !== "0x") {
    // A re-run against the same node resumed the Ignition journal above: fund only once.
    console.log("  development accounts: already set up on this chain (nothing sent)");
    // A wallet set up before the BatchEscrow was deployed: allow it as signature verifier now (batch requests).
    const batchEscrow = contracts.BatchEscrow;
    if (batchEscrow) {
      const agentWallet = await ethers.getContractAt("AgentWallet", predicted);
      if (!(await agentWallet.isSignatureVerifier(batchEscrow))) {
        await step("consumer agent wallet: BatchEscrow allowed as signature verifier", async () =>
          (await agentWallet.connect(walletOwner!).setSignatureVerifier(batchEscrow, true)).wait(),
        );
      }
    }
  } else {
    ({ wallet } = await step("development accounts funded, consumer agent wallet set up", () =>
      setUpConsumerWallet({
        ethers,
        addresses: { token: contracts.AITBCToken!, escrow: contracts.JobEscrow!, factory: contracts.AgentWalletFactory!, ...(contracts.BatchEscrow ? { batchEscrow: contracts.BatchEscrow } : {}) }, // prettier-ignore
        funder: development!,
        walletOwner: walletOwner!,
        agentKey: agentKey!.address,
        transfers: [
          [provider1!.address, DEV_FUNDING.provider],
          [provider2!.address, DEV_FUNDING.provider],
          [coordinatorKey!.address, DEV_FUNDING.coordinator],
        ],
      }),
    ));
  }
  return wallet;
}

/** Prints the development accounts (roles, balances, Hardhat's public keys) and the commands to start. */
async function printDevelopment(
  connection: Connection,
  signers: Signers,
  contracts: Record<string, string>,
  wallet: Address,
  flags: (rest: string) => string,
): Promise<void> {
  // prettier-ignore
  const { ethers } = connection;
  const [deployer, , , , , , , development] = signers;
  const [walletOwner, agentKey, provider1, provider2, coordinatorKey] = signers.slice(15);
  const token = await ethers.getContractAt("AITBCToken", contracts.AITBCToken!);
  const roles: [string, number | undefined, string][] = [
    ["deployer (gas only; holds no role)", 0, deployer!.address],
    ["development fund (the remaining AITBC)", 7, development!.address],
    ["provider 1 (miner)", 17, provider1!.address],
    ["provider 2 (miner)", 18, provider2!.address],
    ["coordinator (reputation oracle)", 19, coordinatorKey!.address],
    ["consumer wallet owner", 15, walletOwner!.address],
    ["consumer agent key (gateway)", 16, agentKey!.address],
    ["consumer AgentWallet (contract)", undefined, wallet],
  ];
  if (contracts.EcosystemPool)
    roles.push(["EcosystemPool (25%, streams rewards)", undefined, contracts.EcosystemPool]);
  const keys = new Map(roles.map(([, i, a]) => [a, i === undefined ? undefined : devPrivateKey(i, a)]));
  const rows = await Promise.all(
    roles.map(async ([role, i, address]) => [
      role,
      i === undefined ? "" : `#${i}`,
      address,
      formatTokens((await token.balanceOf(address)) as bigint, 0),
      keys.get(address) ?? (i === undefined ? "" : "(not a Hardhat dev key)"),
    ]),
  );
  console.log("\nDevelopment accounts (Hardhat's public test keys: never use them on a real chain):");
  console.log(renderTable(["role", "account", "address", "AITBC", "private key"], rows, [3]));
  console.log("Council owners (Safe 3 of 5): accounts #1–#5. Consumer wallet spending limit: " +
    `${formatTokens(DEV_FUNDING.spendingLimit, 0)} AITBC per day; escrow approved.`); // prettier-ignore

  printDevCommands(keys, signers, wallet, flags);
}

/** The commands that start the programs against the development chain. */
function printDevCommands(
  keys: Map<string, string | undefined>,
  signers: Signers,
  wallet: Address,
  flags: (rest: string) => string,
): void {
  // prettier-ignore
  const [, agentKey, provider1, provider2, coordinatorKey] = signers.slice(15);
  const key = (address: string) => keys.get(address) ?? "0x<key>";
  console.log(
    "\nStart each in its own terminal (built-in model: no GPU; --backend ollama for a real Ollama):",
  );
  console.log(`  npm run coordinator -- ${flags(`--private-key ${key(coordinatorKey!.address)} --backend builtin`)}`); // prettier-ignore
  console.log(`  npm run miner -- ${flags(`--private-key ${key(provider1!.address)} --backend builtin --store miner-1.sqlite --port 8601`)}`); // prettier-ignore
  console.log(`  npm run miner -- ${flags(`--private-key ${key(provider2!.address)} --backend builtin --store miner-2.sqlite --port 8602`)}`); // prettier-ignore
  console.log(`  npm run gateway -- ${flags(`--private-key ${key(agentKey!.address)} --agent-wallet ${wallet}`)}`); // prettier-ignore
  console.log("Then ask through the gateway (any Ollama client):");
  console.log(`  curl -s http://127.0.0.1:11435/api/generate -d '{"model":"aitbc-topic:builtin","prompt":"will it rain tomorrow","stream":false}'`); // prettier-ignore
}

async function main(): Promise<void> {
  const parametersPath = process.env.AITBC_DEPLOY_PARAMETERS;
  const parameters = parametersPath ? await readParameters(parametersPath) : undefined;
  const deploymentsDir = process.env.AITBC_DEPLOYMENTS_DIR
    ? resolve(process.env.AITBC_DEPLOYMENTS_DIR)
    : DEPLOYMENTS_DIR;
  const { connection, rpcUrl, chainId, signers, dev } = await openChain(parameters);
  const ig = await ignitionOptions(connection, chainId);
  console.log(`deploying to '${connection.networkName}' (${rpcUrl}), chain id ${chainId}, as ${signers[0]!.address}`); // prettier-ignore
  const { contracts, oracle } = await deployProtocol(connection, signers, { dev, parameters }, ig);
  await writeDeployment(chainId, contracts, deploymentsDir);
  const file = deploymentPath(chainId, deploymentsDir);
  const shownFile = relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file);
  console.log(`\nContracts (written to ${shownFile}):`);
  console.log(renderTable(["contract", "address"], Object.entries(contracts).sort(([a], [b]) => a.localeCompare(b)), [])); // prettier-ignore
  // Flags every printed command needs: the chain (when not the programs' default) and the file.
  const common = [
    ...(rpcUrl.replace(/\/$/, "") === PROGRAMS_DEFAULT_RPC ? [] : ["--rpc-url", rpcUrl]),
    ...(deploymentsDir === DEPLOYMENTS_DIR ? [] : ["--deployment", file]),
  ].join(" ");
  const flags = (rest: string) => [common, rest].filter(Boolean).join(" ");
  if (!dev) return printProductionHints(oracle, flags);
  const wallet = await setUpDevelopment(connection, signers, contracts);
  await printDevelopment(connection, signers, contracts, wallet, flags);
}

await main().catch((error: unknown) => {
  // User mistakes and Hardhat's own errors (unreachable RPC, Ignition validation) are one message.
  if (error instanceof UsageError || (error as Error).name === "HardhatError")
    console.error(`deploy: ${(error as Error).message}`);
  else console.error(error);
  process.exitCode = 1;
});
