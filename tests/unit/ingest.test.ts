import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { planIngest, type IngestPolicy } from '../../src/ingest/plan-ingest.js';
import type { RoutingRoute, RoutingTable } from '../../src/ingest/route-article.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SourceState } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const HOUR = 3_600_000;

const channels: ChannelConfig[] = [
  { id: 'x-main', platform: 'x', dryRun: true, images: true },
  { id: 'bsky', platform: 'bluesky', dryRun: true, images: true, service: 'https://bsky.social' },
];
const routes: RoutingRoute[] = [{ id: 'all', channels: ['x-main', 'bsky'], priority: 'normal' }];
const routing: RoutingTable = { routes, channels: new Map(channels.map((c) => [c.id, c])), configDir: '/tmp' };
const policy: IngestPolicy = { backfill: 0, maxAgeMs: 24 * HOUR };

let store: SqliteStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

async function poll(sourceId: string, articles: ReturnType<typeof makeArticle>[], p: IngestPolicy = policy, table: RoutingTable = routing) {
  const state = await store.getSourceState(sourceId);
  const items = planIngest(articles.map((a) => ({ ...a, sourceId })), state, p, table, NOW);
  const next: SourceState = { sourceId, consecutiveFailures: 0, initializedAt: state?.initializedAt ?? NOW };
  return store.ingest(sourceId, items, next, NOW);
}

async function deliveredTitles(): Promise<string[]> {
  const deliveries = await store.listDeliveries({});
  const titles: string[] = [];
  for (const d of deliveries) titles.push(`${(await store.getArticle(d.articleId))?.title} → ${d.channelId}`);
  return titles;
}

describe('first poll of a new source', () => {
  it('records everything and posts nothing', async () => {
    const result = await poll('news', [makeArticle({ key: 'a' }), makeArticle({ key: 'b' })]);
    expect(result).toMatchObject({ recorded: 2, deliveriesCreated: 0 });
    expect(await store.listDeliveries({})).toEqual([]);
    const events = await store.listEvents({});
    expect(events.map((e) => e.message)).toEqual([
      'present at the first poll of this source; not posted',
      'present at the first poll of this source; not posted',
    ]);
  });

  it('with backfill: N posts the N newest, oldest first, never older than maxAge', async () => {
    const articles = [
      makeArticle({ key: 'newest', publishedAt: new Date(NOW.getTime() - 1 * HOUR) }),
      makeArticle({ key: 'ancient', publishedAt: new Date(NOW.getTime() - 48 * HOUR) }),
      makeArticle({ key: 'older', publishedAt: new Date(NOW.getTime() - 3 * HOUR) }),
      makeArticle({ key: 'old', publishedAt: new Date(NOW.getTime() - 2 * HOUR) }),
    ];
    await poll('news', articles, { backfill: 2, maxAgeMs: 24 * HOUR });
    const due = await store.dueDeliveries(NOW, 10);
    expect(due.map((d) => d.articleId)).toEqual([...due.map((d) => d.articleId)].sort((a, b) => a - b));
    expect(await deliveredTitles()).toEqual([
      'Story old → x-main',
      'Story old → bsky',
      'Story newest → x-main',
      'Story newest → bsky',
    ]);
  });
});

