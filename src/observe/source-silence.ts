/**
 * Is a source silent far beyond its own rhythm? A pure function of its publishing history, so it
 * is tested on recorded histories (tests/unit/source-silence.test.ts): a busy newsroom, a quiet
 * night, a weekend, a stuck feed.
 *
 * The rhythm is the mean number of articles per hour of the week (168 slots, in the newsroom's
 * time zone), over the weeks of history there are, each slot smoothed with its neighbours so one
 * busy Tuesday 10:00 does not make 09:00 look dead. The silence since the last article is then
 * weighed by how many articles those hours normally bring: a night that brings none raises
 * nothing however long it is; a weekday morning that normally brings ten does. Silence is called
 * when the hours since the last article would normally have brought `expectedAtLeast` articles
 * (8 by default: under a Poisson model of the rhythm, seeing none by chance has a probability of
 * e^-8 ≈ 0.03 %).
 */
export interface SilenceOptions {
  /** IANA time zone the hours of the week are counted in (the newsroom's). Default UTC. */
  timeZone?: string;
  /** Articles the silent hours would normally have brought. Default 8. */
  expectedAtLeast?: number;
  /** History shorter than this teaches nothing yet. Default 14 days. */
  minHistoryMs?: number;
  /** Fewer articles than this in the history teach nothing either. Default 20. */
  minArticles?: number;
}

export type SilenceVerdict =
  | { kind: 'learning'; reason: string }
  | { kind: 'normal'; expected: number; lastAt: Date }
  | { kind: 'silent'; expected: number; lastAt: Date; silentForMs: number };

const HOUR_MS = 3_600_000;
const WEEK_HOURS = 168;

/**
 * `times`: when the source's articles were published, within [historyStart, now]. `historyStart`:
 * since when the history is complete (the source's first poll, or the start of the window asked for).
 */
export function sourceSilence(times: readonly Date[], historyStart: Date, now: Date, options: SilenceOptions = {}): SilenceVerdict {
  const minHistoryMs = options.minHistoryMs ?? 14 * 24 * HOUR_MS;
  const minArticles = options.minArticles ?? 20;
  const threshold = options.expectedAtLeast ?? 8;
  const slotOf = hourOfWeek(options.timeZone ?? 'UTC');
  const inWindow = times.filter((t) => t.getTime() >= historyStart.getTime() && t.getTime() <= now.getTime());
  if (now.getTime() - historyStart.getTime() < minHistoryMs) return { kind: 'learning', reason: 'less history than the minimum' };
  if (inWindow.length < minArticles) return { kind: 'learning', reason: `only ${inWindow.length} articles in the history` };

  // How many times each hour of the week occurred in the history, and how many articles it brought.
  const seen = new Array<number>(WEEK_HOURS).fill(0);
  const counts = new Array<number>(WEEK_HOURS).fill(0);
  for (let t = floorHour(historyStart.getTime()); t < now.getTime(); t += HOUR_MS) {
    const slot = slotOf(t);
    seen[slot] = (seen[slot] ?? 0) + Math.min(1, (now.getTime() - Math.max(t, historyStart.getTime())) / HOUR_MS);
  }
  for (const time of inWindow) {
    const slot = slotOf(time.getTime());
    counts[slot] = (counts[slot] ?? 0) + 1;
  }
  const raw = counts.map((count, slot) => ((seen[slot] ?? 0) > 0 ? count / (seen[slot] ?? 1) : 0));
  const rate = raw.map((r, slot) => 0.25 * (raw[(slot + WEEK_HOURS - 1) % WEEK_HOURS] ?? 0) + 0.5 * r + 0.25 * (raw[(slot + 1) % WEEK_HOURS] ?? 0));

  const lastAt = inWindow.reduce((latest, t) => (t.getTime() > latest.getTime() ? t : latest));
  let expected = 0;
  for (let t = lastAt.getTime(); t < now.getTime(); t = floorHour(t) + HOUR_MS) {
    const end = Math.min(now.getTime(), floorHour(t) + HOUR_MS);
    expected += (rate[slotOf(t)] ?? 0) * ((end - t) / HOUR_MS);
  }
  return expected >= threshold
    ? { kind: 'silent', expected, lastAt, silentForMs: now.getTime() - lastAt.getTime() }
    : { kind: 'normal', expected, lastAt };
}

function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Monday 00:00 is slot 0, Sunday 23:00 slot 167, in the given zone (daylight saving included). */
function hourOfWeek(timeZone: string): (ms: number) => number {
  // UTC needs no calendar: the common case stays cheap (this runs for every hour of the history).
  if (timeZone === 'UTC') return (ms) => (((new Date(ms).getUTCDay() + 6) % 7) * 24 + new Date(ms).getUTCHours());
  const format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  return (ms) => {
    const parts = format.formatToParts(new Date(ms));
    const day = WEEKDAYS[parts.find((p) => p.type === 'weekday')?.value ?? 'Mon'] ?? 0;
    const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
    return day * 24 + hour;
  };
}
