/**
 * The twin's deterministic pseudo-random source: SplitMix64 seeding a xoshiro128** generator (32-bit
 * state words, so it runs on plain numbers). Same seed and labels → the same sequence on every machine;
 * `Math.random` is never used.
 */
import type { Rng } from "./types.js";

/** FNV-1a 32-bit hash of a string: turns a label into a 32-bit number. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** SplitMix32 step: spreads a 32-bit seed over the generator's four state words. */
function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

class Xoshiro128 implements Rng {
  private readonly s: Uint32Array;

  constructor(private readonly key: string) {
    const state = { s: hash32(key) };
    this.s = new Uint32Array([splitMix32(state), splitMix32(state), splitMix32(state), splitMix32(state)]);
  }

  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result / 4_294_967_296;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  fork(label: string): Rng {
    return new Xoshiro128(`${this.key}/${label}`);
  }
}

/**
 * A seeded source.
 *
 * @param seed the run's `--seed` (any integer)
 * @returns an {@link Rng}; `fork(label)` gives independent child sources, so one purpose (holdings,
 *   turnout, votes) drawing more numbers never shifts another's
 * @example
 * ```ts
 * const rng = createRng(7); const votes = rng.fork("votes"); votes.next(); // in [0, 1)
 * ```
 */
export function createRng(seed: number): Rng {
  return new Xoshiro128(`aitbc-sim:${seed}`);
}

/** Bernoulli draw: true with probability `p`. */
export function chance(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

/** A Pareto (type I) draw with shape `alpha` and scale 1: `(1 − u)^(−1/α)`, ≥ 1. */
export function pareto(rng: Rng, alpha: number): number {
  return (1 - rng.next()) ** (-1 / alpha);
}
