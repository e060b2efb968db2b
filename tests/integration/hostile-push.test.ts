import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createDaemon } from '../../src/daemon/daemon.js';
import type { ResolveHost } from '../../src/http/network-policy.js';
import { openApp } from '../../src/runtime/app.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { hostsResolver } from '../support/network.js';
import { tempDir } from '../support/temp-dir.js';
import { postWebhook, signWebhook } from '../support/webhook-client.js';

/**
 * Pushes that try to make Crier fetch what it should not: off-site redirects, canonical links and
 * images for a webhook with a site, and loopback reached directly, by a name, by a redirect or by
 * DNS rebinding. Two real page servers: `pages` on 127.0.0.1 (the "internal" one) and `front` on
 * 127.0.0.2 (the one a test's config allows). Names resolve through an injected hosts table.
 */
const SECRET = 'hostile-push-secret';
const dir = tempDir('crier-hostile-');

interface Page {
  server: ReturnType<typeof createServer>;
  url: string;
  port: number;
  /** "host path" of every request that reached the server. */
  seen: string[];
}

function page(title: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><title>${title}</title>${head}</head><body>…</body></html>`;
}

async function pageServer(host: string, route: (req: IncomingMessage, res: ServerResponse, self: Page) => void): Promise<Page> {
  const self = { seen: [] as string[] } as unknown as Page;
  self.server = createServer((req, res) => {
    self.seen.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
    route(req, res, self);
  });
  await new Promise<void>((resolve) => self.server.listen(0, host, resolve));
  self.port = (self.server.address() as AddressInfo).port;
  self.url = `http://${host}:${self.port}`;
  return self;
}

