import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { deliver, event, newDelivery, only, sourceState, T0 } from '../conformance/harness.js';
import { describeStoreConformance } from '../conformance/store-conformance.js';
import { makeArticle } from '../support/articles.js';
import { lazyTestDatabase, type TestDatabase } from '../support/postgres.js';

const testDatabase = lazyTestDatabase();
let database: TestDatabase | undefined;
beforeEach(async () => {
  database = await testDatabase.get();
});
afterAll(() => testDatabase.drop());

function db(): TestDatabase {
  if (!database) throw new Error('no test database');
  return database;
}

/** Stores on the emptied test database; `close` closes every one opened. */
async function openAll(): Promise<{ store: PostgresStore; open: () => PostgresStore; close: () => Promise<void> }> {
  await db().reset();
  const opened: PostgresStore[] = [];
  const open = () => {
    const store = openPostgresStore(db().url);
    opened.push(store);
    return store;
  };
  const store = open();
  return { store, open, close: async () => void (await Promise.all(opened.map((s) => s.close()))) };
}

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: db().url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * This database's connections of that application name, once the ones closing have gone (a
 * server backend exits a moment after its client said goodbye).
 */
async function listeningConnections(application = 'crier-listen'): Promise<number> {
  let count = -1;
  for (let tries = 0; tries < 50 && count !== 0; tries += 1) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2`, [
      db().name,
      application,
    ]);
    count = row?.n ?? -1;
  }
  return count;
}

describeStoreConformance('PostgreSQL', async () => {
  const { store, open, close } = await openAll();
  return { store, second: async () => open(), close };
});

describe('PostgreSQL store', () => {
  it('replicas migrating at once: each version is applied once, the others wait and find it done', async () => {
    const { open, close } = await openAll();
    try {
      await Promise.all([open(), open(), open(), open()].map((s) => s.migrate()));
      const versions = await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await close();
    }
  });

  it('refuses a database written by a newer Crier, naming it without its password', async () => {
    const { store, close } = await openAll();
    try {
      await store.migrate();
      await sql('INSERT INTO schema_migrations (version) VALUES ($1)', [PG_MIGRATIONS.length + 1]);
      const withPassword = new URL(db().url);
      withPassword.password = 'sekrit';
      const other = openPostgresStore(withPassword.toString());
      try {
        const error = await other.migrate().catch((e: unknown) => e);
        expect(String(error)).toMatch(/written by a newer Crier \(schema \d+, this one knows \d+\)/);
        expect(String(error)).not.toContain('sekrit');
      } finally {
        await other.close();
      }
    } finally {
      await close();
    }
  });

  it('ids are numbers, times are timestamptz', async () => {
    const { store, close } = await openAll();
    try {
      await store.migrate();
      await store.ingest('news', [deliver(makeArticle({ key: 'a' }), [newDelivery('x')])], sourceState('news'), T0);
      const [delivery] = await store.listDeliveries({});
      expect(typeof delivery?.id).toBe('number');
      expect(typeof delivery?.articleId).toBe('number');
      const [column] = await sql<{ data_type: string }>(
        `SELECT data_type FROM information_schema.columns WHERE table_name = 'deliveries' AND column_name = 'next_attempt_at'`,
      );
      expect(column?.data_type).toBe('timestamp with time zone');
    } finally {
      await close();
    }
  });

  it('watch: another replica hears of new deliveries, moves and holds (LISTEN/NOTIFY), and stops hearing once unwatched', async () => {
    const { store, open, close } = await openAll();
    try {
      await store.migrate();
      const replica = open();
      let heard = 0;
      let wake: () => void = () => undefined;
      const next = () => new Promise<void>((resolve) => (wake = resolve));
      const unwatch = await replica.watch(() => {
        heard += 1;
        wake();
      });

      let woken = next();
      await store.ingest('news', [deliver(makeArticle({ key: 'a' }), [newDelivery('x')])], sourceState('news'), T0);
      await woken;
      const id = only((await store.listDeliveries({}))[0]).id;

      woken = next();
      expect(await store.transition(id, MOVES.cancel, event('delivery-cancelled'))).toBe(true);
      await woken;

      woken = next();
      await store.setHold('x', { kind: 'paused', reason: 'r', since: T0, by: 'ana' });
      await woken;

      woken = next();
      await store.clearHolds('x', ['paused'], T0);
      await woken;

      woken = next();
      const article = only(await store.findArticleByUrl(makeArticle({ key: 'a' }).canonicalUrl));
      await store.addDeliveries(article.id, [newDelivery('masto')], event('delivery-created'));
      await woken;
      expect(heard).toBeGreaterThanOrEqual(5);

      await unwatch();
      expect(await listeningConnections()).toBe(0);
      const after = heard;
      // Another replica still watching hears the next change; the one that stopped does not.
      let heardByOther: () => void = () => undefined;
      const other = new Promise<void>((resolve) => (heardByOther = resolve));
      await open().watch(() => heardByOther());
      await store.setHold('x', { kind: 'paused', reason: 'r', since: T0, by: 'ana' });
      await other;
      expect(heard).toBe(after);
    } finally {
      await close();
    }
  });

  it('close ends the pool and any watch', async () => {
    const { store, close } = await openAll();
    try {
      await store.migrate();
      await store.watch(() => undefined);
      await store.close();
      await expect(store.getMeta('x')).rejects.toThrow();
      expect(await listeningConnections('crier%')).toBe(0);
    } finally {
      await close();
    }
  });
});
