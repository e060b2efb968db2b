import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMatches, spawnCli } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-e2e-');
let server: TestServer;
let closedPort: number;
const items: RssItem[] = [];

function item(n: number, minutesAgo: number): RssItem {
  return {
    guid: `urn:story:${n}`,
    title: `Story number ${n} with café and 🌊`,
    link: `https://news.example.org/2026/story-${n}?utm_source=rss`,
    description: `<p>Summary of story ${n} &amp; more.</p>`,
    pubDate: new Date(Date.now() - minutesAgo * 60_000),
    categories: ['Local news'],
  };
}

beforeAll(async () => {
  items.push(item(1, 30), item(2, 20), item(3, 10));
  server = await startServer((req, res) => {
    if (req.url === '/good.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(rss('Good', items));
    } else if (req.url === '/broken.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end('<rss><channel><title>Oops</title><item><title>unterminated');
    } else {
      res.writeHead(404).end();
    }
  });
  const unused = await startServer(() => undefined);
  closedPort = Number(new URL(unused.url).port);
  await unused.close();
  dir.write(
    'crier.yaml',
    `
store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: good, kind: feed, url: "${server.url}/good.xml", interval: 1s, backfill: 2 }
  - { id: broken, kind: feed, url: "${server.url}/broken.xml", interval: 1s }
  - { id: unreachable, kind: feed, url: "http://127.0.0.1:${closedPort}/feed.xml", interval: 1s }
channels:
  - { id: x-dry, platform: x, dryRun: true }
  - { id: bsky-dry, platform: bluesky, dryRun: true }
  - { id: masto-dry, platform: mastodon, instance: "https://mastodon.example.org", dryRun: true }
routes:
  - { id: all, channels: [x-dry, bsky-dry, masto-dry] }
`,
  );
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

const POST_HEADER = /^── dry run · /m;

function deliveryStates(): Record<string, number> {
  const db = new Database(`${dir.path}/state/crier.db`, { readonly: true });
  try {
    const rows = db.prepare('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

function lastPollOf(sourceId: string): number {
  const db = new Database(`${dir.path}/state/crier.db`, { readonly: true });
  try {
    const row = db.prepare('SELECT last_poll_at FROM sources WHERE source_id = ?').get(sourceId) as { last_poll_at: number } | undefined;
    return row?.last_poll_at ?? 0;
  } finally {
    db.close();
  }
}

describe('crier run (daemon as a child process)', { timeout: 120_000 }, () => {
  it('backfills, posts new articles, survives bad sources and stops cleanly', async () => {
    const daemon = spawnCli(['run', '--config', `${dir.path}/crier.yaml`]);
    // backfill: 2 → the two newest stories on all three channels, oldest first.
    await daemon.waitFor(({ stdout }) => countMatches(stdout, POST_HEADER) === 6);
    const firstPosts = daemon.stdout();
    expect(firstPosts.indexOf('Story number 2')).toBeLessThan(firstPosts.indexOf('Story number 3'));
    expect(firstPosts).not.toContain('Story number 1');
    for (const label of ['X · x-dry', 'Bluesky · bsky-dry', 'Mastodon · masto-dry']) {
      expect(countMatches(firstPosts, new RegExp(`── dry run · ${label} · \\d+/\\d+ `))).toBe(2);
    }
    expect(firstPosts).toContain('• Summary of story 3 & more.');

    // The broken and unreachable sources are reported and the daemon keeps going.
    await daemon.waitFor(({ stderr }) => /"source":"broken"/.test(stderr) && /"source":"unreachable"/.test(stderr));
    expect(daemon.stderr()).toMatch(/broken\.xml/);
    expect(daemon.stderr()).toMatch(/ECONNREFUSED|refused|127\.0\.0\.1:\d+\/feed\.xml/);

    items.push(item(4, 0));
    await daemon.waitFor(({ stdout }) => countMatches(stdout, POST_HEADER) === 9);
    expect(daemon.stdout()).toContain('Story number 4');

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(deliveryStates()).toEqual({ posted: 9 });
  });

  it('posts nothing new on a second start (the store remembers)', async () => {
    const before = lastPollOf('good');
    const daemon = spawnCli(['run', '--config', `${dir.path}/crier.yaml`]);
    await daemon.waitFor(() => lastPollOf('good') > before);
    // One more poll cycle after the first one, so anything queued would have been delivered.
    const second = lastPollOf('good');
    await daemon.waitFor(() => lastPollOf('good') > second);
    daemon.child.kill('SIGINT');
    expect(await daemon.exited).toBe(0);
    expect(countMatches(daemon.stdout(), POST_HEADER)).toBe(0);
    expect(deliveryStates()).toEqual({ posted: 9 });
  });

  it('exits 2 with a one-line error for a bad config', async () => {
    dir.write('bad.yaml', 'sources: []\nchannels: []\nroutes: []\n');
    const cli = spawnCli(['run', '--config', `${dir.path}/bad.yaml`]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().trim()).toMatch(/^crier: .*bad\.yaml:1 sources: .+$/);
  });
});
