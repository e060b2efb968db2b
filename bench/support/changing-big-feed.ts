import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { wordpressFeed, type FeedItemSpec } from './wordpress-feed.js';

/**
 * For bench/stall.ts: one ~4 MB WordPress feed that changes at every fetch (3 new posts on top,
 * 3 old ones gone), as a busy newsroom's full-text feed does. Every version is rendered and
 * gzipped before the server listens, so serving one costs this process a buffer write and
 * nothing else (its event loop also times the daemon's answers).
 */
export interface ChangingBigFeed {
  url: string;
  /** Bytes of one version (uncompressed). */
  bytes: number;
  items: number;
  /** Date.now() when each fetch of the feed began to be answered, in order. */
  servedAt: number[];
  /** Until called, a fetch waits (the daemon's first poll waits for the bench to be watching). */
  open(): void;
  /** For the next daemon: versions from the first again, fetches held until open(). */
  reset(): void;
  close(): Promise<void>;
}

const SITE = 99_998;
const NEW_PER_VERSION = 3;

interface Version {
  etag: string;
  lastModified: string;
  identity: Buffer;
  gzip: Buffer;
}

export async function startChangingBigFeed(options: { bytes: number; versions: number }): Promise<ChangingBigFeed> {
  const base = Date.now() - 6 * 3_600_000;
  const spec = (n: number): FeedItemSpec => ({ n, publishedAt: new Date(base + n * 60_000) });
  const empty = Buffer.byteLength(wordpressFeed(SITE, [], new Date(base)));
  let count = 0;
  for (let size = empty; size < options.bytes; count++) size += Buffer.byteLength(wordpressFeed(SITE, [spec(count + 1)], new Date(base))) - empty + 1;
  const versions: Version[] = Array.from({ length: options.versions }, (_, v) => {
    const first = 1 + v * NEW_PER_VERSION;
    const items = Array.from({ length: count }, (_, k) => spec(first + k));
    const changed = new Date(base + (first + count) * 60_000);
    const identity = Buffer.from(wordpressFeed(SITE, items, changed));
    return { etag: `"big-${v}"`, lastModified: changed.toUTCString(), identity, gzip: gzipSync(identity) };
  });

  let requests = 0;
  const servedAt: number[] = [];
  let release: () => void = () => undefined;
  let opened = Promise.resolve();
  const hold = (): void => {
    opened = new Promise<void>((resolve) => (release = resolve));
  };
  hold();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/big/feed/') return void res.writeHead(404).end();
    // Each fetch gets the next version, whatever validators it sends: every poll parses a changed body.
    const version = versions[Math.min(requests++, versions.length - 1)];
    if (!version) return void res.writeHead(500).end();
    void opened.then(() => {
      servedAt.push(Date.now());
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const body = gzip ? version.gzip : version.identity;
      res
        .writeHead(200, {
          'content-type': 'application/rss+xml; charset=UTF-8',
          'content-length': String(body.byteLength),
          etag: version.etag,
          'last-modified': version.lastModified,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        })
        .end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/big/feed/`,
    bytes: versions[0]?.identity.byteLength ?? 0,
    items: count,
    servedAt,
    open: () => release(),
    reset: () => {
      requests = 0;
      servedAt.length = 0;
      hold();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
