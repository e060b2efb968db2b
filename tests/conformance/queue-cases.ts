import { describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import type { ChannelHold } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { at, deliver, event, HOUR, MINUTE, newDelivery, only, seed, sourceState, T0, type Ctx } from './harness.js';

const paused: ChannelHold = { kind: 'paused', reason: 'legal hold', since: at(-HOUR), by: 'ana' };
const scheduled = (until: Date): ChannelHold => ({ kind: 'schedule', reason: 'quiet hours', since: at(-HOUR), until, by: 'daemon' });
const limited = (until: Date): ChannelHold => ({ kind: 'rate-limited', reason: '429', since: at(-MINUTE), until, by: 'daemon' });

/** The queue: what is due, in which order, and what holds keep back. */
export function queueCases(ctx: Ctx): void {
  /** One article per delivery, so a channel can have several pending at once. */
  async function queue(specs: { key: string; channel?: string; due: Date; priority?: 'normal' | 'breaking' }[]): Promise<Record<string, number>> {
    const items = specs.map((s) => deliver(makeArticle({ key: s.key }), [newDelivery(s.channel ?? 'x', { nextAttemptAt: s.due, priority: s.priority ?? 'normal' })]));
    await ctx.store.ingest('news', items, sourceState('news'), at(-2 * HOUR));
    const ids: Record<string, number> = {};
    for (const s of specs) {
      const article = only(await ctx.store.findArticleByUrl(makeArticle({ key: s.key }).canonicalUrl));
      ids[s.key] = only((await ctx.store.listDeliveries({ articleId: article.id }))[0]).id;
    }
    return ids;
  }

  const keysOf = async (ids: Record<string, number>, due: Promise<{ id: number }[]>): Promise<string[]> => {
    const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
    return (await due).map((d) => byId.get(d.id) ?? `#${d.id}`);
  };

  describe('due deliveries', () => {
    it('breaking first, then oldest due first, then by id; only pending ones due by now', async () => {
      const ids = await queue([
        { key: 'a', due: at(-2 * HOUR) },
        { key: 'b', due: at(-HOUR), priority: 'breaking' },
        { key: 'c', due: at(-3 * HOUR) },
        { key: 'd', due: at(-3 * HOUR), channel: 'masto' },
        { key: 'e', due: at(MINUTE) },
        { key: 'f', due: T0 },
        { key: 'g', due: at(-4 * HOUR) },
      ]);
      expect(await ctx.store.transition(only(ids.g), MOVES.cancel, event('delivery-cancelled'))).toBe(true);
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 10))).toEqual(['b', 'c', 'd', 'a', 'f']);
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 2))).toEqual(['b', 'c']);
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 10, ['masto']))).toEqual(['d']);
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 10, ['masto', 'x']))).toEqual(['b', 'c', 'd', 'a', 'f']);
      expect(await ctx.store.dueDeliveries(T0, 10, [])).toEqual([]);
      expect(await keysOf(ids, ctx.store.dueDeliveries(at(MINUTE), 10))).toEqual(['b', 'c', 'd', 'a', 'f', 'e']);
      const [first] = await ctx.store.dueDeliveries(T0, 1);
      expect(first).toEqual(await ctx.store.getDelivery(only(ids.b)));
    });

    it('listDeliveries filters by article, channel and states, in id order, with a limit', async () => {
      const ids = await queue([
        { key: 'a', due: T0 },
        { key: 'b', due: T0, channel: 'masto' },
        { key: 'c', due: T0 },
      ]);
      await ctx.store.transition(only(ids.c), MOVES.cancel, event('delivery-cancelled'));
      const list = async (filter: Parameters<typeof ctx.store.listDeliveries>[0]) => keysOf(ids, ctx.store.listDeliveries(filter));
      expect(await list({})).toEqual(['a', 'b', 'c']);
      expect(await list({ channelId: 'x' })).toEqual(['a', 'c']);
      expect(await list({ states: ['cancelled', 'failed'] })).toEqual(['c']);
      expect(await list({ channelId: 'x', states: ['pending'] })).toEqual(['a']);
      expect(await list({ limit: 2 })).toEqual(['a', 'b']);
      const article = only(await ctx.store.getDelivery(only(ids.b))).articleId;
      expect(await list({ articleId: article })).toEqual(['b']);
      expect(await ctx.store.getDelivery(999_999)).toBeUndefined();
    });
  });

  describe('holds', () => {
    it('setHold, listHolds and clearHolds: one hold per channel and kind, expired ones are over', async () => {
      await ctx.store.setHold('x', paused);
      await ctx.store.setHold('x', limited(at(15 * MINUTE)));
      await ctx.store.setHold('masto', scheduled(at(HOUR)));
      await ctx.store.setHold('bsky', limited(T0));
      expect(await ctx.store.listHolds(T0)).toEqual([
        { channelId: 'masto', ...scheduled(at(HOUR)) },
        { channelId: 'x', ...paused, until: undefined },
        { channelId: 'x', ...limited(at(15 * MINUTE)) },
      ]);
      expect((await ctx.store.listHolds(T0, 'x')).map((h) => h.kind)).toEqual(['paused', 'rate-limited']);
      expect(await ctx.store.listHolds(at(20 * MINUTE), 'x')).toEqual([{ channelId: 'x', ...paused, until: undefined }]);

      await ctx.store.setHold('x', { ...paused, reason: 'still on legal hold', by: 'ben' });
      expect(await ctx.store.listHolds(T0, 'x')).toMatchObject([{ kind: 'paused', reason: 'still on legal hold', by: 'ben' }, { kind: 'rate-limited' }]);

      expect(await ctx.store.clearHolds('bsky', ['rate-limited'], T0)).toEqual([]);
      expect(await ctx.store.clearHolds('x', ['paused', 'auth'], T0)).toMatchObject([{ channelId: 'x', kind: 'paused', reason: 'still on legal hold' }]);
      expect((await ctx.store.listHolds(T0)).map((h) => `${h.channelId}/${h.kind}`)).toEqual(['masto/schedule', 'x/rate-limited']);
    });

    it('a held channel has nothing due; a schedule hold lets breaking through; an expired hold stops nothing', async () => {
      const ids = await queue([
        { key: 'x1', due: at(-HOUR) },
        { key: 'x2', due: at(-HOUR), priority: 'breaking' },
        { key: 'm1', due: at(-HOUR), channel: 'masto' },
        { key: 'm2', due: at(-HOUR), channel: 'masto', priority: 'breaking' },
        { key: 'b1', due: at(-HOUR), channel: 'bsky' },
      ]);
      await ctx.store.setHold('x', paused);
      await ctx.store.setHold('masto', scheduled(at(HOUR)));
      await ctx.store.setHold('bsky', limited(T0));
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 10))).toEqual(['m2', 'b1']);
      expect(await keysOf(ids, ctx.store.dueDeliveries(at(HOUR), 10))).toEqual(['m2', 'm1', 'b1']);
      await ctx.store.setHold('bsky', limited(at(HOUR)));
      await ctx.store.setHold('bsky', scheduled(at(HOUR)));
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 10, ['bsky']))).toEqual([]);
      await ctx.store.clearHolds('x', ['paused'], T0);
      expect(await keysOf(ids, ctx.store.dueDeliveries(T0, 10))).toEqual(['x2', 'm2', 'x1']);
    });

    it('nextDueAt: the next due time, or the end of the hold that stops it; a hold without end waits for a person', async () => {
      expect(await ctx.store.nextDueAt(T0)).toBeUndefined();
      await queue([
        { key: 'x1', due: at(-HOUR) },
        { key: 'm1', due: at(10 * MINUTE), channel: 'masto' },
        { key: 'm2', due: at(-HOUR), channel: 'masto', priority: 'breaking' },
        { key: 'b1', due: at(30 * MINUTE), channel: 'bsky' },
      ]);
      expect(await ctx.store.nextDueAt(T0)).toEqual(at(-HOUR));
      await ctx.store.setHold('x', paused);
      await ctx.store.setHold('masto', scheduled(at(2 * HOUR)));
      // The schedule hold lets m2 (breaking) through: it is due now already.
      expect(await ctx.store.nextDueAt(T0)).toEqual(at(-HOUR));
      expect(await ctx.store.nextDueAt(T0, ['x'])).toBeUndefined();
      expect(await ctx.store.nextDueAt(T0, ['bsky', 'x'])).toEqual(at(30 * MINUTE));
      await ctx.store.setHold('bsky', limited(at(45 * MINUTE)));
      expect(await ctx.store.nextDueAt(T0, ['bsky'])).toEqual(at(45 * MINUTE));
      await ctx.store.setHold('masto', limited(at(3 * HOUR)));
      expect(await ctx.store.nextDueAt(T0, ['masto'])).toEqual(at(3 * HOUR));
      expect(await ctx.store.nextDueAt(T0)).toEqual(at(45 * MINUTE));
      expect(await ctx.store.nextDueAt(T0, [])).toBeUndefined();
    });
  });

  describe('deliveries added by hand', () => {
    it('addDeliveries adds one per channel with its event, and refuses a second for the same article and channel', async () => {
      const { articleId, ids } = await seed(ctx.store, 'a', [newDelivery('x')]);
      const added = await ctx.store.addDeliveries(articleId, [newDelivery('masto', { priority: 'breaking', nextAttemptAt: at(MINUTE) }), newDelivery('bsky')], {
        at: at(HOUR),
        kind: 'delivery-created',
        message: 'queued by ana',
        actor: 'ana',
      });
      expect(added).toHaveLength(2);
      const masto = only(await ctx.store.getDelivery(only(added[0])));
      expect(masto).toMatchObject({ articleId, channelId: 'masto', state: 'pending', priority: 'breaking', nextAttemptAt: at(MINUTE), createdAt: at(HOUR) });
      const events = await ctx.store.listEvents({ since: at(HOUR) });
      expect(events.map((e) => [e.articleId, e.deliveryId, e.channelId, e.actor])).toEqual([
        [articleId, added[0], 'masto', 'ana'],
        [articleId, added[1], 'bsky', 'ana'],
      ]);

      const before = await ctx.store.listEvents({});
      await expect(ctx.store.addDeliveries(articleId, [newDelivery('mastodon-2'), newDelivery('x')], event('delivery-created', at(2 * HOUR)))).rejects.toThrow();
      // All or nothing: the delivery before the refused one was not kept either.
      expect((await ctx.store.listDeliveries({ articleId })).map((d) => d.channelId).sort()).toEqual(['bsky', 'masto', 'x']);
      expect(await ctx.store.listEvents({})).toEqual(before);
      expect(only(await ctx.store.getDelivery(only(ids.x))).state).toBe('pending');
    });
  });
}
