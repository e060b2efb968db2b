import { describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import type { Delivery, DeliveryChange, Store } from '../../src/store/store.js';
import { at, event, HOUR, MINUTE, newDelivery, only, secondHandle, seed, T0, type Ctx } from './harness.js';

const claim = (set: DeliveryChange['set'] = {}): DeliveryChange => ({ ...MOVES.claim, set });

/** A delivery's only write: a compare-and-set with its patch, sends and event, or nothing at all. */
export function transitionCases(ctx: Ctx): void {
  async function one(): Promise<number> {
    const { ids } = await seed(ctx.store, 'a', [newDelivery('x')]);
    return only(ids.x);
  }
  const get = async (id: number, store: Store = ctx.store): Promise<Delivery> => only(await store.getDelivery(id), 'delivery');

  describe('transition', () => {
    it('moves the state and writes the patch, the sends and the event together', async () => {
      const id = await one();
      const sends = [
        { counter: 'x', kind: 'attempt', cost: 1 },
        { counter: 'x/images', kind: 'attempt', cost: 2 },
      ] as const;
      const sending = event('delivery-sending', at(MINUTE), { deliveryId: id, channelId: 'x', data: { try: 1 } });
      expect(await ctx.store.transition(id, claim({ text: 'Hello', prepared: '{"rkey":"1"}', attemptAt: at(MINUTE) }), sending)).toBe(true);
      expect(await ctx.store.transition(id, { ...MOVES.posted, set: { remoteId: 'r1', remoteUrl: 'https://x.example/r1', postedAt: at(2 * MINUTE), lastError: null } }, event('delivery-posted', at(2 * MINUTE)))).toBe(true);
      expect(await get(id)).toMatchObject({
        state: 'posted',
        text: 'Hello',
        prepared: '{"rkey":"1"}',
        attempts: 1,
        firstAttemptAt: at(MINUTE),
        lastAttemptAt: at(MINUTE),
        remoteId: 'r1',
        remoteUrl: 'https://x.example/r1',
        postedAt: at(2 * MINUTE),
        updatedAt: at(2 * MINUTE),
        createdAt: T0,
        nextAttemptAt: T0,
      });
      expect((await ctx.store.listEvents({ deliveryId: id })).filter((e) => e.kind !== 'delivery-created')).toEqual([{ ...sending, id: expect.any(Number), articleId: undefined, sourceId: undefined }]);
      expect(await ctx.store.sendsSince('x', 'attempt', T0)).toEqual([]);
      await ctx.store.transition(id, { from: ['posted'], to: 'posted', sends: sends }, event('noted', at(3 * MINUTE)));
      expect(await ctx.store.sendsSince('x', 'attempt', T0)).toEqual([{ at: at(3 * MINUTE), cost: 1 }]);
      expect(await ctx.store.sendsSince('x/images', 'attempt', T0)).toEqual([{ at: at(3 * MINUTE), cost: 2 }]);
    });

    it('returns false and writes nothing when the state is not one it moves from', async () => {
      const id = await one();
      const before = await get(id);
      const eventsBefore = await ctx.store.listEvents({});
      const refused = await ctx.store.transition(
        id,
        { ...MOVES.retry, set: { text: 'no', nextAttemptAt: at(HOUR), attempts: 'reset', lastError: 'no' }, sends: [{ counter: 'x', kind: 'post', cost: 1 }] },
        event('delivery-retry', at(MINUTE)),
      );
      expect(refused).toBe(false);
      expect(await get(id)).toEqual(before);
      expect(await ctx.store.listEvents({})).toEqual(eventsBefore);
      expect(await ctx.store.sendsSince('x', 'post', at(-HOUR))).toEqual([]);
      expect(await ctx.store.lastSendAt('x', 'post')).toBeUndefined();
      expect(await ctx.store.transition(999_999, MOVES.claim, event('delivery-sending'))).toBe(false);
    });

    it('text is replaced when given; prepared is written only once; lastError set, kept, cleared', async () => {
      const id = await one();
      await ctx.store.transition(id, { ...MOVES.defer, set: { text: 'first', prepared: 'p1', lastError: 'image too big' } }, event('d', at(1)));
      await ctx.store.transition(id, { ...MOVES.defer, set: { prepared: 'p2' } }, event('d', at(2)));
      expect(await get(id)).toMatchObject({ text: 'first', prepared: 'p1', lastError: 'image too big' });
      await ctx.store.transition(id, { ...MOVES.defer, set: { text: 'second', lastError: null } }, event('d', at(3)));
      expect(await get(id)).toMatchObject({ text: 'second', prepared: 'p1', lastError: undefined, updatedAt: at(3) });
    });

    it('attemptAt counts attempts and sets the first attempt once; refund gives one back (never below 0); reset starts over', async () => {
      const id = await one();
      await ctx.store.transition(id, claim({ attemptAt: at(MINUTE) }), event('s'));
      await ctx.store.transition(id, { ...MOVES.retryLater, set: { nextAttemptAt: at(10 * MINUTE), lastError: 'timeout' } }, event('r'));
      await ctx.store.transition(id, claim({ attemptAt: at(10 * MINUTE) }), event('s'));
      expect(await get(id)).toMatchObject({ attempts: 2, firstAttemptAt: at(MINUTE), lastAttemptAt: at(10 * MINUTE), nextAttemptAt: at(10 * MINUTE), lastError: 'timeout' });
      await ctx.store.transition(id, { ...MOVES.retryLater, set: { attempts: 'refund' } }, event('r'));
      expect((await get(id)).attempts).toBe(1);
      await ctx.store.transition(id, { ...MOVES.defer, set: { attempts: 'refund' } }, event('r'));
      await ctx.store.transition(id, { ...MOVES.defer, set: { attempts: 'refund' } }, event('r'));
      expect((await get(id)).attempts).toBe(0);
      await ctx.store.transition(id, claim({ attemptAt: at(20 * MINUTE) }), event('s'));
      await ctx.store.transition(id, claim({ attemptAt: at(21 * MINUTE) }), event('s'));
      await ctx.store.transition(id, MOVES.failed, event('f'));
      expect((await get(id)).attempts).toBe(1);
      await ctx.store.transition(id, { ...MOVES.retry, set: { attempts: 'reset', priority: 'breaking', nextAttemptAt: at(HOUR) } }, event('retry'));
      expect(await get(id)).toMatchObject({ state: 'pending', attempts: 0, priority: 'breaking', nextAttemptAt: at(HOUR), firstAttemptAt: at(MINUTE) });
    });

    it('freshKey starts a new post: text, prepared, receipt and attempt times forgotten; refused when the key is unchanged', async () => {
      const id = await one();
      await ctx.store.transition(id, claim({ text: 't', prepared: 'p', attemptAt: T0 }), event('s'));
      await ctx.store.transition(id, { ...MOVES.posted, set: { remoteId: 'r', remoteUrl: 'https://x.example/r', postedAt: T0 } }, event('p'));
      const posted = await get(id);
      const eventsBefore = await ctx.store.listEvents({});
      expect(await ctx.store.transition(id, { ...MOVES.repost, set: { freshKey: 'key-x' } }, event('repost', at(HOUR)))).toBe(false);
      expect(await get(id)).toEqual(posted);
      expect(await ctx.store.listEvents({})).toEqual(eventsBefore);

      const repost = { ...MOVES.repost, set: { freshKey: 'key-x-2', attempts: 'reset', nextAttemptAt: at(HOUR) } } as const;
      expect(await ctx.store.transition(id, repost, event('repost', at(HOUR)))).toBe(true);
      expect(await get(id)).toMatchObject({
        state: 'pending',
        idempotencyKey: 'key-x-2',
        attempts: 0,
        nextAttemptAt: at(HOUR),
        text: undefined,
        prepared: undefined,
        remoteId: undefined,
        remoteUrl: undefined,
        firstAttemptAt: undefined,
        lastAttemptAt: undefined,
        postedAt: undefined,
        updatedAt: at(HOUR),
      });
    });

    it('unsentOnly applies only while no request has ever left', async () => {
      const id = await one();
      expect(await ctx.store.transition(id, { ...MOVES.rekey, set: { freshKey: 'k2' } }, event('rekey'))).toBe(true);
      await ctx.store.transition(id, claim({ attemptAt: T0 }), event('s'));
      await ctx.store.transition(id, MOVES.retryLater, event('r'));
      expect(await ctx.store.transition(id, { ...MOVES.rekey, set: { freshKey: 'k3' } }, event('rekey'))).toBe(false);
      expect(await get(id)).toMatchObject({ idempotencyKey: 'k2', state: 'pending', attempts: 1 });
    });

    it('two handles claim the same deliveries at once: exactly one claim of each wins', async () => {
      const other = await secondHandle(ctx);
      const { ids } = await seed(ctx.store, 'a', ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'].map((c) => newDelivery(c)));
      for (const id of Object.values(ids)) {
        const results = await Promise.all([
          ctx.store.transition(id, claim({ attemptAt: T0, text: 'one' }), event('delivery-sending', T0, { deliveryId: id, actor: 'one' })),
          other.transition(id, claim({ attemptAt: T0, text: 'two' }), event('delivery-sending', T0, { deliveryId: id, actor: 'two' })),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] ? 'one' : 'two';
        expect(await get(id, other)).toMatchObject({ state: 'sending', attempts: 1, text: winner });
        expect((await ctx.store.listEvents({ deliveryId: id })).filter((e) => e.kind === 'delivery-sending').map((e) => e.actor)).toEqual([winner]);
      }
      // A cancel racing the post it lost to is refused on either handle.
      const id = only(ids.c1);
      const [posted, cancelled] = await Promise.all([ctx.store.transition(id, MOVES.posted, event('p')), other.transition(id, MOVES.cancel, event('c'))]);
      expect([posted, cancelled]).toEqual([true, false]);
      expect((await get(id, other)).state).toBe('posted');
    });
  });

  describe('the send log', () => {
    it('sendsSince and lastSendAt per counter and kind, oldest first, after `since` only', async () => {
      const id = await one();
      expect(await ctx.store.lastSendAt('x', 'attempt')).toBeUndefined();
      const note = (when: Date, sends: DeliveryChange['sends']) => ctx.store.transition(id, { ...MOVES.defer, sends }, event('d', when));
      await note(at(MINUTE), [{ counter: 'x', kind: 'attempt', cost: 1 }]);
      await note(at(2 * MINUTE), [
        { counter: 'x', kind: 'attempt', cost: 3 },
        { counter: 'x', kind: 'post', cost: 1 },
      ]);
      await note(at(3 * MINUTE), [{ counter: 'x/images', kind: 'attempt', cost: 1 }]);
      expect(await ctx.store.sendsSince('x', 'attempt', T0)).toEqual([
        { at: at(MINUTE), cost: 1 },
        { at: at(2 * MINUTE), cost: 3 },
      ]);
      expect(await ctx.store.sendsSince('x', 'attempt', at(MINUTE))).toEqual([{ at: at(2 * MINUTE), cost: 3 }]);
      expect(await ctx.store.sendsSince('x', 'post', T0)).toEqual([{ at: at(2 * MINUTE), cost: 1 }]);
      expect(await ctx.store.lastSendAt('x', 'attempt')).toEqual(at(2 * MINUTE));
      expect(await ctx.store.lastSendAt('x', 'post')).toEqual(at(2 * MINUTE));
      expect(await ctx.store.lastSendAt('x/images', 'attempt')).toEqual(at(3 * MINUTE));
      expect(await ctx.store.lastSendAt('x/images', 'post')).toBeUndefined();
      expect(await ctx.store.lastSendAt('masto', 'attempt')).toBeUndefined();
    });

    it('sendWindow sums a counter and kind after `since` and finds when at most `keep` is left', async () => {
      const id = await one();
      expect(await ctx.store.sendWindow('x', 'attempt', T0, 5)).toEqual({ count: 0, used: 0 });
      const note = (when: Date, sends: DeliveryChange['sends']) => ctx.store.transition(id, { ...MOVES.defer, sends }, event('d', when));
      await note(at(MINUTE), [{ counter: 'x', kind: 'attempt', cost: 1 }]);
      // Two sends at one time: whichever is taken first, the window frees up at that time.
      await note(at(2 * MINUTE), [
        { counter: 'x', kind: 'attempt', cost: 3 },
        { counter: 'x', kind: 'attempt', cost: 1 },
        { counter: 'x', kind: 'post', cost: 1 },
        { counter: 'x/images', kind: 'attempt', cost: 7 },
      ]);
      await note(at(3 * MINUTE), [{ counter: 'x', kind: 'attempt', cost: 2 }]);
      const window = (keep?: number, since = T0) => ctx.store.sendWindow('x', 'attempt', since, keep);
      expect(await window()).toEqual({ count: 4, used: 7 });
      // used 7: keep 6 needs 1 gone (the first), keep 5 and 3 need the sends at 2 min gone too,
      // keep 2 as well, keep 0 needs every send gone; keep 7 or more is already met.
      expect((await window(6)).clearsAt).toEqual(at(MINUTE));
      expect((await window(5)).clearsAt).toEqual(at(2 * MINUTE));
      expect((await window(3)).clearsAt).toEqual(at(2 * MINUTE));
      expect((await window(2)).clearsAt).toEqual(at(2 * MINUTE));
      expect((await window(1)).clearsAt).toEqual(at(3 * MINUTE));
      expect(await window(0)).toEqual({ count: 4, used: 7, clearsAt: at(3 * MINUTE) });
      expect(await window(7)).toEqual({ count: 4, used: 7 });
      // A negative keep (a post costing more than the whole budget): nothing ever frees enough.
      expect((await window(-1)).clearsAt).toBeUndefined();
      // `since` itself is outside the window.
      expect(await window(0, at(MINUTE))).toEqual({ count: 3, used: 6, clearsAt: at(3 * MINUTE) });
      expect(await window(0, at(3 * MINUTE))).toEqual({ count: 0, used: 0 });
      expect(await ctx.store.sendWindow('x', 'post', T0)).toEqual({ count: 1, used: 1 });
      expect(await ctx.store.sendWindow('x/images', 'attempt', T0, 0)).toEqual({ count: 1, used: 7, clearsAt: at(2 * MINUTE) });
      expect(await ctx.store.sendWindow('masto', 'attempt', T0, 0)).toEqual({ count: 0, used: 0 });
    });

    it('keeps two days of sends: a send prunes older ones of its counter and kind', async () => {
      const id = await one();
      const note = (when: Date, kind: 'attempt' | 'post') => ctx.store.transition(id, { ...MOVES.defer, sends: [{ counter: 'x', kind, cost: 1 }] }, event('d', when));
      await note(at(-72 * HOUR), 'attempt');
      await note(at(-47 * HOUR), 'attempt');
      await note(at(-72 * HOUR), 'post');
      await note(T0, 'attempt');
      const since = at(-100 * HOUR);
      expect(await ctx.store.sendWindow('x', 'attempt', since)).toEqual({ count: 2, used: 2 });
      await note(T0, 'post');
      expect(await ctx.store.sendWindow('x', 'post', since)).toEqual({ count: 1, used: 1 });
      expect(await ctx.store.lastSendAt('x', 'post')).toEqual(T0);
    });
  });
}
