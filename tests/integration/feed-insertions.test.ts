import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedSource } from '../../src/config/load.js';
import type { ChannelConfig } from '../../src/config/schema.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { feedSourceSchema } from '../../src/sources/feed/feed-config.js';
import { pollSource } from '../../src/sources/poll-source.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(NOW.getTime() + ms);

const channels: ChannelConfig[] = [{ id: 'x-dry', platform: 'x', dryRun: true, images: true }];
const routing: RoutingTable = { routes: [{ id: 'all', channels: ['x-dry'], priority: 'normal' }], channels: new Map(channels.map((c) => [c.id, c])), configDir: '/tmp' };

const item = (n: number, pubDate: Date): RssItem => ({ guid: `item-${n}`, title: `Item ${n}`, link: `https://news.example.org/item-${n}`, pubDate });

let items: RssItem[];
let server: TestServer;
let store: SqliteStore;
let clock: Date;

beforeEach(async () => {
  items = [];
  clock = NOW;
  server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('News', items)));
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  await server.close();
});

function source(): ResolvedSource {
  return { ...feedSourceSchema.parse({ id: 'news', kind: 'feed', url: `${server.url}/feed.xml` }), interval: 60_000, maxAge: 24 * HOUR };
}

async function pollAt(ms: number, src: ResolvedSource) {
  clock = at(ms);
  return pollSource(src, { store, routing, logger: pino({ level: 'silent' }), now: () => clock, random: () => 0.5, fetchTimeoutMs: 5000 });
}

async function posted(): Promise<string[]> {
  const deliveries = await store.listDeliveries({});
  const titles = await Promise.all(deliveries.map(async (d) => (await store.getArticle(d.articleId))?.title ?? ''));
  return titles.sort();
}

describe('feed sources: items that do not arrive at the top', () => {
  it('finds an item inserted below the top of the feed, and posts it once', async () => {
    items = [item(3, at(-1 * HOUR)), item(1, at(-3 * HOUR))];
    const src = source();
    await pollAt(0, src);
    items = [item(3, at(-1 * HOUR)), item(2, at(-2 * HOUR)), item(1, at(-3 * HOUR))]; // not newest-first at the top
    expect(await pollAt(1 * MIN, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 1 } });
    items.reverse(); // a changed body, the same items: nothing new
    expect(await pollAt(2 * MIN, src)).toMatchObject({ counts: { recorded: 0, deliveriesCreated: 0, known: 3 } });
    expect(await posted()).toEqual(['Item 2']);
  });

  it('counts maxAge from first sight for an item dated before the first poll that appears later', async () => {
    items = [item(1, at(-3 * HOUR)), item(9, at(-72 * HOUR))];
    const src = source();
    await pollAt(0, src); // item 9, old and present at the first poll, is recorded, never posted
    items.push(item(2, at(-72 * HOUR))); // an old-dated item added at the bottom after the first poll
    expect(await pollAt(1 * MIN, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 1 } });
    expect(await posted()).toEqual(['Item 2']);
  });

  it('still skips an item whose own date, after the first poll, is older than maxAge', async () => {
    items = [item(1, at(-3 * HOUR))];
    const src = source();
    await pollAt(-72 * HOUR, src); // the first poll, three days ago
    items.push(item(2, at(-48 * HOUR))); // dated after that poll, two days ago: its date counts
    expect(await pollAt(0, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 0 } });
    expect(await posted()).toEqual([]);
  });
});
