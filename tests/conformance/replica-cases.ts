import { describe, expect, it } from 'vitest';
import { makeArticle } from '../support/articles.js';
import { at, record, secondHandle, sourceState, T0, type Ctx } from './harness.js';

const TTL = 30_000;
const SECOND = 1000;

/** What replicas share out: channel leases (one sender per account) and poll claims. */
export function replicaCases(ctx: Ctx): void {
  describe('channel leases', () => {
    it('renewed by their owner, refused to another while in force, taken over once expired, released at once', async () => {
      const s = ctx.store;
      expect(await s.leaseChannels('a', ['x', 'masto'], T0, TTL)).toEqual(['x', 'masto']);
      expect(await s.leaseChannels('b', ['x', 'masto', 'bsky'], at(SECOND), TTL)).toEqual(['bsky']);
      expect(await s.leaseChannels('a', ['x'], at(20 * SECOND), TTL)).toEqual(['x']);
      // masto was not renewed: its lease ran out at T0 + 30 s; x's runs to T0 + 50 s.
      expect(await s.leaseChannels('b', ['x', 'masto'], at(30 * SECOND), TTL)).toEqual(['masto']);
      expect(await s.leaseChannels('b', ['x'], at(49 * SECOND), TTL)).toEqual([]);
      expect(await s.leaseChannels('b', ['x'], at(50 * SECOND), TTL)).toEqual(['x']);
      // b never renewed bsky (T0 + 31 s): a may have it; not x or masto, b's now.
      expect(await s.leaseChannels('a', ['x', 'masto', 'bsky'], at(51 * SECOND), TTL)).toEqual(['bsky']);
      await s.releaseChannels('b');
      expect(await s.leaseChannels('a', ['bsky', 'x', 'masto'], at(52 * SECOND), TTL)).toEqual(['bsky', 'x', 'masto']);
      expect(await s.leaseChannels('a', [], at(53 * SECOND), TTL)).toEqual([]);
    });

    it('taken at once from an owner known to be dead; listed, expired or not, in channel order', async () => {
      const s = ctx.store;
      expect(await s.listChannelLeases()).toEqual([]);
      await s.leaseChannels('a', ['x', 'masto'], T0, TTL);
      await s.leaseChannels('c', ['bsky'], T0, TTL);
      expect(await s.leaseChannels('b', ['x', 'masto', 'bsky'], at(SECOND), TTL, ['a', 'gone'])).toEqual(['x', 'masto']);
      expect(await s.leaseChannels('a', ['x'], at(2 * SECOND), TTL)).toEqual([]);
      expect(await s.listChannelLeases()).toEqual([
        { channelId: 'bsky', owner: 'c', until: at(TTL) },
        { channelId: 'masto', owner: 'b', until: at(SECOND + TTL) },
        { channelId: 'x', owner: 'b', until: at(SECOND + TTL) },
      ]);
    });

    it('two replicas asking at once: each channel goes to one of them', async () => {
      const other = await secondHandle(ctx);
      const channels = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
      const [mine, theirs] = await Promise.all([ctx.store.leaseChannels('a', channels, T0, TTL), other.leaseChannels('b', [...channels].reverse(), T0, TTL)]);
      expect([...mine, ...theirs].sort()).toEqual(channels);
    });
  });

  describe('poll claims', () => {
    it('granted when due and unclaimed; refused while another owner holds it; the owner may claim again', async () => {
      const s = ctx.store;
      expect(await s.claimPoll('news', 'a', T0, TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'a' });
      expect(await s.claimPoll('news', 'b', at(SECOND), TTL)).toBeUndefined();
      expect(await s.claimPoll('news', 'b', at(SECOND), TTL, true)).toBeUndefined();
      expect(await s.claimPoll('news', 'a', at(2 * SECOND), TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'a' });
      // a's renewed claim runs to T0 + 32 s: then it is over, and b may poll.
      expect(await s.claimPoll('news', 'b', at(31 * SECOND), TTL)).toBeUndefined();
      expect(await s.claimPoll('news', 'b', at(32 * SECOND), TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'b' });
    });

    it('not before the source is due, unless forced (a push asked for a poll)', async () => {
      const s = ctx.store;
      await s.saveSourceState(sourceState('news', { nextPollAt: at(60 * SECOND) }));
      expect(await s.claimPoll('news', 'a', T0, TTL)).toBeUndefined();
      expect(await s.claimPoll('news', 'a', at(60 * SECOND), TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'a' });
      await s.saveSourceState(sourceState('news', { nextPollAt: at(120 * SECOND) }));
      expect(await s.claimPoll('news', 'b', at(61 * SECOND), TTL)).toBeUndefined();
      expect(await s.claimPoll('news', 'b', at(61 * SECOND), TTL, true)).toMatchObject({ sourceId: 'news', claimedBy: 'b' });
      expect(await s.claimPoll('news', 'a', at(62 * SECOND), TTL, true)).toBeUndefined();
    });

    it('saving the poll state or ingesting a poll ends the claim', async () => {
      const s = ctx.store;
      expect(await s.claimPoll('news', 'a', T0, TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'a' });
      await s.saveSourceState(sourceState('news', { nextPollAt: T0 }));
      expect(await s.claimPoll('news', 'b', at(SECOND), TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'b' });
      await s.ingest('news', [record(makeArticle({ key: 'a' }))], sourceState('news', { nextPollAt: at(SECOND) }), at(SECOND));
      expect(await s.claimPoll('news', 'a', at(2 * SECOND), TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'a' });
      expect(await s.getSourceState('news')).toMatchObject({ nextPollAt: at(SECOND), initializedAt: T0 });
    });

    it('names who holds a poll claim, and voids the claim of an owner known dead at once', async () => {
      const s = ctx.store;
      expect(await s.claimPoll('news', 'dead', T0, TTL)).toMatchObject({ sourceId: 'news', claimedBy: 'dead' });
      expect((await s.getSourceState('news'))?.claimedBy).toBe('dead');
      expect(await s.claimPoll('news', 'b', at(SECOND), TTL, false, ['someone-else'])).toBeUndefined();
      expect(await s.claimPoll('news', 'b', at(SECOND), TTL, false, ['dead'])).toMatchObject({ sourceId: 'news', claimedBy: 'b' });
      expect((await s.getSourceState('news'))?.claimedBy).toBe('b');
      await s.saveSourceState(sourceState('news', { nextPollAt: at(60 * SECOND) }));
      expect((await s.getSourceState('news'))?.claimedBy).toBeUndefined();
    });

    it("returns the source's state as claimed, so the poll reads nothing more", async () => {
      const s = ctx.store;
      await s.saveSourceState(sourceState('news', { etag: '"v7"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT', nextPollAt: T0, consecutiveFailures: 2, lastError: 'HTTP 503' }));
      expect(await s.claimPoll('news', 'a', T0, TTL)).toEqual(
        expect.objectContaining({ sourceId: 'news', etag: '"v7"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT', nextPollAt: T0, consecutiveFailures: 2, lastError: 'HTTP 503', claimedBy: 'a' }),
      );
      // A source never seen before is made and claimed in one go.
      expect(await s.claimPoll('fresh', 'a', T0, TTL)).toMatchObject({ sourceId: 'fresh', consecutiveFailures: 0, claimedBy: 'a' });
      expect(await s.claimPoll('fresh', 'b', T0, TTL)).toBeUndefined();
    });

    it('two replicas claiming at once: one polls', async () => {
      const other = await secondHandle(ctx);
      for (const source of ['s1', 's2', 's3', 's4']) {
        const results = await Promise.all([ctx.store.claimPoll(source, 'a', T0, TTL), other.claimPoll(source, 'b', T0, TTL)]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });
  });
}
