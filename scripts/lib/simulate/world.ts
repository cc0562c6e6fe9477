/**
 * The world a scenario acts in ({@link createWorld}): the embedded chain (Hardhat's in-process EVM,
 * `network.create()`), the whole protocol deployed with the real Ignition modules (OpenClaw DAO with its
 * Safe 3-of-5 council, market, rewards, agent wallets), and the population ({@link drawPopulation})
 * funded from the development fund, delegated and, for a share of the agents, holding through real
 * AgentWallets (factory clones).
 *
 * Speed (10,000 participants within the budget): participants are impersonated accounts
 * (`hardhat_impersonateAccount`), so no key is derived or signature made in JavaScript; each gets its
 * gas money as a plain ether transfer from one gas bank (the only `hardhat_setBalance`: every
 * `hardhat_setBalance` leaves EDR an irregular state change that later transactions pay for —
 * `npm run bench:chain-storage`: an ether transfer 0.83–0.94 ms after 10,000 `hardhat_setBalance` calls,
 * 0.54–0.59 ms after 10,000 ether transfers; `bench:simulate` at 10,000 participants 141.7 s → 101.1 s).
 * Bulk transactions go straight to the node with a fixed gas
 * limit (no estimate round trip) and are mined at once (automine: EDR's mempool grows quadratic in cost
 * with pending transactions, so one block per transaction is the fast path here).
 *
 * Determinism: the chain's clock is the run's, not the wall's. {@link SimClock} pins every new block to
 * the simulated time (`evm_setNextBlockTimestamp`, blocks may share a timestamp), so the same seed gives
 * the same timestamps, gas and results on every run and machine.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { encodeFunctionData, numberToHex, parseAbi, type Address, type Hex } from "viem";

import {
  agentWalletAbi,
  agentWalletFactoryAbi,
  aitbcTokenAbi,
  getAgentWalletAddress,
  transferToken,
  type AgentRoleValue,
  type AitbcContracts,
} from "@aitbc/sdk";
import { buildMarketModule, marketDeploymentAddresses } from "../../../deploy/modules/market.js";
import { buildOpenClawModule, openClawAddresses } from "../../../deploy/modules/openclaw.js";
import { buildRewardsModule, REWARDS_DEFAULTS, rewardsDeploymentAddresses } from "../../../deploy/modules/rewards.js"; // prettier-ignore
import { buildAgentWalletModule } from "../../../deploy/modules/wallet.js";
import { toContracts, viemClients, type ViemClients } from "../main/clients.js";
import { derivedAddress, drawPopulation, type ParticipantSpec } from "./population.js";
import { createRng } from "./rng.js";
import type { Participant, ProposalRecord, SimulationParameters, SimulationWorld } from "./types.js";

const AITBC = 10n ** 18n;
const DAY = 86_400;
const vestingReleaseAbi = parseAbi(["function release(address token)"]);

/** Chain date the embedded chain starts at (the deployment's blocks follow the wall clock from here). */
export const CHAIN_INITIAL_DATE = new Date("2030-01-01T00:00:00Z");
/** Start of every run, Unix seconds: 2030-01-02T00:00:00Z (one day after the chain's start, past any deployment). */
export const RUN_START = 1_893_542_400;
/** Gas limit of a bulk transaction (a vote through a wallet uses about 120k; no estimate is made). */
export const BULK_GAS = 1_500_000;
/**
 * Ether each participant and scenario account gets for gas, wei: 1 ETH. A bulk transaction's upfront cost
 * is at most {@link BULK_GAS} × the fee cap (a few gwei on the embedded chain): thousands of them per ETH.
 */
const GAS_MONEY = numberToHex(10n ** 18n);
/** Balance of the gas bank (the node's 10th account), wei: enough for 10⁹ accounts' gas money. */
const GAS_BANK_BALANCE = numberToHex(10n ** 27n);

