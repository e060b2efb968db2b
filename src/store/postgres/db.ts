import pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** What the queries need: a pool (one statement, autocommit) or a client inside a transaction. */
export interface Db {
  query<R extends QueryResultRow>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The channel replicas LISTEN on: any change another replica could act on NOTIFYs it. */
export const QUEUE_CHANNEL = 'crier_queue';

/**
 * A pool whose bigint columns (BIGSERIAL ids, counts) come back as numbers, not strings: ids stay
 * far below 2^53. The parsers are this pool's own, not pg's global ones.
 */
export function createPool(url: string): Pool {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  // allowExitOnIdle: a CLI command that failed before closing the store still exits.
  const pool = new pg.Pool({ connectionString: url, types, max: 5, idleTimeoutMillis: 30_000, allowExitOnIdle: true, application_name: 'crier' });
  // An idle client whose server went away emits 'error' on the pool: without a listener that is
  // an uncaught exception. The next query gets a fresh client and reports the problem.
  pool.on('error', () => undefined);
  return pool;
}

export async function rows<R extends QueryResultRow>(db: Db, text: string, values: readonly unknown[] = []): Promise<R[]> {
  return (await db.query<R>(text, values)).rows;
}

export async function first<R extends QueryResultRow>(db: Db, text: string, values: readonly unknown[] = []): Promise<R | undefined> {
  return (await db.query<R>(text, values)).rows[0];
}

/** Runs `work` in one transaction on one client: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      // A client that cannot roll back is not given back to the pool.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Wakes the other replicas once the transaction commits (PostgreSQL folds repeats into one). */
export async function notifyQueue(db: Db): Promise<void> {
  await db.query(`SELECT pg_notify('${QUEUE_CHANNEL}', '')`);
}
