/**
 * Issue 15 item 6: per-channel lanes. The real worker on a real SQLite store: one channel's
 * Mastodon instance (a loopback fake) takes requests and never answers, and the other channels'
 * posts still all go out while that one send is in flight; the daemon's runDue never waits for
 * the hanging lane. And a channel never has two sends in flight at once, however the worker is
 * woken, while channels send side by side up to the bound.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { createWorker, MAX_LANES, type Worker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import type { AdapterDeps, PlatformAdapter } from '../../src/platforms/contract.js';
import { createMastodonAdapter } from '../../src/platforms/mastodon/adapter.js';
import type { MastodonChannel } from '../../src/platforms/mastodon/channel.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR, type TemplateSet } from '../../src/runtime/templates.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { DeliveryState } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { memoryChannelState } from '../support/channel-state.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';

const logger = pino({ level: 'silent' });
const engine = createTemplateEngine();
const templates: TemplateSet = {
  pathFor: () => `${BUILTIN_TEMPLATES_DIR}/mastodon.hbs`,
  forDelivery: () => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/mastodon.hbs`),
};

let store: SqliteStore;
let stories = 0;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

function mastodonChannel(id: string, instance: string, token: string): MastodonChannel {
  return { id, platform: 'mastodon', dryRun: false, images: false, instance, visibility: 'public', maxCharacters: 500, charactersReservedPerUrl: 23, credentials: { accessToken: token } };
}

function runtimeFor(config: ChannelConfig, adapter: PlatformAdapter): ChannelRuntime {
  return { config, platform: platformFor(config), adapter, textRules: async () => mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }) };
}

function workerFor(runtimes: readonly ChannelRuntime[]): Worker {
  const channels = new Map(runtimes.map((r) => [r.config.id, r]));
  return createWorker({ store, channels, templates, logger, now: () => new Date(), random: () => 0.5, defaultLanguage: 'en' });
}

/** `count` new stories, each queued for every channel, as a poll would queue them. */
async function queueStories(channelIds: readonly string[], count: number): Promise<void> {
  const channels = new Map(channelIds.map((id) => [id, { id, platform: 'mastodon', dryRun: false, images: false } as ChannelConfig]));
  const routing = { routes: [{ id: 'all', channels: [...channelIds], priority: 'normal' as const }], channels, configDir: '/' };
  const now = new Date();
  const policy = { backfill: 0, maxAgeMs: 86_400_000 };
  if (!(await store.getSourceState('news'))) {
    await store.ingest('news', planIngest([makeArticle({ key: 'seed' })], undefined, policy, routing, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
  }
  const articles = Array.from({ length: count }, () => {
    stories += 1;
    return makeArticle({ key: `lane story ${stories}`, title: `Lane story number ${stories}`, publishedAt: now });
  });
  const state = await store.getSourceState('news');
  await store.ingest('news', planIngest(articles, state, policy, routing, now), state ?? { sourceId: 'news', consecutiveFailures: 0 }, now);
}

async function states(channelId: string): Promise<DeliveryState[]> {
  return (await store.listDeliveries({ channelId })).map((d) => d.state);
}

async function until(check: () => Promise<boolean> | boolean, ms = 20_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (await check()) return true;
  return check();
}

describe('per-channel lanes', () => {
  let fakes: FakeMastodon[] = [];
  afterEach(async () => {
    const open = fakes;
    fakes = [];
    // The hanging one is closed by its test already.
    await Promise.all(open.map((f) => f.close().catch(() => undefined)));
  });

  it('one platform hanging until its timeout holds neither the other channels nor runDue', async () => {
    fakes = await Promise.all([0, 1, 2].map((k) => startFakeMastodon({ token: `lane-token-${k}` })));
    const [hanging, ...others] = fakes;
    hanging!.setFault({ kind: 'hang' });
    const deps: AdapterDeps = { logger, now: () => new Date(), channelState: memoryChannelState() };
    const runtimes = fakes.map((fake, k) => {
      const config = mastodonChannel(`mastodon-${k}`, fake.url, fake.token);
      // The platform's default per-request timeout (30 s): the test ends the hang itself.
      return runtimeFor(config, createMastodonAdapter(config, deps));
    });
    const ids = runtimes.map((r) => r.config.id);
    const worker = workerFor(runtimes);
    await queueStories(ids, 4);

    // The daemon's call: it returns with the hanging send still in flight.
    expect(await worker.runDue()).toBe(12);
    expect(await until(() => hanging!.requests() > 0)).toBe(true);
    expect(await until(async () => (await states('mastodon-1')).every((s) => s === 'posted') && (await states('mastodon-2')).every((s) => s === 'posted'))).toBe(true);
    expect(await states('mastodon-0')).toEqual(['sending', 'pending', 'pending', 'pending']);

    // The daemon plans its next wake-up: the hanging channel's queue is its lane's, so the
    // worker does not ask to be woken at once (a loop of empty ticks) while that lane waits.
    const before = Date.now();
    expect((await worker.nextDueAt())!.getTime()).toBeGreaterThan(before);

    // Stories published while the platform still hangs: the next tick sends them on the others.
    await queueStories(ids, 3);
    await worker.runDue();
    expect(await until(async () => (await states('mastodon-1')).every((s) => s === 'posted') && (await states('mastodon-2')).every((s) => s === 'posted'))).toBe(true);
    expect(await states('mastodon-0')).toEqual(['sending', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    for (const fake of others) expect(fake.statuses()).toHaveLength(7);
    expect(hanging!.statuses()).toHaveLength(0);

    // The hanging instance comes back: the lane's send ends (an unknown outcome, retried later
    // under the same key) and the lane goes on with the rest of its channel's queue.
    hanging!.setFault(undefined);
    await hanging!.close();
    await worker.stop();
    expect((await states('mastodon-0')).filter((s) => s === 'sending')).toEqual([]);
    for (const fake of others) expect(fake.statuses()).toHaveLength(7);
  }, 60_000);

  it("a lane that fails ends, the other channels' lanes go on, and the next runDue (or drain) reports the error", async () => {
    const sent: string[] = [];
    const runtimes = [0, 1, 2].map((k) =>
      runtimeFor(mastodonChannel(`mastodon-${k}`, `https://m${k}.example`, 'token'), {
        verify: async () => ({ account: '@test' }),
        async publish(post) {
          sent.push(post.channelId);
          return { remoteId: `${post.deliveryId}` };
        },
      }),
    );
    const ids = runtimes.map((r) => r.config.id);
    await queueStories(ids, 2);
    // The store fails every write for one channel (its lane ends with the error).
    const broken = Object.create(store, {
      transition: {
        value: async (id: number, change: Parameters<SqliteStore['transition']>[1], event: Parameters<SqliteStore['transition']>[2]) => {
          if (event.channelId === 'mastodon-1') throw new Error('disk I/O error');
          return store.transition(id, change, event);
        },
      },
    }) as SqliteStore;
    const channels = new Map(runtimes.map((r) => [r.config.id, r]));
    const worker = createWorker({ store: broken, channels, templates, logger, now: () => new Date(), random: () => 0.5, defaultLanguage: 'en' });

    await expect(worker.drain()).rejects.toThrow('disk I/O error');
    expect(await states('mastodon-0')).toEqual(['posted', 'posted']);
    expect(await states('mastodon-1')).toEqual(['pending', 'pending']);
    expect(await states('mastodon-2')).toEqual(['posted', 'posted']);
    expect(sent.filter((c) => c === 'mastodon-1')).toEqual([]);
    // A daemon's tick: runDue starts the failing channel's lane again and returns; the lane's
    // error fails the next runDue (the daemon's tick then backs off).
    expect(await worker.runDue()).toBe(2);
    await expect(
      until(async () => {
        try {
          await worker.runDue();
          return false;
        } catch (error) {
          return error instanceof Error && error.message === 'disk I/O error';
        }
      }),
    ).resolves.toBe(true);
  });

  it('never has two sends in flight on one channel, whoever wakes the worker; channels go side by side up to the bound', async () => {
    const channels = MAX_LANES + 2;
    let inFlight = 0;
    let most = 0;
    const perChannel = new Map<string, number>();
    const mostPerChannel = new Map<string, number>();
    const published: string[] = [];
    // Every send waits until as many channels as lanes are sending (or a while has passed), so
    // sends that could overlap do.
    let release: () => void = () => undefined;
    const crowd = new Promise<void>((resolve) => (release = resolve));
    setTimeout(release, 2_000).unref();
    const runtimes = Array.from({ length: channels }, (_, k) => {
      const config = mastodonChannel(`mastodon-${k}`, `https://m${k}.example`, 'token');
      const adapter: PlatformAdapter = {
        verify: async () => ({ account: '@test' }),
        async publish(post) {
          inFlight += 1;
          most = Math.max(most, inFlight);
          const mine = (perChannel.get(post.channelId) ?? 0) + 1;
          perChannel.set(post.channelId, mine);
          mostPerChannel.set(post.channelId, Math.max(mostPerChannel.get(post.channelId) ?? 0, mine));
          if (inFlight >= MAX_LANES) release();
          await crowd;
          await new Promise((r) => setTimeout(r, 1));
          published.push(post.channelId);
          perChannel.set(post.channelId, (perChannel.get(post.channelId) ?? 1) - 1);
          inFlight -= 1;
          return { remoteId: `${post.channelId}-${post.deliveryId}` };
        },
      };
      return runtimeFor(config, adapter);
    });
    const ids = runtimes.map((r) => r.config.id);
    const worker = workerFor(runtimes);
    await queueStories(ids, 5);

    // The daemon wakes it again and again, and an editor posts one now, while lanes are sending.
    const [oneNow] = await store.listDeliveries({ channelId: 'mastodon-0', limit: 1 });
    const wakes = [worker.runDue(), worker.runDue(), worker.deliverOne(oneNow!.id), worker.runDue()];
    for (let k = 0; k < 5; k += 1) {
      await new Promise((r) => setTimeout(r, 1));
      wakes.push(worker.runDue());
    }
    await Promise.all(wakes);
    await worker.drain();

    expect(published).toHaveLength(channels * 5);
    for (const id of ids) expect(await states(id)).toEqual(['posted', 'posted', 'posted', 'posted', 'posted']);
    expect([...mostPerChannel.values()]).toEqual(ids.map(() => 1));
    expect(most).toBeGreaterThan(1);
    expect(most).toBe(MAX_LANES);
  });
});
