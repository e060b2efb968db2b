import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedSource } from '../../src/config/load.js';
import { createPollScheduler, type PollScheduler } from '../../src/daemon/poll-scheduler.js';
import type { PollReport } from '../../src/sources/poll-source.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SourceState } from '../../src/store/store.js';

const T0 = new Date('2026-12-02T10:00:00Z').getTime();
const MIN = 60_000;

function source(id: string, extra: Partial<ResolvedSource> = {}): ResolvedSource {
  return { id, kind: 'feed', url: `https://example.org/${id}.xml`, backfill: 0, interval: MIN, maxAge: 24 * 60 * MIN, ...extra } as ResolvedSource;
}

/**
 * The scheduler against the real SQLite store (in memory) on a fake clock. Its seam is `poll`: each
 * "poll" here records itself and answers as a 304 due again one interval later.
 */
describe('the poll scheduler (src/daemon/poll-scheduler.ts)', () => {
  let store: SqliteStore;
  let scheduler: PollScheduler;
  let abort: AbortController;
  let polls: { id: string; at: number; claimed: SourceState | undefined }[];
  let inFlight: number;
  let maxInFlight: number;
  let reads: number;
  let holdPolls: Promise<void> | undefined;

  /** replicated: the store is treated as one several daemons share (claims written), as on PostgreSQL. */
  async function setUp(sources: ResolvedSource[], { owner = 'me', replicated = true } = {}): Promise<void> {
    const counted = new Proxy(store, {
      get(target, name, receiver) {
        if (name === 'replicated') return replicated;
        const value: unknown = Reflect.get(target, name, receiver);
        if (name === 'getSourceState' || name === 'listSourceStates') reads++;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    scheduler = createPollScheduler({
      sources: new Map(sources.map((s) => [s.id, s])),
      store: counted,
      owner,
      now: () => new Date(),
      logger: pino({ level: 'silent' }),
      defaultFetchTimeoutMs: 20_000,
      signal: abort.signal,
      serialized: (_id, fn) => fn(),
      poll: async (s, claimed): Promise<PollReport> => {
        polls.push({ id: s.id, at: Date.now(), claimed });
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await holdPolls;
        inFlight--;
        const nextPollAt = new Date(Date.now() + s.interval);
        const state = claimed ?? { sourceId: s.id, consecutiveFailures: 0 };
        await store.saveSourceState({ ...state, initializedAt: state.initializedAt ?? new Date(), nextPollAt });
        return { result: 'not-modified', nextPollAt };
      },
    });
    scheduler.load(await store.listSourceStates());
    reads = 0;
    scheduler.start();
  }

  beforeEach(async () => {
    vi.useFakeTimers({ now: T0 });
    store = openSqliteStore(':memory:');
    await store.migrate();
    abort = new AbortController();
    polls = [];
    inFlight = 0;
    maxInFlight = 0;
    reads = 0;
    holdPolls = undefined;
  });

  afterEach(async () => {
    abort.abort();
    await scheduler.stop();
    await store.close();
    vi.useRealTimers();
  });

  it('polls each source at its due time, then one interval later, reading no source state to do it', async () => {
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 10_000), etag: '"a1"' });
    await store.saveSourceState({ sourceId: 'b', consecutiveFailures: 0, nextPollAt: new Date(T0 + 20_000) });
    await setUp([source('a'), source('b')]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(polls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(polls.map((p) => [p.id, p.at - T0])).toEqual([['a', 10_000]]);
    // The claim handed the poll the stored state: validators and all.
    expect(polls[0]?.claimed).toMatchObject({ sourceId: 'a', etag: '"a1"', claimedBy: 'me' });
    await vi.advanceTimersByTimeAsync(MIN + 10_000);
    expect(polls.map((p) => [p.id, p.at - T0])).toEqual([
      ['a', 10_000],
      ['b', 20_000],
      ['a', 70_000],
      ['b', 80_000],
    ]);
    expect(reads).toBe(0);
  });

  it('a source with no stored state is due at once, and is made in the store by its claim', async () => {
    await setUp([source('fresh')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.map((p) => p.id)).toEqual(['fresh']);
    expect((await store.getSourceState('fresh'))?.nextPollAt?.getTime()).toBe(T0 + MIN);
  });

  it('runs at most 16 polls at once and starts the rest as slots free up', async () => {
    const sources = Array.from({ length: 40 }, (_, i) => source(`s${i}`));
    let release: () => void = () => undefined;
    holdPolls = new Promise((resolve) => (release = resolve));
    await setUp(sources);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls).toHaveLength(16);
    release();
    holdPolls = undefined;
    await vi.advanceTimersByTimeAsync(0);
    expect(new Set(polls.map((p) => p.id)).size).toBe(40);
    expect(maxInFlight).toBe(16);
  });

  it('a source another replica polled first waits for the due time that replica saved', async () => {
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 10_000) });
    await setUp([source('a')]);
    // The other replica polls at T0 + 5 s and saves its next due time: T0 + 65 s.
    await vi.advanceTimersByTimeAsync(5_000);
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 65_000), initializedAt: new Date() });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls).toEqual([]);
    expect(reads).toBe(1);
    await vi.advanceTimersByTimeAsync(50_000);
    expect(polls.map((p) => p.at - T0)).toEqual([65_000]);
  });

  it('a calendar schedule polls at once, however far off the due time; a scheduled source waits for its cron after its first poll', async () => {
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 30 * MIN) });
    await store.saveSourceState({ sourceId: 'cal', consecutiveFailures: 0, nextPollAt: new Date(T0), initializedAt: new Date(T0 - MIN) });
    await setUp([source('a', { interval: 60 * MIN }), source('cal', { schedule: '0 * * * *' })]);
    await vi.advanceTimersByTimeAsync(10 * MIN);
    expect(polls).toEqual([]);
    scheduler.force('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.map((p) => p.id)).toEqual(['a']);
    scheduler.force('cal');
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(5 * MIN);
    expect(polls.map((p) => p.id)).toEqual(['a', 'cal']);
  });

  it('on a store only one daemon runs on (SQLite), reads the due source instead of writing a claim', async () => {
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 10_000), etag: '"a1"' });
    await setUp([source('a')], { replicated: false });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls.map((p) => [p.id, p.at - T0])).toEqual([['a', 10_000]]);
    expect(polls[0]?.claimed).toMatchObject({ sourceId: 'a', etag: '"a1"' });
    expect(polls[0]?.claimed?.claimedBy).toBeUndefined();
    expect(reads).toBe(1);
    // Moved later behind its back (a `crier poll`): the due time stored is the one kept.
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 100_000), initializedAt: new Date() });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(polls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(polls.map((p) => p.at - T0)).toEqual([10_000, 100_000]);
  });

  it('on a store only one daemon runs on, a source never polled reaches its poll with no state, as a first poll', async () => {
    await setUp([source('fresh')], { replicated: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.map((p) => [p.id, p.claimed])).toEqual([['fresh', undefined]]);
    expect((await store.getSourceState('fresh'))?.nextPollAt?.getTime()).toBe(T0 + MIN);
  });

  it('leaves no timer behind when stopped, whatever it was waiting for', async () => {
    await store.saveSourceState({ sourceId: 'a', consecutiveFailures: 0, nextPollAt: new Date(T0 + 60 * MIN) });
    await setUp([source('a'), source('b')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.map((p) => p.id)).toEqual(['b']);
    abort.abort();
    await scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
