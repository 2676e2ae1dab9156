// Random sources for transport tests: a scripted one (returns given values in order and
// fails if asked for more) and a small seeded PRNG (mulberry32) for statistical cases.

export interface ScriptedRandom {
  (): number;
  /** How many values were consumed. */
  used(): number;
}

export function scripted(values: number[]): ScriptedRandom {
  let next = 0;
  const random = (() => {
    if (next >= values.length) throw new Error(`scripted random exhausted after ${next} draws`);
    return values[next++]!;
  }) as ScriptedRandom;
  random.used = () => next;
  return random;
}

export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
