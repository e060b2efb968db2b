import { describe, expect, it } from 'vitest';
import { sourceSilence } from '../../src/observe/source-silence.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * Publishing histories of the kind a newsroom's feed records, built from a seeded Poisson process
 * per hour so each is the same on every run: a city desk busy on weekdays (about 6 stories an
 * hour from 09:00 to 18:00), slower in the evening, nearly silent at night, light at weekends.
 */
const HOUR = 3_600_000;
const START = new Date('2026-11-02T00:00:00Z'); // a Monday
const WEEKS = 4;

function cityDeskRate(slot: number): number {
  const day = Math.floor(slot / 24);
  const hour = slot % 24;
  if (day >= 5) return hour < 8 ? 0.1 : hour <= 20 ? 1.5 : 0.5;
  if (hour < 6) return 0.1;
  if (hour < 9) return 2;
  if (hour < 18) return 6;
  if (hour < 22) return 3;
  return 1;
}

function poisson(random: () => number, mean: number): number {
  let n = 0;
  for (let p = random(); p > Math.exp(-mean); p *= random()) n += 1;
  return n;
}

function recordHistory(seed: number, rate: (slot: number) => number, weeks = WEEKS): Date[] {
  const random = seededRandom(seed);
  const times: Date[] = [];
  for (let hour = 0; hour < weeks * 168; hour += 1) {
    const n = poisson(random, rate(hour % 168));
    const at = Array.from({ length: n }, () => START.getTime() + (hour + random()) * HOUR).sort((a, b) => a - b);
    times.push(...at.map((t) => new Date(t)));
  }
  return times;
}

const history = recordHistory(20_261_202, cityDeskRate);
/** What the store would hold at `now`: the history up to then. */
const upTo = (now: Date, times: readonly Date[] = history) => times.filter((t) => t.getTime() <= now.getTime());
const at = (week: number, day: number, hour: number, minute = 0) => new Date(START.getTime() + ((week * 7 + day) * 24 + hour) * HOUR + minute * 60_000);

describe('source silence: a source alarms only when silent far beyond its own rhythm', () => {
  it('a busy weekday afternoon with the last story 20 minutes ago is normal', () => {
    const now = at(3, 1, 14, 20);
    const verdict = sourceSilence(upTo(now), START, now);
    expect(verdict.kind).toBe('normal');
  });

  it('a normal quiet night raises nothing: every night of the last two weeks, at 06:00 and at 08:00', () => {
    const verdicts = [];
    for (let week = 2; week < WEEKS; week += 1) {
      for (let day = 0; day < 7; day += 1) {
        for (const hour of [6, 8]) {
          const now = at(week, day, hour);
          const verdict = sourceSilence(upTo(now), START, now);
          verdicts.push(`${now.toISOString()} ${verdict.kind}`);
        }
      }
    }
    expect(verdicts.filter((v) => !v.endsWith('normal'))).toEqual([]);
  });

  it('a weekend raises nothing: Saturday evening to Monday morning, hour by hour', () => {
    const kinds = new Set<string>();
    for (let hour = 17; hour <= 24 + 24 + 7; hour += 1) {
      const now = new Date(at(3, 5, 0).getTime() + hour * HOUR);
      kinds.add(sourceSilence(upTo(now), START, now).kind);
    }
    expect([...kinds]).toEqual(['normal']);
  });

  it('no false alarm at any hour of the last two weeks of a feed that kept publishing', () => {
    const silent: string[] = [];
    for (let t = at(2, 0, 0).getTime(); t < at(WEEKS, 0, 0).getTime(); t += HOUR / 2) {
      const now = new Date(t);
      if (sourceSilence(upTo(now), START, now).kind === 'silent') silent.push(now.toISOString());
    }
    expect(silent).toEqual([]);
  });

  it('a feed stuck on a cached copy from Tuesday 09:00 alarms within the working morning, not in the first hour', () => {
    const stuckAt = at(3, 1, 9);
    const frozen = upTo(stuckAt);
    const verdictAt = (hours: number) => {
      const now = new Date(stuckAt.getTime() + hours * HOUR);
      return sourceSilence(frozen, START, now);
    };
    expect(verdictAt(0.5).kind).toBe('normal');
    const firstSilent = [1, 1.5, 2, 2.5, 3, 3.5, 4].find((hours) => verdictAt(hours).kind === 'silent');
    expect(firstSilent).toBeDefined();
    expect(firstSilent).toBeLessThanOrEqual(3);
    const verdict = verdictAt(4);
    expect(verdict).toMatchObject({ kind: 'silent', lastAt: frozen.at(-1) });
    if (verdict.kind === 'silent') expect(verdict.expected).toBeGreaterThan(15);
  });

  it('a feed that stopped on Friday night stays quiet through the weekend night, and alarms on Saturday once the day is due', () => {
    const stoppedAt = at(3, 4, 23);
    const frozen = upTo(stoppedAt);
    const saturday = (hour: number) => sourceSilence(frozen, START, at(3, 5, hour));
    expect(saturday(6).kind).toBe('normal');
    expect(saturday(15).kind).toBe('silent');
  });

  it('learns before it judges: under two weeks of history, or a source that rarely publishes, is never silent', () => {
    const young = recordHistory(7, cityDeskRate, 1);
    const now = at(1, 2, 12);
    expect(sourceSilence(young, START, now).kind).toBe('learning');
    const rare = recordHistory(11, () => 0.01);
    expect(sourceSilence(rare, START, at(WEEKS, 0, 0)).kind).toBe('learning');
  });

  it('counts hours of the week in the newsroom’s time zone', () => {
    // The same desk in New York: UTC hours shifted by five; judged in its own zone it still sleeps at night.
    const shifted = history.map((t) => new Date(t.getTime() + 5 * HOUR));
    const nightInNewYork = new Date(at(3, 2, 6).getTime() + 5 * HOUR);
    expect(sourceSilence(upTo(nightInNewYork, shifted), START, nightInNewYork, { timeZone: 'America/New_York' }).kind).toBe('normal');
  });
});
