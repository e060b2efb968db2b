import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMatches, runCli, spawnCli } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { freePort } from '../support/free-port.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';
import { postWebhook, signWebhook } from '../support/webhook-client.js';

const dir = tempDir('crier-e2e-reload-');
const HOOK_SECRET = 'reload-hook-secret';
let site: TestServer;
let mastoA: FakeMastodon;
let mastoB: FakeMastodon;
let port: number;
const feeds: Record<string, RssItem[]> = { news: [], sport: [] };

const item = (feed: string, n: number): RssItem => ({
  guid: `urn:${feed}:${n}`,
  title: `${feed} story ${n}`,
  link: `https://news.example.org/${feed}/${n}`,
  description: `Summary ${n}.`,
  pubDate: new Date(Date.now() - 60_000),
});

beforeAll(async () => {
  site = await startServer((req, res) => {
    const feed = /^\/(\w+)\.xml$/.exec(req.url ?? '')?.[1];
    const items = feed === undefined ? undefined : feeds[feed];
    if (items) res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(feed ?? '', items));
    else res.writeHead(404).end();
  });
  [mastoA, mastoB] = await Promise.all([startFakeMastodon({ token: 'token-a' }), startFakeMastodon({ token: 'token-b' })]);
  port = await freePort();
});

afterAll(async () => {
  await Promise.all([site.close(), mastoA.close(), mastoB.close()]);
  dir.remove();
});

const channel = (id: string, fake: FakeMastodon, env: string) =>
  `  - { id: ${id}, platform: mastodon, instance: "${fake.url}", credentials: { accessToken: "\${${env}}" } }`;

/** The config as an admin edits it between reloads: the store and the server stay. */
function writeConfig(parts: { sources: string[]; channels: string[]; routes: string }): string {
  return dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
server: { listen: 127.0.0.1:${port} }
defaults: { unsafeMinInterval: 1s }
sources:
${parts.sources.join('\n')}
channels:
${parts.channels.join('\n')}
routes:
${parts.routes}
`,
  );
}

const NEWS = `  - { id: news, kind: feed, url: "${'SITE'}/news.xml", interval: 1s }`;
const source = (line: string) => line.replace('SITE', site.url);
const env = { MASTO_A: 'token-a', MASTO_B: 'token-b', HOOK_SECRET };

/** Reads the daemon's store as any reader may (WAL); before the daemon created it, the fallback. */
function readStore<T>(read: (db: Database.Database) => T, fallback: T): T {
  let db: Database.Database | undefined;
  try {
    db = new Database(`${dir.path}/state/crier.db`, { readonly: true, fileMustExist: true });
    return read(db);
  } catch {
    return fallback;
  } finally {
    db?.close();
  }
}

function deliveries(): { link: string; channel: string; state: string; attempts: number }[] {
  return readStore(
    (db) =>
      db
        .prepare('SELECT a.url AS link, d.channel_id AS channel, d.state, d.attempts FROM deliveries d JOIN articles a ON a.id = d.article_id ORDER BY d.id')
        .all() as { link: string; channel: string; state: string; attempts: number }[],
    [],
  );
}

function initialized(sourceId: string): boolean {
  return readStore((db) => {
    const row = db.prepare('SELECT initialized_at FROM sources WHERE source_id = ?').get(sourceId) as { initialized_at: number | null } | undefined;
    return row?.initialized_at !== undefined && row.initialized_at !== null;
  }, false);
}

const posted = (fake: FakeMastodon, link: string) => fake.statuses().filter((s) => s.text.includes(link)).length;

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const hook = (body: object) => {
  const text = JSON.stringify(body);
  return postWebhook(`http://127.0.0.1:${port}/hooks/cms`, signWebhook(HOOK_SECRET, text));
};

