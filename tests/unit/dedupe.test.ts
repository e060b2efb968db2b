import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { planIngest, type IngestPolicy } from '../../src/ingest/plan-ingest.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { parseFeed } from '../../src/sources/feed/parse-feed.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { IngestResult, SourceState } from '../../src/store/store.js';

/*
 * "Every article reaches every channel exactly once", end to end below the network: real feed
 * XML through parseFeed, planIngest and the SQLite store, as a poll does it.
 */

const T0 = new Date('2026-11-29T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(T0.getTime() + ms);

const channels: ChannelConfig[] = [
  { id: 'x-main', platform: 'x', dryRun: true, images: true },
  { id: 'bsky', platform: 'bluesky', dryRun: true, images: true, service: 'https://bsky.social' },
];
const routing: RoutingTable = {
  routes: [{ id: 'all', channels: ['x-main', 'bsky'], priority: 'normal' }],
  channels: new Map(channels.map((c) => [c.id, c])),
  configDir: '/tmp',
};
const policy: IngestPolicy = { backfill: 0, maxAgeMs: 24 * HOUR };

interface Item {
  title: string;
  guid?: string;
  /** RSS 2.0 default is true: the GUID is then also the link when <link> is missing. */
  permaLink?: boolean;
  link?: string;
  pubDate?: Date;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function rss(items: Item[]): string {
  const xml = items.map((item) => {
    const guid =
      item.guid === undefined ? '' : `<guid${item.permaLink === false ? ' isPermaLink="false"' : ''}>${esc(item.guid)}</guid>`;
    return `<item><title>${esc(item.title)}</title>${item.link === undefined ? '' : `<link>${esc(item.link)}</link>`}${guid}<pubDate>${(item.pubDate ?? at(-HOUR)).toUTCString()}</pubDate></item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.example.org/</link><description>d</description>${xml.join('')}</channel></rss>`;
}

let store: SqliteStore;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
});
afterEach(() => store.close());

/** One poll of `sourceId` at `now`, the way pollSource does it after the fetch. */
async function poll(sourceId: string, items: Item[], now: Date = T0): Promise<IngestResult> {
  const feed = parseFeed(rss(items), { sourceId, feedUrl: `https://news.example.org/${sourceId}/feed/`, now });
  const state = await store.getSourceState(sourceId);
  const next: SourceState = { sourceId, consecutiveFailures: 0, initializedAt: state?.initializedAt ?? now };
  return store.ingest(sourceId, planIngest(feed.articles, state, policy, routing, now), next, now);
}

/** A first poll records what a source already holds; tests then start from a known source. */
async function seed(...sourceIds: string[]): Promise<void> {
  for (const id of sourceIds) await poll(id, [{ title: `seed ${id}`, guid: `urn:seed:${id}`, permaLink: false }]);
}

async function deliveries(): Promise<string[]> {
  const rows = await store.listDeliveries({});
  const out: string[] = [];
  for (const d of rows) out.push(`${(await store.getArticle(d.articleId))?.title} → ${d.channelId}`);
  return out;
}

const ONCE = ['Council approves budget → x-main', 'Council approves budget → bsky'];
const STORY = 'https://news.example.org/2026/11/29/council-budget';

describe('the same story under another identity is not posted again', () => {
  beforeEach(() => seed('news'));

  it('a GUID flipping from http to https (a permalink GUID, no <link>)', async () => {
    await poll('news', [{ title: 'Council approves budget', guid: `${STORY.replace('https:', 'http:')}/` }]);
    const flipped = await poll('news', [{ title: 'Council approves budget', guid: `${STORY}/` }], at(5 * MIN));
    expect(flipped).toMatchObject({ recorded: 0, duplicates: 1, deliveriesCreated: 0 });
    expect(await deliveries()).toEqual(ONCE);
  });

  it('a ?p= GUID flipping from http to https next to the same <link>', async () => {
    const item = { title: 'Council approves budget', permaLink: false, link: `${STORY}/` };
    await poll('news', [{ ...item, guid: 'http://news.example.org/?p=42' }]);
    expect(await poll('news', [{ ...item, guid: 'https://news.example.org/?p=42' }], at(5 * MIN))).toMatchObject({ duplicates: 1 });
    // And the flipped GUID is known from then on.
    expect(await poll('news', [{ ...item, guid: 'https://news.example.org/?p=42' }], at(6 * MIN))).toMatchObject({ known: 1 });
    expect(await deliveries()).toEqual(ONCE);
  });

  it.each([
    ['utm parameters', `${STORY}/?utm_source=rss&utm_medium=feed&utm_campaign=daily`],
    ['an AMP path', `${STORY}/amp/`],
    ['an AMP query', `${STORY}/?amp=1`],
    ['an AMP host', STORY.replace('news.example.org', 'amp.news.example.org')],
    ['an AMP suffix', `${STORY}.amp`],
    // The feed escaped the link twice: `&amp;amp;` in the XML, "&amp;utm_medium" once parsed.
    ['a doubly escaped link', `${STORY}/?utm_source=rss&amp;utm_medium=feed`],
    ['a trailing slash', `${STORY}/`],
    ['www and http', STORY.replace('https://', 'http://www.')],
  ])('%s', async (_name, variant) => {
    await poll('news', [{ title: 'Council approves budget', guid: 'urn:a', permaLink: false, link: STORY }]);
    const again = await poll('news', [{ title: 'Council approves budget', guid: 'urn:b', permaLink: false, link: variant }], at(MIN));
    expect(again).toMatchObject({ duplicates: 1, deliveriesCreated: 0 });
    expect(await deliveries()).toEqual(ONCE);
  });
});

describe('the same story in three section feeds', () => {
  it('makes one delivery per channel, whichever feed is polled first', async () => {
    await seed('politics', 'local', 'front');
    const story = (section: string, link: string): Item => ({
      title: 'Council approves budget',
      guid: `https://news.example.org/?p=42&section=${section}`,
      permaLink: false,
      link,
    });
    const results = [
      await poll('local', [story('local', `${STORY}/?utm_source=local-feed`)], at(MIN)),
      await poll('politics', [story('politics', `${STORY}/`)], at(2 * MIN)),
      await poll('front', [story('front', `${STORY}/amp/`)], at(3 * MIN)),
    ];
    expect(results.map((r) => [r.recorded, r.duplicates, r.deliveriesCreated])).toEqual([
      [1, 0, 2],
      [0, 1, 0],
      [0, 1, 0],
    ]);
    expect(await deliveries()).toEqual(ONCE);
  });
});

describe('a feed republishing old items', () => {
  const ten = (overrides: (n: number) => Partial<Item> = () => ({})): Item[] =>
    Array.from({ length: 10 }, (_, n) => ({
      title: `Old story ${n}`,
      guid: `urn:old:${n}`,
      permaLink: false,
      link: `https://news.example.org/old-${n}`,
      pubDate: at(-3 * HOUR - n * MIN),
      ...overrides(n),
    }));

  beforeEach(async () => {
    await poll('news', ten()); // first poll: recorded, not posted
  });

  it('posts nothing when they come back two days later, older than maxAge and known', async () => {
    expect(await poll('news', ten(), at(48 * HOUR))).toMatchObject({ known: 10, recorded: 0, deliveriesCreated: 0 });
    expect(await deliveries()).toEqual([]);
  });

  it('posts nothing when they come back with fresh dates (a CMS re-save)', async () => {
    const resaved = ten(() => ({ pubDate: at(47 * HOUR) }));
    expect(await poll('news', resaved, at(48 * HOUR))).toMatchObject({ deliveriesCreated: 0 });
    expect(await deliveries()).toEqual([]);
  });

  it('posts nothing when they come back with new GUIDs (a CMS migration), old or re-dated', async () => {
    const migrated = ten((n) => ({ guid: `https://news.example.org/?p=${100 + n}` }));
    expect(await poll('news', migrated, at(48 * HOUR))).toMatchObject({ duplicates: 10, deliveriesCreated: 0 });
    const redated = ten((n) => ({ guid: `urn:new:${n}`, pubDate: at(47 * HOUR) }));
    expect(await poll('news', redated, at(48 * HOUR))).toMatchObject({ duplicates: 10, deliveriesCreated: 0 });
    expect(await deliveries()).toEqual([]);
  });

  it('posts nothing for old items it never saw (older than maxAge)', async () => {
    const unseen = ten((n) => ({ guid: `urn:unseen:${n}`, link: `https://news.example.org/unseen-${n}`, pubDate: at(-30 * HOUR) }));
    expect(await poll('news', unseen, at(MIN))).toMatchObject({ recorded: 10, deliveriesCreated: 0 });
  });
});

describe('repeated items in one feed', () => {
  beforeEach(() => seed('news'));

  it('one GUID three times is one article and one delivery per channel', async () => {
    const item: Item = { title: 'Council approves budget', guid: 'urn:42', permaLink: false, link: STORY };
    const result = await poll('news', [item, item, { ...item, link: `${STORY}/` }]);
    expect(result).toMatchObject({ recorded: 1, deliveriesCreated: 2 });
    expect(await deliveries()).toEqual(ONCE);
  });

  it('one GUID with stray whitespace is still one article', async () => {
    const item: Item = { title: 'Council approves budget', permaLink: false, link: STORY };
    await poll('news', [{ ...item, guid: 'urn:42' }]);
    expect(await poll('news', [{ ...item, guid: '  urn:42\n' }], at(MIN))).toMatchObject({ known: 1, recorded: 0 });
  });

  it('two GUIDs for one link in the same feed are one story', async () => {
    const item: Item = { title: 'Council approves budget', permaLink: false };
    const result = await poll('news', [
      { ...item, guid: 'urn:a', link: STORY },
      { ...item, guid: 'urn:b', link: `${STORY}?utm_source=twitter` },
    ]);
    expect(result).toMatchObject({ recorded: 1, duplicates: 1, deliveriesCreated: 2 });
  });
});
