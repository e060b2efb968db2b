import { describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import type { EventRecord } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { at, deliver, event, HOUR, MINUTE, newDelivery, only, sourceState, T0, type Ctx } from './harness.js';

/** Events, channel summaries, meta and per-channel values. */
export function recordsCases(ctx: Ctx): void {
  describe('events', () => {
    it('listEvents filters by article, delivery, channel and time, oldest first unless newest first, with a limit', async () => {
      const records: EventRecord[] = [
        { at: T0, kind: 'a', message: 'first', articleId: 1, channelId: 'x', actor: 'daemon' },
        { at: at(MINUTE), kind: 'b', message: 'second', deliveryId: 5, channelId: 'masto', actor: 'ana', data: { nested: { n: 1 }, list: ['é', 2] } },
        { at: at(2 * MINUTE), kind: 'c', message: 'third', sourceId: 'news', actor: 'daemon' },
        { at: at(3 * MINUTE), kind: 'd', message: 'fourth', articleId: 1, deliveryId: 5, channelId: 'masto', sourceId: 'news', actor: 'ben' },
      ];
      for (const record of records) await ctx.store.appendEvent(record);
      const kinds = async (filter: Parameters<typeof ctx.store.listEvents>[0]) => (await ctx.store.listEvents(filter)).map((e) => e.kind);
      expect(await kinds({})).toEqual(['a', 'b', 'c', 'd']);
      expect(await kinds({ newestFirst: true })).toEqual(['d', 'c', 'b', 'a']);
      expect(await kinds({ newestFirst: true, limit: 2 })).toEqual(['d', 'c']);
      expect(await kinds({ limit: 1 })).toEqual(['a']);
      expect(await kinds({ articleId: 1 })).toEqual(['a', 'd']);
      expect(await kinds({ deliveryId: 5 })).toEqual(['b', 'd']);
      expect(await kinds({ channelId: 'masto' })).toEqual(['b', 'd']);
      expect(await kinds({ since: at(MINUTE) })).toEqual(['b', 'c', 'd']);
      expect(await kinds({ articleId: 1, channelId: 'x' })).toEqual(['a']);
      expect(await kinds({ articleId: 2 })).toEqual([]);

      const stored = await ctx.store.listEvents({});
      expect(stored.map(({ id: _id, ...rest }) => rest)).toEqual(
        records.map((r) => ({ articleId: undefined, deliveryId: undefined, channelId: undefined, sourceId: undefined, data: undefined, ...r })),
      );
      const ids = stored.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(4);
    });
  });

  describe('articles by source key', () => {
    it('findArticleByKey finds an article by its source and key only', async () => {
      await ctx.store.ingest('news', [deliver(makeArticle({ key: 'post-42' }), [newDelivery('x')])], sourceState('news'), T0);
      const stored = only(await ctx.store.findArticleByKey('news', 'post-42'), 'article');
      expect(stored).toMatchObject({ sourceId: 'news', key: 'post-42' });
      expect(await ctx.store.findArticleByKey('other', 'post-42')).toBeUndefined();
      expect(await ctx.store.findArticleByKey('news', 'post-43')).toBeUndefined();
    });
  });

  describe('channel summaries', () => {
    it('counts pending, failed and uncertain per channel, with the last post and the last error', async () => {
      const items = ['a', 'b', 'c', 'd'].map((key) => deliver(makeArticle({ key }), [newDelivery('x'), newDelivery('masto')]));
      await ctx.store.ingest('news', items, sourceState('news'), T0);
      const ids = (await ctx.store.listDeliveries({ channelId: 'x' })).map((d) => d.id);
      const [a, b, c, d] = ids.map((id) => only(id));
      const send = async (id: number, when: Date) => ctx.store.transition(id, { ...MOVES.claim, set: { attemptAt: when } }, event('s', when));
      await send(only(b), at(MINUTE));
      await ctx.store.transition(only(b), { ...MOVES.failed, set: { lastError: 'rejected: too long' } }, event('f', at(MINUTE)));
      await send(only(c), at(2 * MINUTE));
      await ctx.store.transition(only(c), { ...MOVES.posted, set: { postedAt: at(2 * MINUTE) } }, event('p', at(2 * MINUTE)));
      await send(only(d), at(3 * MINUTE));
      await ctx.store.transition(only(d), { ...MOVES.uncertain, set: { lastError: 'socket hang up' } }, event('u', at(3 * MINUTE)));
      expect(a).toBeDefined();
      const masto = (await ctx.store.listDeliveries({ channelId: 'masto' })).map((m) => m.id);
      await ctx.store.transition(only(masto[0]), { ...MOVES.cancel, set: { lastError: 'cancelled by ana' } }, event('c', at(4 * MINUTE)));
      await ctx.store.transition(only(masto[1]), { ...MOVES.defer, set: { lastError: 'image fetch failed', nextAttemptAt: at(HOUR) } }, event('d', at(MINUTE)));

      expect(await ctx.store.channelSummaries()).toEqual([
        {
          channelId: 'masto',
          pending: 3,
          failed: 0,
          uncertain: 0,
          verified: 0,
          missing: 0,
          lastPostedAt: undefined,
          lastError: { at: at(MINUTE), message: 'image fetch failed', deliveryId: masto[1] },
        },
        {
          channelId: 'x',
          pending: 1,
          failed: 1,
          uncertain: 1,
          verified: 0,
          missing: 0,
          lastPostedAt: at(2 * MINUTE),
          lastError: { at: at(3 * MINUTE), message: 'socket hang up', deliveryId: d },
        },
      ]);
    });

    it('is empty without deliveries', async () => {
      expect(await ctx.store.channelSummaries()).toEqual([]);
    });
  });

  describe('meta and channel values', () => {
    it('meta: set, replace, delete', async () => {
      expect(await ctx.store.getMeta('config-hash')).toBeUndefined();
      await ctx.store.setMeta('config-hash', 'abc');
      await ctx.store.setMeta('config-hash', 'def');
      await ctx.store.setMeta('other', '1');
      expect(await ctx.store.getMeta('config-hash')).toBe('def');
      await ctx.store.setMeta('config-hash', undefined);
      expect(await ctx.store.getMeta('config-hash')).toBeUndefined();
      expect(await ctx.store.getMeta('other')).toBe('1');
    });

    it('channel values: per channel and key, replaced, deleted', async () => {
      expect(await ctx.store.getChannelValue('bsky', 'session')).toBeUndefined();
      await ctx.store.setChannelValue('bsky', 'session', '{"jwt":"a"}');
      await ctx.store.setChannelValue('bsky', 'session', '{"jwt":"b"}');
      await ctx.store.setChannelValue('bsky-2', 'session', 'other');
      await ctx.store.setChannelValue('bsky', 'instance', 'i');
      expect(await ctx.store.getChannelValue('bsky', 'session')).toBe('{"jwt":"b"}');
      expect(await ctx.store.getChannelValue('bsky-2', 'session')).toBe('other');
      await ctx.store.deleteChannelValue('bsky', 'session');
      expect(await ctx.store.getChannelValue('bsky', 'session')).toBeUndefined();
      expect(await ctx.store.getChannelValue('bsky', 'instance')).toBe('i');
      await ctx.store.deleteChannelValue('bsky', 'missing');
    });
  });
}
