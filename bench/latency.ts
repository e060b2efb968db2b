import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { rss, type RssItem } from '../tests/support/rss.js';
import type { BenchChild } from './support/child.js';
import { DRY_RUN_CHANNELS, tempDir, writeConfig, type TempDir } from './support/config.js';
import { startDaemon } from './support/daemon.js';
import { sleep } from './support/lanes.js';
import { seededRandom } from './support/rng.js';
import { percentile, round } from './support/stats.js';
import { StoreReader, waitUntil } from './support/store-reader.js';
import type { PartResult, Row } from './support/table.js';

/**
 * From an article appearing in a feed to its delivery recorded `posted` on a dry-run channel,
 * through the real daemon (`crier run`, its own process). Articles appear at random times; the
 * posted time is what the daemon wrote to its store (read-only from here).
 */
const B = 'latency';

interface Variant {
  name: string;
  intervalMs: number;
  /**
   * Daemons (one feed each) started interval/daemons apart, so their polls are spread over the
   * interval: with one daemon, a short run sees only a couple of polls and the articles between
   * the same two polls share one latency.
   */
  daemons: number;
  /** Articles appear at random times within this window, each in a randomly chosen feed. */
  windowMs: number;
  articles: number;
  seed: number;
}

// The bar is for a 30 s interval; its window is short (the whole bench must stay under
// ~5 min), so a 5 s interval runs beside it for a larger sample.
const VARIANTS: Variant[] = [
  { name: 'poll-30s', intervalMs: 30_000, daemons: 3, windowMs: 45_000, articles: 18, seed: 30 },
  { name: 'poll-5s', intervalMs: 5_000, daemons: 1, windowMs: 45_000, articles: 30, seed: 5 },
];

interface Feed {
  items: RssItem[];
  body: string;
  etag: string;
}

interface Instance {
  feed: Feed;
  daemon: BenchChild;
  reader: StoreReader;
  dir: TempDir;
}