/** The design's parameters (shared/DESIGN.md; contracts/governance/README.md), for runs without `--set`. */
export const DEFAULT_PARAMETERS: SimulationParameters = {
  quorumPercent: 10,
  proposalThreshold: 100n * AITBC,
  votingPowerCapBps: 500,
  shortAverageWindow: DAY,
  longAverageWindow: 7 * DAY,
  votingPeriod: 7 * DAY,
  emergencyVotingPeriod: 3 * DAY,
  timelockDelay: 2 * DAY,
  councilThreshold: 3,
  weeks: 2,
  humanShare: 0.4,
};

type Request = (args: { method: string; params?: unknown[] | object }) => Promise<unknown>;

/**
 * The run's clock. Installed on the connection's provider, it pins every block to the simulated time:
 * before a transaction or a mine it sets the next block's timestamp to {@link SimClock.now}, unless a
 * caller set one (`time.increaseTo`, `evm_setNextBlockTimestamp`: the clock then moves there). Scenarios
 * move time with the network helpers (`time.increase`, `time.increaseTo`) or {@link SimClock.advanceTo}.
 */
export class SimClock {
  /** Timestamp the next block gets, Unix seconds. */
  now = 0;
  /** Transactions sent through the connection since {@link SimClock.install}. */
  transactions = 0;
  private explicit = false;
  private readonly original: Request;

  constructor(private readonly provider: { request: Request }) {
    this.original = provider.request.bind(provider);
  }

