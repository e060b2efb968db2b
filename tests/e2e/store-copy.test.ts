import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { lazyTestDatabase, type TestDatabase } from '../support/postgres.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A newsroom grows up: its SQLite store, filled by real polls and posts through the CLI, is
 * copied into PostgreSQL with `crier store copy`, and the same CLI pointed at the copy
 * (CRIER_DATABASE_URL) tells the same history and status, and carries on with the queue.
 */
const dir = tempDir('crier-copy-e2e-');
let server: TestServer;
let database: TestDatabase;
let config: string;
const items: RssItem[] = [];

const story = (n: number): RssItem => ({
  guid: `urn:copy:${n}`,
  title: `Harbour story ${n}`,
  link: `https://news.example.org/copy/story-${n}`,
  description: `Summary ${n}.`,
  pubDate: new Date(Date.now() - (10 - n) * 60_000),
});

const testDatabase = lazyTestDatabase();
beforeEach(async () => {
  database = await testDatabase.get();
});

beforeAll(async () => {
  items.push(story(1), story(2));
  server = await startServer((req, res) => {
    if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Copy', items));
    else res.writeHead(404).end();
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
  await server?.close();
  await testDatabase.drop();
  dir.remove();
});

const onSqlite = (...args: string[]) => runCli(['--config', config, ...args], { USER: 'editor' });
const onPostgres = (...args: string[]) => runCli(['--config', config, ...args], { USER: 'editor', CRIER_DATABASE_URL: database.url });

interface CopyJson {
  replaced: boolean;
  tables: { table: string; source: number; target: number }[];
}

describe('crier store copy --to postgres://…', { timeout: 180_000 }, () => {
  it('copies a store filled by polls and posts; history and status read the same from the copy', async () => {
    expect((await onSqlite('poll', '--once')).code).toBe(0);
    items.push(story(3), story(4));
    expect((await onSqlite('poll')).stdout).toMatch(/news: 4 items: 2 new \(4 deliveries queued\)/);
    const posted = await onSqlite('post', 'https://news.example.org/copy/story-3', '--now');
    expect(posted.stdout).toMatch(/x-dry: posted dry-run-\d+/);
    expect((await onSqlite('pause', 'bsky-dry', '--reason', 'moving house')).code).toBe(0);

    const copy = await onSqlite('store', 'copy', '--to', database.url);
    expect(copy.stderr).toBe('');
    expect(copy.code).toBe(0);
    expect(copy.stdout).toContain(`→ ${database.url}`);
    expect(copy.stdout).toMatch(/TABLE\s+SOURCE\s+TARGET/);
    expect(copy.stdout).toMatch(/deliveries\s+4\s+4/);
    expect(copy.stdout).toMatch(/articles\s+4\s+4/);
    expect(copy.stdout).toMatch(/every count matches/);

    // The same history and status, whichever store the CLI reads.
    for (const args of [
      ['history', 'https://news.example.org/copy/story-3', '--json'],
      ['history', 'https://news.example.org/copy/story-4', '--json'],
      ['status', '--json'],
    ]) {
      const [before, after] = [await onSqlite(...args), await onPostgres(...args)];
      expect(after.code, args.join(' ')).toBe(0);
      expect(after.stderr).toBe('');
      expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
    }
    const history = JSON.parse((await onPostgres('history', 'https://news.example.org/copy/story-3', '--json')).stdout) as {
      deliveries: { channelId: string; state: string }[];
    };
    expect(history.deliveries.map((d) => [d.channelId, d.state])).toEqual([
      ['x-dry', 'posted'],
      ['bsky-dry', 'posted'],
    ]);
    expect((await onPostgres('status')).stdout).toMatch(/bsky-dry .*paused/);

    // A second copy is refused (the target holds data) and changes nothing; --force replaces it.
    const again = await onSqlite('store', 'copy', '--to', database.url, '--json');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty \(1 sources, 4 articles, 4 deliveries, \d+ events.*pass --force/);
    const forced = await onSqlite('store', 'copy', '--to', database.url, '--force', '--json');
    expect(forced.code).toBe(0);
    const result = JSON.parse(forced.stdout) as CopyJson;
    expect(result.replaced).toBe(true);
    expect(result.tables.find((t) => t.table === 'events')?.target).toBeGreaterThan(10);
    for (const t of result.tables) expect(t.target, t.table).toBe(t.source);

    // The queue came along: the copy posts what the SQLite store had queued.
    const carryOn = await onPostgres('post', 'https://news.example.org/copy/story-4', '--channels', 'x-dry', '--now');
    expect(carryOn.stdout).toMatch(/x-dry: posted dry-run-\d+/);
    const moved = JSON.parse((await onPostgres('history', 'https://news.example.org/copy/story-4', '--json')).stdout) as typeof history;
    expect(moved.deliveries.map((d) => [d.channelId, d.state])).toEqual([
      ['x-dry', 'posted'],
      ['bsky-dry', 'pending'],
    ]);
  });

  it('refuses a target that is not PostgreSQL, and a config whose store already is', async () => {
    const wrong = await onSqlite('store', 'copy', '--to', 'mysql://db/crier');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--to must be a postgres:\/\/ URL/);
    const pgConfig = dir.write(
      'pg.yaml',
      `store: { url: "${database.url}" }
sources: [{ id: news, kind: feed, url: "${server.url}/feed.xml" }]
channels: [{ id: x-dry, platform: x, dryRun: true }]
routes: [{ id: all, channels: [x-dry] }]
`,
    );
    const already = await runCli(['--config', pgConfig, 'store', 'copy', '--to', database.url]);
    expect(already.code).toBe(2);
    expect(already.stderr).toMatch(/the store is already PostgreSQL/);
  });
});
