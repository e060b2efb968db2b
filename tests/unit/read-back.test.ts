import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { MAX_READ_BACK_TRIES } from '../../src/delivery/read-back.js';
import { silentObserver, type Observer } from '../../src/observe/observer.js';
import { PublishError } from '../../src/platforms/errors.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { readBackRig, testPlatform } from '../support/read-back-rig.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };
const xVerified: ChannelConfig = { ...x, verify: true };
const mastodon: ChannelConfig = { id: 'mastodon-main', platform: 'mastodon', dryRun: false, images: true, instance: 'https://m.example', visibility: 'public', maxCharacters: 500 };
const dryBluesky: ChannelConfig = { id: 'bluesky-preview', platform: 'bluesky', dryRun: true, images: true, service: 'https://bsky.example' } as ChannelConfig;

let store: SqliteStore;
const clock = { now: new Date('2026-11-29T12:00:00Z') };
const later = (ms: number) => void (clock.now = new Date(clock.now.getTime() + ms));
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
  clock.now = new Date('2026-11-29T12:00:00Z');
});
afterEach(() => store.close());

async function only() {
  const [delivery] = await store.listDeliveries({});
  if (!delivery) throw new Error('no delivery');
  return delivery;
}

function recorder(): Observer & { seen: string[] } {
  const seen: string[] = [];
  return {
    ...silentObserver,
    seen,
    postChecked: (channelId, result, detail) => void seen.push(`${channelId} ${result} ${detail.deliveryId}`),
    delivered: (channelId, state) => void seen.push(`${channelId} ${state}`),
  };
}

describe('read-back of a post', () => {
  it('reads a Mastodon post back a minute after it and again an hour after it: verified twice, then no more', async () => {
    const platform = testPlatform([{ remoteId: '7', url: 'https://m.example/@desk/7' }]);
    const observer = recorder();
    const { worker, readBack } = await readBackRig(store, mastodon, platform, clock, observer);
    await worker.drain();
    const postedAt = clock.now;
    expect(await only()).toMatchObject({ state: 'posted', checkAt: new Date(postedAt.getTime() + MINUTE), checks: 0 });
    expect(await readBack.runDue()).toBe(0);
    expect(await readBack.nextDueAt()).toEqual(new Date(postedAt.getTime() + MINUTE));

    later(MINUTE);
    expect(await readBack.runDue()).toBe(1);
    expect(await only()).toMatchObject({ state: 'verified', checks: 1, checkAt: new Date(postedAt.getTime() + HOUR) });
    later(HOUR - MINUTE);
    await readBack.runDue();
    expect(await only()).toMatchObject({ state: 'verified', checks: 2, checkAt: undefined });
    later(HOUR);
    expect(await readBack.runDue()).toBe(0);
    expect(platform.reads).toBe(2);
    expect(observer.seen).toEqual(['mastodon-main posted', 'mastodon-main verified 1', 'mastodon-main verified 1']);
  });

  it('a post deleted on the platform ends missing with one event and one report, and is never re-sent by itself', async () => {
    const platform = testPlatform([{ remoteId: '7' }]);
    const observer = recorder();
    const { worker, readBack } = await readBackRig(store, mastodon, platform, clock, observer);
    await worker.drain();
    platform.onAccount.length = 0; // a moderator removed it
    later(MINUTE);
    await readBack.runDue();
    const delivery = await only();
    expect(delivery).toMatchObject({ state: 'missing', checks: 1, checkAt: undefined, lastError: 'missing at read-back: HTTP 404: the post was deleted' });
    for (let i = 0; i < 3; i += 1) {
      later(HOUR);
      await readBack.runDue();
      expect(await worker.drain()).toBe(0);
    }
    expect(platform.published).toHaveLength(1);
    expect(observer.seen.filter((s) => s.includes('missing'))).toEqual([`mastodon-main missing ${delivery.id}`]);
    const events = await store.listEvents({ deliveryId: delivery.id });
    expect(events.filter((e) => e.kind === 'delivery-missing').map((e) => e.message)).toEqual([
      `7 is no longer on mastodon-main: HTTP 404: the post was deleted. It is not re-sent by itself: crier retry ${delivery.id} posts it again`,
    ]);
  });

  it('a platform that does not answer pushes the read-back later, a bounded number of times, and leaves the post posted', async () => {
    const platform = testPlatform([{ remoteId: '7' }]);
    const { worker, readBack } = await readBackRig(store, mastodon, platform, clock);
    await worker.drain();
    platform.readFailures.push(...Array.from({ length: 10 }, () => new PublishError('transient', 'connection refused')));
    later(MINUTE);
    const waits: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const before = clock.now.getTime();
      await readBack.runDue();
      const delivery = await only();
      expect(delivery.state).toBe('posted');
      if (!delivery.checkAt) break;
      waits.push((delivery.checkAt.getTime() - before) / MINUTE);
      clock.now = delivery.checkAt;
    }
    // 1, 2, 4, 8 minutes apart, then given up on at the fifth try.
    expect(waits).toEqual([1, 2, 4, 8]);
    expect(platform.reads).toBe(MAX_READ_BACK_TRIES);
    expect((await store.listEvents({ deliveryId: (await only()).id })).map((e) => e.kind).filter((k) => k.startsWith('read-back'))).toEqual([
      ...Array.from({ length: MAX_READ_BACK_TRIES - 1 }, () => 'read-back-failed'),
      'read-back-gave-up',
    ]);
  });

  it('X is not read back unless the channel says verify: true (X bills reads); a dry run is not read back by default', async () => {
    for (const channel of [x, dryBluesky]) {
      store.close();
      store = openSqliteStore(':memory:');
      await store.migrate();
      const platform = testPlatform([{ remoteId: '1' }]);
      const { worker } = await readBackRig(store, channel, platform, clock);
      await worker.drain();
      expect([channel.id, (await only()).checkAt]).toEqual([channel.id, undefined]);
    }
    store.close();
    store = openSqliteStore(':memory:');
    await store.migrate();
    const platform = testPlatform([{ remoteId: '1' }]);
    const { worker, readBack } = await readBackRig(store, xVerified, platform, clock);
    await worker.drain();
    later(MINUTE);
    await readBack.runDue();
    expect((await only()).state).toBe('verified');
  });
});

