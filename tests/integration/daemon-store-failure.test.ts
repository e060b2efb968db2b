import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createDaemon } from '../../src/daemon/daemon.js';
import { createWorker } from '../../src/delivery/worker.js';
import { openApp } from '../../src/runtime/app.js';
import { ingestPushed } from '../../src/sources/poll-source.js';
import type { Store } from '../../src/store/store.js';
import { startServer } from '../support/http-server.js';
import { rss } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-store-failure-');
afterAll(() => dir.remove());

/** What better-sqlite3 throws when the disk is full: the error a real store write fails with. */
function diskFull(): Error {
  return new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
}

/**
 * The real SQLite store, whose writes start failing as a full disk makes them fail: the edge is
 * the database call, everything above it (poll, daemon, scheduler) is the real code.
 */
function failingWrites(store: Store, failing: { writes: boolean; reads: boolean }): Store {
  // A full disk still lets a row be updated in place (the poll claim); what grows the file fails.
  const writes = new Set<PropertyKey>(['saveSourceState', 'ingest']);
  const reads = new Set<PropertyKey>(['listSourceStates', 'getSourceState', 'dueDeliveries', 'nextDueAt']);
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if ((failing.writes && writes.has(name)) || (failing.reads && reads.has(name))) return Promise.reject(diskFull());
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

interface LogLine {
  level: number;
  msg: string;
}

async function runDaemonFor(ms: number, name: string, failing: { writes: boolean; reads: boolean }) {
  let fetches = 0;
  let serial = 0;
  const feed = await startServer((_req, res) => {
    fetches += 1;
    serial += 1;
    // A new item each time: every poll has something to ingest.
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(rss('News', [{ guid: `story-${serial}`, title: `Story ${serial}`, link: `https://news.example.org/${serial}`, pubDate: new Date() }]));
  });
  const config = loadConfig(
    dir.write(
      `${name}.yaml`,
      `store: { path: ${name}.db }
sources:
  - { id: news, kind: feed, url: "${feed.url}/feed.xml", interval: 10s }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
    ),
    {},
  );
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  // random 0: the first poll is due at once, and jitter is at its low end (90 % of the wait).
  const app = await openApp(config, { logger, write: () => undefined, random: () => 0 });
  const switches = { writes: false, reads: false };
  // The worker reads the queue from the same failing store, as it does in `crier run`.
  const store = failingWrites(app.store, switches);
  const daemon = createDaemon({ ...app, store, worker: createWorker({
      store,
      owner: app.owner,
      channels: app.channels,
      templates: app.templates,
      logger,
      now: app.now,
      random: app.random,
      defaultLanguage: config.defaults.language,
      observer: app.observer,
      readBack: config.readBack,
    }) });
  await daemon.start();
  Object.assign(switches, failing);
  await new Promise((resolve) => setTimeout(resolve, ms));
  await daemon.stop();
  await app.store.close();
  await feed.close();
  return { fetches, lines };
}

describe('a store that cannot write (issue 14: 657 fetches in 10 s)', () => {
  it('backs the source off like a failed fetch: one fetch in 3 s, not a tight loop', async () => {
    const { fetches, lines } = await runDaemonFor(3000, 'writes', { writes: false, reads: false }).then(async (ok) => {
      // Control: a store that works polls once (10 s interval) in the window too.
      expect(ok.fetches).toBe(1);
      return runDaemonFor(3000, 'full', { writes: true, reads: false });
    });
    // start() saved the first due time; then every write fails. The backoff the store could not
    // record is held in memory: at most the one fetch, however fast the machine.
    expect(fetches).toBeLessThanOrEqual(1);
    const storeErrors = lines.filter((line) => line.level >= 50);
    expect(storeErrors.length).toBeLessThanOrEqual(2);
    expect(storeErrors.map((line) => line.msg).join('\n')).toMatch(/database or disk is full/);
  });

  it('a tick that keeps failing waits, and logs each distinct error once a minute', async () => {
    const { lines } = await runDaemonFor(3500, 'reads', { writes: true, reads: true });
    const failures = lines.filter((line) => line.level >= 50).map((line) => line.msg);
    // Without the limit: two error lines a second (the tick, and planning the next wake-up). The
    // poll, scheduled apart from the tick, logs its own failure to save once and backs off.
    expect(failures.filter((msg) => /daemon tick failed; retrying in 1 s/.test(msg))).toHaveLength(1);
    expect(failures.filter((msg) => /daemon/.test(msg))).toHaveLength(1);
    expect(failures.filter((msg) => /^source news: the store failed/.test(msg)).length).toBeLessThanOrEqual(1);
    expect(failures.length).toBeLessThanOrEqual(2);
  });

  it('a pushed article leaves the source with a due time, never an empty one that reads as due at every tick', async () => {
    const config = loadConfig(
      dir.write(
        'pushed.yaml',
        `store: { path: pushed.db }
sources:
  - { id: news, kind: feed, url: "http://127.0.0.1:9/feed.xml" }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
      ),
      {},
    );
    const at = new Date('2026-12-02T09:00:00Z');
    const app = await openApp(config, { logger: pino({ level: 'silent' }), write: () => undefined, now: () => at });
    const source = app.config.sources[0];
    if (!source) throw new Error('no source');
    expect(await app.store.getSourceState('news')).toBeUndefined();
    await ingestPushed(source, [], app);
    expect((await app.store.getSourceState('news'))?.nextPollAt).toEqual(at);
    await app.store.close();
  });
});
