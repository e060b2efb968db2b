import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { articleKey } from '../../src/articles/article-key.js';
import type { ResolvedSource } from '../../src/config/load.js';
import { loadConfig } from '../../src/config/load.js';
import type { ChannelConfig } from '../../src/config/schema.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { pollSource, type PollDeps } from '../../src/sources/poll-source.js';
import { editorActions } from '../../src/delivery/editor-actions.js';
import { createWorker } from '../../src/delivery/worker.js';
import type { OutboundPost, PlatformAdapter } from '../../src/platforms/contract.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { memoryChannelState } from '../support/channel-state.js';
import { createWordPressKind } from '../../src/sources/wordpress/wordpress-source.js';
import { wordpressSourceSchema, type WordPressSourceConfig } from '../../src/sources/wordpress/wordpress-config.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cronPublish, insertPublished, startFakeWordPress, type FakePost, type FakeSite, type FakeWordPress } from '../support/fake-wordpress.js';
import { tempDir } from '../support/temp-dir.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(NOW.getTime() + ms);

function post(id: number, overrides: Partial<FakePost> = {}): FakePost {
  return {
    id,
    type: 'posts',
    status: 'publish',
    slug: `story-${id}`,
    title: `Story ${id}`,
    excerpt: `Summary of story ${id}`,
    dateGmt: at(-2 * HOUR),
    modifiedGmt: at(-2 * HOUR),
    author: 2,
    categories: [3],
    tags: [],
    featuredMedia: 0,
    ...overrides,
  };
}

function site(posts: FakePost[]): FakeSite {
  return {
    home: 'https://news.example.org',
    utcOffsetHours: 2,
    users: [{ id: 2, name: 'Ana Müller' }],
    terms: [
      { id: 3, name: 'Politics', taxonomy: 'category' },
      { id: 4, name: 'Local &amp; Regional', taxonomy: 'category' },
      { id: 7, name: 'budget', taxonomy: 'post_tag' },
      { id: 8, name: 'parks', taxonomy: 'post_tag' },
    ],
    media: [
      { id: 10, sourceUrl: 'https://news.example.org/wp-content/uploads/2026/11/chamber.jpg', altText: 'The council chamber' },
      { id: 11, sourceUrl: 'https://news.example.org/wp-content/uploads/2026/11/minutes.pdf', altText: '', mediaType: 'file' },
    ],
    posts,
    hideUsers: false,
  };
}

const channels: ChannelConfig[] = [
  { id: 'x-dry', platform: 'x', dryRun: true, images: true },
  { id: 'bsky-dry', platform: 'bluesky', dryRun: true, images: true, service: 'https://bsky.social' },
];
const routing: RoutingTable = {
  routes: [{ id: 'all', channels: ['x-dry', 'bsky-dry'], priority: 'normal' }],
  channels: new Map(channels.map((c) => [c.id, c])),
  configDir: '/tmp',
};

function captureLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}
const WARN = 40;

let wp: FakeWordPress;
let store: SqliteStore;
let clock: Date;
let log: ReturnType<typeof captureLogger>;

beforeEach(async () => {
  clock = NOW;
  wp = await startFakeWordPress(site([]), NOW);
  store = openSqliteStore(':memory:');
  await store.migrate();
  log = captureLogger();
});
afterEach(async () => {
  await store.close();
  await wp.close();
});

function source(fields: Record<string, unknown> = {}): WordPressSourceConfig & { interval: number; maxAge: number } {
  const parsed = wordpressSourceSchema.parse({ id: 'wp', kind: 'wordpress', url: wp.url, ...fields });
  return { ...parsed, interval: 60_000, maxAge: 24 * HOUR };
}

const deps = (): PollDeps => ({ store, routing, logger: log.logger, now: () => clock, random: () => 0.5, fetchTimeoutMs: 5000 });

/** Moves both clocks (Crier's and the site's) and polls. */
async function pollAt(ms: number, src: ResolvedSource) {
  clock = at(ms);
  wp.now = clock;
  return pollSource(src, deps());
}

