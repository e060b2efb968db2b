import type { ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedSource } from '../../src/config/load.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { FeedFetchError, fetchFeed } from '../../src/sources/feed/fetch-feed.js';
import { pollSource, type PollDeps } from '../../src/sources/poll-source.js';
import { wordpressSourceSchema } from '../../src/sources/wordpress/wordpress-config.js';
import { WpHttpError, wpGetJson } from '../../src/sources/wordpress/wp-http.js';
import type { SourceState } from '../../src/store/store.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startServer, type TestServer } from '../support/http-server.js';

const NOW = new Date('2026-10-21T07:00:00Z');
const SECOND = 1000;
const MIN = 60 * SECOND;
const at = (ms: number) => new Date(NOW.getTime() + ms);
/** Five minutes after NOW, as a server writes it (IMF-fixdate). */
const IN_FIVE_MINUTES = 'Wed, 21 Oct 2026 07:05:00 GMT';
const RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://news.example.org/</link></channel></rss>';

/** What the loopback server answers next: a status and its headers (a 200 serves RSS). */
interface Answer {
  status: number;
  headers?: Record<string, string>;
}

const routing: RoutingTable = { routes: [], channels: new Map(), configDir: '/tmp' };

let server: TestServer;
let answer: Answer;
let store: SqliteStore;
let lines: Array<{ level: number; msg: string }>;
let logger: Logger;

function respond(res: ServerResponse, { status, headers = {} }: Answer): void {
  if (status === 200) res.writeHead(200, { 'content-type': 'application/rss+xml', ...headers }).end(RSS);
  else res.writeHead(status, { 'content-type': 'text/html', ...headers }).end('<html><body>busy</body></html>');
}

beforeEach(async () => {
  answer = { status: 200 };
  server = await startServer((_req, res) => respond(res, answer));
  store = openSqliteStore(':memory:');
  await store.migrate();
  lines = [];
  logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
});
afterEach(async () => {
  await store.close();
  await server.close();
});

function feed(): ResolvedSource {
  return { id: 'news', kind: 'feed', url: `${server.url}/feed.xml`, backfill: 0, interval: MIN, maxAge: 24 * 60 * MIN };
}

/** random 0.5 puts every jittered time exactly on its interval, so the usual backoff is exact too. */
function deps(): PollDeps {
  return { store, routing, logger, now: () => NOW, random: () => 0.5, fetchTimeoutMs: 5000 };
}

/** Polls once (the feed server answering `next`, when given) and returns the state the failure saved. */
async function pollAnswering(source: ResolvedSource, next?: Answer): Promise<SourceState> {
  if (next) answer = next;
  const report = await pollSource(source, deps());
  expect(report.result).toBe('error');
  const state = await store.getSourceState(source.id);
  if (!state) throw new Error('no source state saved');
  return state;
}

