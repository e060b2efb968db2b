import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration written for people ("90s", "15m", "24h") or as a number of seconds, parsed to
 * milliseconds. Kept as a string in YAML so a reader never has to guess the unit.
 */
export const durationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'write a duration like 90s, 15m, 24h or 7d'),
  ])
  .transform((value) => parseDuration(value));

export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const unit = match[2] as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}