describe('later polls', () => {
  beforeEach(async () => {
    await poll('news', [makeArticle({ key: 'seed' })]);
  });

  it('creates one delivery per channel for a new article, in the same transaction', async () => {
    const result = await poll('news', [makeArticle({ key: 'fresh' })]);
    expect(result).toMatchObject({ recorded: 1, deliveriesCreated: 2 });
    expect(await deliveredTitles()).toEqual(['Story fresh → x-main', 'Story fresh → bsky']);
    const [x, bsky] = await store.listDeliveries({});
    expect(x?.idempotencyKey).not.toBe(bsky?.idempotencyKey);
  });

  it('never posts an article older than maxAge', async () => {
    const result = await poll('news', [makeArticle({ key: 'stale', publishedAt: new Date(NOW.getTime() - 25 * HOUR) })]);
    expect(result).toMatchObject({ recorded: 1, deliveriesCreated: 0 });
  });

  it('never posts a known article again, and records an edit without posting it', async () => {
    await poll('news', [makeArticle({ key: 'fresh' })]);
    const again = await poll('news', [makeArticle({ key: 'fresh' })]);
    expect(again).toMatchObject({ recorded: 0, deliveriesCreated: 0, known: 1 });
    const edited = await poll('news', [makeArticle({ key: 'fresh', title: 'Story fresh (updated)' })]);
    expect(edited).toMatchObject({ deliveriesCreated: 0, updated: 1 });
    expect(await store.listDeliveries({})).toHaveLength(2);
    const events = await store.listEvents({});
    expect(events.at(-1)?.message).toBe('title changed from "Story fresh"');
  });

  it('recognises the same story from another source by canonical URL', async () => {
    await poll('sport', [makeArticle({ key: 'seed-sport' })]);
    await poll('news', [makeArticle({ key: 'guid-1', canonicalUrl: 'https://news.example.org/story' })]);
    const dup = await poll('sport', [makeArticle({ key: 'guid-99', canonicalUrl: 'https://news.example.org/story' })]);
    expect(dup).toMatchObject({ duplicates: 1, deliveriesCreated: 0 });
    expect(await store.listDeliveries({})).toHaveLength(2);
  });

  it('collapses repeated items within one poll', async () => {
    const twice = [makeArticle({ key: 'rep' }), makeArticle({ key: 'rep' })];
    const result = await poll('news', twice);
    expect(result).toMatchObject({ recorded: 1, known: 1, deliveriesCreated: 2 });
  });

  it('makes one delivery when two routes reach the same channel, breaking wins', async () => {
    const twoRoutes: RoutingTable = {
      ...routing,
      routes: [...routes, { id: 'urgent', channels: ['bsky'], priority: 'breaking' }],
    };
    const items = planIngest([makeArticle({ key: 'both' })], await store.getSourceState('news'), policy, twoRoutes, NOW);
    expect(items[0]?.ifNew).toMatchObject({
      kind: 'deliver',
      deliveries: [
        { channelId: 'x-main', priority: 'normal' },
        { channelId: 'bsky', priority: 'breaking', routeId: 'all' },
      ],
    });
  });
});

describe('a failing transaction', () => {
  it('records neither the article nor its deliveries', async () => {
    await poll('news', [makeArticle({ key: 'seed' })]);
    const items = planIngest([makeArticle({ key: 'boom' })], await store.getSourceState('news'), policy, routing, NOW);
    // A state that violates the schema makes the write at the end of the transaction fail.
    const broken = { sourceId: 'news', consecutiveFailures: Number.NaN } as unknown as SourceState;
    await expect(store.ingest('news', items, broken, NOW)).rejects.toThrow();
    expect(await store.listDeliveries({})).toEqual([]);
    expect(await store.findArticleByUrl(makeArticle({ key: 'boom' }).canonicalUrl)).toBeUndefined();
  });
});

describe('items without a link', () => {
  it('are told apart by their key, not collapsed on an empty canonical URL', async () => {
    await poll('news', [makeArticle({ key: 'seed' })]);
    // Posted only where a route allows a post without a link.
    const allowNoLink: RoutingTable = { ...routing, routes: routes.map((r) => ({ ...r, allowNoLink: true })) };
    const result = await poll(
      'news',
      [makeArticle({ key: 'no-link-1', url: '', canonicalUrl: '' }), makeArticle({ key: 'no-link-2', url: '', canonicalUrl: '' })],
      policy,
      allowNoLink,
    );
    expect(result).toMatchObject({ recorded: 2, duplicates: 0, deliveriesCreated: 4 });
    const keys = new Set((await store.listDeliveries({})).map((d) => d.idempotencyKey));
    expect(keys.size).toBe(4);
  });
});

