import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { pulledAfterPosting } from '../../src/delivery/pulled-after-posting.js';
import { createWorker } from '../../src/delivery/worker.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { silentObserver, type PulledAfterPosting } from '../../src/observe/observer.js';
import type { OutboundPost, PlatformAdapter, PostedRef } from '../../src/platforms/contract.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { pollSource } from '../../src/sources/poll-source.js';
import { wordpressSourceSchema } from '../../src/sources/wordpress/wordpress-config.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { memoryChannelState } from '../support/channel-state.js';
import { startFakeWordPress, type FakePost, type FakeWordPress } from '../support/fake-wordpress.js';

/**
 * A WordPress story trashed after it was posted (issue 10 item 3), through the real poll, the
 * fake WordPress, the store and the worker: the poll that finds it pulled hands it on, and the
 * route's onUnpublish decides: retract deletes the post on the platform, keep tells a person.
 */
const NOW = new Date('2026-11-29T12:00:00Z');
const MIN = 60_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);
const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };

let wp: FakeWordPress;
let store: SqliteStore;
let clock: Date;
beforeEach(async () => {
  clock = NOW;
  wp = await startFakeWordPress({ home: 'https://news.example.org', utcOffsetHours: 0, users: [{ id: 2, name: 'Ana' }], terms: [], media: [], posts: [], hideUsers: false }, NOW);
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  await wp.close();
});

const story = (id: number): FakePost => ({ id, type: 'posts', status: 'publish', slug: `story-${id}`, title: `Story ${id}`, excerpt: 'Summary', dateGmt: at(MIN), modifiedGmt: at(MIN), author: 2, categories: [], tags: [], featuredMedia: 0 });

async function scenario(onUnpublish: 'keep' | 'retract') {
  const published: OutboundPost[] = [];
  const removed: PostedRef[] = [];
  const told: PulledAfterPosting[] = [];
  const adapter: PlatformAdapter = {
    verify: async () => ({ account: '@newsroom' }),
    publish: async (p) => {
      published.push(p);
      return { remoteId: `18500000000000000${published.length}` };
    },
    remove: async (p) => {
      removed.push(p);
      return 'deleted';
    },
  };
  const routing: RoutingTable = { routes: [{ id: 'all', channels: ['x-main'], priority: 'normal', onUnpublish }], channels: new Map([['x-main', x]]), configDir: '/tmp' };
  const logger = pino({ level: 'silent' });
  const engine = createTemplateEngine();
  const worker = createWorker({
    store,
    channels: new Map([['x-main', { config: x, platform: platformFor(x), adapter, textRules: () => platformFor(x).textRules(x, { logger, now: () => clock, channelState: memoryChannelState() }) }]]),
    templates: { pathFor: () => `${BUILTIN_TEMPLATES_DIR}/x.hbs`, forDelivery: () => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/x.hbs`) },
    logger,
    now: () => clock,
    random: () => 0.5,
    defaultLanguage: 'en',
  });
  const observer = { ...silentObserver, pulledAfterPosting: (detail: PulledAfterPosting) => void told.push(detail) };
  const pulled = pulledAfterPosting({ store, observer, logger, now: () => clock, onUnpublish: (id) => routing.routes.find((r) => r.id === id)?.onUnpublish ?? 'keep' });
  const src = { ...wordpressSourceSchema.parse({ id: 'wp', kind: 'wordpress', url: wp.url }), interval: 60_000, maxAge: 24 * 60 * MIN };
  const poll = async (ms: number) => {
    clock = at(ms);
    wp.now = clock;
    return pollSource(src, { store, routing, logger, now: () => clock, random: () => 0.5, fetchTimeoutMs: 5000, onPulled: (id, keys) => pulled.followKeys(id, keys) });
  };
  await poll(0);
  wp.site.posts.push(story(70));
  expect(await poll(2 * MIN)).toMatchObject({ counts: { deliveriesCreated: 1 } });
  await worker.drain();
  expect(published).toHaveLength(1);
  const target = wp.site.posts.find((p) => p.id === 70);
  if (target) target.status = 'trash';
  expect(await poll(3 * MIN)).toMatchObject({ result: 'ingested' });
  await worker.drain();
  const [post] = await store.listDeliveries({ kinds: ['post'] });
  return { removed, told, post: post!, events: await store.listEvents({ articleId: post!.articleId }) };
}

describe('a WordPress story trashed after it was posted', () => {
  it('onUnpublish: retract deletes the post at the next poll', async () => {
    const { removed, told, post } = await scenario('retract');
    expect(removed.map((r) => r.remoteId)).toEqual([post.remoteId]);
    expect(post.state).toBe('retracted');
    expect(told).toMatchObject([{ kept: [], retracting: ['x-main'], sourceId: 'wp' }]);
  });

  it('onUnpublish: keep (the default) leaves it up and tells a person once, in the history and to the observers', async () => {
    const { removed, told, post, events } = await scenario('keep');
    expect(removed).toEqual([]);
    expect(post.state).toBe('posted');
    expect(told).toMatchObject([{ kept: ['x-main'], retracting: [] }]);
    expect(events.filter((e) => e.kind === 'pulled-after-posting').map((e) => e.message)).toEqual([
      `story pulled after posting: 1 post remains (x-main); run crier retract ${post.articleId} --reason "…"`,
    ]);
  });
});
