import { describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { at, event, HOUR, MINUTE, newDelivery, only, seed, T0, type Ctx } from './harness.js';

/**
 * What read-backs and the settling of unknown outcomes need from a store: due checks of posted,
 * verified and uncertain deliveries only, per-channel read-back counts and the last verified post,
 * and a source's publishing history (silence alarms).
 */
export function readBackCases(ctx: Ctx): void {
  describe('read-backs, settling and publishing history', () => {
    it('due checks are of posts out there and of uncertain sends; a post that left those states is not due', async () => {
      const { ids } = await seed(ctx.store, 'a', [newDelivery('x'), newDelivery('m')]);
      const [x, m] = [only(ids.x), only(ids.m)];
      for (const id of [x, m]) await ctx.store.transition(id, { ...MOVES.claim, set: { text: 'Hello', attemptAt: T0 } }, event('delivery-sending'));
      await ctx.store.transition(x, { ...MOVES.posted, set: { remoteId: 'r1', postedAt: T0, checkAt: at(MINUTE) } }, event('delivery-posted'));
      await ctx.store.transition(m, { ...MOVES.uncertain, set: { lastError: 'timeout' } }, event('delivery-uncertain'));
      expect(await ctx.store.transition(m, { ...MOVES.settleLater, set: { checkAt: at(2 * MINUTE) } }, event('settle-waiting'))).toBe(true);
      expect((await ctx.store.dueChecks(at(2 * MINUTE), 10)).map((d) => [d.id, d.state])).toEqual([
        [x, 'posted'],
        [m, 'uncertain'],
      ]);
      // Retracted with its read-back still set: no longer read back.
      await ctx.store.transition(x, MOVES.retracted, event('post-retracted'));
      // Settled: posted under the id found, first read-back a minute later.
      expect(await ctx.store.transition(m, { ...MOVES.settled, set: { remoteId: 'r2', postedAt: at(MINUTE), checkAt: at(3 * MINUTE), lastError: null } }, event('delivery-settled'))).toBe(true);
      expect((await ctx.store.dueChecks(at(3 * MINUTE), 10)).map((d) => [d.id, d.state, d.remoteId])).toEqual([[m, 'posted', 'r2']]);
    });

    it('channel summaries count verified and missing posts and name the newest verified one', async () => {
      const posts: number[] = [];
      for (const [key, postedAt] of [['a', T0], ['b', at(HOUR)], ['c', at(2 * HOUR)]] as const) {
        const { ids } = await seed(ctx.store, key, [newDelivery('x', { idempotencyKey: `k-${key}` })]);
        const id = only(ids.x);
        await ctx.store.transition(id, { ...MOVES.claim, set: { text: key, attemptAt: postedAt } }, event('delivery-sending'));
        await ctx.store.transition(id, { ...MOVES.posted, set: { remoteId: key, remoteUrl: `https://x.example/${key}`, postedAt } }, event('delivery-posted'));
        posts.push(id);
      }
      const [a, b, c] = [only(posts[0]), only(posts[1]), only(posts[2])];
      await ctx.store.transition(a, { ...MOVES.verify, set: { checked: true } }, event('delivery-verified', at(3 * HOUR)));
      await ctx.store.transition(b, { ...MOVES.verify, set: { checked: true } }, event('delivery-verified', at(3 * HOUR)));
      await ctx.store.transition(c, { ...MOVES.lose, set: { checked: true, checkAt: null } }, event('delivery-missing', at(3 * HOUR)));
      const [summary] = await ctx.store.channelSummaries();
      expect(summary).toMatchObject({ channelId: 'x', verified: 2, missing: 1, lastVerified: { deliveryId: b, postedAt: at(HOUR), url: 'https://x.example/b' } });
    });

    it("publishedTimes lists one source's publishing times within the window, oldest first", async () => {
      await seed(ctx.store, 'early', [], T0, { publishedAt: at(-2 * HOUR) });
      await seed(ctx.store, 'late', [], T0, { publishedAt: at(-HOUR) });
      await seed(ctx.store, 'old', [], T0, { publishedAt: at(-30 * 24 * HOUR) });
      await seed(ctx.store, 'other', [], T0, { publishedAt: at(-HOUR), sourceId: 'sport' });
      expect(await ctx.store.publishedTimes('news', at(-24 * HOUR), T0)).toEqual([at(-2 * HOUR), at(-HOUR)]);
      expect(await ctx.store.publishedTimes('sport', at(-24 * HOUR), T0)).toEqual([at(-HOUR)]);
      expect(await ctx.store.publishedTimes('news', at(-90 * MINUTE), T0)).toEqual([at(-HOUR)]);
    });
  });
}
