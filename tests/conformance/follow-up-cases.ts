import { describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { planPulled } from '../../src/ingest/plan-ingest.js';
import type { Delivery, Store } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { at, event, HOUR, MINUTE, newDelivery, only, seed, T0, type Ctx } from './harness.js';

/**
 * What a post leaves behind on the platform: its read-backs (verified, missing) and its
 * follow-ups, deliveries of their own kind (a retraction, a correction) with the post as parent.
 */
export function followUpCases(ctx: Ctx): void {
  const get = async (id: number, store: Store = ctx.store): Promise<Delivery> => only(await store.getDelivery(id), 'delivery');

  /** One article posted on channel x; returns the article and the post's delivery. */
  async function posted(checkAt?: Date): Promise<{ articleId: number; post: number }> {
    const { articleId, ids } = await seed(ctx.store, 'a', [newDelivery('x')]);
    const post = only(ids.x);
    expect(await ctx.store.transition(post, { ...MOVES.claim, set: { text: 'Hello', attemptAt: T0 } }, event('delivery-sending'))).toBe(true);
    const set = { remoteId: 'r1', postedAt: T0, ...(checkAt ? { checkAt } : {}) };
    expect(await ctx.store.transition(post, { ...MOVES.posted, set }, event('delivery-posted'))).toBe(true);
    return { articleId, post };
  }

  const followUp = (kind: 'retract' | 'correct', parentId: number, key = `${kind}-${parentId}`) =>
    newDelivery('x', { kind, parentId, idempotencyKey: key, routeId: 'manual', ...(kind === 'correct' ? { text: 'Correction: the bridge opens in May.' } : {}) });

  describe('follow-ups of a post', () => {
    it('a post is of kind post; a retraction and a correction of it sit beside it on the same article and channel', async () => {
      const { articleId, post } = await posted();
      expect(await get(post)).toMatchObject({ kind: 'post', parentId: undefined, checks: 0 });
      const [retract] = await ctx.store.addDeliveries(articleId, [followUp('retract', post)], event('retraction-queued'));
      const [correct] = await ctx.store.addDeliveries(articleId, [followUp('correct', post)], event('correction-queued'));
      expect(await get(only(retract))).toMatchObject({ kind: 'retract', parentId: post, state: 'pending', channelId: 'x' });
      // A correction's words are fixed when it is queued, not rendered at send time.
      expect(await get(only(correct))).toMatchObject({ kind: 'correct', parentId: post, text: 'Correction: the bridge opens in May.' });

      expect((await ctx.store.listDeliveries({ articleId, kinds: ['post'] })).map((d) => d.id)).toEqual([post]);
      expect((await ctx.store.listDeliveries({ parentId: post })).map((d) => d.kind)).toEqual(['retract', 'correct']);
      expect((await ctx.store.listDeliveries({ articleId })).length).toBe(3);
      expect((await ctx.store.listDeliveries({ articleId, newestFirst: true, limit: 2 })).map((d) => d.kind)).toEqual(['correct', 'retract']);
      // Follow-ups are queued work like posts: due, and claimed through the same moves.
      expect((await ctx.store.dueDeliveries(at(MINUTE), 10)).map((d) => d.kind)).toEqual(['retract', 'correct']);
    });

    it('one follow-up per post, kind and key, and still one post per article and channel', async () => {
      const { articleId, post } = await posted();
      await ctx.store.addDeliveries(articleId, [followUp('retract', post)], event('retraction-queued'));
      await expect(ctx.store.addDeliveries(articleId, [followUp('retract', post)], event('retraction-queued'))).rejects.toThrow();
      // Another correction (other words, another key) is another follow-up.
      await ctx.store.addDeliveries(articleId, [followUp('correct', post, 'c1')], event('correction-queued'));
      await ctx.store.addDeliveries(articleId, [followUp('correct', post, 'c2')], event('correction-queued'));
      await expect(ctx.store.addDeliveries(articleId, [newDelivery('x', { idempotencyKey: 'another' })], event('delivery-created'))).rejects.toThrow();
      expect((await ctx.store.listDeliveries({ parentId: post })).map((d) => [d.kind, d.idempotencyKey])).toEqual([
        ['retract', `retract-${post}`],
        ['correct', 'c1'],
        ['correct', 'c2'],
      ]);
    });

    it('a source pulling the story cancels pending posts, never a pending retraction of a post already out', async () => {
      const { articleId, post } = await posted();
      const [retract] = await ctx.store.addDeliveries(articleId, [followUp('retract', post)], event('retraction-queued'));
      await ctx.store.ingest('news', [], { sourceId: 'news', consecutiveFailures: 0, initializedAt: T0 }, at(HOUR), planPulled([makeArticle({ key: 'a' }).key]));
      expect((await get(only(retract))).state).toBe('pending');
      expect((await get(post)).state).toBe('posted');
    });

    it('a retracted post is retracted; only a post out there (or missing) can be', async () => {
      const { post } = await posted();
      expect(await ctx.store.transition(post, MOVES.retracted, event('post-retracted'))).toBe(true);
      expect((await get(post)).state).toBe('retracted');
      expect(await ctx.store.transition(post, MOVES.retracted, event('post-retracted'))).toBe(false);
      expect(await ctx.store.transition(post, MOVES.verify, event('delivery-verified'))).toBe(false);
    });
  });

  describe('read-back of a post', () => {
    it('is due at checkAt, for the channels asked, and a read-back moves it to verified or missing', async () => {
      const { post } = await posted(at(MINUTE));
      expect(await ctx.store.dueChecks(at(MINUTE - 1), 10)).toEqual([]);
      expect((await ctx.store.dueChecks(at(MINUTE), 10)).map((d) => d.id)).toEqual([post]);
      expect(await ctx.store.dueChecks(at(MINUTE), 10, ['other'])).toEqual([]);
      expect((await ctx.store.dueChecks(at(MINUTE), 10, ['x'])).map((d) => d.id)).toEqual([post]);

      // Found at the first read-back: verified, read again an hour later.
      expect(await ctx.store.transition(post, { ...MOVES.verify, set: { checked: true, checkAt: at(HOUR) } }, event('delivery-verified'))).toBe(true);
      expect(await get(post)).toMatchObject({ state: 'verified', checks: 1, checkAt: at(HOUR) });
      expect(await ctx.store.dueChecks(at(2 * MINUTE), 10)).toEqual([]);
      // Gone at the second: missing, and nothing more to read.
      expect(await ctx.store.transition(post, { ...MOVES.lose, set: { checked: true, checkAt: null, lastError: 'not found' } }, event('delivery-missing'))).toBe(true);
      expect(await get(post)).toMatchObject({ state: 'missing', checks: 2, checkAt: undefined, lastError: 'not found' });
      expect(await ctx.store.dueChecks(at(2 * HOUR), 10)).toEqual([]);
    });

    it('a repost under a new key starts its read-backs over', async () => {
      const { post } = await posted(at(MINUTE));
      await ctx.store.transition(post, { ...MOVES.lose, set: { checked: true, checkAt: null } }, event('delivery-missing'));
      expect(await ctx.store.transition(post, { ...MOVES.repost, set: { freshKey: 'new-key', nextAttemptAt: at(HOUR) } }, event('manual-retry'))).toBe(true);
      expect(await get(post)).toMatchObject({ state: 'pending', checks: 0, checkAt: undefined, remoteId: undefined, idempotencyKey: 'new-key' });
    });
  });
}
