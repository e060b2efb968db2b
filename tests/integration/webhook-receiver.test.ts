import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { openApp, type App } from '../../src/runtime/app.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import { tempDir } from '../support/temp-dir.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';
import { postWebhook, signWebhook } from '../support/webhook-client.js';

const SECRET = 'in-process-webhook-secret';
const T0 = new Date('2026-11-29T12:00:00Z');
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const dir = tempDir('crier-webhook-');
afterAll(() => dir.remove());

interface Running {
  app: App;
  daemon: Daemon;
  server: RunningServer;
  hook: string;
  stop(): Promise<void>;
}

/** The real daemon in-process (real store, worker, dry-run channel, HTTP server) on an injected clock. */
async function run(store: string, clock: { now: Date }, extra = ''): Promise<Running> {
  const config = loadConfig(
    dir.write(
      `${store}.yaml`,
      `store: { path: ${store}.db }
server: { listen: "127.0.0.1:0" }
# One test's page is on loopback, which the network policy refuses by default.
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: cms, kind: webhook, secret: "\${HOOK_SECRET}"${extra} }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
    ),
    { HOOK_SECRET: SECRET },
  );
  const app = await openApp(config, { logger: pino({ level: 'silent' }), write: () => undefined, now: () => clock.now });
  const daemon = createDaemon({ ...app, push: {} });
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 65_536, logger: app.logger }, daemon.pushRoutes());
  await daemon.start();
  return {
    app,
    daemon,
    server,
    hook: `${server.url}/hooks/cms`,
    async stop() {
      await server.close();
      await daemon.stop();
      await app.store.close();
    },
  };
}

const article = (slug: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ title: `Story ${slug}`, url: `https://news.example.org/${slug}/`, ...extra });

describe('webhook receiver', () => {
  it('accepts a timestamp up to 5 minutes either side of its clock, and no further', async () => {
    const clock = { now: T0 };
    const r = await run('edges', clock);
    try {
      const at = (offset: number, slug: string) => signWebhook(SECRET, article(slug), seconds(T0) + offset);
      expect((await postWebhook(r.hook, at(-300, 'early-edge'))).status).toBe(202);
      expect((await postWebhook(r.hook, at(300, 'late-edge'))).status).toBe(202);
      expect((await postWebhook(r.hook, at(-301, 'too-early'))).status).toBe(401);
      expect((await postWebhook(r.hook, at(301, 'too-late'))).status).toBe(401);
      expect(await r.app.store.findArticleByUrl('https://news.example.org/too-early/')).toBeUndefined();
      expect(await r.app.store.findArticleByUrl('https://news.example.org/too-late/')).toBeUndefined();
    } finally {
      await r.stop();
    }
  });

  it('remembers used signatures across a restart, for as long as their timestamp is fresh', async () => {
    const clock = { now: T0 };
    const signed = signWebhook(SECRET, article('once'), seconds(T0));
    const first = await run('restart', clock);
    expect((await postWebhook(first.hook, signed)).status).toBe(202);
    await first.stop();

    const second = await run('restart', clock);
    try {
      expect(await postWebhook(second.hook, signed)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/already used/) } });
      clock.now = new Date(T0.getTime() + 301_000);
      expect(await postWebhook(second.hook, signed)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/5 minutes/) } });
      const deliveries = await second.app.store.listDeliveries({});
      expect(deliveries).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('posts the first article it receives, and records an edit as an update, never as a new post', async () => {
    const clock = { now: T0 };
    const r = await run('edits', clock);
    try {
      // A real sender signs each request at its own second; the same body in the same second is a replay.
      const send = (body: string) => {
        clock.now = new Date(clock.now.getTime() + 1000);
        return postWebhook(r.hook, signWebhook(SECRET, body, seconds(clock.now)));
      };
      const sent = await send(article('edited', { id: 'post-7' }));
      expect(sent).toMatchObject({ status: 202, json: { outcome: 'queued', deliveries: 1 } });
      const edit = await send(article('edited', { id: 'post-7', title: 'Story edited, with a better headline' }));
      expect(edit).toMatchObject({ status: 202, json: { outcome: 'updated', deliveries: 0, article: sent.json.article } });
      const again = await send(article('edited', { id: 'post-7', title: 'Story edited, with a better headline' }));
      expect(again).toMatchObject({ status: 202, json: { outcome: 'known', deliveries: 0 } });
      const old = await send(article('old', { publishedAt: new Date(T0.getTime() - 3 * 86_400_000).toISOString() }));
      expect(old).toMatchObject({ status: 202, json: { outcome: 'recorded', deliveries: 0, reason: 'older than maxAge; not posted' } });
    } finally {
      await r.stop();
    }
  });

  it('answers 502 when the page behind a URL cannot be read, and lets the sender retry that request', async () => {
    const clock = { now: T0 };
    const r = await run('unreachable', clock);
    try {
      const gone = await startHttpServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1024, logger: r.app.logger }, []);
      await gone.close();
      const signed = signWebhook(SECRET, JSON.stringify({ url: `${gone.url}/story` }), seconds(T0));
      expect(await postWebhook(r.hook, signed)).toMatchObject({ status: 502, json: { error: expect.stringMatching(/could not be fetched/) } });
      // Not a replay: the first attempt failed on our side.
      expect((await postWebhook(r.hook, signed)).status).toBe(502);
      expect(await r.app.store.listDeliveries({})).toHaveLength(0);
    } finally {
      await r.stop();
    }
  });

  it('refuses links outside the configured site', async () => {
    const clock = { now: T0 };
    const r = await run('site', clock, ', url: "https://news.example.org"');
    try {
      const send = (body: string) => postWebhook(r.hook, signWebhook(SECRET, body, seconds(T0)));
      expect((await send(article('inside'))).status).toBe(202);
      const www = JSON.stringify({ title: 'Sub', url: 'https://www.news.example.org/sub/' });
      expect((await send(www)).status).toBe(202);
      const outside = JSON.stringify({ title: 'Out', url: 'https://evil.example.com/news.example.org/' });
      expect(await send(outside)).toMatchObject({ status: 400, json: { error: expect.stringMatching(/is not on https:\/\/news\.example\.org/) } });
      expect((await send(JSON.stringify({ url: 'http://169.254.169.254/latest/meta-data/' }))).status).toBe(400);
    } finally {
      await r.stop();
    }
  });

  it('cancels the pending deliveries of an unpublished post, by id or by URL, and says what it cancelled', async () => {
    const clock = { now: T0 };
    const r = await run('unpublish', clock, ', url: "https://news.example.org"');
    try {
      const send = (body: string) => {
        clock.now = new Date(clock.now.getTime() + 1000);
        return postWebhook(r.hook, signWebhook(SECRET, body, seconds(clock.now)));
      };
      // The channel is paused, so the deliveries wait as they would behind spacing or a hold.
      await r.app.store.setHold('x-dry', { kind: 'paused', reason: 'test', since: T0, by: 'ana' });
      const byId = await send(article('trashed', { id: 4242 }));
      const byUrl = await send(article('drafted'));
      const kept = await send(article('kept', { id: 7 }));
      for (const sent of [byId, byUrl, kept]) expect(sent).toMatchObject({ status: 202, json: { outcome: 'queued' } });

      const pulled = await send(JSON.stringify({ id: 4242, action: 'unpublish' }));
      const [trashed] = await r.app.store.listDeliveries({ articleId: Number(byId.json.article) });
      expect(pulled).toEqual({ status: 202, json: { article: byId.json.article, outcome: 'pulled', cancelled: [trashed?.id], untouched: [] } });
      expect(trashed).toMatchObject({ state: 'cancelled', lastError: 'article pulled' });
      const events = await r.app.store.listEvents({ deliveryId: trashed?.id });
      expect(events.at(-1)).toMatchObject({ kind: 'article-pulled', actor: 'cms', articleId: byId.json.article });

      const byUrlPull = await send(JSON.stringify({ url: 'https://news.example.org/drafted/?utm_source=wp', action: 'unpublish' }));
      expect(byUrlPull).toMatchObject({ status: 202, json: { article: byUrl.json.article, outcome: 'pulled', cancelled: [expect.any(Number)] } });
      // Again: nothing left to cancel, and it says so.
      expect(await send(JSON.stringify({ url: 'https://news.example.org/drafted/', action: 'unpublish' }))).toMatchObject({
        status: 202,
        json: { outcome: 'pulled', cancelled: [], untouched: [] },
      });
      expect(await send(JSON.stringify({ id: 999, action: 'unpublish' }))).toMatchObject({ status: 202, json: { article: null, outcome: 'unknown', cancelled: [] } });
      expect(await send(JSON.stringify({ action: 'unpublish' }))).toMatchObject({ status: 400, json: { error: expect.stringMatching(/its id, its url/) } });
      expect((await send(JSON.stringify({ id: 7, action: 'delete' }))).status).toBe(400);
      expect((await send(JSON.stringify({ url: 'https://evil.example.com/kept/', action: 'unpublish' }))).status).toBe(400);

      const states = (await r.app.store.listDeliveries({})).map((d) => [d.articleId, d.state]);
      expect(states).toEqual([
        [byId.json.article, 'cancelled'],
        [byUrl.json.article, 'cancelled'],
        [kept.json.article, 'pending'],
      ]);
    } finally {
      await r.stop();
    }
  });

  it('leaves a posted delivery alone and reports it', async () => {
    const clock = { now: T0 };
    const r = await run('unpublish-posted', clock);
    try {
      const sent = await postWebhook(r.hook, signWebhook(SECRET, article('out', { id: 1 }), seconds(T0)));
      expect(sent.status).toBe(202);
      await r.app.worker.drain();
      const [delivery] = await r.app.store.listDeliveries({});
      expect(delivery?.state).toBe('posted');
      clock.now = new Date(T0.getTime() + 1000);
      const pulled = await postWebhook(r.hook, signWebhook(SECRET, JSON.stringify({ id: 1, action: 'unpublish' }), seconds(clock.now)));
      expect(pulled).toEqual({ status: 202, json: { article: sent.json.article, outcome: 'pulled', cancelled: [], untouched: [{ id: delivery?.id, channelId: 'x-dry', state: 'posted' }] } });
    } finally {
      await r.stop();
    }
  });
});
