import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { PoolClient } from 'pg';
import { createPool, first, inTransaction } from './postgres/db.js';
import { migratePostgres } from './postgres/migrations.js';
import { redactUrl } from './postgres/redact-url.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

/** A copy the target's state refuses (it holds data, and --force was not given). */
export class StoreCopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreCopyRefused';
  }
}

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export interface StoreCopyResult {
  from: string;
  to: string;
  /** The target held data that --force replaced. */
  replaced: boolean;
  tables: TableCount[];
}

interface TableSpec {
  name: string;
  columns: readonly string[];
  /** Milliseconds in SQLite, timestamptz in PostgreSQL. */
  times: readonly string[];
  /** 0/1 in SQLite, boolean in PostgreSQL. */
  booleans?: readonly string[];
  /** A BIGSERIAL id: kept, and its sequence moved past the largest. */
  serial?: boolean;
  order: string;
}

/**
 * Every table that holds state, in an order that satisfies foreign keys (an article's duplicate_of
 * points at an earlier id). Channel leases are left out: they belong to running processes.
 */
const TABLES: readonly TableSpec[] = [
  {
    name: 'sources',
    columns: ['source_id', 'initialized_at', 'etag', 'last_modified', 'body_hash', 'cursor', 'next_poll_at', 'last_poll_at', 'last_ok_at',
      'consecutive_failures', 'last_error', 'claimed_by', 'claimed_until'],
    times: ['initialized_at', 'next_poll_at', 'last_poll_at', 'last_ok_at', 'claimed_until'],
    order: 'source_id',
  },
  {
    name: 'articles',
    columns: ['id', 'source_id', 'source_key', 'url', 'canonical_url', 'title', 'published_at', 'updated_at', 'first_seen_at', 'duplicate_of', 'data'],
    times: ['published_at', 'updated_at', 'first_seen_at'],
    serial: true,
    order: 'id',
  },
  {
    name: 'deliveries',
    columns: ['id', 'article_id', 'channel_id', 'route_id', 'template', 'state', 'priority', 'dry_run', 'attempts', 'next_attempt_at',
      'first_attempt_at', 'last_attempt_at', 'last_error', 'text', 'idempotency_key', 'prepared', 'remote_id', 'remote_url', 'created_at',
      'updated_at', 'posted_at', 'kind', 'parent_id', 'check_at', 'checks'],
    times: ['next_attempt_at', 'first_attempt_at', 'last_attempt_at', 'created_at', 'updated_at', 'posted_at', 'check_at'],
    booleans: ['dry_run'],
    serial: true,
    order: 'id',
  },
  {
    name: 'events',
    columns: ['id', 'at', 'kind', 'message', 'article_id', 'delivery_id', 'channel_id', 'source_id', 'actor', 'data'],
    times: ['at'],
    serial: true,
    order: 'id',
  },
  { name: 'channel_values', columns: ['channel_id', 'key', 'value'], times: [], order: 'channel_id, key' },
  { name: 'meta', columns: ['key', 'value'], times: [], order: 'key' },
  { name: 'channel_sends', columns: ['id', 'counter', 'kind', 'at', 'cost'], times: ['at'], serial: true, order: 'id' },
  { name: 'channel_holds', columns: ['channel_id', 'kind', 'reason', 'since', 'until', 'by'], times: ['since', 'until'], order: 'channel_id, kind' },
];

/** The tables a copy writes (exported for the tests that hold the two schemas together). */
export const COPIED_TABLES: readonly { name: string; columns: readonly string[] }[] = TABLES;

const BATCH_ROWS = 500;
const quote = (name: string): string => `"${name}"`;

/**
 * Copies an SQLite store into a PostgreSQL database, row for row: ids are kept (deliveries,
 * articles and events keep their numbers, so history and `crier retry 42` still mean the same)
 * and the sequences move past them. The whole copy is one PostgreSQL transaction holding every
 * table locked, checked by counting each table on both sides before it commits: a copy is
 * complete or absent. A target that holds data is refused unless `force`, which replaces it.
 */
