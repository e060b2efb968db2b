import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedFetchError, fetchFeed } from '../../src/sources/feed/fetch-feed.js';
import type { FetchFeedOptions, FetchResult } from '../../src/sources/feed/fetch-feed.js';
import { startServer } from '../support/http-server.js';
import type { RequestHandler, TestServer } from '../support/http-server.js';

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>Crier test</title></channel></rss>';
const MiB = 1024 * 1024;

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: RequestHandler): Promise<string> {
  const server = await startServer(handler);
  servers.push(server);
  return server.url;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function fetchError(url: string, options: FetchFeedOptions = {}): Promise<FeedFetchError> {
  const outcome: unknown = await fetchFeed(url, options).then(
    (result) => result,
    (error: unknown) => error,
  );
  if (!(outcome instanceof FeedFetchError)) {
    throw new Error(`expected a FeedFetchError, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

function expectFetched(result: FetchResult): Extract<FetchResult, { kind: 'fetched' }> {
  if (result.kind !== 'fetched') throw new Error(`expected a fetched body, got ${result.kind}`);
  return result;
}

describe('fetchFeed over HTTP: conditional GET', () => {
  it('returns the body with its validators, then not-modified when the ETag matches', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers);
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' }).end();
        return;
      }
      res.writeHead(200, { etag: '"v1"', 'content-type': 'application/rss+xml; charset=utf-8' }).end(FEED);
    });

    const first = expectFetched(await fetchFeed(`${url}/feed.xml`));
    expect(first.body).toBe(FEED);
    expect(first.hash).toBe(sha256(FEED));
    expect(first.etag).toBe('"v1"');
    expect(first.contentType).toBe('application/rss+xml; charset=utf-8');
    expect(first.finalUrl).toBe(`${url}/feed.xml`);
    expect(seen[0]?.['if-none-match']).toBeUndefined();
    expect(seen[0]?.accept).toContain('application/rss+xml');
    expect(seen[0]?.accept).toContain('application/feed+json');
    expect(seen[0]?.['accept-encoding']).toContain('gzip');

    const second = await fetchFeed(`${url}/feed.xml`, { etag: first.etag });
    expect(second).toEqual({ kind: 'not-modified', status: 304 });
    expect(seen[1]?.['if-none-match']).toBe('"v1"');
  });

  it('sends If-Modified-Since from Last-Modified and honours the 304', async () => {
    const stamp = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const url = await serve((req, res) => {
      if (req.headers['if-modified-since'] === stamp) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'last-modified': stamp }).end(FEED);
    });

    const first = expectFetched(await fetchFeed(url));
    expect(first.lastModified).toBe(stamp);
    expect(first.etag).toBeUndefined();
    expect(await fetchFeed(url, { lastModified: first.lastModified })).toEqual({ kind: 'not-modified', status: 304 });
  });

  it('reports an identical body as unchanged (with fresh validators) and a changed one as fetched', async () => {
    let body = FEED;
    const url = await serve((_req, res) => {
      res.writeHead(200, { etag: `"${body.length}"` }).end(body);
    });

    const first = expectFetched(await fetchFeed(url));
    const same = await fetchFeed(url, { previousHash: first.hash });
    expect(same).toEqual({ kind: 'unchanged', hash: first.hash, etag: `"${FEED.length}"` });

    body = FEED.replace('Crier test', 'Crier test, edited');
    const changed = expectFetched(await fetchFeed(url, { previousHash: first.hash }));
    expect(changed.body).toBe(body);
    expect(changed.hash).not.toBe(first.hash);
  });
});

describe('fetchFeed over HTTP: bodies', () => {
  it('decodes gzip and brotli and hashes the decoded bytes', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/br') {
        res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(FEED));
        return;
      }
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(FEED));
    });

    for (const path of ['/gz', '/br']) {
      const result = expectFetched(await fetchFeed(`${url}${path}`));
      expect(result.body).toBe(FEED);
      expect(result.hash).toBe(sha256(FEED));
    }
  });

  it('decodes deflate, and two codings applied one after the other', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/deflate') return void res.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateSync(FEED));
      res.writeHead(200, { 'content-encoding': 'gzip, br' }).end(brotliCompressSync(gzipSync(FEED)));
    });
    for (const path of ['/deflate', '/both']) {
      const result = expectFetched(await fetchFeed(`${url}${path}`));
      expect(result.body).toBe(FEED);
      expect(result.hash).toBe(sha256(FEED));
    }
  });

  it('names a content-encoding it cannot decode instead of parsing the coded bytes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'zstd' }).end(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00]));
    });
    const error = await fetchError(url);
    expect(error.code).toBe('http-status');
    expect(error.message).toMatch(/content-encoding "zstd", which Crier cannot decode/);
  });

  it('decodes a body in the charset the server declares', async () => {
    const latin1 = Buffer.from('<rss><channel><title>Été à Zürich</title></channel></rss>', 'latin1');
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=ISO-8859-1' }).end(latin1);
    });

    const result = expectFetched(await fetchFeed(url));
    expect(result.body).toContain('Été à Zürich');
    expect(result.hash).toBe(sha256(latin1));
  });

  it('cuts a gzip bomb at a 1 MiB cap', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * MiB, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(MiB);
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
    });

    const error = await fetchError(url, { maxBytes: MiB });
    expect(error.code).toBe('too-large');
    expect(error.message).toContain(url);
    expect(error.message).toContain('1 MiB');
  });

  it('cuts a gzip bomb at the default 15 MiB cap', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * MiB, 0x20), { level: 9 });
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb);
    });

    const error = await fetchError(url);
    expect(error.code).toBe('too-large');
    expect(error.message).toContain('15 MiB body limit (after decompression)');
  });

  it('stops reading at the cap instead of waiting for the body to end', async () => {
    // The server sends more than the cap and never finishes: only a streaming cap can answer.
    const url = await serve((_req, res) => {
      const gzip = createGzip({ flush: zlibConstants.Z_SYNC_FLUSH });
      res.writeHead(200, { 'content-encoding': 'gzip' });
      gzip.pipe(res);
      gzip.write(Buffer.alloc(2 * MiB, 0x20));
    });

    const error = await fetchError(url, { maxBytes: MiB, deadlineMs: 10_000 });
    expect(error.code).toBe('too-large');
  });

  it('refuses a declared Content-Length over the cap without waiting for the bytes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(100 * MiB) });
      res.write('<rss>'); // …and nothing more: a client that trusts the length would hang.
    });

    const error = await fetchError(url, { maxBytes: MiB, deadlineMs: 10_000 });
    expect(error.code).toBe('too-large');
  });

  it('reads no more than the declared Content-Length when the server sends extra bytes', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '64' }).end(Buffer.alloc(2 * MiB, 0x41));
    });

    const result = expectFetched(await fetchFeed(url, { maxBytes: MiB }));
    expect(result.body).toBe('A'.repeat(64));
  });

  it('fails as a network error when the body is shorter than its Content-Length', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('<rss>');
      setTimeout(() => res.socket?.destroy(), 50);
    });

    const error = await fetchError(url);
    expect(error.code).toBe('network');
  });
});

describe('fetchFeed over HTTP: deadline', () => {
  it('cuts a slow-drip body at the total deadline', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    });

    const started = Date.now();
    const error = await fetchError(url, { deadlineMs: 500 });
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('did not answer within 0.5 s');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out a server that never sends headers', async () => {
    const url = await serve(() => undefined);
    const error = await fetchError(url, { deadlineMs: 300 });
    expect(error.code).toBe('timeout');
  });

  it('leaves no listener on a long-lived caller signal once a fetch is done', async () => {
    const url = await serve((_req, res) => {
      res.end(FEED);
    });
    const shutdown = new AbortController();
    for (let i = 0; i < 3; i++) await fetchFeed(url, { signal: shutdown.signal });
    await fetchError(`${url.replace(/:\d+$/, ':1')}/feed.xml`, { signal: shutdown.signal });
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('rethrows the caller abort reason instead of a feed error', async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    const shutdown = new Error('shutting down');
    setTimeout(() => controller.abort(shutdown), 50);
    await expect(fetchFeed(url, { signal: controller.signal })).rejects.toBe(shutdown);
  });
});

describe('fetchFeed over HTTP: redirects', () => {
  async function chain(): Promise<string> {
    return serve((req, res) => {
      const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
      if (hop?.[1] !== undefined) {
        const left = Number(hop[1]);
        res.writeHead(302, { location: left > 1 ? `/hop/${left - 1}` : '/feed.xml' }).end('moved');
        return;
      }
      res.writeHead(200).end(FEED);
    });
  }

  it('follows 5 redirects and reports the final URL', async () => {
    const url = await chain();
    const result = expectFetched(await fetchFeed(`${url}/hop/5`));
    expect(result.body).toBe(FEED);
    expect(result.finalUrl).toBe(`${url}/feed.xml`);
  });

  it('fails on the 6th redirect', async () => {
    const url = await chain();
    const error = await fetchError(`${url}/hop/6`);
    expect(error.code).toBe('too-many-redirects');
    expect(error.message).toContain(`${url}/hop/6`);
  });

  it('honours a lower maxRedirects', async () => {
    const url = await chain();
    expect((await fetchError(`${url}/hop/2`, { maxRedirects: 1 })).code).toBe('too-many-redirects');
  });

  it('resolves relative Location headers against the current URL', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/news/section/feed') res.writeHead(301, { location: '../rss.xml' }).end();
      else if (req.url === '/news/rss.xml') res.writeHead(308, { location: 'final/feed.xml?x=1' }).end();
      else if (req.url === '/news/final/feed.xml?x=1') res.writeHead(200).end(FEED);
      else res.writeHead(404).end();
    });

    const result = expectFetched(await fetchFeed(`${url}/news/section/feed`));
    expect(result.finalUrl).toBe(`${url}/news/final/feed.xml?x=1`);
  });

  it('refuses a redirect into file://', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    });
    const error = await fetchError(url);
    expect(error.code).toBe('http-status');
    expect(error.message).toContain('non-HTTP');
  });
});

describe('fetchFeed over HTTP: errors', () => {
  it('maps HTTP 500 to http-status with the status and URL', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500).end('boom');
    });
    const error = await fetchError(`${url}/feed.xml`);
    expect(error.code).toBe('http-status');
    expect(error.status).toBe(500);
    expect(error.message).toBe(`feed ${url}/feed.xml answered HTTP 500`);
  });

  it('maps 404 and 410 to not-found', async () => {
    const url = await serve((req, res) => {
      res.writeHead(req.url === '/gone' ? 410 : 404).end();
    });
    for (const path of ['/missing', '/gone']) {
      const error = await fetchError(`${url}${path}`);
      expect(error.code).toBe('not-found');
    }
  });

  it('maps a refused connection to network, keeping the cause', async () => {
    const server = await startServer((_req, res) => {
      res.end();
    });
    await server.close();
    const error = await fetchError(`${server.url}/feed.xml`);
    expect(error.code).toBe('network');
    expect(error.cause).toBeDefined();
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('fetchFeed from file:// URLs', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reads the file and reports it unchanged by hash', async () => {
    dir = await mkdtemp(join(tmpdir(), 'crier-fetch-'));
    const path = join(dir, 'feed.xml');
    await writeFile(path, FEED);
    const url = pathToFileURL(path).href;

    const first = expectFetched(await fetchFeed(url));
    expect(first.body).toBe(FEED);
    expect(first.hash).toBe(sha256(FEED));
    expect(first.finalUrl).toBe(url);
    expect(await fetchFeed(url, { previousHash: first.hash })).toEqual({ kind: 'unchanged', hash: first.hash });
  });

  it('maps a missing file to not-found and an oversized one to too-large', async () => {
    dir = await mkdtemp(join(tmpdir(), 'crier-fetch-'));
    expect((await fetchError(pathToFileURL(join(dir, 'nope.xml')).href)).code).toBe('not-found');

    const big = join(dir, 'big.xml');
    await writeFile(big, Buffer.alloc(MiB + 1, 0x20));
    expect((await fetchError(pathToFileURL(big).href, { maxBytes: MiB })).code).toBe('too-large');
  });
});