const html = (res: ServerResponse, body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(body);

let pages: Page;
let front: Page;

beforeAll(async () => {
  pages = await pageServer('127.0.0.1', (req, res, self) => {
    const path = req.url ?? '';
    const here = `http://${req.headers.host ?? ''}`;
    if (path === '/story') html(res, page('Internal story', `<link rel="canonical" href="${here}/story"><meta property="og:image" content="/photo.png">`));
    else if (path === '/js-canonical') html(res, page('Canonical is script', '<link rel="canonical" href="javascript:alert(document.domain)">'));
    else if (path === '/off-canonical') html(res, page('Off-site canonical', `<link rel="canonical" href="http://elsewhere.test:${self.port}/story">`));
    else if (path === '/off-image') html(res, page('Off-site image', `<meta property="og:image" content="http://elsewhere.test:${self.port}/photo.png">`));
    else if (path === '/to-elsewhere') res.writeHead(302, { location: `http://elsewhere.test:${self.port}/story` }).end();
    else res.writeHead(404).end();
  });
  front = await pageServer('127.0.0.2', (req, res) => {
    const path = req.url ?? '';
    if (path === '/story' || path === '/story-2') html(res, page(`Front ${path}`));
    else if (path === '/to-internal') res.writeHead(302, { location: `${pages.url}/story` }).end();
    else res.writeHead(404).end();
  });
});

afterAll(async () => {
  for (const p of [pages, front]) {
    p.server.closeAllConnections();
    await new Promise((resolve) => p.server.close(resolve));
  }
  dir.remove();
});

/** The real daemon in-process with a webhook source, its HTTP server on loopback, and `resolve` as DNS. */
async function hook(name: string, options: { site?: string; allowPrivate?: string[]; resolve: ResolveHost }) {
  const site = options.site === undefined ? '' : `, url: "${options.site}"`;
  const network = options.allowPrivate === undefined ? '' : `network: { allowPrivate: ${JSON.stringify(options.allowPrivate)} }\n`;
  const config = loadConfig(
    dir.write(
      `${name}.yaml`,
      `store: { path: ${name}.db }
server: { listen: "127.0.0.1:0" }
${network}sources:
  - { id: cms, kind: webhook, secret: "\${HOOK_SECRET}"${site} }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
    ),
    { HOOK_SECRET: SECRET },
  );
  const app = await openApp(config, { logger: pino({ level: 'silent' }), write: () => undefined, resolve: options.resolve });
  const daemon = createDaemon({ ...app, push: {} });
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 65_536, logger: app.logger }, daemon.pushRoutes());
  await daemon.start();
  let second = Math.floor(Date.now() / 1000);
  return {
    app,
    // Each request signed at its own second: the same body twice in one second would be a replay.
    send: (body: object) => postWebhook(`${server.url}/hooks/cms`, signWebhook(SECRET, JSON.stringify(body), ++second)),
    async stop() {
      await server.close();
      await daemon.stop();
      await app.network.close();
      await app.store.close();
    },
  };
}

describe('a webhook with a site: everything a push leads to stays on it', () => {
  const resolve = hostsResolver({ 'news.test': '127.0.0.1', 'elsewhere.test': '127.0.0.1' });
  const site = 'http://news.test';
  const loopback = ['127.0.0.0/8', '::1/128'];

  it('reads an on-site page, and answers with ids only: nothing read from the page goes back', async () => {
    const h = await hook('site-ok', { site, allowPrivate: loopback, resolve });
    try {
      const url = `http://news.test:${pages.port}/story`;
      const answer = await h.send({ url });
      expect(answer.status).toBe(202);
      expect(Object.keys(answer.json).sort()).toEqual(['article', 'deliveries', 'outcome']);
      expect(JSON.stringify(answer.json)).not.toContain('Internal story');
      const stored = await h.app.store.findArticleByUrl(`https://news.test:${pages.port}/story`);
      expect(stored).toMatchObject({ url, title: 'Internal story', image: { url: `http://news.test:${pages.port}/photo.png` } });
    } finally {
      await h.stop();
    }
  });

  it('refuses a page that redirects off the site with 400 naming url, and never requests the other host', async () => {
    const h = await hook('site-redirect', { site, allowPrivate: loopback, resolve });
    try {
      const answer = await h.send({ url: `http://news.test:${pages.port}/to-elsewhere` });
      expect(answer).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^url: http:\/\/news\.test:\d+\/to-elsewhere: elsewhere\.test is refused: it is not on http:\/\/news\.test/) } });
      expect(pages.seen.filter((s) => s.startsWith('elsewhere.test'))).toEqual([]);
      expect(await h.app.store.listDeliveries({})).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it("refuses a page whose canonical link or og:image is off the site, and a pushed image.url off the site, naming the field", async () => {
    const h = await hook('site-fields', { site, allowPrivate: loopback, resolve });
    try {
      expect(await h.send({ url: `http://news.test:${pages.port}/off-canonical` })).toMatchObject({
        status: 400,
        json: { error: expect.stringMatching(/^canonical \(the page's canonical link\): http:\/\/elsewhere\.test:\d+\/story is not on http:\/\/news\.test/) },
      });
      expect(await h.send({ url: `http://news.test:${pages.port}/off-image` })).toMatchObject({
        status: 400,
        json: { error: expect.stringMatching(/^image \(the page's og:image\): http:\/\/elsewhere\.test:\d+\/photo\.png is not on/) },
      });
      const article = { title: 'Pushed', url: 'https://news.test/pushed/', image: { url: 'http://169.254.169.254/latest/meta-data/' } };
      expect(await h.send(article)).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^image\.url: http:\/\/169\.254\.169\.254\/latest\/meta-data\/ is not on/) } });
      expect(await h.app.store.listDeliveries({})).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('takes a page whose canonical link is javascript: at its own URL, never the script', async () => {
    const h = await hook('site-js', { site, allowPrivate: loopback, resolve });
    try {
      const url = `http://news.test:${pages.port}/js-canonical`;
      expect((await h.send({ url })).status).toBe(202);
      const [delivery] = await h.app.store.listDeliveries({});
      const stored = await h.app.store.getArticle(delivery?.articleId ?? -1);
      expect(stored).toMatchObject({ url, title: 'Canonical is script' });
    } finally {
      await h.stop();
    }
  });
});

describe('the network policy for pushed URLs', () => {
  it('refuses loopback by default: an IP literal and a name that resolves to 127.0.0.1 alike, before any request', async () => {
    const resolve = hostsResolver({ 'cms.test': '127.0.0.1' });
    const h = await hook('policy-default', { resolve });
    const before = pages.seen.length;
    try {
      expect(await h.send({ url: `${pages.url}/story` })).toMatchObject({
        status: 400,
        json: { error: expect.stringMatching(/^url: http:\/\/127\.0\.0\.1:\d+\/story: 127\.0\.0\.1 is a loopback address: refused \(allow its range with network\.allowPrivate/) },
      });
      expect(await h.send({ url: `http://cms.test:${pages.port}/story` })).toMatchObject({
        status: 400,
        json: { error: expect.stringMatching(/cms\.test resolves to 127\.0\.0\.1, a loopback address: refused/) },
      });
      expect(resolve.lookups).toContain('cms.test 127.0.0.1');
      expect(pages.seen.slice(before)).toEqual([]);
      expect(await h.app.store.listDeliveries({})).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('refuses a redirect from an allowed address to loopback', async () => {
    const h = await hook('policy-redirect', { allowPrivate: ['127.0.0.2/32'], resolve: hostsResolver({}) });
    const before = pages.seen.length;
    try {
      expect((await h.send({ url: `${front.url}/story` })).status).toBe(202);
      expect(await h.send({ url: `${front.url}/to-internal` })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^url: http:\/\/127\.0\.0\.2:\d+\/to-internal: 127\.0\.0\.1 is a loopback address: refused/) } });
      expect(front.seen).toContain(`127.0.0.2:${front.port} /to-internal`);
      expect(pages.seen.slice(before)).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('checks every connection: a name that resolves to an allowed address first and to loopback next (DNS rebinding) is refused the second time', async () => {
    const resolve = hostsResolver({ 'rebind.test': ['127.0.0.2', '127.0.0.1'] });
    const h = await hook('policy-rebind', { allowPrivate: ['127.0.0.2/32'], resolve });
    try {
      // The server closes each connection, so the second fetch must connect (and resolve) anew.
      expect((await h.send({ url: `http://rebind.test:${front.port}/story` })).status).toBe(202);
      expect(await h.send({ url: `http://rebind.test:${front.port}/story-2` })).toMatchObject({
        status: 400,
        json: { error: expect.stringMatching(/rebind\.test resolves to 127\.0\.0\.1, a loopback address: refused/) },
      });
      expect(resolve.lookups).toEqual(['rebind.test 127.0.0.2', 'rebind.test 127.0.0.1']);
    } finally {
      await h.stop();
    }
  });
});