export async function copySqliteToPostgres(sqlitePath: string, targetUrl: string, options: { force: boolean }): Promise<StoreCopyResult> {
  if (!existsSync(sqlitePath)) throw new StoreCopyRefused(`no SQLite store at ${sqlitePath}`);
  // Bring the source to this Crier's schema (as every command does), so its columns are known.
  const upgrade = openSqliteStore(sqlitePath);
  try {
    await upgrade.migrate();
  } finally {
    await upgrade.close();
  }
  const source = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const pool = createPool(targetUrl);
  try {
    await migratePostgres(pool, redactUrl(targetUrl));
    // One read transaction: the copy is a snapshot even if a CLI command writes meanwhile.
    source.exec('BEGIN');
    try {
      return await inTransaction(pool, async (client) => {
        const replaced = await emptyTarget(client, redactUrl(targetUrl), options.force);
        const tables: TableCount[] = [];
        for (const spec of TABLES) tables.push(await copyTable(source, client, spec));
        const wrong = tables.filter((t) => t.source !== t.target);
        if (wrong.length > 0) {
          throw new Error(`copy does not add up (${wrong.map((t) => `${t.table}: ${t.source} → ${t.target}`).join(', ')}); nothing was written`);
        }
        return { from: sqlitePath, to: redactUrl(targetUrl), replaced, tables };
      });
    } finally {
      source.exec('COMMIT');
    }
  } finally {
    source.close();
    await pool.end();
  }
}

/** Locks every table; refuses (or with force, empties) a target that holds any row. */
async function emptyTarget(client: PoolClient, target: string, force: boolean): Promise<boolean> {
  const names = [...TABLES.map((t) => t.name), 'channel_leases'];
  await client.query(`LOCK TABLE ${names.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  const held: string[] = [];
  for (const name of names) {
    const row = await first<{ n: number }>(client, `SELECT COUNT(*) AS n FROM ${name}`);
    if (row && row.n > 0) held.push(`${row.n} ${name}`);
  }
  if (held.length === 0) return false;
  if (!force) {
    throw new StoreCopyRefused(`${target} is not empty (${held.join(', ')}): nothing was copied; pass --force to replace what it holds`);
  }
  await client.query(`TRUNCATE ${names.join(', ')} RESTART IDENTITY`);
  return true;
}

async function copyTable(source: Database.Database, client: PoolClient, spec: TableSpec): Promise<TableCount> {
  const counted = source.prepare(`SELECT COUNT(*) AS n FROM ${spec.name}`).get() as { n: number };
  const read = source.prepare(`SELECT ${spec.columns.map(quote).join(', ')} FROM ${spec.name} ORDER BY ${spec.order}`);
  let batch: Record<string, unknown>[] = [];
  for (const row of read.iterate() as IterableIterator<Record<string, unknown>>) {
    batch.push(row);
    if (batch.length === BATCH_ROWS) {
      await insertRows(client, spec, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await insertRows(client, spec, batch);
  if (spec.serial) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence('${spec.name}', 'id'), GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM ${spec.name}`,
    );
  }
  const target = await first<{ n: number }>(client, `SELECT COUNT(*) AS n FROM ${spec.name}`);
  return { table: spec.name, source: counted.n, target: target?.n ?? 0 };
}

async function insertRows(client: PoolClient, spec: TableSpec, rows: readonly Record<string, unknown>[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = spec.columns.map((column) => {
      values.push(convert(spec, column, row[column]));
      return `$${values.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  await client.query(`INSERT INTO ${spec.name} (${spec.columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`, values);
}

function convert(spec: TableSpec, column: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (spec.times.includes(column)) return new Date(Number(value));
  if (spec.booleans?.includes(column)) return value === 1 || value === true;
  return value;
}
