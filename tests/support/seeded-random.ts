/**
 * A small seeded PRNG (mulberry32) so a randomised test can print its seed and be replayed:
 * the same seed gives the same sequence of kill delays and modes.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max], inclusive. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One of the choices, each weighted by its number. */
export function weightedPick<T extends string>(random: () => number, weights: Readonly<Record<T, number>>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [choice, weight] of entries) {
    roll -= weight;
    if (roll < 0) return choice;
  }
  const last = entries.at(-1);
  if (!last) throw new Error('weightedPick needs at least one choice');
  return last[0];
}
