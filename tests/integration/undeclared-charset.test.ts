import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import type { Logger } from '../../src/log/logger.js';
import { feedKind } from '../../src/sources/feed/feed-source.js';
import { articleFromPage } from '../../src/sources/page/page-article.js';
import { startServer } from '../support/http-server.js';
import type { TestServer } from '../support/http-server.js';

/*
 * Issue 12, item 1: a feed or page that declares no charset (no HTTP charset, no BOM, no encoding
 * in its XML declaration, no <meta charset>) and is not UTF-8 is decoded by detection, with a
 * warning naming it. The bodies are tests/fixtures/encodings/*.rss and *.html, written by
 * make-fixtures.py from texts.json, which also holds the text each must decode to.
 */

interface Spec {
  items: [string, string][];
}
const texts = JSON.parse(readFileSync(new URL('../fixtures/encodings/texts.json', import.meta.url), 'utf8')) as Record<string, Spec>;
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/encodings/${name}`, import.meta.url));
/** Plain text folds every space, the ideographic U+3000 of Japanese headlines included, to one " ". */
const folded = (text: string | undefined): string => (text ?? '').replace(/\s+/gu, ' ');

/** The WHATWG encoding each undeclared body must be found to be (ISO-8859-1 is windows-1252 on the web). */
const EXPECTED: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  shift_jis: 'shift_jis',
  gb2312: 'gb18030',
  'koi8-r': 'koi8-r',
};

interface LogLine {
  level: number;
  msg: string;
  source?: string;
  encoding?: string;
}

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino<never>({ level: 'info' }, sink), lines };
}

/** Serves /<name> with exactly the content type given per path (never a charset unless the test says so). */
const bodies = new Map<string, { body: Buffer; type: string }>();
let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    const found = bodies.get(req.url ?? '');
    if (!found) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': found.type }).end(found.body);
  });
});
afterAll(async () => server.close());

function host(path: string, body: Buffer, type: string): string {
  bodies.set(path, { body, type });
  return `${server.url}${path}`;
}

async function pollFeed(url: string): Promise<{ articles: Article[]; lines: LogLine[] }> {
  const { logger, lines } = capturingLogger();
  const source = { id: 'undeclared', kind: 'feed' as const, url, backfill: 0 };
  const fetched = await feedKind.fetch(source, { state: undefined, now: () => new Date('2026-12-02T12:00:00Z'), deadlineMs: 10_000, logger });
  if (fetched.kind !== 'articles') throw new Error(`expected articles, got ${fetched.kind}`);
  return { articles: fetched.articles, lines };
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point.
const HAS_REPLACEMENT_OR_CONTROL = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u0080-\u009F]/u;

describe('an undeclared, non-UTF-8 feed is decoded by detection, through the real feed fetch', () => {
  for (const [label, spec] of Object.entries(texts)) {
    it(`${label}: every headline and summary comes out as written, with a warning naming the feed`, async () => {
      const url = host(`/${label}.rss`, fixture(`${label}.rss`), 'application/rss+xml');
      const { articles, lines } = await pollFeed(url);

      expect(articles.map((a) => [a.title, a.summary])).toEqual(spec.items.map((item) => item.map(folded)));
      for (const article of articles) expect(article.title + article.summary).not.toMatch(HAS_REPLACEMENT_OR_CONTROL);
      const warnings = lines.filter((line) => line.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toContain(`feed ${url} declares no charset`);
      expect(warnings[0]?.msg).toContain(`decoded as ${EXPECTED[label]} by detection`);
      expect(warnings[0]?.encoding).toBe(EXPECTED[label]);
    });
  }

  it('a feed that declares nothing but is valid UTF-8 is read as UTF-8, without a warning', async () => {
    const utf8 = Buffer.from(rssOf('Новая станция метро открылась · Zürich’s “café”'), 'utf8');
    const { articles, lines } = await pollFeed(host('/utf8.rss', utf8, 'text/xml'));
    expect(articles[0]?.title).toBe('Новая станция метро открылась · Zürich’s “café”');
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });

  it('a declared windows-1252 charset keeps smart quotes and € (Node 20’s TextDecoder would turn them into C1 controls)', async () => {
    // “ ’ ” — € … as windows-1252 bytes (https://encoding.spec.whatwg.org/index-windows-1252.txt).
    const cp1252 = Buffer.from(rssOf('\x93We\x92re not done yet\x94 \x97 \x8040m plan stalls\x85'), 'latin1');
    const { articles, lines } = await pollFeed(host('/declared-1252.rss', cp1252, 'application/rss+xml; charset=windows-1252'));
    expect(articles[0]?.title).toBe('“We’re not done yet” — €40m plan stalls…');
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });

  it('an encoding named in the XML declaration wins over detection, and needs no warning', async () => {
    const declared = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="KOI8-R"?>'),
      fixture('koi8-r.rss').subarray('<?xml version="1.0"?>'.length),
    ]);
    const { articles, lines } = await pollFeed(host('/declared-koi8.rss', declared, 'application/xml'));
    expect(articles[0]?.title).toBe(folded(texts['koi8-r']?.items[0]?.[0]));
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
  });
});

describe('an undeclared, non-UTF-8 page is decoded by detection, through the real page fetch', () => {
  for (const [label, spec] of Object.entries(texts)) {
    it(`${label}: title and description come out as written, with a warning naming the page`, async () => {
      const url = host(`/${label}.html`, fixture(`${label}.html`), 'text/html');
      const warnings: string[] = [];
      const article = await articleFromPage(url, 'manual', new Date('2026-12-02T12:00:00Z'), { warn: (message) => warnings.push(message) });

      const [title, summary] = spec.items[0] ?? ['', ''];
      expect([article.title, article.summary]).toEqual([folded(title), folded(summary)]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`page ${url} declares no charset`);
      expect(warnings[0]).toContain(`decoded as ${EXPECTED[label]} by detection`);
    });
  }

  it('a <meta charset> in the head is honoured without a warning', async () => {
    const page = fixture('shift_jis.html').toString('latin1').replace('<head>', '<head>\n<meta charset="Shift_JIS">');
    const warnings: string[] = [];
    const url = host('/meta-sjis.html', Buffer.from(page, 'latin1'), 'text/html');
    const article = await articleFromPage(url, 'manual', new Date('2026-12-02T12:00:00Z'), { warn: (message) => warnings.push(message) });
    expect(article.title).toBe(folded(texts.shift_jis?.items[0]?.[0]));
    expect(warnings).toEqual([]);
  });
});

function rssOf(title: string): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>${title}</title><link>https://news.example.org/a</link></item></channel></rss>`;
}
