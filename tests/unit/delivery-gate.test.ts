import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelSchedule } from '../../src/config/channel-base.js';
import { gateDelivery } from '../../src/delivery/delivery-gate.js';
import type { RateBudget } from '../../src/platforms/contract.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Delivery, Priority } from '../../src/store/store.js';
import { logSend } from '../support/send-log.js';

let store: SqliteStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

const MIN = 60_000;
const delivery = (priority: Priority = 'normal') => ({ priority }) as Delivery;
const X_BUDGET: RateBudget = { label: 'posts per 15 min', windowMs: 15 * MIN, limit: 100, costPerPost: 1 };

async function gate(now: Date, options: { budgets?: RateBudget[]; schedule?: ChannelSchedule; priority?: Priority; withImage?: boolean } = {}) {
  return gateDelivery(store, {
    delivery: delivery(options.priority),
    channelId: 'x-main',
    budgets: options.budgets ?? [],
    withImage: options.withImage ?? false,
    schedule: options.schedule,
    now,
  });
}

describe('platform budgets (sliding windows)', () => {
  it('lets the 100th post of 15 minutes through and holds the 101st until the oldest ages out', async () => {
    const start = new Date('2026-11-29T10:00:00Z');
    for (let i = 0; i < 99; i += 1) await logSend(store, 'x-main', new Date(start.getTime() + i * 1000), 'attempt');
    const now = new Date(start.getTime() + 5 * MIN);
    expect(await gate(now, { budgets: [X_BUDGET] })).toEqual({ kind: 'go' });
    await logSend(store, 'x-main', now, 'attempt');
    expect(await gate(now, { budgets: [X_BUDGET] })).toEqual({
      kind: 'wait',
      scope: 'limit',
      until: new Date(start.getTime() + 15 * MIN),
      reason: 'posts per 15 min: 100 of 100 used',
    });
    // Breaking news is still bound by the platform's limits.
    expect((await gate(now, { budgets: [X_BUDGET], priority: 'breaking' })).kind).toBe('wait');
    expect(await gate(new Date(start.getTime() + 15 * MIN + 1), { budgets: [X_BUDGET] })).toEqual({ kind: 'go' });
  });

  it('counts Bluesky points, not posts', async () => {
    const points: RateBudget = { label: 'write points per hour', windowMs: 60 * MIN, limit: 5000, costPerPost: 3 };
    const now = new Date('2026-11-29T10:00:00Z');
    for (let i = 0; i < 1666; i += 1) await logSend(store, 'x-main', new Date(now.getTime() - 30 * MIN + i), 'attempt', { budgets: [points] });
    expect((await gate(now, { budgets: [points] })).kind).toBe('wait'); // 4998 + 3 > 5000
  });

  it('waits until enough points have aged out for the next post, and lets it go at that very time', async () => {
    const points: RateBudget = { label: 'points', windowMs: 60 * MIN, limit: 10, costPerPost: 3 };
    const start = new Date('2026-11-29T10:00:00Z');
    for (let i = 0; i < 3; i += 1) await logSend(store, 'x-main', new Date(start.getTime() + i * MIN), 'attempt', { budgets: [points] });
    const now = new Date(start.getTime() + 10 * MIN);
    // 9 used + 3 > 10: the first send ageing out leaves 6, room for one.
    const until = new Date(start.getTime() + 60 * MIN);
    expect(await gate(now, { budgets: [points] })).toEqual({ kind: 'wait', scope: 'limit', until, reason: 'points: 9 of 10 used' });
    expect(await gate(new Date(until.getTime() - 1), { budgets: [points] })).toMatchObject({ kind: 'wait', until });
    expect(await gate(until, { budgets: [points] })).toEqual({ kind: 'go' });
    // Two more: 12 used, the window must drop to 7: both of the first two sends age out.
    await logSend(store, 'x-main', until, 'attempt', { budgets: [points] });
    expect(await gate(until, { budgets: [points] })).toMatchObject({ kind: 'wait', until: new Date(start.getTime() + 61 * MIN), reason: 'points: 9 of 10 used' });
  });

  it('holds a post that costs more than the whole budget for a window from now', async () => {
    const tiny: RateBudget = { label: 'tiny', windowMs: 15 * MIN, limit: 2, costPerPost: 3 };
    const now = new Date('2026-11-29T10:00:00Z');
    expect(await gate(now, { budgets: [tiny] })).toEqual({ kind: 'wait', scope: 'limit', until: new Date(now.getTime() + 15 * MIN), reason: 'tiny: 0 of 2 used' });
  });

  it('counts Mastodon media uploads apart from statuses, and only for posts with an image', async () => {
    const media: RateBudget = { label: 'media uploads per 30 min', windowMs: 30 * MIN, limit: 30, costPerPost: 1, counts: 'images' };
    const now = new Date('2026-11-29T10:00:00Z');
    for (let i = 0; i < 30; i += 1) await logSend(store, 'x-main', new Date(now.getTime() - MIN), 'attempt', { budgets: [media], withImage: true });
    expect(await gate(now, { budgets: [media], withImage: true })).toMatchObject({ kind: 'wait', reason: 'media uploads per 30 min: 30 of 30 used' });
    expect(await gate(now, { budgets: [media], withImage: false })).toEqual({ kind: 'go' });
    expect(await gate(now, { budgets: [X_BUDGET], withImage: true })).toEqual({ kind: 'go' }); // statuses are counted apart
  });

  it('keeps channels apart', async () => {
    const now = new Date('2026-11-29T10:00:00Z');
    for (let i = 0; i < 100; i += 1) await logSend(store, 'other', now, 'attempt');
    expect(await gate(now, { budgets: [X_BUDGET] })).toEqual({ kind: 'go' });
  });
});