describe('WordPress REST source: normalisation', () => {
  it('turns embedded terms, author and featured media into names, image and alt text, dates in UTC', async () => {
    wp.site.posts.push(
      post(12, {
        title: 'Council &#8220;approves&#8221; budget &amp; plan',
        excerpt: '<strong>Big</strong> news for the city&#8217;s parks',
        dateGmt: at(-2 * HOUR),
        modifiedGmt: at(-1 * HOUR),
        categories: [3, 4],
        tags: [7, 8],
        featuredMedia: 10,
        slug: 'council-budget',
        lang: 'pt_br',
      }),
      post(13, { type: 'pages', slug: 'about', title: 'About us', featuredMedia: 11 }),
      post(14, { status: 'private' }),
      post(15, { dateGmt: at(-72 * HOUR), modifiedGmt: at(-72 * HOUR) }),
    );
    const kind = createWordPressKind();
    const src = source({ postTypes: ['posts', 'pages'] });
    const fetched = await kind.fetch(src, { state: undefined, now: () => NOW, deadlineMs: 5000, logger: log.logger });
    if (fetched.kind !== 'articles') throw new Error('expected articles');
    const site = new URL(wp.url).host;
    expect(fetched.articles.map((a) => a.key).sort()).toEqual(
      [articleKey(`wp:${site}:posts:12`), articleKey(`wp:${site}:pages:13`)].sort(),
    );
    expect(fetched.articles.find((a) => a.key === articleKey(`wp:${site}:posts:12`))).toEqual({
      sourceId: 'wp',
      key: articleKey(`wp:${site}:posts:12`),
      url: 'https://news.example.org/2026/11/29/council-budget/',
      canonicalUrl: 'https://news.example.org/2026/11/29/council-budget',
      title: 'Council “approves” budget & plan',
      summary: 'Big news for the city’s parks',
      categories: ['Politics', 'Local & Regional'],
      tags: ['budget', 'parks'],
      authors: ['Ana Müller'],
      // date_gmt, not the local `date` two hours ahead.
      publishedAt: at(-2 * HOUR),
      updatedAt: at(-1 * HOUR),
      image: { url: 'https://news.example.org/wp-content/uploads/2026/11/chamber.jpg', alt: 'The council chamber', width: 1200, height: 800 },
      language: 'pt-BR',
    });
    const page = fetched.articles.find((a) => a.key === articleKey(`wp:${site}:pages:13`));
    expect(page).toMatchObject({ title: 'About us', categories: [], tags: [], url: 'https://news.example.org/about/' });
    expect(page?.image).toBeUndefined(); // a PDF is not an image
    // Private posts are never asked for; only publications of the last maxAge on a first poll.
    expect(wp.restRequests().every((r) => (r.query.get('status') ?? 'publish') === 'publish')).toBe(true);
    expect(wp.restRequests().map((r) => r.query.get('after'))).toEqual(Array(4).fill('2026-11-28T12:00:00Z'));
  });

  it('keeps a post whose author is hidden by a security plugin, without an author', async () => {
    wp.site.hideUsers = true;
    wp.site.posts.push(post(20));
    const fetched = await createWordPressKind().fetch(source(), { state: undefined, now: () => NOW, deadlineMs: 5000, logger: log.logger });
    expect(fetched.kind === 'articles' && fetched.articles.map((a) => [a.title, a.authors])).toEqual([['Story 20', []]]);
  });

  it('follows X-WP-TotalPages through every page', async () => {
    for (let id = 1; id <= 120; id++) wp.site.posts.push(post(id, { dateGmt: at(-3 * HOUR + id * 1000) }));
    const report = await pollAt(0, source());
    expect(report).toMatchObject({ result: 'ingested', found: 120 });
    const requests = wp.restRequests().filter((r) => r.query.has('_embed')); // not the id listing
    expect(requests.map((r) => r.query.get('page'))).toEqual([null, '2', '3']);
    expect(requests.every((r) => r.query.get('per_page') === '50' && r.query.get('order') === 'asc' && r.query.has('_embed'))).toBe(true);
  });
});

