import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { checkArticleUrl } from '../../src/platforms/check-article-url.js';
import { openApp, type App } from '../../src/runtime/app.js';
import { makeArticle } from '../support/articles.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { tempDir } from '../support/temp-dir.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';

const T0 = new Date('2026-11-29T12:00:00Z');
const MINUTE = 60_000;
const dir = tempDir('crier-recheck-');
afterAll(() => dir.remove());

/** The article's site: every request counted by method and path; each path answers what the test says. */
interface Site {
  server: TestServer;
  requests: string[];
  status: Map<string, number | 'hang'>;
}

async function site(): Promise<Site> {
  const requests: string[] = [];
  const status = new Map<string, number | 'hang'>();
  const server = await startServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const answer = status.get(req.url ?? '') ?? 200;
    if (answer === 'hang') return;
    if (answer === 301 || answer === 302) {
      res.writeHead(answer, { location: req.url === '/loop' ? '/loop' : '/moved-gone' });
      res.end();
      return;
    }
    if (answer === 405 && req.method === 'GET') {
      res.writeHead(404).end('<h1>gone</h1>');
      return;
    }
    res.writeHead(answer, { 'content-type': 'text/html' }).end(req.method === 'HEAD' ? undefined : '<h1>page</h1>');
  });
  return { server, requests, status };
}

describe('checkArticleUrl against a real server', () => {
  let s: Site;
  beforeEach(async () => {
    s = await site();
  });
  afterEach(() => s.server.close());

  it('is gone on 404 and 410 (HEAD only), live on 200 and 500', async () => {
    for (const [path, code] of [['/a', 404], ['/b', 410], ['/c', 200], ['/d', 500]] as const) s.status.set(path, code);
    expect(await checkArticleUrl(`${s.server.url}/a`)).toMatchObject({ kind: 'gone', status: 404 });
    expect(await checkArticleUrl(`${s.server.url}/b`)).toMatchObject({ kind: 'gone', status: 410 });
    expect(await checkArticleUrl(`${s.server.url}/c`)).toEqual({ kind: 'live', status: 200 });
    expect(await checkArticleUrl(`${s.server.url}/d`)).toEqual({ kind: 'live', status: 500 });
    expect(s.requests).toEqual(['HEAD /a', 'HEAD /b', 'HEAD /c', 'HEAD /d']);
  });

  it('asks with GET where HEAD is refused, and follows redirects to the end, within a bound', async () => {
    s.status.set('/no-head', 405);
    expect(await checkArticleUrl(`${s.server.url}/no-head`)).toMatchObject({ kind: 'gone', status: 404 });
    expect(s.requests).toEqual(['HEAD /no-head', 'GET /no-head']);
    s.status.set('/old', 301);
    s.status.set('/moved-gone', 410);
    expect(await checkArticleUrl(`${s.server.url}/old`)).toMatchObject({ kind: 'gone', status: 410, finalUrl: `${s.server.url}/moved-gone` });
    s.status.set('/loop', 302);
    expect(await checkArticleUrl(`${s.server.url}/loop`, { maxRedirects: 3 })).toEqual({ kind: 'unknown', reason: 'more than 3 redirects' });
  });

  it('is unknown, not gone, on a timeout or a refused connection', async () => {
    s.status.set('/slow', 'hang');
    expect(await checkArticleUrl(`${s.server.url}/slow`, { timeoutMs: 200 })).toEqual({ kind: 'unknown', reason: 'no answer within 200 ms' });
    const closed = await startServer(() => undefined);
    await closed.close();
    expect(await checkArticleUrl(`${closed.url}/story`)).toMatchObject({ kind: 'unknown' });
  });
});

describe('a paused delivery re-checks its article before it is sent', () => {
  let s: Site;
  let app: App;
  let clock: { now: Date };
  beforeEach(async () => {
    s = await site();
    clock = { now: T0 };
    const config = loadConfig(
      dir.write(
        `crier-${Math.random().toString(36).slice(2)}.yaml`,
        `store: { path: ${dir.path}/recheck-${Math.random().toString(36).slice(2)}.db }
# The re-checked pages are on a loopback test server, which the network policy refuses by default.
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: news, kind: feed, url: "${s.server.url}/feed" }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
      ),
      {},
    );
    app = await openApp(config, { logger: pino({ level: 'silent' }), write: () => undefined, now: () => clock.now });
  });
  afterEach(async () => {
    await app.worker.stop();
    await app.store.close();
    await s.server.close().catch(() => undefined);
  });

  /** Queues the article at /<slug> on the dry-run channel, as a manual post would. */
  async function queue(slug: string): Promise<number> {
    const stored = await app.editor.recordArticle(makeArticle({ key: slug, url: `${s.server.url}/${slug}` }), 'ana');
    const [outcome] = await app.editor.post(stored, {
      planned: new Map(),
      channels: [{ id: 'x-dry', dryRun: true }],
      at: clock.now,
      priority: 'normal',
      force: false,
      actor: 'ana',
      why: '',
    });
    return outcome?.deliveryId ?? Number.NaN;
  }

  /** Pause, wait past recheckAfter (2 min by default), the page answers `answer`, resume, deliver. */
  async function heldThen(slug: string, answer: number | 'closed'): Promise<string | undefined> {
    const id = await queue(slug);
    await app.editor.pause('x-dry', 'ana', 'checking a quote');
    expect(await app.worker.drain()).toBe(0);
    clock.now = new Date(clock.now.getTime() + 3 * MINUTE);
    if (answer === 'closed') await s.server.close();
    else s.status.set(`/${slug}`, answer);
    await app.editor.resume('x-dry', 'ana');
    await app.worker.drain();
    return (await app.store.getDelivery(id))?.state;
  }

  it('cancels it as article gone when the page answers 404, and posts nothing', async () => {
    const id = await queue('trashed');
    await app.editor.pause('x-dry', 'ana');
    clock.now = new Date(T0.getTime() + 3 * MINUTE);
    s.status.set('/trashed', 404);
    await app.editor.resume('x-dry', 'ana');
    await app.worker.drain();
    expect(await app.store.getDelivery(id)).toMatchObject({ state: 'cancelled', lastError: 'article gone' });
    expect((await app.store.listEvents({ deliveryId: id })).map((e) => e.kind)).toContain('article-gone');
    expect((await app.store.listDeliveries({ states: ['posted'] })).length).toBe(0);
    expect(s.requests).toEqual(['HEAD /trashed']);
  });

  it('cancels on 410 the same way', async () => {
    expect(await heldThen('removed', 410)).toBe('cancelled');
  });

  it('posts as usual when the page answers 500 or the site refuses connections', async () => {
    expect(await heldThen('flaky', 500)).toBe('posted');
    expect(s.requests).toEqual(['HEAD /flaky']);
    expect(await heldThen('down', 'closed')).toBe('posted');
  });

  it('never checks a fresh delivery', async () => {
    const id = await queue('fresh');
    s.status.set('/fresh', 404);
    clock.now = new Date(T0.getTime() + MINUTE);
    await app.worker.drain();
    expect((await app.store.getDelivery(id))?.state).toBe('posted');
    expect(s.requests).toEqual([]);
  });
});