describe('the same story from two sources with different routes', () => {
  it('reaches the channels of both routes, once each', async () => {
    const perSource: RoutingTable = {
      ...routing,
      routes: [
        { id: 'politics-to-x', sources: ['politics'], channels: ['x-main'], priority: 'normal' },
        { id: 'local-to-bsky', sources: ['local'], channels: ['bsky'], priority: 'normal' },
      ],
    };
    const ingestVia = async (sourceId: string, key: string) => {
      const state = await store.getSourceState(sourceId);
      const article = { ...makeArticle({ key, canonicalUrl: 'https://news.example.org/shared' }), sourceId };
      const items = planIngest([article], state, policy, perSource, NOW);
      return store.ingest(sourceId, items, { sourceId, consecutiveFailures: 0, initializedAt: NOW }, NOW);
    };
    await poll('politics', [makeArticle({ key: 'seed-p' })]);
    await poll('local', [makeArticle({ key: 'seed-l' })]);
    await ingestVia('politics', 'p-guid');
    const viaLocal = await ingestVia('local', 'l-guid');
    expect(viaLocal).toMatchObject({ duplicates: 1, deliveriesCreated: 1 });
    const again = await ingestVia('local', 'l-guid');
    expect(again).toMatchObject({ known: 1, deliveriesCreated: 0 });
    const deliveries = await store.listDeliveries({});
    expect(deliveries.map((d) => [d.articleId, d.channelId])).toEqual([
      [deliveries[0]?.articleId, 'x-main'],
      [deliveries[0]?.articleId, 'bsky'],
    ]);
  });
});

describe('edits with onUpdate: repost-if-title-changed', () => {
  const reposting: RoutingTable = {
    ...routing,
    routes: [
      { id: 'corrections', channels: ['x-main'], priority: 'normal', onUpdate: 'repost-if-title-changed' },
      { id: 'rest', channels: ['bsky'], priority: 'normal' },
    ],
  };
  const ingestWith = async (article: ReturnType<typeof makeArticle>) => {
    const state = await store.getSourceState('news');
    return store.ingest('news', planIngest([article], state, policy, reposting, NOW), { sourceId: 'news', consecutiveFailures: 0, initializedAt: NOW }, NOW);
  };

  it('posts a changed headline again on the routes that ask for it, under a new key, and only once', async () => {
    await poll('news', [makeArticle({ key: 'seed' })]);
    await ingestWith(makeArticle({ key: 'story', title: 'Bridge vote delayed' }));
    const [x] = await store.listDeliveries({ channelId: 'x-main' });
    if (!x) throw new Error('no delivery');
    const event = { at: NOW, kind: 'test', message: 'test', actor: 'daemon' };
    await store.transition(x.id, { ...MOVES.claim, set: { text: 'Bridge vote delayed …', attemptAt: NOW } }, event);
    await store.transition(x.id, { ...MOVES.posted, set: { remoteId: '1', postedAt: NOW } }, event);

    const edited = await ingestWith(makeArticle({ key: 'story', title: 'Bridge vote passes 7 to 2' }));
    expect(edited).toMatchObject({ updated: 1, reposts: 1, deliveriesCreated: 0 });
    const again = await store.getDelivery(x.id);
    expect(again).toMatchObject({ state: 'pending', text: undefined, attempts: 0 });
    expect(again?.idempotencyKey).not.toBe(x.idempotencyKey);
    const [bsky] = await store.listDeliveries({ channelId: 'bsky' });
    expect(bsky?.state).toBe('pending'); // untouched: its route ignores edits

    // The same edit seen again is not a second repost; a body-only edit is only recorded.
    expect(await ingestWith(makeArticle({ key: 'story', title: 'Bridge vote passes 7 to 2' }))).toMatchObject({ known: 1, reposts: 0 });
    const events = await store.listEvents({ articleId: x.articleId });
    expect(events.filter((e) => e.kind === 'delivery-repost')).toHaveLength(1);
  });

  it('ignores edits by default', async () => {
    await poll('news', [makeArticle({ key: 'seed' })]);
    await poll('news', [makeArticle({ key: 'story', title: 'One' })]);
    expect(await poll('news', [makeArticle({ key: 'story', title: 'Two' })])).toMatchObject({ updated: 1, reposts: 0 });
  });
});
