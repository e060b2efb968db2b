import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { COPIED_TABLES, copySqliteToPostgres, StoreCopyRefused } from '../../src/store/copy-store.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { at, deliver, event, HOUR, MINUTE, newDelivery, only, record, sourceState, T0 } from '../conformance/harness.js';
import { makeArticle } from '../support/articles.js';
import { lazyTestDatabase, type TestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/temp-dir.js';

const testDatabase = lazyTestDatabase();
let database: TestDatabase;
afterAll(() => testDatabase.drop());

let dir: ReturnType<typeof tempDir>;
let file: string;
const opened: Store[] = [];
beforeEach(async () => {
  database = await testDatabase.get();
  dir = tempDir('crier-copy-');
  file = join(dir.path, 'crier.db');
  await database.reset();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  dir.remove();
});

function sqlite(): Store {
  const store = openSqliteStore(file);
  opened.push(store);
  return store;
}
function postgres(): Store {
  const store = openPostgresStore(database.url);
  opened.push(store);
  return store;
}

/** A store with a row in every table: polls, a duplicate, posts with sends, a hold, a session. */
async function fill(store: Store): Promise<void> {
  await store.migrate();
  await store.ingest('news', [record(makeArticle({ key: 'old' }))], sourceState('news', { etag: '"e1"', nextPollAt: at(MINUTE) }), T0);
  await store.ingest(
    'news',
    [deliver(makeArticle({ key: 'a', image: { url: 'https://news.example.org/a.jpg', alt: 'Alt' } }), [newDelivery('x', { template: 't.hbs', dryRun: true }), newDelivery('masto')])],
    sourceState('news'),
    at(MINUTE),
  );
  await store.ingest('wire', [deliver(makeArticle({ key: 'wire-a', sourceId: 'wire', canonicalUrl: makeArticle({ key: 'a' }).canonicalUrl }), [newDelivery('bsky')])], sourceState('wire'), at(2 * MINUTE));
  const [x, masto] = await store.listDeliveries({});
  await store.transition(only(x).id, { ...MOVES.claim, set: { text: 'Hello', prepared: '{"k":1}', attemptAt: at(3 * MINUTE) } }, event('delivery-sending', at(3 * MINUTE)));
  await store.transition(
    only(x).id,
    { ...MOVES.posted, set: { remoteId: 'r1', remoteUrl: 'https://x.example/r1', postedAt: at(4 * MINUTE) }, sends: [{ counter: 'x', kind: 'post', cost: 1 }, { counter: 'x', kind: 'attempt', cost: 1 }] },
    event('delivery-posted', at(4 * MINUTE), { data: { nested: ['ü', 1] } }),
  );
  await store.transition(only(masto).id, { ...MOVES.defer, set: { lastError: 'image fetch failed', nextAttemptAt: at(HOUR), priority: 'breaking' } }, event('d', at(5 * MINUTE)));
  await store.setHold('masto', { kind: 'paused', reason: 'legal hold', since: at(5 * MINUTE), by: 'ana' });
  await store.setHold('x', { kind: 'rate-limited', reason: '429', since: at(5 * MINUTE), until: at(HOUR), by: 'daemon' });
  await store.setChannelValue('bsky', 'session', '{"jwt":"s"}');
  await store.setMeta('websub:news', '{"lease":1}');
  await store.leaseChannels('replica-1', ['x'], T0, 30_000);
}

/** Everything the Store interface can tell about a store. */
async function snapshot(store: Store) {
  const deliveries = await store.listDeliveries({});
  const articles = [];
  for (let id = 1; id <= 3; id += 1) articles.push(await store.getArticle(id));
  return {
    deliveries,
    articles,
    events: await store.listEvents({}),
    sources: await store.listSourceStates(),
    holds: await store.listHolds(T0),
    summaries: await store.channelSummaries(),
    sends: [await store.sendsSince('x', 'post', at(-HOUR)), await store.sendsSince('x', 'attempt', at(-HOUR))],
    session: await store.getChannelValue('bsky', 'session'),
    meta: await store.getMeta('websub:news'),
    due: await store.dueDeliveries(at(2 * HOUR), 10),
    next: await store.nextDueAt(T0),
  };
}

describe('copying an SQLite store into PostgreSQL', () => {
  it('copies every table row for row, ids kept and sequences moved past them; the counts add up', async () => {
    const source = sqlite();
    await fill(source);
    const result = await copySqliteToPostgres(file, database.url, { force: false });
    expect(result.replaced).toBe(false);
    expect(result.tables.map((t) => t.table)).toEqual(['sources', 'articles', 'deliveries', 'events', 'channel_values', 'meta', 'channel_sends', 'channel_holds']);
    for (const t of result.tables) {
      expect(t.source, t.table).toBeGreaterThan(0);
      expect(t.target, t.table).toBe(t.source);
    }

    const target = postgres();
    expect(await snapshot(target)).toEqual(await snapshot(source));
    // Channel leases belong to running processes: not copied.
    expect(await target.listChannelLeases()).toEqual([]);

    const maxDelivery = Math.max(...(await target.listDeliveries({})).map((d) => d.id));
    const [added] = await target.addDeliveries(1, [newDelivery('late')], event('delivery-created'));
    expect(added).toBe(maxDelivery + 1);
    const stored = await target.recordArticle(makeArticle({ key: 'after' }), T0, event('article-recorded'));
    expect(stored.id).toBe(4);
  });

  it('refuses a target that holds data unless forced; forced, the same copy again gives the same target', async () => {
    const source = sqlite();
    await fill(source);
    await copySqliteToPostgres(file, database.url, { force: false });
    const target = postgres();
    const copied = await snapshot(target);

    const refused = await copySqliteToPostgres(file, database.url, { force: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreCopyRefused);
    expect((refused as Error).message).toMatch(/is not empty \(2 sources, 3 articles, 3 deliveries, 9 events, 1 channel_values, 1 meta, 2 channel_sends, 2 channel_holds\)/);
    expect((refused as Error).message).toMatch(/nothing was copied; pass --force/);
    expect(await snapshot(target)).toEqual(copied);

    await target.appendEvent(event('written-on-the-target'));
    const again = await copySqliteToPostgres(file, database.url, { force: true });
    expect(again.replaced).toBe(true);
    expect(await snapshot(target)).toEqual(copied);
  });

  it('refuses a missing SQLite file without creating it', async () => {
    await expect(copySqliteToPostgres(join(dir.path, 'nope.db'), database.url, { force: false })).rejects.toThrow(/no SQLite store at/);
  });

  it('copies every column both schemas have: a migration on one side only fails here', async () => {
    const source = sqlite();
    await source.migrate();
    await postgres().migrate();
    const lite = new Database(file, { readonly: true });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const sqliteTables = (lite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
      expect(sqliteTables.sort()).toEqual([...COPIED_TABLES.map((t) => t.name), 'channel_leases'].sort());
      for (const table of COPIED_TABLES) {
        const liteColumns = (lite.prepare(`PRAGMA table_info(${table.name})`).all() as { name: string }[]).map((c) => c.name).sort();
        const pgColumns = (
          await client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`, [table.name])
        ).rows
          .map((c) => c.column_name)
          .sort();
        expect(liteColumns, table.name).toEqual([...table.columns].sort());
        expect(pgColumns, table.name).toEqual([...table.columns].sort());
      }
    } finally {
      lite.close();
      await client.end();
    }
  });
});
