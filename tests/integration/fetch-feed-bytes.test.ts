import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchFeed, type FetchResult } from '../../src/sources/feed/fetch-feed.js';
import { parseFeed, type ParseFeedContext } from '../../src/sources/feed/parse-feed.js';
import { createParsePool, type ParsePool } from '../../src/sources/feed/parse-pool.js';
import { startServer, type RequestHandler, type TestServer } from '../support/http-server.js';
import { rss } from '../support/rss.js';

/*
 * Issue 15 item 5: a body at or over `bytesFrom` comes back from fetchFeed undecoded, for the
 * parse pool's worker to decode and parse (feed-source.ts). It must give exactly what the decoded
 * path gives: the same hash, the same articles, the same encoding and charset warning.
 */

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: RequestHandler): Promise<string> {
  const server = await startServer(handler);
  servers.push(server);
  return server.url;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function as<K extends FetchResult['kind']>(result: FetchResult, kind: K): Extract<FetchResult, { kind: K }> {
  if (result.kind !== kind) throw new Error(`expected ${kind}, got ${result.kind}`);
  return result as Extract<FetchResult, { kind: K }>;
}

const items = Array.from({ length: 40 }, (_, i) => ({
  guid: `urn:bytes:${i}`,
  title: `Été à Zürich, épisode ${i}`,
  link: `https://news.example.org/2024/07/ete-${i}/`,
  pubDate: new Date(Date.UTC(2024, 6, 1, 0, i)),
  description: `Café, crème brûlée & “smart quotes” ${i}`,
}));
/** UTF-8 text, declared by the XML declaration. */
const UTF8 = Buffer.from(rss('Gazette', items), 'utf8');
/** The same feed in windows-1252 with no charset declared anywhere: decoded by detection, with a warning. */
const LATIN = Buffer.from(rss('Gazette', items).replace(' encoding="UTF-8"', ''), 'latin1');

describe('fetchFeed with bytesFrom', () => {
  let pool: ParsePool;
  beforeAll(() => {
    pool = createParsePool({ minChars: 0 });
  });
  afterAll(async () => {
    await pool.close();
  });

  for (const [name, body, contentType] of [
    ['declared UTF-8', UTF8, 'application/rss+xml'],
    ['undeclared windows-1252', LATIN, 'application/rss+xml'],
    ['UTF-8 sent gzipped', UTF8, undefined],
  ] as const) {
    it(`gives the decoded path's hash, articles, encoding and warning (${name})`, async () => {
      const gzip = contentType === undefined;
      const url = await serve((_req, res) => {
        res.writeHead(200, { etag: '"e1"', ...(gzip ? { 'content-encoding': 'gzip' } : { 'content-type': contentType }) });
        res.end(gzip ? gzipSync(body) : body);
      });
      const decoded = as(await fetchFeed(url), 'fetched');
      const raw = as(await fetchFeed(url, { bytesFrom: body.byteLength }), 'fetched-bytes');
      expect(raw.hash).toBe(sha256(body));
      expect(raw.hash).toBe(decoded.hash);
      expect({ etag: raw.etag, finalUrl: raw.finalUrl, contentType: raw.contentType }).toEqual({
        etag: decoded.etag,
        finalUrl: decoded.finalUrl,
        contentType: decoded.contentType,
      });
      expect(Buffer.from(raw.bytes).equals(body)).toBe(true);

      const ctx: ParseFeedContext = { sourceId: 's', feedUrl: url, now: new Date('2024-07-03T00:00:00Z') };
      const viaWorker = await pool.parseBytes(raw.bytes, raw.contentType, ctx);
      expect(viaWorker.feed).toEqual(parseFeed(decoded.body, ctx));
      expect(viaWorker.feed.articles).toHaveLength(40);
      expect(viaWorker.encoding).toBe(decoded.encoding);
      expect(viaWorker.charsetWarning).toBe(decoded.charsetWarning);
      if (name === 'undeclared windows-1252') {
        expect(decoded.charsetWarning).toContain(`feed ${url}`);
        expect(viaWorker.feed.articles[0]?.title).toBe('Été à Zürich, épisode 0');
      }
    });
  }

  it('hands the bytes to the worker by transfer, not by copy', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200).end(UTF8);
    });
    const raw = as(await fetchFeed(url, { bytesFrom: 1 }), 'fetched-bytes');
    expect(raw.bytes.byteLength).toBe(UTF8.byteLength);
    expect(raw.bytes.buffer.byteLength).toBe(UTF8.byteLength);
    const before = pool.stats.dispatched;
    const parsed = pool.parseBytes(raw.bytes, undefined, { sourceId: 's', feedUrl: url, now: new Date() });
    // Transferred: the caller's view is detached as soon as it is posted.
    expect(raw.bytes.byteLength).toBe(0);
    expect((await parsed).feed.articles).toHaveLength(40);
    expect(pool.stats.dispatched).toBe(before + 1);
  });

  it('keeps the small path as it was below bytesFrom, and reports a byte-identical body as unchanged', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(UTF8);
    });
    const small = as(await fetchFeed(url, { bytesFrom: UTF8.byteLength + 1 }), 'fetched');
    expect(small).toEqual(as(await fetchFeed(url), 'fetched'));
    expect(await fetchFeed(url, { bytesFrom: 0, previousHash: small.hash })).toEqual({ kind: 'unchanged', hash: small.hash });
  });

  it('reads a file:// feed the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crier-bytes-'));
    try {
      const path = join(dir, 'feed.xml');
      await writeFile(path, LATIN);
      const url = pathToFileURL(path).href;
      const raw = as(await fetchFeed(url, { bytesFrom: 0 }), 'fetched-bytes');
      expect(raw.hash).toBe(sha256(LATIN));
      expect(raw.hash).toBe(as(await fetchFeed(url), 'fetched').hash);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
