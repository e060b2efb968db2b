import { renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, type CliProcess } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-sqlite-guard-');
let feed: TestServer;

beforeAll(async () => {
  feed = await startServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/rss+xml' })
      .end(rss('Guard', [{ guid: 'a', title: 'A story', link: 'https://news.example.org/a', pubDate: new Date() }]));
  });
});

afterAll(async () => {
  await feed.close();
  dir.remove();
});

/** A config of its own per test: each test owns its store. */
function config(name: string): { file: string; store: string } {
  const file = dir.write(
    `${name}/crier.yaml`,
    `store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: news, kind: feed, url: "${feed.url}/feed.xml", interval: 1s }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
  );
  return { file, store: `${dir.path}/${name}/state/crier.db` };
}

async function startDaemon(file: string, options: { umask?: number } = {}): Promise<CliProcess> {
  const daemon = spawnCli(['--config', file, 'run'], {}, options);
  await daemon.waitFor(({ stderr }) => stderr.includes('crier is running'), 30_000);
  return daemon;
}

/** The exit code, or 'still running' after `ms` (the store is checked every second). */
async function exitWithin(daemon: CliProcess, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  const code = await Promise.race([daemon.exited, late]);
  clearTimeout(timer);
  if (code === 'still running') daemon.child.kill('SIGKILL');
  return code;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

// Whole Node processes on a loaded 2-core machine: generous time.
describe('SQLite guardrails', { timeout: 180_000 }, () => {
  it('refuses a second daemon on the same store, naming the first; a killed one does not block the next', async () => {
    const { file, store } = config('lock');
    const first = await startDaemon(file);

    const refused = spawnCli(['--config', file, 'run']);
    expect(await exitWithin(refused, 30_000)).toBe(1);
    const second = { stderr: refused.stderr() };
    expect(second.stderr).toMatch(
      new RegExp(
        `crier: another crier run already uses the store ${store} \\(pid ${first.child.pid} on ${hostname()}, running since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)`,
      ),
    );
    expect(second.stderr).not.toContain('crier is running');
    expect(first.child.exitCode).toBeNull();

    // SIGKILL: no cleanup at all. The kernel drops the lock with the process.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startDaemon(file);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });

  it('every command refuses a store written by a newer Crier', async () => {
    const { file, store } = config('newer');
    expect((await runCli(['--config', file, 'status'])).code).toBe(0);
    const db = new Database(store);
    db.pragma('user_version = 9999');
    db.close();

    for (const args of [
      ['status'],
      ['history'],
      ['preview', 'https://news.example.org/a'],
      ['post', '1'],
      ['retry', '--failed'],
      ['cancel', '1'],
      ['pause', 'x-dry'],
      ['resume', 'x-dry'],
      ['poll'],
      ['check'],
      ['run'],
    ]) {
      const result = await runCli(['--config', file, ...args]);
      expect(result.code, `crier ${args.join(' ')}`).toBe(1);
      expect(result.stderr.trim(), `crier ${args.join(' ')}`).toMatch(
        new RegExp(`^crier: store ${store} was written by a newer Crier \\(schema 9999, this one knows \\d+\\): upgrade Crier`),
      );
    }
    const after = new Database(store, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(9999);
    after.close();
  });

  it('stops the daemon with an error when its store is deleted, or replaced by another file', async () => {
    const { file, store } = config('vanish');
    const daemon = await startDaemon(file);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${store}${suffix}`, { force: true });
    expect(await exitWithin(daemon, 20_000)).toBe(1);
    expect(daemon.stderr()).toContain(`crier: store ${store} was deleted while the daemon was running; stopped.`);

    const again = await startDaemon(file);
    const other = new Database(`${store}.other`);
    other.exec('CREATE TABLE t (x)');
    other.close();
    renameSync(`${store}.other`, store);
    expect(await exitWithin(again, 20_000)).toBe(1);
    expect(again.stderr()).toContain(`crier: store ${store} was replaced by another file while the daemon was running; stopped.`);
  });

  it('creates the store, its -wal and -shm and its lock for their owner only, whatever the umask', async () => {
    const { file, store } = config('modes');
    const daemon = await startDaemon(file, { umask: 0o022 });
    try {
      expect({
        db: mode(store),
        wal: mode(`${store}-wal`),
        shm: mode(`${store}-shm`),
        lock: mode(`${store}.lock`),
        folder: mode(`${dir.path}/modes/state`),
      }).toEqual({ db: '600', wal: '600', shm: '600', lock: '600', folder: '700' });
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
    }
  });
});
