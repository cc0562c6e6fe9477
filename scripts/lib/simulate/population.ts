/**
 * The simulated population: who holds how much, who delegates to whom, how often each votes, and
 * which agents hold through an AgentWallet. Pure and deterministic per seed (no chain access); the
 * world (`world.ts`) then puts it on the chain.
 *
 * Sources and numbers:
 * - **Holdings**: a Pareto (power-law) distribution with shape α = 1.16 (the "80/20" shape: about
 *   20% of holders hold 80%), normalised so the population holds {@link POPULATION_SUPPLY} = 250,000,000
 *   AITBC: the development fund (20% of the 1,000,000,000 supply) and liquidity (5%) shares together
 *   (shared/DESIGN.md "genesis split"), handed out by the fund. One draw is clipped at {@link MAX_HOLDING}
 *   = 40,000,000 AITBC (4% of supply, under the 5% cap); what the clip removes stays with the fund. The
 *   scenarios' spare AITBC (`world.fund`) is the vested share of early contributor A (60,000,000 AITBC).
 * - **Kinds**: `humanShare` humans (default 0.4, the seed's "humans 60%" allocation is of power, not of
 *   heads); agents split Provider : Consumer : Builder : Coordinator = 20 : 10 : 7 : 3, the seed's
 *   voting-power allocation by role (seed 000) used here as head counts.
 * - **Delegation**: {@link DELEGATION_SHARE} = 15% of participants delegate to one of the five largest
 *   holders of their own kind (larger than themselves); the rest self-delegate.
 * - **Turnout** (probability of voting on a proposal): base per kind {@link BASE_TURNOUT} (humans 0.35;
 *   Provider 0.6, Consumer 0.55, Builder 0.5, Coordinator 0.7: autonomous agents watch every proposal),
 *   times `1 + 0.25·log10(holding / median holding)`, clamped to [0.05, 0.95]: larger holders vote more.
 * - **Agent wallets**: {@link WALLET_SHARE} = 25% of agents hold through a real AgentWallet (a factory
 *   clone) and vote through its agent key; the other agents and all humans are plain accounts.
 */
import { getAddress, keccak256, stringToHex, type Address } from "viem";

import type { AgentWalletRoleName } from "@aitbc/sdk";

import { chance, pareto } from "./rng.js";
import type { ParticipantKind, Rng } from "./types.js";

const AITBC = 10n ** 18n;

/** AITBC the population holds in total, wei (the development fund's 20% and the liquidity 5% shares). */
export const POPULATION_SUPPLY = 250_000_000n * AITBC;
/** Largest single holding, wei (4% of supply). */
export const MAX_HOLDING = 40_000_000n * AITBC;
/** Shape α of the Pareto distribution of holdings. */
export const PARETO_ALPHA = 1.16;
/** Share of participants who delegate to a larger holder of their kind. */
export const DELEGATION_SHARE = 0.15;
/** Share of agents that hold through an AgentWallet. */
export const WALLET_SHARE = 0.25;
/** Agent roles and their relative head counts (seed 000's allocation 20 : 10 : 7 : 3). */
export const ROLE_WEIGHTS: readonly (readonly [AgentWalletRoleName, number])[] = [
  ["Provider", 20],
  ["Consumer", 10],
  ["Builder", 7],
  ["Coordinator", 3],
];
/** Base probability of voting on a proposal, per kind. */
export const BASE_TURNOUT: Readonly<Record<ParticipantKind, number>> = {
  Human: 0.35,
  Provider: 0.6,
  Consumer: 0.55,
  Builder: 0.5,
  Coordinator: 0.7,
};

/** One participant as drawn, before it is on the chain. */
export interface ParticipantSpec {
  index: number;
  kind: ParticipantKind;
  /** The EOA that signs (and holds, unless `wallet`). */
  signer: Address;
  /** Holds through an AgentWallet whose agent key is `signer` (agents only). */
  wallet: boolean;
  /** Wei of AITBC. */
  balance: bigint;
  /** Index of the participant it delegates to (itself when self-delegated). */
  delegateTo: number;
  turnout: number;
}

