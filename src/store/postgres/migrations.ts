import type { Pool } from 'pg';
import { first, inTransaction } from './db.js';

/**
 * Versioned schema for PostgreSQL, the same tables as SQLite's (src/store/sqlite/migrations.ts,
 * as of its latest version). Times are `timestamptz`; ids are BIGSERIAL. Text that is sorted
 * (channel, source and hold ids) uses the "C" collation, so lists come out in the same order
 * as SQLite's byte order whatever the database's locale. Never edit a shipped migration: append.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sources (
    source_id TEXT COLLATE "C" PRIMARY KEY,
    initialized_at TIMESTAMPTZ,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    cursor TEXT,
    next_poll_at TIMESTAMPTZ,
    last_poll_at TIMESTAMPTZ,
    last_ok_at TIMESTAMPTZ,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    claimed_by TEXT,
    claimed_until TIMESTAMPTZ
  );

  CREATE TABLE articles (
    id BIGSERIAL PRIMARY KEY,
    source_id TEXT COLLATE "C" NOT NULL,
    source_key TEXT NOT NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    title TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    duplicate_of BIGINT REFERENCES articles(id),
    data TEXT NOT NULL,
    UNIQUE (source_id, source_key)
  );
  CREATE INDEX articles_canonical_url ON articles(canonical_url);

  CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id),
    channel_id TEXT COLLATE "C" NOT NULL,
    route_id TEXT NOT NULL,
    template TEXT,
    state TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'normal',
    dry_run BOOLEAN NOT NULL DEFAULT FALSE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    first_attempt_at TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    last_error TEXT,
    text TEXT,
    idempotency_key TEXT NOT NULL,
    prepared TEXT,
    remote_id TEXT,
    remote_url TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    posted_at TIMESTAMPTZ,
    UNIQUE (article_id, channel_id)
  );
  CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending';
  CREATE INDEX deliveries_channel ON deliveries(channel_id, state);

  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    article_id BIGINT,
    delivery_id BIGINT,
    channel_id TEXT COLLATE "C",
    source_id TEXT COLLATE "C",
    actor TEXT NOT NULL,
    data TEXT
  );
  CREATE INDEX events_article ON events(article_id);
  CREATE INDEX events_delivery ON events(delivery_id);
  CREATE INDEX events_channel ON events(channel_id);

  CREATE TABLE channel_values (
    channel_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (channel_id, key)
  );

  CREATE TABLE meta (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE channel_sends (
    id BIGSERIAL PRIMARY KEY,
    counter TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    cost INTEGER NOT NULL
  );
  CREATE INDEX channel_sends_window ON channel_sends(counter, kind, at);

  CREATE TABLE channel_holds (
    channel_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    reason TEXT NOT NULL,
    since TIMESTAMPTZ NOT NULL,
    until TIMESTAMPTZ,
    by TEXT NOT NULL,
    PRIMARY KEY (channel_id, kind)
  );

  CREATE TABLE channel_leases (
    channel_id TEXT COLLATE "C" PRIMARY KEY,
    owner TEXT NOT NULL,
    until TIMESTAMPTZ NOT NULL
  );
  `,
  // SQLite's version 6: deliveries get a kind (post, retract, correct) and a parent; one post per
  // article × channel becomes a partial unique index; read-backs are due at check_at.
  `
  ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'post';
  ALTER TABLE deliveries ADD COLUMN parent_id BIGINT REFERENCES deliveries(id);
  ALTER TABLE deliveries ADD COLUMN check_at TIMESTAMPTZ;
  ALTER TABLE deliveries ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE deliveries DROP CONSTRAINT deliveries_article_id_channel_id_key;
  CREATE UNIQUE INDEX deliveries_one_post ON deliveries(article_id, channel_id) WHERE kind = 'post';
  CREATE UNIQUE INDEX deliveries_follow_up ON deliveries(parent_id, kind, idempotency_key) WHERE parent_id IS NOT NULL;
  CREATE INDEX deliveries_check ON deliveries(check_at) WHERE check_at IS NOT NULL;
  `,
  // The send log's sums (rate budgets, daily caps) come from the index alone: cost joins it.
  `
  CREATE INDEX channel_sends_budget ON channel_sends(counter, kind, at) INCLUDE (cost);
  DROP INDEX channel_sends_window;
  `,
];

/** Any constant shared by every Crier: replicas starting together migrate one after the other. */
const MIGRATION_LOCK = 7_311_640_201;

/**
 * Applies the migrations this database lacks, all in one transaction under an advisory lock, so
 * two replicas starting at once never race (the second waits, then finds nothing to do).
 */
export async function migratePostgres(pool: Pool, name: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const row = await first<{ version: number | null }>(client, 'SELECT MAX(version) AS version FROM schema_migrations');
    const current = row?.version ?? 0;
    if (current > PG_MIGRATIONS.length) {
      // Tables this Crier does not know may hold state it would ignore or overwrite.
      throw new Error(
        `store ${name} was written by a newer Crier (schema ${current}, this one knows ${PG_MIGRATIONS.length}): upgrade Crier, or point store.url at another database`,
      );
    }
    for (let version = current; version < PG_MIGRATIONS.length; version += 1) {
      await client.query(PG_MIGRATIONS[version] ?? '');
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version + 1]);
    }
  });
}

/** The schema version a database is at (0: never migrated). */
export async function postgresSchemaVersion(pool: Pool): Promise<number> {
  const exists = await first<{ found: boolean }>(pool, `SELECT to_regclass('schema_migrations') IS NOT NULL AS found`);
  if (!exists?.found) return 0;
  return (await first<{ version: number | null }>(pool, 'SELECT MAX(version) AS version FROM schema_migrations'))?.version ?? 0;
}