describe('settling an unknown outcome from the account’s own posts', () => {
  it('an X send whose answer was lost is found among the account’s posts (t.co link, same words) and recorded posted with its id', async () => {
    const platform = testPlatform([new PublishError('unknown-outcome', 'socket hang up')], { keepsSent: true });
    const observer = recorder();
    const { worker, readBack } = await readBackRig(store, x, platform, clock, observer);
    await worker.drain();
    expect((await only()).state).toBe('uncertain');
    later(1000);
    await readBack.runDue();
    expect(await only()).toMatchObject({ state: 'posted', remoteId: 'sent-1', lastError: undefined, checkAt: undefined });
    expect(platform.published).toHaveLength(1);
    expect(observer.seen).toEqual(['x-main uncertain', 'x-main posted']);
  });

  it('absent after X’s posting delay: re-sent once; absent again after that: left uncertain for a person', async () => {
    const platform = testPlatform([new PublishError('unknown-outcome', 'HTTP 503'), new PublishError('unknown-outcome', 'HTTP 503')]);
    const { worker, readBack } = await readBackRig(store, x, platform, clock);
    await worker.drain();
    const sentAt = clock.now;
    later(1000);
    await readBack.runDue();
    // Too soon to prove it absent: looked for again two minutes after the attempt.
    expect(await only()).toMatchObject({ state: 'uncertain', checkAt: new Date(sentAt.getTime() + 2 * MINUTE) });
    clock.now = new Date(sentAt.getTime() + 2 * MINUTE);
    await readBack.runDue();
    expect((await only()).state).toBe('pending');
    await worker.drain();
    expect(platform.published).toHaveLength(2);
    expect(platform.published[1]?.text).toBe(platform.published[0]?.text);
    later(1000);
    await readBack.runDue();
    later(2 * MINUTE);
    await readBack.runDue();
    const delivery = await only();
    expect(delivery).toMatchObject({ state: 'uncertain', checkAt: undefined });
    expect(delivery.lastError).toMatch(/even after it was re-sent once.*crier retry/);
    // Nothing more, however long it waits.
    later(HOUR);
    await readBack.runDue();
    expect(await worker.drain()).toBe(0);
    expect(platform.published).toHaveLength(2);
    expect((await store.listEvents({ deliveryId: delivery.id })).filter((e) => e.kind === 'delivery-resent')).toHaveLength(1);
  });

  it('X unreachable for the listing: tried a few times, then left uncertain for a person, never re-sent', async () => {
    const platform = testPlatform([new PublishError('unknown-outcome', 'HTTP 503')]);
    platform.listFailures.push(...Array.from({ length: 10 }, () => new PublishError('transient', 'could not reach X (ECONNREFUSED)')));
    const { worker, readBack } = await readBackRig(store, x, platform, clock);
    await worker.drain();
    for (let i = 0; i < 10; i += 1) {
      later(1000);
      await readBack.runDue();
      const delivery = await only();
      if (!delivery.checkAt) break;
      clock.now = delivery.checkAt;
    }
    const delivery = await only();
    expect(delivery).toMatchObject({ state: 'uncertain', checkAt: undefined });
    expect(delivery.lastError).toMatch(/could not list x-main's posts.*4 tries.*ECONNREFUSED/);
    expect(platform.listings).toBe(4);
    expect(platform.published).toHaveLength(1);
  });

  it('a Mastodon send past its idempotency hour is looked for among the account’s statuses before any re-send', async () => {
    const platform = testPlatform([new PublishError('unknown-outcome', 'timeout')], { keepsSent: true });
    const { worker, readBack } = await readBackRig(store, mastodon, platform, clock);
    // The first attempt's outcome is unknown; the retries inside the hour are not (script empty):
    // move straight past the hour, where a re-send with the same key is no longer recognised.
    await worker.drain();
    const pending = await only();
    expect(pending.state).toBe('pending');
    later(HOUR + MINUTE);
    platform.publish = async () => {
      throw new PublishError('unknown-outcome', 'timeout again');
    };
    await worker.drain();
    expect((await only()).state).toBe('uncertain');
    later(1000);
    await readBack.runDue();
    expect(await only()).toMatchObject({ state: 'posted', remoteId: 'sent-1' });
  });
});