describe('WordPress REST source: polls and the store', () => {
  it('asks for changes since the last poll minus the overlap, by modified and by publication time', async () => {
    const src = source({ overlap: '5m' });
    await pollAt(0, src);
    wp.requests.length = 0;
    await pollAt(1 * MIN, src);
    const [changes, publications] = wp.restRequests();
    expect(changes?.query.get('orderby')).toBe('modified');
    expect(changes?.query.get('modified_after')).toBe('2026-11-29T11:55:00Z');
    expect(publications?.query.get('orderby')).toBe('date');
    expect(publications?.query.get('after')).toBe('2026-11-29T11:55:00Z');
  });

  it('posts a new article once, and an edit of it never again', async () => {
    wp.site.posts.push(post(1));
    const src = source();
    expect(await pollAt(0, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 0 } });

    wp.site.posts.push(post(2, { title: 'Breaking story', dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) }));
    expect(await pollAt(2 * MIN, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 2 } });
    const deliveries = await store.listDeliveries({});
    expect(deliveries.map((d) => [d.channelId, d.state, d.dryRun])).toEqual([
      ['x-dry', 'pending', true],
      ['bsky-dry', 'pending', true],
    ]);
    expect((await store.getArticle(deliveries[0]?.articleId ?? 0))?.title).toBe('Breaking story');

    const edited = wp.site.posts[1];
    if (edited) Object.assign(edited, { title: 'Breaking story (updated)', modifiedGmt: at(5 * MIN) });
    expect(await pollAt(6 * MIN, src)).toMatchObject({ counts: { recorded: 0, deliveriesCreated: 0, updated: 1 } });
    expect(await pollAt(7 * MIN, src)).toMatchObject({ counts: { recorded: 0, deliveriesCreated: 0, updated: 0 } });
    expect(await store.listDeliveries({})).toHaveLength(2);
  });

  it('sees a scheduled post go live, although its modified time stays at scheduling time', async () => {
    const src = source();
    await pollAt(0, src);
    wp.site.posts.push(post(3, { status: 'future', dateGmt: at(3 * MIN), modifiedGmt: at(-48 * HOUR) }));
    expect(await pollAt(1 * MIN, src)).toMatchObject({ counts: { recorded: 0 } });
    const scheduled = wp.site.posts[0];
    if (scheduled) scheduled.status = 'publish'; // wp_publish_post flips the status only
    expect(await pollAt(4 * MIN, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 2 } });
  });

  /** Polls every `step` from `from` to `to` (inclusive), as the daemon would. */
  async function pollEvery(step: number, from: number, to: number, src: ResolvedSource): Promise<void> {
    for (let t = from; t <= to; t += step) await pollAt(t, src);
  }

  for (const [name, late, step] of [
    ['11 minutes', 11 * MIN, 1 * MIN],
    ['3 hours', 3 * HOUR, 10 * MIN],
  ] as const) {
    it(`finds a scheduled post that WP-cron published ${name} late (its dates both older than the overlap), and posts it once`, async () => {
      const src = source();
      await pollAt(0, src);
      // Scheduled two days ago for 12:01; the scheduling was its last edit.
      wp.site.posts.push(post(30, { status: 'future', dateGmt: at(1 * MIN), modifiedGmt: at(-48 * HOUR) }));
      await pollEvery(step, step, 1 * MIN + late, src);
      expect(await store.listDeliveries({})).toEqual([]);
      cronPublish(wp.site, 30); // the first visitor after 12:01 + late
      wp.requests.length = 0;
      expect(await pollAt(1 * MIN + late + 30_000, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 2 } });
      // Neither the changes nor the publications query returned it: the id listing did.
      const byQuery = wp.restRequests().filter((r) => r.query.has('modified_after') || r.query.get('orderby') === 'date' && r.query.has('_embed'));
      expect(byQuery).toHaveLength(2);
      expect(wp.restRequests().some((r) => r.query.get('include') === '30')).toBe(true);
      await pollEvery(1 * MIN, 2 * MIN + late, 5 * MIN + late, src);
      expect((await store.listDeliveries({})).map((d) => d.channelId)).toEqual(['x-dry', 'bsky-dry']);
    });
  }

  it('finds a post created already published with a past date (modified = date), and posts it once', async () => {
    wp.site.posts.push(post(1, { dateGmt: at(-5 * HOUR), modifiedGmt: at(-5 * HOUR) }));
    const src = source();
    await pollEvery(1 * MIN, 0, 30 * MIN, src);
    const { id, slug, title, excerpt, author, categories, tags, featuredMedia, type } = post(2, { title: 'Wire copy from this morning' });
    insertPublished(wp.site, { type, slug, title, excerpt, author, categories, tags, featuredMedia, dateGmt: at(-3 * HOUR) });
    expect(id).toBe(2);
    expect(wp.site.posts[1]?.modifiedGmt).toEqual(at(-3 * HOUR));
    expect(await pollAt(31 * MIN, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 2 } });
    await pollEvery(1 * MIN, 32 * MIN, 35 * MIN, src);
    const deliveries = await store.listDeliveries({});
    expect(deliveries).toHaveLength(2);
    expect((await store.getArticle(deliveries[0]?.articleId ?? 0))?.title).toBe('Wire copy from this morning');
  });

  it('costs three requests on a quiet poll: changes, publications, the id listing', async () => {
    for (let id = 1; id <= 30; id++) wp.site.posts.push(post(id, { dateGmt: at(-id * 30 * MIN), modifiedGmt: at(-id * 30 * MIN) }));
    const src = source();
    await pollAt(0, src);
    wp.requests.length = 0;
    await pollAt(1 * MIN, src);
    const listing = wp.restRequests()[2];
    expect(wp.restRequests()).toHaveLength(3);
    expect(Object.fromEntries(listing?.query ?? [])).toEqual({
      status: 'publish',
      _fields: 'id,date_gmt',
      per_page: '100',
      orderby: 'date',
      order: 'desc',
      after: '2026-11-28T12:01:00Z',
    });
  });

  it('does not post a password-protected post unless the source says protected: post', async () => {
    const src = source();
    const posting = source({ id: 'wp-protected', protected: 'post' });
    await pollAt(0, src);
    await pollAt(0, posting);
    wp.site.posts.push(post(40, { password: 'members', dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) }));
    expect(await pollAt(2 * MIN, src)).toMatchObject({ counts: { recorded: 0, deliveriesCreated: 0 } });
    expect(await pollAt(2 * MIN, posting)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 2 } });
  });

  it('sends the application password as Basic auth, read from the environment by the config', async () => {
    wp.mode = 'login-required';
    wp.appPasswords.set('crier', 'abcd efgh ijkl mnop qrst uvwx');
    wp.site.posts.push(post(4));
    const dir = tempDir();
    try {
      const file = dir.write(
        'crier.yaml',
        `sources:
  - id: wp-auth
    kind: wordpress
    url: ${wp.url}
    auth:
      username: crier
      applicationPassword: \${WP_APP_PASSWORD}
channels: [{ id: x-dry, platform: x, dryRun: true }]
routes: [{ id: all, channels: [x-dry] }]
`,
      );
      const config = loadConfig(file, { WP_APP_PASSWORD: 'abcd efgh ijkl mnop qrst uvwx' });
      const src = config.sources[0];
      if (!src) throw new Error('no source');
      expect(await pollAt(0, src)).toMatchObject({ result: 'ingested', found: 1 });
      const expected = `Basic ${Buffer.from('crier:abcd efgh ijkl mnop qrst uvwx').toString('base64')}`;
      // The publications of the last maxAge, and the id listing (wp-recent.ts).
      expect(wp.restRequests().map((r) => r.authorization)).toEqual([expected, expected]);
      expect(wp.feedRequests()).toEqual([]);
    } finally {
      dir.remove();
    }
  });

  it('fails the poll, naming the collection, when a later post type has no REST route', async () => {
    const report = await pollAt(0, source({ postTypes: ['posts', 'articels'] }));
    expect(report).toMatchObject({ result: 'error' });
    expect(report.result === 'error' && report.error).toMatch(/"articels" is not readable \(HTTP 404 rest_no_route.*check postTypes/);
  });
});

