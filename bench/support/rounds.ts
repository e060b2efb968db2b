/**
 * The polling benchmark's clock: in round r (r ≥ 1), feed i publishes one new post when
 * i % 10 == r % 10, so each round 10 % of the feeds change and 90 % answer 304.
 */
export const CHANGE_EVERY = 10;

export function changedIn(i: number, r: number): boolean {
  return r > 0 && i % CHANGE_EVERY === r % CHANGE_EVERY;
}

/** How many times feed i has changed by round r: the rounds 1..r congruent to i mod 10. */
export function versionOf(i: number, r: number): number {
  return Math.floor((r + ((CHANGE_EVERY - (i % CHANGE_EVERY)) % CHANGE_EVERY)) / CHANGE_EVERY);
}