export interface LatencyResult {
  variant: Variant;
  samples: number[];
  articles: number;
  posted: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function render(feed: Feed): void {
  feed.body = rss('Latency Gazette', feed.items);
  feed.etag = `"${createHash('sha256').update(feed.body).digest('hex').slice(0, 16)}"`;
}

async function feedServer(feeds: Map<string, Feed>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const feed = feeds.get(req.url ?? '');
    if (!feed) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === feed.etag) {
      res.writeHead(304, { etag: feed.etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: feed.etag }).end(feed.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/** One daemon with one feed source (5 old items), started and past its first poll. */
async function startInstance(variant: Variant, index: number, feeds: Map<string, Feed>, serverUrl: string): Promise<Instance> {
  const path = `/${variant.name}/${index}/feed/`;
  const old = Date.now() - 2 * 3_600_000;
  const feed: Feed = {
    items: Array.from({ length: 5 }, (_, k) => ({
      guid: `${variant.name}-${index}-old-${k}`,
      title: `Earlier story ${k}`,
      link: `https://news.example.org/${variant.name}/${index}/old-${k}/`,
      pubDate: new Date(old + k * 60_000),
      description: 'Published before the daemon started.',
    })),
    body: '',
    etag: '',
  };
  render(feed);
  feeds.set(path, feed);
  const dir = tempDir(`latency-${variant.name}-${index}`);
  const file = writeConfig(dir, {
    // poll-5s is under the 10s floor on purpose: the server is this bench's own, on loopback.
    defaults: { interval: `${variant.intervalMs / 1000}s`, unsafeMinInterval: '1s', maxAge: '24h' },
    sources: [{ id: 'news', kind: 'feed', url: `${serverUrl}${path}` }],
    channels: DRY_RUN_CHANNELS,
    routes: [{ id: 'everything', channels: DRY_RUN_CHANNELS.map((c) => c.id) }],
  });
  const reader = new StoreReader(dir.file('crier.db'));
  const daemon = startDaemon(file);
  const instance = { feed, daemon, reader, dir };
  const started = await waitUntil(() => reader.initializedSources() === 1, 20_000);
  if (!started) {
    await stopInstance(instance);
    throw new Error(`${variant.name}: the daemon did not poll its source within 20 s\n${daemon.stderr()}`);
  }
  return instance;
}

async function stopInstance(instance: Instance): Promise<void> {
  await instance.daemon.stop();
  instance.reader.close();
  instance.dir.remove();
}

async function measure(variant: Variant, feeds: Map<string, Feed>, serverUrl: string): Promise<LatencyResult> {
  const instances: Instance[] = [];
  try {
    for (let index = 0; index < variant.daemons; index++) {
      const startedAt = Date.now();
      instances.push(await startInstance(variant, index, feeds, serverUrl));
      if (index < variant.daemons - 1) await sleep(Math.max(0, startedAt + variant.intervalMs / variant.daemons - Date.now()));
    }
    const random = seededRandom(variant.seed);
    const arrivals = Array.from({ length: variant.articles }, () => ({
      offset: Math.round(random() * variant.windowMs),
      instance: instances[Math.floor(random() * instances.length)] as Instance,
    })).sort((a, b) => a.offset - b.offset);
    const appeared = new Map<string, number>();
    const t0 = Date.now();
    for (const [k, arrival] of arrivals.entries()) {
      await sleep(Math.max(0, t0 + arrival.offset - Date.now()));
      const link = `https://news.example.org/${variant.name}/story-${k}/`;
      const feed = arrival.instance.feed;
      feed.items.unshift({ guid: `${variant.name}-${k}`, title: `Breaking story number ${k}`, link, pubDate: new Date(), description: `Story ${k} of the latency run.` });
      render(feed);
      appeared.set(link, Date.now());
    }
    const expected = variant.articles * DRY_RUN_CHANNELS.length;
    const posted = () => instances.flatMap((i) => i.reader.deliveries()).filter((d) => appeared.has(d.url) && d.postedAt !== null);
    await waitUntil(() => posted().length === expected, variant.intervalMs * 1.2 + 15_000, 250);

    const samples = posted().map((d) => (d.postedAt ?? 0) - (appeared.get(d.url) ?? 0));
    return {
      variant,
      samples,
      articles: variant.articles,
      posted: samples.length,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      maxMs: Math.max(...samples),
    };
  } finally {
    await Promise.all(instances.map(stopInstance));
  }
}

export async function runLatency(): Promise<PartResult> {
  const feeds = new Map<string, Feed>();
  const { server, url } = await feedServer(feeds);
  try {
    // The daemons mostly sleep (one poll per interval), so the variants run side by side.
    const results = await Promise.all(VARIANTS.map((variant) => measure(variant, feeds, url)));
    const rows: Row[] = [];
    for (const r of results) {
      const interval = r.variant.intervalMs / 1000;
      const barS = interval / 2 + 5;
      const complete = r.posted === r.articles * DRY_RUN_CHANNELS.length;
      rows.push(
        {
          benchmark: B,
          metric: `feed polled every ${interval} s → posted (dry run): p50`,
          crier: r.p50Ms / 1000,
          unit: 's',
          bar: `≤ ${barS} s (interval/2 + 5 s)`,
          met: complete && r.p50Ms / 1000 <= barS,
          note: `${r.articles} articles at random times over ${r.variant.windowMs / 1000} s into ${r.variant.daemons} daemon${r.variant.daemons > 1 ? 's polling out of phase' : ''}; ${r.posted} of ${r.articles * DRY_RUN_CHANNELS.length} deliveries posted (samples are deliveries, 3 per article)`,
        },
        {
          benchmark: B,
          metric: `feed polled every ${interval} s → posted (dry run): p99`,
          crier: r.p99Ms / 1000,
          unit: 's',
          note: `the interval bounds it: at most ${round(interval * 1.1, 1)} s (+10 % jitter) plus the poll and the delivery`,
        },
      );
    }
    // Webhook and WebSub push latency: bench/push-latency.ts.
    return { rows, details: { results } };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
