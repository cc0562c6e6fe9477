/**
 * A minimal {@link SimulationWorld} for the attack scenarios' tests: the real stack deployed by the
 * Ignition module (test/helpers/openclaw.ts `deployOpenClaw`: Safe 1.5 council, timelock, token,
 * governor, bond escrow, grants, the early-contributor vesting wallet), no population, and a funder
 * holding the fixture's spare AITBC (the ecosystem share, the liquidity share and the whale's 20%).
 * Accounts are impersonated addresses derived from their label, given 100 ether for gas.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, stringToHex, type Address } from "viem";

import { transferToken } from "../../sdk/src/index.js";
import type {
  ProposalRecord,
  Rng,
  SimulationParameters,
  SimulationWorld,
} from "../../scripts/lib/simulate/types.js";
import { deployOpenClaw } from "../helpers/openclaw.js";

/** The design's parameters (shared/DESIGN.md), as literals. */
export const DESIGN_PARAMETERS: SimulationParameters = {
  quorumPercent: 10,
  proposalThreshold: 100n * 10n ** 18n,
  votingPowerCapBps: 500,
  shortAverageWindow: 86_400,
  longAverageWindow: 604_800,
  votingPeriod: 7 * 86_400,
  emergencyVotingPeriod: 3 * 86_400,
  timelockDelay: 2 * 86_400,
  councilThreshold: 3,
  weeks: 1,
  humanShare: 0.6,
};

/** mulberry32: a small deterministic generator (the world's `rng`; the attacks draw nothing from it). */
function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    fork: (label) => seededRng(Number(BigInt(keccak256(stringToHex(`${seed}:${label}`))) & 0xffffffffn)),
  };
}

/** The world and what a test reads besides it (the recorded proposals, the fixture). */
export interface AttackWorld {
  world: SimulationWorld;
  recorded: ProposalRecord[];
  dao: Awaited<ReturnType<typeof deployOpenClaw>>;
  /**
   * Forgets what the world recorded and the accounts it handed out: call it after `loadFixture`
   * reverted the chain (the impersonations and balances of those accounts are gone with it).
   */
  reset(): void;
}

/** Deploys the stack on `connection` and returns the world. */
export async function createAttackWorld(connection: NetworkConnection): Promise<AttackWorld> {
  const dao = await deployOpenClaw(connection);
  const { networkHelpers, provider } = connection;
  const clients = dao.viem;
  // Every address the module recorded (Safe libraries, vesting wallets), as the engine's world has them.
  const contracts = { ...dao.addresses, ...dao.contracts };
  const funder = dao.ecosystem.address as Address;
  // The spare AITBC of the fixture goes to one funder.
  for (const holder of [dao.liquidity, dao.whale]) {
    await dao.token.connect(holder).transfer(funder, await dao.token.balanceOf(holder.address));
  }
  const recorded: ProposalRecord[] = [];
  const accounts = new Map<string, Address>();
  const world: SimulationWorld = {
    connection,
    clients: clients as unknown as SimulationWorld["clients"],
    contracts,
    parameters: DESIGN_PARAMETERS,
    rng: seededRng(1),
    population: [],
    startTimestamp: await networkHelpers.time.latest(),
    roles: {
      deployer: dao.deployer.address as Address,
      councilOwners: dao.owners.map((o) => o.address as Address),
      funder,
    },
    async account(label) {
      const known = accounts.get(label);
      if (known !== undefined) return known;
      const address = `0x${keccak256(stringToHex(`attack-world:${label}`)).slice(26)}` as Address;
      await provider.request({ method: "hardhat_impersonateAccount", params: [address] });
      await networkHelpers.setBalance(address, 100n * 10n ** 18n);
      accounts.set(label, address);
      return address;
    },
    async fund(to, amount) {
      await transferToken(clients.walletFor(funder), { contracts, to, amount });
    },
    record(proposal) {
      recorded.push(proposal);
    },
  };
  return {
    world,
    recorded,
    dao,
    reset() {
      recorded.length = 0;
      accounts.clear();
    },
  };
}
