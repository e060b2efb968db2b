import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { createAlarms } from '../../src/delivery/alarms.js';
import { credentialsFix } from '../../src/observe/fix-advice.js';
import { silentObserver, type Alarm, type Observer } from '../../src/observe/observer.js';
import { PublishError } from '../../src/platforms/errors.js';
import { platformFor } from '../../src/platforms/registry.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeArticle } from '../support/articles.js';
import { readBackRig, testPlatform } from '../support/read-back-rig.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const mastodon: ChannelConfig = { id: 'mastodon-main', platform: 'mastodon', dryRun: false, images: true, instance: 'https://m.example', visibility: 'public', maxCharacters: 500 };

let store: SqliteStore;
const clock = { now: new Date('2026-11-24T12:00:00Z') };
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
  clock.now = new Date('2026-11-24T12:00:00Z');
});
afterEach(() => store.close());

function alarmsFor(channel: ChannelConfig | undefined, sources: string[], seen: Alarm[]) {
  const observer: Observer = { ...silentObserver, alarm: (alarm) => void seen.push(alarm) };
  const channels = new Map<string, ChannelRuntime>();
  if (channel) channels.set(channel.id, { config: channel, platform: platformFor(channel), adapter: testPlatform([]), textRules: () => Promise.reject(new Error('unused')) });
  return createAlarms({
    store,
    channels,
    sources: sources.map((id) => ({ id })),
    logger: pino({ level: 'silent' }),
    now: () => clock.now,
    observer,
    settings: { unverifiedAfter: 3 * HOUR, sourceSilence: true },
    owner: 'test-replica',
  });
}

describe('silent-failure alarms', () => {
  it('a channel whose posts are never verified while deliveries wait alarms once after unverifiedAfter, and clears when one is verified', async () => {
    const platform = testPlatform([{ remoteId: '7' }]);
    const { worker, readBack } = await readBackRig(store, mastodon, platform, clock);
    await worker.drain();
    // The platform stops answering read-backs: the post stays `posted`, never verified.
    platform.readFailures.push(...Array.from({ length: 5 }, () => new PublishError('transient', 'connection refused')));
    const seen: Alarm[] = [];
    const alarms = alarmsFor(mastodon, [], seen);
    for (let minutes = 1; minutes <= 200; minutes += 1) {
      clock.now = new Date(clock.now.getTime() + MINUTE);
      await readBack.runDue();
      await alarms.runDue();
    }
    expect(seen.map((a) => [a.kind, a.state, a.channelId])).toEqual([['channel-unverified', 'raised', 'mastodon-main']]);
    expect(seen[0]?.message).toMatch(/no post verified for 3 h while 1 deliveries waited \(no post was ever verified\)/);
    expect(seen[0]?.fix).toMatch(/crier check/);
    // Read back at last (its next read-back was given up on: a person runs it again, here a new post).
    const [delivery] = await store.listDeliveries({});
    await store.transition(delivery?.id ?? 0, { from: ['posted'], to: 'verified', set: { checked: true } }, { at: clock.now, kind: 'delivery-verified', message: 'ok', actor: 'test' });
    clock.now = new Date(clock.now.getTime() + MINUTE);
    await alarms.runDue();
    expect(seen.map((a) => a.state)).toEqual(['raised', 'cleared']);
    const events = await store.listEvents({ channelId: 'mastodon-main' });
    expect(events.filter((e) => e.kind.startsWith('alarm-')).map((e) => e.kind)).toEqual(['alarm-raised', 'alarm-cleared']);
  });

  it('a paused channel waits on purpose: no alarm', async () => {
    const platform = testPlatform([]);
    await readBackRig(store, mastodon, platform, clock);
    await store.setHold('mastodon-main', { kind: 'paused', reason: 'wrong template', since: clock.now, by: 'ana' });
    const seen: Alarm[] = [];
    const alarms = alarmsFor(mastodon, [], seen);
    clock.now = new Date(clock.now.getTime() + 5 * HOUR);
    await alarms.runDue();
    expect(seen).toEqual([]);
  });

  it('a source that published every working hour for four weeks and went quiet on a Tuesday morning alarms once, by the afternoon', async () => {
    // Four weeks of a desk publishing at :10 and :40 of every hour from 08:00 to 19:00 on weekdays.
    const start = new Date('2026-10-26T00:00:00Z'); // a Monday
    const items = [];
    for (let t = start.getTime(); t < new Date('2026-11-24T09:00:00Z').getTime(); t += 30 * MINUTE) {
      const when = new Date(t + 10 * MINUTE);
      const weekday = (when.getUTCDay() + 6) % 7 < 5;
      if (weekday && when.getUTCHours() >= 8 && when.getUTCHours() < 19) {
        items.push({ article: makeArticle({ key: `a-${t}`, sourceId: 'city', publishedAt: when }), ifNew: { kind: 'record' as const, reason: 'history' } });
      }
    }
    await store.ingest('city', items, { sourceId: 'city', consecutiveFailures: 0, initializedAt: start }, start);
    const seen: Alarm[] = [];
    const alarms = alarmsFor(undefined, ['city'], seen);
    clock.now = new Date('2026-11-24T09:30:00Z');
    await alarms.runDue();
    expect(seen).toEqual([]);
    for (let t = clock.now.getTime(); t <= new Date('2026-11-24T15:00:00Z').getTime(); t += MINUTE) {
      clock.now = new Date(t);
      await alarms.runDue();
    }
    expect(seen.map((a) => [a.kind, a.state, a.sourceId])).toEqual([['source-silent', 'raised', 'city']]);
    expect(seen[0]?.message).toMatch(/^source city has published nothing for \d+ (min|h)/);
    expect(seen[0]?.fix).toMatch(/crier poll --source city/);
  });

  it('credentials alerts name the channel and the fix: a read-only X app, a session that cannot be refreshed, a refused token', () => {
    expect(credentialsFix('x-main', 'X refused the credentials (HTTP 403): Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.')).toMatch(
      /app behind x-main may only read: .*Read and write.*crier check .*crier resume x-main/,
    );
    expect(credentialsFix('bluesky-main', 'Bluesky refused the session: ExpiredToken (the refresh failed)')).toMatch(/saved session of bluesky-main cannot be refreshed.*crier resume bluesky-main/);
    expect(credentialsFix('mastodon-main', 'Mastodon refused the access token (HTTP 401)')).toMatch(/renew or correct the credentials of mastodon-main, then crier check/);
  });
});
