import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { planIngest, type IngestPolicy } from '../../src/ingest/plan-ingest.js';
import type { RoutingRoute, RoutingTable } from '../../src/ingest/route-article.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SourceState } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';

/*
 * Issue 15 item 5: a steady poll of a big feed finds ~700 items, nearly all known and unchanged.
 * Routing each of them was most of the poll's main-thread time, for decisions the store ignores,
 * so an item's decision is planned only when the store reads it: for a new article, or a known
 * one whose headline changed. The decisions themselves are the eager ones.
 */

const NOW = new Date('2026-11-29T12:00:00Z');
const HOUR = 3_600_000;
const policy: IngestPolicy = { backfill: 0, maxAgeMs: 24 * HOUR };
const channels: ChannelConfig[] = [
  { id: 'x-main', platform: 'x', dryRun: true, images: true },
  { id: 'bsky', platform: 'bluesky', dryRun: true, images: true, service: 'https://bsky.social' },
];

/** A routing table that counts how often routeArticle looks at its routes (it reads `sources` first). */
function countingRouting(): { table: RoutingTable; routed: () => number } {
  let reads = 0;
  const route = (base: RoutingRoute): RoutingRoute =>
    Object.defineProperty({ ...base }, 'sources', {
      enumerable: true,
      get() {
        reads += 1;
        return undefined;
      },
    });
  const routes = [
    route({ id: 'corrections', channels: ['x-main'], priority: 'normal', onUpdate: 'repost-if-title-changed' }),
    route({ id: 'rest', channels: ['bsky'], priority: 'normal' }),
  ];
  // Two routes: routing one article reads `sources` twice.
  return { table: { routes, channels: new Map(channels.map((c) => [c.id, c])), configDir: '/tmp' }, routed: () => reads / routes.length };
}

let store: SqliteStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

const story = (key: string, title = `Story ${key}`) => makeArticle({ key, title, publishedAt: new Date(NOW.getTime() - HOUR) });

async function poll(articles: ReturnType<typeof makeArticle>[], table: RoutingTable) {
  const state = await store.getSourceState('news');
  const items = planIngest(articles, state, policy, table, NOW);
  const next: SourceState = { sourceId: 'news', consecutiveFailures: 0, initializedAt: state?.initializedAt ?? NOW };
  return { items, counts: await store.ingest('news', items, next, NOW) };
}

describe('planIngest routes only what the store needs decided', () => {
  it('does not route a known, unchanged article; routes a new one and a retitled one', async () => {
    const { table, routed } = countingRouting();
    // The first poll records what is there without routing it.
    await poll([story('a'), story('b'), story('c')], table);
    expect(routed()).toBe(0);

    const second = await poll([story('a'), story('b', 'Story b, corrected'), story('c'), story('d')], table);
    expect(second.counts).toMatchObject({ known: 2, updated: 1, recorded: 1, deliveriesCreated: 3, reposts: 1 });
    // d's two posts; b had none on x-main, so its corrected headline gets one there.
    // d is new, b's headline changed; a and c were never routed.
    expect(routed()).toBe(2);
    const channelsPosted = (await store.listDeliveries({})).map((d) => d.channelId).sort();
    expect(channelsPosted).toEqual(['bsky', 'x-main', 'x-main']);

    // Nothing changed: nothing routed at all.
    const third = await poll([story('a'), story('b', 'Story b, corrected'), story('c'), story('d')], table);
    expect(third.counts).toMatchObject({ known: 4, updated: 0, recorded: 0, deliveriesCreated: 0, reposts: 0 });
    expect(routed()).toBe(2);
  });

  it('gives, when read, the decision an eager plan gives, and plans each item once', async () => {
    const { table, routed } = countingRouting();
    await poll([story('seed')], table);
    const state = await store.getSourceState('news');
    const items = planIngest([story('x'), story('y')], state, policy, table, NOW);
    expect(routed()).toBe(0);
    const [x] = items;
    expect(x?.ifNew).toMatchObject({ kind: 'deliver', reason: 'new article' });
    expect(x?.ifNew.kind === 'deliver' ? x.ifNew.deliveries.map((d) => d.channelId) : []).toEqual(['x-main', 'bsky']);
    expect(x?.onTitleChange?.map((r) => r.add.channelId)).toEqual(['x-main']);
    expect(routed()).toBe(1);
    // Spread and compared like a plain item (the webhook answer reads items[0].ifNew.reason).
    expect({ ...x }).toEqual({ article: x?.article, ifNew: x?.ifNew, onTitleChange: x?.onTitleChange });
    expect(routed()).toBe(1);
  });
});
