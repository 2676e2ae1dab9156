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

export { seededRandom as seeded } from '../../src/raft/index.js';
