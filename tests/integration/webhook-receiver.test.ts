import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { openApp, type App } from '../../src/runtime/app.js';
import { startHttpServer, type RunningServer } from '../../src/server/http-server.js';
import { tempDir } from '../support/temp-dir.js';
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
});