describe('reloading the config of a running daemon', { timeout: 240_000 }, () => {
  it('adds and removes sources and channels on SIGHUP and crier reload, refuses a bad config, keeps state and what is in flight', async () => {
    feeds.news?.push(item('news', 1));
    feeds.sport?.push(item('sport', 1));
    const file = writeConfig({ sources: [source(NEWS)], channels: [channel('masto-a', mastoA, 'MASTO_A')], routes: '  - { id: all, channels: [masto-a] }' });
    const daemon = spawnCli(['--config', file, 'run'], env);
    try {
      // First poll: news 1 is recorded, not posted. Then news 2 is posted to the one channel.
      await until(() => initialized('news'), 'the first poll of news');
      expect(deliveries()).toEqual([]);
      feeds.news?.push(item('news', 2));
      await until(() => posted(mastoA, '/news/2') === 1, 'news 2 on masto-a');
      expect((await hook({ title: 'Too early', url: 'https://news.example.org/cms/0' })).status).toBe(404);

      // A send in flight when the signal comes: Mastodon takes 3 s to answer it.
      mastoA.setFault({ kind: 'slow', ms: 3000, times: 1 });
      feeds.news?.push(item('news', 3));
      await until(() => deliveries().some((d) => d.link.endsWith('/news/3') && d.state === 'sending'), 'news 3 to be in flight');
      writeConfig({
        sources: [
          source(NEWS),
          source(`  - { id: sport, kind: feed, url: "SITE/sport.xml", interval: 1s }`),
          `  - { id: cms, kind: webhook, secret: "\${HOOK_SECRET}" }`,
        ],
        channels: [channel('masto-a', mastoA, 'MASTO_A'), channel('masto-b', mastoB, 'MASTO_B')],
        routes: '  - { id: all, channels: [masto-a, masto-b] }',
      });
      daemon.child.kill('SIGHUP');
      await daemon.waitFor(({ stderr, stdout }) => /config reloaded: 3 sources, 2 channels, 1 routes/.test(stderr + stdout), 60_000);
      // The send in flight finished before the old configuration stopped: posted once, not left
      // uncertain, not sent again by the new one.
      expect(deliveries().filter((d) => d.link.endsWith('/news/3'))).toEqual([{ link: 'https://news.example.org/news/3', channel: 'masto-a', state: 'posted', attempts: 1 }]);
      expect(posted(mastoA, '/news/3')).toBe(1);

      // The new source starts like any new source (its first poll posts nothing); the old one
      // keeps its state (news 1-3 are known); the new channel takes what comes next.
      await until(() => initialized('sport'), 'the first poll of sport');
      feeds.news?.push(item('news', 4));
      await until(() => posted(mastoA, '/news/4') === 1 && posted(mastoB, '/news/4') === 1, 'news 4 on both channels');
      const pushed = await hook({ title: 'Harbour bridge opens', url: 'https://news.example.org/cms/1', id: 1 });
      expect(pushed.status).toBe(202);
      await until(() => posted(mastoA, '/cms/1') === 1 && posted(mastoB, '/cms/1') === 1, 'the pushed story on both channels');

      // A broken config is refused, with its file and line; the running one goes on.
      writeConfig({ sources: [source(NEWS)], channels: [channel('masto-b', mastoB, 'MASTO_B')], routes: '  - { id: all, channels: [masto-b, masto-c] }' });
      const refused = await runCli(['--config', file, 'reload'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/crier\.yaml:\d+ routes\[0\]\.channels\[1\]: unknown channel "masto-c"/);
      // The daemon checks for itself too (a secret only its environment has, say).
      daemon.child.kill('SIGHUP');
      await daemon.waitFor(({ stderr, stdout }) => /config reload refused, still running the previous config: .*unknown channel \\?"masto-c\\?"/.test(stderr + stdout), 60_000);
      feeds.news?.push(item('news', 5));
      await until(() => posted(mastoA, '/news/5') === 1 && posted(mastoB, '/news/5') === 1, 'news 5 on both channels (the previous config)');

      // Removing a channel and sources: crier reload waits for the daemon's answer.
      writeConfig({ sources: [source(NEWS)], channels: [channel('masto-b', mastoB, 'MASTO_B')], routes: '  - { id: all, channels: [masto-b] }' });
      const reloaded = await runCli(['--config', file, 'reload'], env);
      expect(reloaded.stdout).toMatch(/^reloaded: the daemon \(pid \d+\) now runs 1 sources, 1 channels, 1 routes$/m);
      expect(reloaded.code).toBe(0);
      feeds.news?.push(item('news', 6));
      await until(() => posted(mastoB, '/news/6') === 1, 'news 6 on masto-b');
      expect(posted(mastoA, '/news/6')).toBe(0);
      expect((await hook({ title: 'Gone', url: 'https://news.example.org/cms/2', id: 2 })).status).toBe(404);

      // Nothing was posted twice across the reloads.
      for (const fake of [mastoA, mastoB]) {
        const texts = fake.statuses().map((s) => s.text);
        expect(new Set(texts).size).toBe(texts.length);
      }
      expect(posted(mastoA, '/news/2')).toBe(1);
      expect(countMatches(daemon.stderr() + daemon.stdout(), /config reloaded/)).toBe(2);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- the daemon said\n${daemon.stderr()}${daemon.stdout()}`, { cause: error });
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    expect(await daemon.exited).toBe(0);
  });
});