  /** Replaces the provider's `request` with the clock's; every user of the connection goes through it. */
  install(start: number): void {
    this.now = start;
    const original = this.original;
    this.provider.request = async (args) => {
      const params = Array.isArray(args.params) ? args.params : [];
      switch (args.method) {
        case "evm_setNextBlockTimestamp":
          this.now = Number(BigInt(params[0] as string | number));
          this.explicit = true;
          return original(args);
        case "evm_increaseTime":
          this.now += Number(BigInt(params[0] as string | number));
          return String(params[0]);
        case "evm_mine":
          if (params[0] !== undefined) {
            this.now = Number(BigInt(params[0] as string | number));
            this.explicit = false;
            return original(args);
          }
          break;
        case "eth_sendTransaction":
        case "eth_sendRawTransaction":
          this.transactions++;
          break;
        case "hardhat_mine":
          break;
        default:
          return original(args);
      }
      if (!this.explicit)
        await original({ method: "evm_setNextBlockTimestamp", params: [numberToHex(this.now)] });
      this.explicit = false;
      const result = await original(args);
      if (args.method === "hardhat_mine") {
        const block = (await original({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: Hex }; // prettier-ignore
        this.now = Number(BigInt(block.timestamp));
      }
      return result;
    };
  }

  /** Moves the clock to `timestamp` (never back) and mines an empty block there. */
  async advanceTo(timestamp: number): Promise<void> {
    if (timestamp < this.now) throw new RangeError(`SimClock: ${timestamp} is before ${this.now}`);
    this.now = timestamp;
    this.explicit = false;
    await this.original({ method: "evm_mine", params: [numberToHex(timestamp)] });
  }
}

/** What {@link createWorld} takes. */
export interface CreateWorldOptions {
  /** Participants (≥ 1). */
  agents: number;
  /** The run's seed. */
  seed: number;
  /** Parameters (default {@link DEFAULT_PARAMETERS}); partial values are merged over the defaults. */
  parameters?: Partial<SimulationParameters>;
  /** An embedded-chain connection to use (default: a new `network.create()` with the twin's settings). */
  connection?: NetworkConnection;
  /** Called with each set-up step's progress (`done` of `total`). */
  onProgress?: (step: string, done: number, total: number) => void;
}

/** The world with what the engine needs besides {@link SimulationWorld}. */
export interface SimWorld extends SimulationWorld {
  readonly clock: SimClock;
  /** Proposals recorded with `record`. */
  readonly records: ProposalRecord[];
  /** The AgentWallet of each participant that uses one (by index), else undefined. */
  readonly wallets: readonly (Address | undefined)[];
  /** Sends one transaction from an account the node signs for or impersonates, mined at once; returns its hash. */
  send(from: Address, to: Address, data: Hex, gas?: number): Promise<Hex>;
  /** The run's seed. */
  readonly seed: number;
  /** Transactions sent since the deployment (bulk and SDK). */
  transactions(): number;
  /** Set-up time (deployment and population), ms. */
  readonly setupMs: number;
  /** Reports progress (the `onProgress` of {@link createWorld}; a no-op without one). */
  progress(phase: string, done: number, total: number): void;
  /** Peak RSS seen so far, bytes (sampled by the engine). */
  sampleRss(): number;
}

/**
 * Creates the world: the chain, the protocol deployed with the Ignition modules, the population on it.
 * Returns with the population's power vested: 8 days after the funding (the 7-day average of counted
 * power, shared/DESIGN.md "flash-loan defence"), chain time `startTimestamp + 8 days`.
 *
 * @param options `{ agents, seed, parameters?, connection? }`
 * @returns the {@link SimWorld}
 * @throws RangeError for `agents < 1`; errors of the deployment
 * @example
 * ```ts
 * const world = await createWorld({ agents: 50, seed: 1 });
 * ```
 */
export async function createWorld(options: CreateWorldOptions): Promise<SimWorld> {
  const started = performance.now();
  if (!Number.isInteger(options.agents) || options.agents < 1)
    throw new RangeError(`createWorld: agents must be a positive integer, got ${options.agents}`);
  const parameters: SimulationParameters = { ...DEFAULT_PARAMETERS, ...options.parameters };
  const connection = options.connection ?? (await createChain());
  const provider = connection.provider as unknown as { request: Request };
  const progress = options.onProgress ?? (() => {});
  const accounts = (await provider.request({ method: "eth_accounts" })) as Address[];
  const roles = {
    deployer: accounts[0]!,
    councilOwners: accounts.slice(1, 6),
    development: accounts[6]!,
    funder: accounts[7]!,
    contributor: accounts[8]!,
  };
  const gasBank = accounts[9]!;
  progress("deploy", 0, 1);
  const contracts = await deployProtocol(connection, roles, parameters);
  progress("deploy", 1, 1);
  await provider.request({ method: "evm_setAutomine", params: [true] });
  const clock = new SimClock(provider);
  clock.install(RUN_START);
  await clock.advanceTo(RUN_START);
  await provider.request({ method: "hardhat_setBalance", params: [gasBank, GAS_BANK_BALANCE] });
  const impersonate = (address: Address) => impersonateWithGas(provider, gasBank, address);
  const clients = viemClients(connection, 5);
  const rng = createRng(options.seed);
  const send = async (from: Address, to: Address, data: Hex, gas = BULK_GAS): Promise<Hex> => {
    return (await provider.request({ method: "eth_sendTransaction", params: [{ from, to, data, gas: numberToHex(gas) }] })) as Hex; // prettier-ignore
  };
  // Contributor A's vested 60,000,000 AITBC to the funder: the scenarios' spare AITBC.
  await send(roles.funder, contracts.EarlyContributorVesting0!, encodeFunctionData({ abi: vestingReleaseAbi, functionName: "release", args: [contracts.AITBCToken!] })); // prettier-ignore
  const specs = drawPopulation(rng, options.agents, parameters.humanShare, options.seed);
  const { population, wallets } = await setUpPopulation({ impersonate, clients, contracts, roles, specs, send, seed: options.seed, progress }); // prettier-ignore
  await clock.advanceTo(RUN_START + 8 * DAY);
  let peakRss = process.memoryUsage().rss;
  const records: ProposalRecord[] = [];
  const labelled = new Map<string, Address>();
  const world: SimWorld = {
    connection,
    clients,
    contracts,
    parameters,
    rng,
    population,
    startTimestamp: RUN_START,
    roles: { deployer: roles.deployer, councilOwners: roles.councilOwners, funder: roles.funder },
    clock,
    seed: options.seed,
    records,
    wallets,
    send,
    transactions: () => clock.transactions,
    progress,
    setupMs: 0,
    sampleRss: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
    async account(label) {
      const known = labelled.get(label);
      if (known !== undefined) return known;
      const address = derivedAddress(`${options.seed}:account:${label}`);
      await impersonate(address);
      labelled.set(label, address);
      return address;
    },
    async fund(to, amount) {
      await transferToken(clients.walletFor(roles.funder), { contracts, to, amount });
    },
    record(proposal) {
      records.push(proposal);
    },
  };
  (world as { setupMs: number }).setupMs = Math.round(performance.now() - started);
  return world;
}

/** A new embedded chain with the twin's settings: fixed start date, blocks may share a timestamp. */
async function createChain(): Promise<NetworkConnection> {
  const { network } = await import("hardhat");
  return network.create({
    override: { initialDate: CHAIN_INITIAL_DATE, allowBlocksWithSameTimestamp: true },
  });
}

/** Impersonates `address` and sends it {@link GAS_MONEY} from the gas bank (a plain transfer, mined at once). */
async function impersonateWithGas(
  provider: { request: Request },
  bank: Address,
  address: Address,
): Promise<void> {
  await provider.request({ method: "hardhat_impersonateAccount", params: [address] });
  await provider.request({ method: "eth_sendTransaction", params: [{ from: bank, to: address, value: GAS_MONEY, gas: numberToHex(21_000) }] }); // prettier-ignore
}

/** Deploys DAO, market, rewards and agent wallets with their Ignition modules; returns the SDK's contracts. */
async function deployProtocol(
  connection: NetworkConnection,
  roles: { deployer: Address; councilOwners: Address[]; development: Address; funder: Address; contributor: Address }, // prettier-ignore
  p: SimulationParameters,
): Promise<AitbcContracts> {
  type Handles = Record<string, { getAddress(): Promise<string> }>;
  const ignition = connection.ignition as unknown as { deploy(module: unknown, options?: unknown): Promise<Handles> }; // prettier-ignore
  const dao = await ignition.deploy(
    buildOpenClawModule({
      councilOwners: roles.councilOwners,
      councilThreshold: BigInt(p.councilThreshold),
      // The development fund (20%) and liquidity (5%) shares both go to the account that funds the population.
      developmentFund: roles.development,
      liquidity: roles.development,
      // The 10% early-contributor share: A (60,000,000 AITBC, vested before the run: released at set-up,
      // the funder's spare AITBC) and B (40,000,000 AITBC vesting over 4 years from a year before the run:
      // the Community proposals release what has vested, OpenZeppelin VestingWallet.release, allowlisted).
      contributors: [
        { beneficiary: roles.funder, amount: 60_000_000n * AITBC, start: BigInt(RUN_START - 3 * 365 * DAY), durationSeconds: BigInt(DAY) }, // prettier-ignore
        { beneficiary: roles.contributor, amount: 40_000_000n * AITBC, start: BigInt(RUN_START - 365 * DAY), durationSeconds: BigInt(4 * 365 * DAY) }, // prettier-ignore
      ],
      timelockDelay: BigInt(p.timelockDelay),
      proposalThreshold: p.proposalThreshold,
      quorumPercent: BigInt(p.quorumPercent),
      // The counted-power parameters and the voting periods are the token's and the governor's
      // constructor arguments (bounded on-chain): a what-if run deploys with its own.
      votingPowerCapBps: BigInt(p.votingPowerCapBps),
      shortAverageWindow: BigInt(p.shortAverageWindow),
      longAverageWindow: BigInt(p.longAverageWindow),
      votingPeriod: BigInt(p.votingPeriod),
      emergencyVotingPeriod: BigInt(p.emergencyVotingPeriod),
    }),
    { displayUi: false },
  );
  const daoAddresses = await openClawAddresses(dao);
  const market = await ignition.deploy(
    buildMarketModule({
      token: daoAddresses.AITBCToken!,
      timelock: daoAddresses.OpenClawTimelock!,
      council: daoAddresses.SecurityCouncil!,
      stakingRewardRate: REWARDS_DEFAULTS.stakingRate,
    }),
    { displayUi: false },
  );
  const marketAddresses = await marketDeploymentAddresses(market);
  const rewards = await ignition.deploy(
    buildRewardsModule({
      pool: daoAddresses.EcosystemPool!,
      token: daoAddresses.AITBCToken!,
      governor: daoAddresses.OpenClawGovernor!,
      timelock: daoAddresses.OpenClawTimelock!,
      staking: marketAddresses.GPUStaking!,
    }),
    { displayUi: false },
  );
  const wallets = await ignition.deploy(buildAgentWalletModule(), { displayUi: false });
  return toContracts({
    ...daoAddresses,
    ...marketAddresses,
    ...(await rewardsDeploymentAddresses(rewards)),
    EntryPoint: await wallets.entryPoint!.getAddress(),
    AgentWalletFactory: await wallets.factory!.getAddress(),
  });
}

const ROLE_VALUES: Record<string, AgentRoleValue> = { Provider: 0, Consumer: 1, Builder: 2, Coordinator: 3 };

/** Puts the population on the chain: gas money, wallets, AITBC from the development fund, delegation. */
async function setUpPopulation(s: {
  impersonate: (address: Address) => Promise<void>;
  clients: ViemClients;
  contracts: AitbcContracts;
  roles: { deployer: Address; development: Address };
  specs: ParticipantSpec[];
  send: (from: Address, to: Address, data: Hex, gas?: number) => Promise<Hex>;
  seed: number;
  progress: (step: string, done: number, total: number) => void;
}): Promise<{ population: Participant[]; wallets: (Address | undefined)[] }> {
  const { contracts, specs, send } = s;
  const token = contracts.AITBCToken!;
  const factory = contracts.AgentWalletFactory!;
  const n = specs.length;
  const wallets: (Address | undefined)[] = new Array<Address | undefined>(n);
  for (const spec of specs) {
    await s.impersonate(spec.signer);
    if (spec.wallet) {
      const owner = derivedAddress(`${s.seed}:owner:${spec.index}`);
      const identity = { contracts, owner, agentKey: spec.signer, role: ROLE_VALUES[spec.kind]! };
      await send(s.roles.deployer, factory, encodeFunctionData({ abi: agentWalletFactoryAbi, functionName: "createAccount", args: [owner, spec.signer, identity.role, 0n] })); // prettier-ignore
      wallets[spec.index] = await getAgentWalletAddress(s.clients.publicClient, identity);
    }
    if (spec.index % 100 === 99) s.progress("accounts", spec.index + 1, n);
  }
  const holder = (i: number) => wallets[i] ?? specs[i]!.signer;
  for (const spec of specs) {
    await send(s.roles.development, token, encodeFunctionData({ abi: aitbcTokenAbi, functionName: "transfer", args: [holder(spec.index), spec.balance] })); // prettier-ignore
    if (spec.index % 100 === 99) s.progress("funding", spec.index + 1, n);
  }
  for (const spec of specs) {
    const delegatee = holder(spec.delegateTo);
    const data = wallets[spec.index]
      ? encodeFunctionData({ abi: agentWalletAbi, functionName: "delegateVotes", args: [token, delegatee] })
      : encodeFunctionData({ abi: aitbcTokenAbi, functionName: "delegate", args: [delegatee] });
    await send(spec.signer, wallets[spec.index] ?? token, data);
    if (spec.index % 100 === 99) s.progress("delegation", spec.index + 1, n);
  }
  const population = specs.map((spec) => ({
    index: spec.index,
    address: holder(spec.index),
    signer: spec.signer,
    kind: spec.kind,
    balance: spec.balance,
    delegate: holder(spec.delegateTo),
    turnout: spec.turnout,
    adversarial: false,
  }));
  return { population, wallets };
}
