import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/daemon-process.js';
import { freePort } from '../support/free-port.js';
import { postWebhook, signWebhook } from '../support/webhook-client.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';

const dir = tempDir('crier-e2e-pulled-');
const TOKEN = 'pulled-story-token';
let site: TestServer;
let mastodon: FakeMastodon;
const items: RssItem[] = [];
/** Article pages taken down (trashed): they answer 404 from then on. */
const trashed = new Set<string>();
const pageRequests: string[] = [];
let feedRequests = 0;

beforeAll(async () => {
  site = await startServer((req, res) => {
    if (req.url === '/feed.xml') {
      feedRequests += 1;
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('News', items));
      return;
    }
    pageRequests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(trashed.has(req.url ?? '') ? 404 : 200, { 'content-type': 'text/html' }).end();
  });
  mastodon = await startFakeMastodon({ token: TOKEN });
  dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
defaults: { recheckAfter: 2s, unsafeMinInterval: 1s }
# The re-checked article pages are on a loopback test server, which the network policy refuses by default.
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: news, kind: feed, url: "${site.url}/feed.xml", interval: 1s }
channels:
  - { id: masto, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTODON_TOKEN}" } }
routes:
  - { id: all, channels: [masto] }
`,
  );
});

afterAll(async () => {
  await Promise.all([site.close(), mastodon.close()]);
  dir.remove();
});

const HOOK_SECRET = 'pulled-story-hook-secret';
const env = { MASTODON_TOKEN: TOKEN, HOOK_SECRET };
let configFile = 'crier.yaml';
let storeFile = 'state/crier.db';
const crier = (...args: string[]) => runCli(['--config', `${dir.path}/${configFile}`, ...args], env);

function states(): Record<string, string> {
  const db = new Database(`${dir.path}/${storeFile}`, { readonly: true });
  try {
    const rows = db.prepare('SELECT a.url, d.state FROM deliveries d JOIN articles a ON a.id = d.article_id').all() as { url: string; state: string }[];
    return Object.fromEntries(rows.map((r) => [new URL(r.url).pathname, r.state]));
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(states())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const story = (slug: string): RssItem => ({ guid: `urn:${slug}`, title: `Story ${slug}`, link: `${site.url}/${slug}`, pubDate: new Date() });

describe('a story trashed while its channel is paused', { timeout: 60_000 }, () => {
  it('is cancelled when the channel resumes, and nothing of it reaches Mastodon', async () => {
    expect((await crier('pause', 'masto', '--reason', 'legal is reading the council story')).code).toBe(0);
    const daemon = spawnCli(['run', '--config', `${dir.path}/crier.yaml`], env);
    try {
      // The first poll of a new source records what is there; stories after it are queued.
      await until('the first poll', () => feedRequests > 0);
      items.push(story('council'), story('harbour'));
      await until('both stories queued', () => Object.keys(states()).length === 2);
      expect(states()).toEqual({ '/council': 'pending', '/harbour': 'pending' });

      // The newsroom trashes one story; the paused deliveries wait past recheckAfter.
      trashed.add('/council');
      items.splice(0, 1);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(pageRequests).toEqual([]);
      expect((await crier('resume', 'masto')).code).toBe(0);

      await until('both deliveries settled', () => Object.values(states()).every((s) => s !== 'pending' && s !== 'sending'));
      expect(states()).toEqual({ '/council': 'cancelled', '/harbour': 'posted' });
      expect(mastodon.statuses().map((s) => s.text)).toEqual([expect.stringContaining('/harbour')]);
      expect(pageRequests.sort()).toEqual(['HEAD /council', 'HEAD /harbour']);
      const history = await crier('history', `${site.url}/council`);
      expect(history.stdout).toMatch(/article gone/);
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
    }
  });

  it('is cancelled as article pulled by the WordPress plugin\'s unpublish webhook, and nothing of it reaches Mastodon', async () => {
    const port = await freePort();
    configFile = 'hook.yaml';
    storeFile = 'state/hook.db';
    dir.write(
      configFile,
      `store: { path: ${storeFile} }
server: { listen: "127.0.0.1:${port}" }
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: cms, kind: webhook, secret: "\${HOOK_SECRET}" }
channels:
  - { id: masto, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTODON_TOKEN}" } }
routes:
  - { id: all, channels: [masto] }
`,
    );
    const before = mastodon.statuses().length;
    expect((await crier('pause', 'masto')).code).toBe(0);
    const daemon = spawnCli(['run', '--config', `${dir.path}/${configFile}`], env);
    try {
      await daemon.waitFor(({ stderr }) => /HTTP server listening/.test(stderr));
      const hook = `http://127.0.0.1:${port}/hooks/cms`;
      const send = (body: object) => postWebhook(hook, signWebhook(HOOK_SECRET, JSON.stringify(body)));
      const published = await send({ id: 4242, title: 'Council story', url: `${site.url}/wp-council` });
      expect(published).toMatchObject({ status: 202, json: { outcome: 'queued', deliveries: 1 } });
      expect(states()).toEqual({ '/wp-council': 'pending' });
      // What the must-use plugin sends when the post is trashed (wp_trash_post).
      const pulled = await send({ id: 4242, url: `${site.url}/wp-council`, action: 'unpublish' });
      expect(pulled).toMatchObject({ status: 202, json: { outcome: 'pulled', cancelled: [expect.any(Number)], untouched: [] } });
      expect((await crier('resume', 'masto')).code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(states()).toEqual({ '/wp-council': 'cancelled' });
      expect(mastodon.statuses()).toHaveLength(before);
      expect((await crier('history', `${site.url}/wp-council`)).stdout).toMatch(/article pulled/);
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
    }
  });
});