describe('a feed answering 429 or 503 with Retry-After', () => {
  it('429 with Retry-After: 120 is next polled 120 s later, and lastError and the log say why', async () => {
    const state = await pollAnswering(feed(), { status: 429, headers: { 'retry-after': '120' } });
    expect(state.nextPollAt).toEqual(at(120 * SECOND));
    expect(state.lastError).toBe(
      `feed ${server.url}/feed.xml answered HTTP 429; rate limited by the feed's server until 2026-10-21T07:02:00.000Z`,
    );
    expect(state.consecutiveFailures).toBe(1);
    expect(lines.some((line) => line.level === 40 && line.msg.includes("rate limited by the feed's server until 2026-10-21T07:02:00.000Z"))).toBe(true);
  });

  it('429 with an HTTP date is next polled at that date', async () => {
    const state = await pollAnswering(feed(), { status: 429, headers: { 'retry-after': IN_FIVE_MINUTES } });
    expect(state.nextPollAt).toEqual(at(5 * MIN));
    expect(state.lastError).toContain('until 2026-10-21T07:05:00.000Z');
  });

  it('503 takes Retry-After the same way, in both forms', async () => {
    expect((await pollAnswering(feed(), { status: 503, headers: { 'retry-after': '300' } })).nextPollAt).toEqual(at(5 * MIN));
    expect((await pollAnswering(feed(), { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2026 07:10:00 GMT' } })).nextPollAt).toEqual(
      at(10 * MIN),
    );
  });

  it('a server asking for a day is polled again after the 30 min cap, in either form', async () => {
    const seconds = await pollAnswering(feed(), { status: 429, headers: { 'retry-after': '86400' } });
    expect(seconds.nextPollAt).toEqual(at(30 * MIN));
    expect(seconds.lastError).toContain('until 2026-10-21T07:30:00.000Z (it asked for longer; waits are capped at 30 min)');
    const date = await pollAnswering(feed(), { status: 503, headers: { 'retry-after': 'Thu, 22 Oct 2026 07:00:00 GMT' } });
    expect(date.nextPollAt).toEqual(at(30 * MIN));
  });

  it('replaces the doubling backoff: after five failures, Retry-After: 120 still means 120 s', async () => {
    await store.saveSourceState({ sourceId: 'news', consecutiveFailures: 5, initializedAt: at(-60 * MIN) });
    const state = await pollAnswering(feed(), { status: 429, headers: { 'retry-after': '120' } });
    expect(state.consecutiveFailures).toBe(6);
    expect(state.nextPollAt).toEqual(at(2 * MIN));
  });

  it('is never polled sooner than its own interval, whatever the server allows', async () => {
    // Three failures before: the doubling backoff alone would wait 8 min.
    await store.saveSourceState({ sourceId: 'news', consecutiveFailures: 3, initializedAt: at(-60 * MIN) });
    const state = await pollAnswering(feed(), { status: 429, headers: { 'retry-after': '5' } });
    expect(state.nextPollAt).toEqual(at(MIN));
  });

  it('keeps the usual backoff for garbage, a date already past, no Retry-After, or another status', async () => {
    await store.saveSourceState({ sourceId: 'news', consecutiveFailures: 1, initializedAt: at(-60 * MIN) });
    const answers: Answer[] = [
      { status: 429, headers: { 'retry-after': 'soon' } },
      { status: 503, headers: { 'retry-after': '-120' } },
      { status: 429, headers: { 'retry-after': 'Wed, 21 Oct 2026 06:55:00 GMT' } },
      { status: 429 },
      { status: 500, headers: { 'retry-after': '600' } },
    ];
    for (const [index, next] of answers.entries()) {
      const state = await pollAnswering(feed(), next);
      // The doubling backoff: interval × 2^(failures − 1), capped at 30 min.
      expect(state.nextPollAt, JSON.stringify(next)).toEqual(at(Math.min(30 * MIN, MIN * 2 ** (index + 1))));
      expect(state.lastError, JSON.stringify(next)).not.toContain('rate limited');
    }
  });

  it('polls on its interval again once the feed answers', async () => {
    await pollAnswering(feed(), { status: 429, headers: { 'retry-after': '120' } });
    answer = { status: 200 };
    expect((await pollSource(feed(), deps())).result).toBe('ingested');
    const state = await store.getSourceState('news');
    expect(state?.nextPollAt).toEqual(at(MIN));
    expect(state?.lastError).toBeUndefined();
  });

  it('fetchFeed hands the header on for 429 and 503 only', async () => {
    const errorFor = async (next: Answer): Promise<FeedFetchError> => {
      answer = next;
      const error: unknown = await fetchFeed(`${server.url}/feed.xml`).catch((caught: unknown) => caught);
      if (!(error instanceof FeedFetchError)) throw new Error(`expected a FeedFetchError, got ${String(error)}`);
      return error;
    };
    expect(await errorFor({ status: 429, headers: { 'retry-after': IN_FIVE_MINUTES } })).toMatchObject({ status: 429, retryAfter: IN_FIVE_MINUTES });
    expect(await errorFor({ status: 503, headers: { 'retry-after': '120' } })).toMatchObject({ status: 503, retryAfter: '120' });
    expect((await errorFor({ status: 502, headers: { 'retry-after': '120' } })).retryAfter).toBeUndefined();
    expect((await errorFor({ status: 429 })).retryAfter).toBeUndefined();
  });
});

describe('a WordPress site answering 429 or 503 with Retry-After', () => {
  function wordpress(): ResolvedSource {
    const parsed = wordpressSourceSchema.parse({ id: 'wp', kind: 'wordpress', url: server.url });
    return { ...parsed, interval: MIN, maxAge: 24 * 60 * MIN };
  }

  /** The REST API answers `rest`; the feed (/feed/) answers `feedAnswer`. */
  async function site(rest: Answer, feedAnswer: Answer = { status: 200 }): Promise<void> {
    await server.close();
    server = await startServer((req, res) => respond(res, req.url?.startsWith('/wp-json/') ? rest : feedAnswer));
  }

  it('a REST 429 with an HTTP date is next polled at that date, and says the site asked', async () => {
    await site({ status: 429, headers: { 'retry-after': IN_FIVE_MINUTES } });
    const state = await pollAnswering(wordpress());
    expect(state.nextPollAt).toEqual(at(5 * MIN));
    expect(state.lastError).toMatch(/answered HTTP 429; rate limited by the site's server until 2026-10-21T07:05:00\.000Z$/);
  });

  it('a REST 503 with Retry-After in seconds, and a day capped at 30 min', async () => {
    await site({ status: 503, headers: { 'retry-after': '180' } });
    expect((await pollAnswering(wordpress())).nextPollAt).toEqual(at(3 * MIN));
    await site({ status: 503, headers: { 'retry-after': '86400' } });
    expect((await pollAnswering(wordpress())).nextPollAt).toEqual(at(30 * MIN));
  });

  it('the feed fallback answering 503 backs the source off too, through the wrapped error', async () => {
    await site({ status: 404 }, { status: 503, headers: { 'retry-after': '240' } });
    const state = await pollAnswering(wordpress());
    expect(state.lastError).toContain('the feed fallback failed');
    expect(state.nextPollAt).toEqual(at(4 * MIN));
  });

  it('garbage keeps the usual backoff', async () => {
    await site({ status: 429, headers: { 'retry-after': 'in a while' } });
    const state = await pollAnswering(wordpress());
    expect(state.nextPollAt).toEqual(at(MIN));
    expect(state.lastError).not.toContain('rate limited');
  });

  it('wpGetJson hands the header on for 429 and 503 only', async () => {
    const errorFor = async (rest: Answer): Promise<WpHttpError> => {
      await site(rest);
      const error: unknown = await wpGetJson(`${server.url}/wp-json/wp/v2/posts`, { deadlineMs: 5000 }).catch((caught: unknown) => caught);
      if (!(error instanceof WpHttpError)) throw new Error(`expected a WpHttpError, got ${String(error)}`);
      return error;
    };
    expect(await errorFor({ status: 429, headers: { 'retry-after': IN_FIVE_MINUTES } })).toMatchObject({ status: 429, retryAfter: IN_FIVE_MINUTES });
    expect(await errorFor({ status: 503, headers: { 'retry-after': '60' } })).toMatchObject({ status: 503, retryAfter: '60' });
    expect((await errorFor({ status: 500, headers: { 'retry-after': '60' } })).retryAfter).toBeUndefined();
  });
});