describe('channel schedules', () => {
  const quiet: ChannelSchedule = { timezone: 'Europe/Berlin', quietHours: { start: '23:00', end: '06:30', during: 'wait' } };

  it('waits through quiet hours that cross midnight, in the channel time zone', async () => {
    // 23:30 in Berlin (UTC+1 in November) is 22:30 UTC.
    const verdict = await gate(new Date('2026-11-29T22:30:00Z'), { schedule: quiet });
    expect(verdict).toEqual({
      kind: 'wait',
      scope: 'schedule',
      until: new Date('2026-11-30T05:30:00Z'),
      reason: 'quiet hours until 06:30 Europe/Berlin',
    });
    expect(await gate(new Date('2026-11-30T05:30:00Z'), { schedule: quiet })).toEqual({ kind: 'go' });
    expect(await gate(new Date('2026-11-29T21:59:00Z'), { schedule: quiet })).toEqual({ kind: 'go' });
  });

  it('follows daylight saving time (quiet hours end at 06:30 local in summer too)', async () => {
    const verdict = await gate(new Date('2026-07-01T02:00:00Z'), { schedule: quiet });
    expect(verdict).toMatchObject({ kind: 'wait', until: new Date('2026-07-01T04:30:00Z') });
  });

  it('skips what arrives during quiet hours when set to skip', async () => {
    const skip: ChannelSchedule = { timezone: 'UTC', quietHours: { start: '00:00', end: '06:00', during: 'skip' } };
    expect(await gate(new Date('2026-11-29T03:00:00Z'), { schedule: skip })).toEqual({
      kind: 'skip',
      reason: 'arrived during quiet hours (00:00–06:00 UTC), set to skip',
    });
  });

  it('spaces posts and caps the day; breaking news goes past both and past quiet hours', async () => {
    const schedule: ChannelSchedule = { timezone: 'UTC', minSpacing: 10 * MIN, dailyCap: 2 };
    const first = new Date('2026-11-29T09:00:00Z');
    await logSend(store, 'x-main', first, 'post');
    expect(await gate(new Date(first.getTime() + 5 * MIN), { schedule })).toMatchObject({
      kind: 'wait',
      until: new Date(first.getTime() + 10 * MIN),
      reason: 'spacing between posts',
    });
    await logSend(store, 'x-main', new Date(first.getTime() + 10 * MIN), 'post');
    expect(await gate(new Date(first.getTime() + 30 * MIN), { schedule })).toMatchObject({
      kind: 'wait',
      until: new Date('2026-11-30T00:00:00Z'),
      reason: 'daily cap of 2 posts reached (UTC)',
    });
    expect(await gate(new Date(first.getTime() + 11 * MIN), { schedule, priority: 'breaking' })).toEqual({ kind: 'go' });
    expect(await gate(new Date('2026-11-29T22:30:00Z'), { schedule: quiet, priority: 'breaking' })).toEqual({ kind: 'go' });
  });

  it('counts posts, not attempts: failed tries neither space nor cap the day', async () => {
    const schedule: ChannelSchedule = { timezone: 'UTC', minSpacing: 10 * MIN, dailyCap: 1 };
    const first = new Date('2026-11-29T09:00:00Z');
    for (let i = 0; i < 5; i += 1) await logSend(store, 'x-main', new Date(first.getTime() + i * MIN), 'attempt');
    expect(await gate(new Date(first.getTime() + 5 * MIN), { schedule })).toEqual({ kind: 'go' });
    await logSend(store, 'x-main', new Date(first.getTime() + 5 * MIN), 'post');
    expect(await gate(new Date(first.getTime() + 6 * MIN), { schedule })).toMatchObject({ kind: 'wait', reason: 'spacing between posts' });
    expect(await gate(new Date(first.getTime() + 60 * MIN), { schedule })).toMatchObject({ kind: 'wait', reason: 'daily cap of 1 posts reached (UTC)' });
  });
});
