import { DateTime } from 'luxon';
import type { ChannelSchedule } from '../config/channel-base.js';
import type { RateBudget } from '../platforms/contract.js';
import type { Delivery, SendRecord, Store } from '../store/store.js';

/**
 * Whether a delivery may be sent now. `wait` holds the whole channel until a time: `limit` for
 * a platform budget (every post waits), `schedule` for the newsroom's own policy (breaking posts
 * go past it). `skip` is final: the post arrived during quiet hours set to skip.
 */
export type GateVerdict =
  | { kind: 'go' }
  | { kind: 'wait'; scope: 'limit' | 'schedule'; until: Date; reason: string }
  | { kind: 'skip'; reason: string };

export interface GateInput {
  delivery: Delivery;
  channelId: string;
  budgets: readonly RateBudget[];
  /** Whether this post attaches an image (media-upload budgets apply only then). */
  withImage: boolean;
  schedule: ChannelSchedule | undefined;
  now: Date;
}

export async function gateDelivery(store: Store, input: GateInput): Promise<GateVerdict> {
  for (const budget of input.budgets) {
    if (budget.counts === 'images' && !input.withImage) continue;
    const verdict = await checkBudget(store, sendCounter(input.channelId, budget), budget, input.now);
    if (verdict) return verdict;
  }
  if (input.delivery.priority === 'breaking' || !input.schedule) return { kind: 'go' };
  return checkSchedule(store, input.channelId, input.schedule, input.now);
}

/** Which log of sends a budget reads: the channel's requests, or its media uploads. */
function sendCounter(channelId: string, budget: Pick<RateBudget, 'counts'>): string {
  return budget.counts === 'images' ? `${channelId}/images` : channelId;
}

/**
 * What one attempt costs, recorded with the claim that sends it: this and `gateDelivery` are the
 * one place a budget is read and written. Platform budgets count every attempt (a request costs
 * whether or not it posts); the channel's schedule counts posts (see `postRecord`).
 */
export function attemptRecords(channelId: string, budgets: readonly RateBudget[], withImage: boolean): SendRecord[] {
  const cost = Math.max(1, ...budgets.filter((b) => b.counts !== 'images').map((b) => b.costPerPost));
  const records: SendRecord[] = [{ counter: channelId, kind: 'attempt', cost }];
  if (withImage && budgets.some((b) => b.counts === 'images')) {
    records.push({ counter: sendCounter(channelId, { counts: 'images' }), kind: 'attempt', cost: 1 });
  }
  return records;
}

/** A post that went out: what spacing and the daily cap count. */
export function postRecord(channelId: string): SendRecord {
  return { counter: channelId, kind: 'post', cost: 1 };
}

/**
 * Sliding window: wait until enough of the oldest sends in the window have aged out. The store
 * sums the window (and finds that send) itself: the sends are never read out one by one.
 */
async function checkBudget(store: Store, counter: string, budget: RateBudget, now: Date): Promise<GateVerdict | undefined> {
  // What may already be in the window for this post to fit.
  const keep = budget.limit - budget.costPerPost;
  const window = await store.sendWindow(counter, 'attempt', new Date(now.getTime() - budget.windowMs), keep);
  if (window.used <= keep) return undefined;
  const reason = `${budget.label}: ${window.used} of ${budget.limit} used`;
  // No send frees enough when one post costs more than the whole budget: a window from now.
  const from = window.clearsAt ?? now;
  return { kind: 'wait', scope: 'limit', until: new Date(from.getTime() + budget.windowMs), reason };
}

async function checkSchedule(store: Store, channelId: string, schedule: ChannelSchedule, now: Date): Promise<GateVerdict> {
  const local = DateTime.fromJSDate(now, { zone: schedule.timezone });
  const quiet = schedule.quietHours;
  if (quiet && inWindow(local, quiet.start, quiet.end)) {
    const end = nextClockTime(local, quiet.end);
    if (quiet.during === 'skip') return { kind: 'skip', reason: `arrived during quiet hours (${quiet.start}–${quiet.end} ${schedule.timezone}), set to skip` };
    return { kind: 'wait', scope: 'schedule', until: end.toJSDate(), reason: `quiet hours until ${quiet.end} ${schedule.timezone}` };
  }
  if (schedule.minSpacing !== undefined) {
    const last = await store.lastSendAt(channelId, 'post');
    if (last && last.getTime() + schedule.minSpacing > now.getTime()) {
      return { kind: 'wait', scope: 'schedule', until: new Date(last.getTime() + schedule.minSpacing), reason: 'spacing between posts' };
    }
  }
  if (schedule.dailyCap !== undefined) {
    const today = await store.sendWindow(channelId, 'post', new Date(local.startOf('day').toMillis() - 1));
    if (today.count >= schedule.dailyCap) {
      return {
        kind: 'wait',
        scope: 'schedule',
        until: local.plus({ days: 1 }).startOf('day').toJSDate(),
        reason: `daily cap of ${schedule.dailyCap} posts reached (${schedule.timezone})`,
      };
    }
  }
  return { kind: 'go' };
}

function minutesOf(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** start–end in local time; a window like 23:00–06:00 crosses midnight. */
function inWindow(local: DateTime, start: string, end: string): boolean {
  const minute = local.hour * 60 + local.minute;
  const from = minutesOf(start);
  const to = minutesOf(end);
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** The next time the local clock shows `clock` (luxon handles DST gaps and repeats). */
function nextClockTime(local: DateTime, clock: string): DateTime {
  const minutes = minutesOf(clock);
  const candidate = local.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
  return candidate > local ? candidate : candidate.plus({ days: 1 });
}
