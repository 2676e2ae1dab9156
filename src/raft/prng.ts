/**
 * A small, fast, seeded pseudo-random number generator: sfc32 (Chris Doty-Humphrey's Small Fast
 * Counting generator), its 128-bit state seeded through splitmix32. The Raft core must be
 * deterministic, so it never calls Math.random: every random choice (randomized election
 * timeouts) comes from a Prng handed in by the driver. The simulation uses the same class so one
 * seed replays a whole run.
 */
import { assert } from '../codec/assert.js';

const TWO_POW_32 = 4294967296;

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    assert(Number.isFinite(seed), `Prng seed must be a finite number, got ${seed}`);
    // Fold the high bits of seeds above 2^32 in, so distinct safe-integer seeds differ.
    let state = (Math.trunc(seed) >>> 0) ^ (Math.trunc(seed / TWO_POW_32) >>> 0);
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // sfc32's authors recommend discarding the first outputs to mix the seed state.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A uniformly distributed integer in [0, 2^32). */
  nextU32(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniformly distributed integer in [0, maxExclusive); rejection sampling, no modulo bias. */
  nextInt(maxExclusive: number): number {
    assert(Number.isInteger(maxExclusive), `nextInt bound must be an integer: ${maxExclusive}`);
    assert(maxExclusive > 0, `nextInt bound must be positive: ${maxExclusive}`);
    assert(maxExclusive <= TWO_POW_32, `nextInt bound must be <= 2^32: ${maxExclusive}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    // Expected iterations < 2 for every bound; the loop ends with probability 1.
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % maxExclusive;
    }
  }

  /** A uniformly distributed float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** An independent generator derived from this one (advances this one by two draws). */
  fork(): Prng {
    const hi = this.nextU32() & 0x1fffff;
    return new Prng(hi * TWO_POW_32 + this.nextU32());
  }
}

/**
 * A seeded `() => number` in [0, 1) for the many places that take a plain random function
 * (fault filters, simulated disks, load generators, property tests): one generator for the
 * whole project, so a seed means the same thing everywhere.
 */
export function seededRandom(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.nextFloat();
}