/** A deterministic address for a label of a run: the last 20 bytes of `keccak256(label)`. */
export function derivedAddress(label: string): Address {
  return getAddress(`0x${keccak256(stringToHex(`aitbc-sim:${label}`)).slice(-40)}`);
}

function drawKind(rng: Rng, humanShare: number): ParticipantKind {
  if (chance(rng, humanShare)) return "Human";
  const total = ROLE_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  let r = rng.next() * total;
  for (const [role, w] of ROLE_WEIGHTS) {
    if (r < w) return role;
    r -= w;
  }
  return "Provider";
}

/** Holdings in wei: Pareto draws normalised to {@link POPULATION_SUPPLY}, each clipped at {@link MAX_HOLDING}. */
export function drawHoldings(rng: Rng, n: number): bigint[] {
  const draws = Array.from({ length: n }, () => pareto(rng, PARETO_ALPHA));
  const sum = draws.reduce((a, b) => a + b, 0);
  const scale = 1_000_000_000n; // fixed-point for the share
  return draws.map((d) => {
    const amount = (POPULATION_SUPPLY * BigInt(Math.floor((d / sum) * Number(scale)))) / scale;
    return amount > MAX_HOLDING ? MAX_HOLDING : amount;
  });
}

/**
 * Draws a population of `n` participants.
 *
 * @param rng the run's source (its `population` fork is used)
 * @param n participants (≥ 1)
 * @param humanShare share of humans, 0..1
 * @param seed the run's seed (part of every derived address, so two seeds never share accounts)
 */
export function drawPopulation(rng: Rng, n: number, humanShare: number, seed: number): ParticipantSpec[] {
  const r = rng.fork("population");
  // One fork per purpose, each used sequentially.
  const kinds: ParticipantKind[] = new Array<ParticipantKind>(n);
  const kindRng = r.fork("kind");
  for (let i = 0; i < n; i++) kinds[i] = drawKind(kindRng, humanShare);
  const holdings = drawHoldings(r.fork("holdings"), n);
  const sorted = [...holdings].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const median = Number(sorted[Math.floor(n / 2)]! / AITBC) || 1;
  const walletRng = r.fork("wallets");
  const turnoutRng = r.fork("turnout");
  const delegationRng = r.fork("delegation");
  // The five largest holders of each kind: where delegators of that kind delegate.
  const largest = new Map<ParticipantKind, number[]>();
  const byHolding = holdings.map((_, i) => i).sort((a, b) => (holdings[b]! > holdings[a]! ? 1 : holdings[b]! < holdings[a]! ? -1 : a - b)); // prettier-ignore
  for (const i of byHolding) {
    const list = largest.get(kinds[i]!) ?? [];
    if (list.length < 5) list.push(i);
    largest.set(kinds[i]!, list);
  }
  return holdings.map((balance, index) => {
    const kind = kinds[index]!;
    const wallet = kind !== "Human" && chance(walletRng, WALLET_SHARE);
    const jitter = turnoutRng.next();
    const scaled =
      BASE_TURNOUT[kind] * (1 + 0.25 * Math.log10(Math.max(1, Number(balance / AITBC)) / median));
    const turnout = Math.round(Math.min(0.95, Math.max(0.05, scaled * (0.9 + 0.2 * jitter))) * 1000) / 1000;
    const targets = (largest.get(kind) ?? []).filter((j) => holdings[j]! > balance);
    const delegates = chance(delegationRng, DELEGATION_SHARE) && targets.length > 0;
    const delegateTo = delegates ? targets[delegationRng.int(targets.length)]! : index;
    return { index, kind, signer: derivedAddress(`${seed}:participant:${index}`), wallet, balance, delegateTo, turnout }; // prettier-ignore
  });
}
