import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { fromParent, sendToParent } from './child.js';
import type { FeedServerStats } from './feed-stats.js';
import { versionOf } from './rounds.js';
import { wordpressFeed, type FeedItemSpec } from './wordpress-feed.js';

/**
 * The polling benchmark's feed server, run as its own process so its CPU is not counted against
 * the poller. Serves N WordPress feeds at /feeds/<i>/feed/ with ETag and Last-Modified, and a
 * ~4 MB feed at /big/feed/. Time advances in rounds: in round r, the feeds with i % 10 == r % 10
 * publish one new post (so 10 % change per round and 90 % answer a conditional GET with 304).
 * The round is set by the poller (GET /_round/<r>) or the parent bench (IPC "round").
 */


const feeds = Number(process.argv[2] ?? '1000');
const bigBytes = Number(process.argv[3] ?? String(4 * 1024 * 1024));
const ITEMS = 10;
const startedAt = Date.now();
const base = startedAt - 6 * 3_600_000;
let round = 0;
const stats: FeedServerStats = { requests: 0, notModified: 0, ok: 0, conditional: 0, bytesSent: 0 };

interface Rendered {
  version: number;
  etag: string;
  lastModified: string;
  identity: Buffer;
  gzip: Buffer;
}
const cache = new Map<number, Rendered>();

function specs(version: number): FeedItemSpec[] {
  return Array.from({ length: ITEMS }, (_, k) => {
    const n = version + k + 1;
    return { n, publishedAt: new Date(base + n * 60_000) };
  });
}

function render(site: number, version: number, items: FeedItemSpec[]): Rendered {
  const changed = new Date(base + (version + ITEMS) * 60_000);
  const identity = Buffer.from(wordpressFeed(site, items, changed));
  return {
    version,
    etag: `"${site.toString(16)}-${version.toString(16)}"`,
    lastModified: changed.toUTCString(),
    identity,
    gzip: gzipSync(identity),
  };
}

function bigFeed(): Rendered {
  const items: FeedItemSpec[] = [];
  // Grow until the body reaches the target size (items are ~5.5 KB each).
  const empty = Buffer.byteLength(wordpressFeed(99_999, [], new Date(base)));
  for (let n = 1, size = empty; size < bigBytes; n++) {
    const spec = { n, publishedAt: new Date(base + n * 1000) };
    items.push(spec);
    size += Buffer.byteLength(wordpressFeed(99_999, [spec], new Date(base))) - empty + 1;
  }
  return render(99_999, 0, items);
}
const big = bigFeed();

function serve(req: IncomingMessage, res: ServerResponse, feed: Rendered): void {
  stats.requests += 1;
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  if (inm !== undefined || ims !== undefined) stats.conditional += 1;
  // RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it.
  const fresh = inm !== undefined ? inm.split(',').some((tag) => tag.trim() === feed.etag) : ims === feed.lastModified;
  const headers = {
    etag: feed.etag,
    'last-modified': feed.lastModified,
    'cache-control': 'max-age=0, must-revalidate',
    vary: 'Accept-Encoding',
  };
  if (fresh) {
    stats.notModified += 1;
    res.writeHead(304, headers).end();
    return;
  }
  stats.ok += 1;
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? feed.gzip : feed.identity;
  stats.bytesSent += body.byteLength;
  res
    .writeHead(200, {
      ...headers,
      'content-type': 'application/rss+xml; charset=UTF-8',
      'content-length': String(body.byteLength),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    })
    .end(body);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const feed = /^\/feeds\/(\d+)\/feed\/$/.exec(url);
  if (feed) {
    const i = Number(feed[1]);
    if (i >= feeds) {
      res.writeHead(404).end();
      return;
    }
    const version = versionOf(i, round);
    let rendered = cache.get(i);
    if (rendered?.version !== version) {
      rendered = render(i, version, specs(version));
      cache.set(i, rendered);
    }
    serve(req, res, rendered);
    return;
  }
  if (url === '/big/feed/') {
    serve(req, res, big);
    return;
  }
  const setRound = /^\/_round\/(\d+)$/.exec(url);
  if (setRound) {
    round = Number(setRound[1]);
    res.writeHead(204).end();
    return;
  }
  if (url === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  res.writeHead(404).end();
});
// Like nginx (75 s): idle keep-alive connections are not torn down between a poller's rounds.
server.keepAliveTimeout = 75_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  void sendToParent('ready', { url: `http://127.0.0.1:${address.port}`, bigBytes: big.identity.byteLength });
});

void (async () => {
  for (;;) {
    const next = await fromParent('round');
    round = Number(next);
  }
})();
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