describe('WordPress REST source: pulled posts', () => {
  const pause = (channelId: string) => store.setHold(channelId, { kind: 'paused', reason: 'editor', since: NOW, by: 'test' });

  for (const [how, pull] of [
    ['trashed', (p: FakePost) => void (p.status = 'trash')],
    ['set back to draft', (p: FakePost) => void (p.status = 'draft')],
    ['made private', (p: FakePost) => void (p.status = 'private')],
    ['deleted for good', (p: FakePost) => void wp.site.posts.splice(wp.site.posts.indexOf(p), 1)],
  ] as const) {
    it(`cancels the pending deliveries of a post ${how} at the next poll (article pulled), and nothing is due after resuming`, async () => {
      const src = source();
      await pollAt(0, src);
      await pause('x-dry');
      await pause('bsky-dry');
      const story = post(50, { dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) });
      wp.site.posts.push(story);
      expect(await pollAt(2 * MIN, src)).toMatchObject({ counts: { deliveriesCreated: 2 } });
      expect(await store.dueDeliveries(at(3 * MIN), 10)).toEqual([]); // held by the pause

      pull(story);
      wp.requests.length = 0;
      expect(await pollAt(3 * MIN, src)).toMatchObject({ result: 'ingested', counts: { pulled: 2 } });
      expect(wp.restRequests().map((r) => r.path)).toContain('/wp-json/wp/v2/posts/50');
      const deliveries = await store.listDeliveries({});
      expect(deliveries.map((d) => [d.state, d.lastError])).toEqual([
        ['cancelled', 'article pulled'],
        ['cancelled', 'article pulled'],
      ]);
      const events = await store.listEvents({ articleId: deliveries[0]?.articleId ?? 0 });
      expect(events.filter((e) => e.kind === 'article-pulled').map((e) => e.sourceId)).toEqual(['wp', 'wp']);
      await store.clearHolds('x-dry', ['paused'], at(4 * MIN));
      await store.clearHolds('bsky-dry', ['paused'], at(4 * MIN));
      expect(await store.dueDeliveries(at(5 * MIN), 10)).toEqual([]);
      // Checked once: the next poll asks nothing more about it.
      wp.requests.length = 0;
      expect(await pollAt(5 * MIN, src)).toMatchObject({ counts: { pulled: 0 } });
      expect(wp.restRequests()).toHaveLength(3);
    });
  }

  it('publish, crier pause, trash, resume: the delivery is cancelled as article pulled and nothing reaches the platform', async () => {
    const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };
    const posts: OutboundPost[] = [];
    const adapter: PlatformAdapter = {
      verify: async () => ({ account: '@newsroom' }),
      prepare: async (p) => ({ key: `prepared-${p.deliveryId}` }),
      publish: async (p) => {
        posts.push(p);
        return { remoteId: String(posts.length) };
      },
    };
    const xRouting: RoutingTable = { routes: [{ id: 'all', channels: ['x-main'], priority: 'normal' }], channels: new Map([['x-main', x]]), configDir: '/tmp' };
    const engine = createTemplateEngine();
    const worker = createWorker({
      store,
      channels: new Map([
        ['x-main', { config: x, platform: platformFor(x), adapter, textRules: () => platformFor(x).textRules(x, { logger: log.logger, now: () => clock, channelState: memoryChannelState() }) }],
      ]),
      templates: { pathFor: () => `${BUILTIN_TEMPLATES_DIR}/x.hbs`, forDelivery: () => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/x.hbs`) },
      logger: log.logger,
      now: () => clock,
      random: () => 0.5,
      defaultLanguage: 'en',
    });
    const editor = editorActions({ store, now: () => clock });
    const src = source();
    const poll = async (ms: number) => {
      clock = at(ms);
      wp.now = clock;
      return pollSource(src, { ...deps(), routing: xRouting });
    };
    await poll(0);
    await editor.pause('x-main', 'desk', 'legal review');
    wp.site.posts.push(post(60, { title: 'Pulled story', dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) }));
    wp.site.posts.push(post(61, { title: 'Kept story', dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) }));
    expect(await poll(2 * MIN)).toMatchObject({ counts: { deliveriesCreated: 2 } });
    expect(await worker.drain()).toBe(0); // paused
    const pulled = wp.site.posts.find((p) => p.id === 60);
    if (pulled) pulled.status = 'trash';
    expect(await poll(3 * MIN)).toMatchObject({ counts: { pulled: 1 } });
    await editor.resume('x-main', 'desk');
    clock = at(4 * MIN);
    await worker.drain();
    expect(posts.map((p) => p.text)).toEqual([expect.stringContaining('Kept story')]);
    const byTitle = new Map(
      await Promise.all((await store.listDeliveries({})).map(async (d) => [(await store.getArticle(d.articleId))?.title, [d.state, d.lastError]] as const)),
    );
    expect(byTitle.get('Pulled story')).toEqual(['cancelled', 'article pulled']);
    expect(byTitle.get('Kept story')).toEqual(['posted', undefined]);
  });

  it('sees a trashed post as trash with the application password (200, status trash), and cancels', async () => {
    wp.appPasswords.set('crier', 'secret');
    const src = { ...source(), auth: { username: 'crier', applicationPassword: 'secret' } };
    await pollAt(0, src);
    const story = post(51, { dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) });
    wp.site.posts.push(story);
    await pollAt(2 * MIN, src);
    story.status = 'trash';
    wp.requests.length = 0;
    expect(await pollAt(3 * MIN, src)).toMatchObject({ counts: { pulled: 2 } });
    const check = wp.restRequests().find((r) => r.path === '/wp-json/wp/v2/posts/51');
    expect(check?.authorization).toBe(`Basic ${Buffer.from('crier:secret').toString('base64')}`);
    expect((await store.listDeliveries({})).map((d) => d.state)).toEqual(['cancelled', 'cancelled']);
  });

  it('leaves alone a post still published whose date moved out of maxAge', async () => {
    const src = source();
    await pollAt(0, src);
    await pause('x-dry');
    await pause('bsky-dry');
    const story = post(52, { dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) });
    wp.site.posts.push(story);
    await pollAt(2 * MIN, src);
    story.dateGmt = at(-30 * HOUR);
    expect(await pollAt(3 * MIN, src)).toMatchObject({ counts: { pulled: 0 } });
    expect(wp.restRequests().map((r) => r.path)).toContain('/wp-json/wp/v2/posts/52');
    expect((await store.listDeliveries({})).map((d) => d.state)).toEqual(['pending', 'pending']);
  });
});

describe('WordPress REST source: feed fallback', () => {
  it('uses /feed/ when the REST API is blocked, warns once, and re-checks the API every 6 h', async () => {
    wp.mode = 'disabled';
    wp.site.posts.push(post(1));
    const src = source({ id: 'wp-blocked' });
    expect(await pollAt(0, src)).toMatchObject({ result: 'ingested', counts: { recorded: 1 } });
    expect([wp.restRequests().length, wp.feedRequests().length]).toEqual([1, 1]);

    wp.site.posts.push(post(2, { title: 'Via the feed', dateGmt: at(1 * MIN), modifiedGmt: at(1 * MIN) }));
    expect(await pollAt(2 * MIN, src)).toMatchObject({ counts: { recorded: 1, deliveriesCreated: 2 } });
    expect([wp.restRequests().length, wp.feedRequests().length]).toEqual([1, 2]); // no re-probe yet

    await pollAt(6 * HOUR + 3 * MIN, src);
    expect([wp.restRequests().length, wp.feedRequests().length]).toEqual([2, 3]);
    const warnings = log.lines.filter((l) => l.level === WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toBe(
      `WordPress REST API of ${wp.url} is unavailable (HTTP 404 from ${wp.url}/wp-json/wp/v2/posts?${wp.restRequests()[0]?.query.toString()}); ` +
        `polling the feed ${wp.url}/feed/ instead and asking the REST API again every 6 h`,
    );

    // The API comes back: the story first seen through the feed, now edited, is not posted again.
    wp.mode = 'open';
    const viaFeed = wp.site.posts[1];
    if (viaFeed) viaFeed.modifiedGmt = at(12 * HOUR);
    expect(await pollAt(12 * HOUR + 4 * MIN, src)).toMatchObject({ counts: { deliveriesCreated: 0, duplicates: 1 } });
    expect(wp.feedRequests()).toHaveLength(3);
    expect(log.lines.some((l) => l.msg.includes('answers again; the feed is no longer used'))).toBe(true);
    expect(await store.listDeliveries({})).toHaveLength(2);
  });

  it('falls back when the API refuses the credentials (401), and says why', async () => {
    wp.mode = 'login-required';
    wp.appPasswords.set('crier', 'right');
    wp.site.posts.push(post(1));
    const src = source({ id: 'wp-wrong-password', auth: { username: 'crier', applicationPassword: '${UNUSED}' } });
    const withPassword = { ...src, auth: { username: 'crier', applicationPassword: 'wrong' } };
    expect(await pollAt(0, withPassword)).toMatchObject({ result: 'ingested', counts: { recorded: 1 } });
    expect(wp.feedRequests()).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === WARN).map((l) => l.msg)).toEqual([expect.stringContaining('HTTP 401 incorrect_password')]);
  });
});
