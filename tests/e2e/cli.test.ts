import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMatches, runCli, spawnCli } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-cli-');
let server: TestServer;
const items: RssItem[] = [];
let config: string;

const story = (n: number): RssItem => ({
  guid: `urn:cli:${n}`,
  title: `Council story ${n} with café`,
  link: `https://news.example.org/cli/story-${n}`,
  description: `Summary ${n}.`,
  pubDate: new Date(Date.now() - (10 - n) * 60_000),
  categories: ['Politics'],
});

const PAGE = `<!doctype html><html lang="fr"><head><title>ignored</title>
<meta property="og:title" content="Une page hors flux &amp; sans RSS">
<meta property="og:description" content="Résumé de la page.">
<link rel="canonical" href="/hors-flux">
<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2026-11-29T08:00:00Z","author":{"name":"Léa"}}</script>
</head><body>…</body></html>`;

beforeAll(async () => {
  items.push(story(1), story(2), story(3));
  server = await startServer((req, res) => {
    if (req.url === '/feed.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('CLI', items));
    } else if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else res.writeHead(404).end();
  });
  config = dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: news, kind: feed, url: "${server.url}/feed.xml", interval: 1s }
channels:
  - { id: x-dry, platform: x, dryRun: true }
  - { id: bsky-dry, platform: bluesky, dryRun: true }
routes:
  - { id: all, channels: [x-dry, bsky-dry] }
`,
  );
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

const crier = (...args: string[]) => runCli(['--config', config, ...args], { USER: 'editor' });
const json = <T>(text: string): T => JSON.parse(text) as T;

interface HistoryJson {
  article: { id: number } | null;
  deliveries: { id: number; channelId: string; state: string }[];
  events: { kind: string; actor: string; message: string }[];
}

// Each step spawns the real CLI (a whole Node process): generous time on a loaded 2-core machine.
describe('crier CLI against a real store', { timeout: 180_000 }, () => {
  it('init writes a starter config once and never overwrites it', async () => {
    const target = `${dir.path}/new/crier.yaml`;
    const first = await runCli(['--config', target, 'init']);
    expect(first.code).toBe(0);
    // A production starter: real channels whose secrets come from the environment, no backfill.
    const written = readFileSync(target, 'utf8');
    expect(written).toMatch(/^ {2}path: state\/crier\.db/m);
    expect(written).not.toMatch(/^\s*(dryRun: true|backfill:)/m);
    const missing = await runCli(['--config', target, 'config', 'validate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/crier\.yaml:\d+ channels\[2\]\.credentials\.accessToken: environment variable MASTODON_TOKEN is not set/);
    const secrets = { X_APP_KEY: 'k', X_APP_SECRET: 's', X_ACCESS_TOKEN: 't', X_ACCESS_SECRET: 'a', BSKY_APP_PASSWORD: 'p', MASTODON_TOKEN: 'm' };
    expect((await runCli(['--config', target, 'config', 'validate'], secrets)).code).toBe(0);
    const second = await runCli(['--config', target, 'init']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already exists; not overwriting/);
  });

  it('config validate, poll, status, preview, post, history, retry, cancel, pause and resume', async () => {
    expect((await crier('config', 'validate')).stdout).toMatch(/crier\.yaml: ok \(1 sources, 2 channels, 1 routes\)/);

    const first = await crier('poll', '--once');
    expect(first.stdout).toBe('news: 3 items: 3 new (0 deliveries queued), 0 known, 0 duplicates, 0 updated\n');
    items.push(story(4));
    expect((await crier('poll')).stdout).toMatch(/news: 4 items: 1 new \(2 deliveries queued\)/);

    const status = json<{ daemon: unknown; channels: { id: string; pending: number; state: string }[] }>((await crier('status', '--json')).stdout);
    expect(status.daemon).toBeNull();
    expect(status.channels.map((c) => [c.id, c.pending, c.state])).toEqual([
      ['x-dry', 1, 'ok'],
      ['bsky-dry', 1, 'ok'],
    ]);
    expect((await crier('status')).stdout).toMatch(/daemon: not running/);

    const preview = await crier('preview', 'https://news.example.org/cli/story-4?utm_source=x', '--channel', 'x-dry');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/── x-dry · x \(dry run\) · \d+\/280 weighted characters · route all/);
    expect(preview.stdout).toContain('• Summary 4.');
    expect(preview.stdout).toMatch(/delivery \d+ is pending/);

    const queued = await crier('post', 'https://news.example.org/cli/story-4');
    expect(queued.stdout).toMatch(/queued, but no daemon is running: start `crier run`, or add --now/);
    const posted = await crier('post', 'https://news.example.org/cli/story-4', '--now');
    expect(posted.stdout).toMatch(/x-dry: posted dry-run-\d+/);
    expect(posted.stdout).toMatch(/no daemon is running: published from this process/);
    expect(countMatches(posted.stdout, /── dry run · /)).toBe(2);

    const again = await crier('post', 'https://news.example.org/cli/story-4');
    expect(again.stdout).toMatch(/x-dry: skipped .* already posted .*use --force/);

    const forced = await crier('post', 'https://news.example.org/cli/story-4', '--channels', 'x-dry', '--force', '--reason', 'typo in the headline', '--by', 'ana', '--now');
    expect(forced.stdout).toMatch(/x-dry: posted/);
    const history = json<HistoryJson>((await crier('history', 'https://news.example.org/cli/story-4', '--json')).stdout);
    expect(history.events).toContainEqual(expect.objectContaining({ kind: 'manual-repost', actor: 'ana', message: 'forced repost by ana: typo in the headline' }));
    expect(history.deliveries.map((d) => d.state)).toEqual(['posted', 'posted']);
    const readable = await crier('history', 'https://news.example.org/cli/story-4');
    expect(readable.stdout).toMatch(/DELIVERY\s+KIND\s+CHANNEL\s+STATE/);
    // A posted delivery is never retried: that would be a second post. The editor is told how.
    const postedId = String(history.deliveries[0]?.id);
    const retryPosted = await crier('retry', postedId);
    expect(retryPosted.code).toBe(2);
    expect(retryPosted.stderr).toMatch(new RegExp(`crier: delivery ${postedId} was posted .*retry never sends a post twice: use crier post --force`));

    // Story 1 was present at the first poll: never posted, until an editor asks.
    await crier('pause', 'x-dry', '--reason', 'checking the template');
    expect((await crier('status')).stdout).toMatch(/x-dry .*paused: checking the template/);
    const held = await crier('post', 'https://news.example.org/cli/story-1', '--channels', 'x-dry', '--now');
    expect(held.stdout).not.toMatch(/── dry run/);
    const heldHistory = json<HistoryJson>((await crier('history', 'https://news.example.org/cli/story-1', '--json')).stdout);
    const pending = heldHistory.deliveries[0];
    expect(pending?.state).toBe('pending');
    expect((await crier('resume', 'x-dry')).stdout).toBe('resumed x-dry\n');

    const cancelled = await crier('cancel', String(pending?.id), '--reason', 'not newsworthy');
    expect(cancelled.stdout).toMatch(/cancelled delivery/);
    const cancelAgain = await crier('cancel', String(pending?.id));
    expect(cancelAgain.code).toBe(2);
    expect(cancelAgain.stderr).toMatch(/is cancelled; only pending deliveries can be cancelled/);
    const retried = await crier('retry', String(pending?.id));
    expect(retried.stdout).toBe(`requeued 1 delivery: ${pending?.id}\n`);
    expect((await crier('retry', '--failed')).stdout).toBe('nothing to retry\n');
  });

  it('posts a URL that is in no feed, built from the page metadata', async () => {
    const preview = await crier('preview', `${server.url}/page`, '--json');
    const parsed = json<{ article: { inStore: boolean; title: string }; previews: { text: string }[] }>(preview.stdout);
    expect(parsed.article).toMatchObject({ inStore: false, title: 'Une page hors flux & sans RSS' });
    expect(parsed.previews[0]?.text).toContain('• Résumé de la page.');
    const posted = await crier('post', `${server.url}/page`, '--now');
    expect(posted.code).toBe(0);
    expect(posted.stdout).toContain(`${server.url}/hors-flux`);
    expect(posted.stdout).toMatch(/bsky-dry: posted/);
  });

  it('answers usage mistakes with exit 2 and one line', async () => {
    for (const args of [['retry'], ['history', '9999'], ['post', 'not a url'], ['pause', 'nope'], ['history', '--since', 'yesterday-ish']]) {
      const result = await crier(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^crier: /);
    }
    expect(existsSync(`${dir.path}/state/crier.db`)).toBe(true);
  });

  it('a running daemon honours pause and resume, and status sees it alive', async () => {
    const daemon = spawnCli(['--config', config, 'run']);
    await daemon.waitFor(({ stderr }) => stderr.includes('crier is running'));
    await crier('pause', 'bsky-dry');
    items.push(story(5));
    await daemon.waitFor(({ stdout }) => /── dry run · X · x-dry[^\n]*\nCouncil story 5/.test(stdout));
    const status = json<{ daemon: { pid: number } | null; channels: { id: string; pending: number; state: string }[] }>((await crier('status', '--json')).stdout);
    expect(status.daemon?.pid).toBe(daemon.child.pid);
    expect(status.channels.find((c) => c.id === 'bsky-dry')).toMatchObject({ state: 'paused', pending: 1 });
    expect(daemon.stdout()).not.toMatch(/Bluesky · bsky-dry[^\n]*\nCouncil story 5/);
    await crier('resume', 'bsky-dry');
    await daemon.waitFor(({ stdout }) => /── dry run · Bluesky · bsky-dry[^\n]*\nCouncil story 5/.test(stdout));
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(json<{ daemon: unknown }>((await crier('status', '--json')).stdout).daemon).toBeNull();
  });
});
