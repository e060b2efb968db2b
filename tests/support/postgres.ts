import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A throw-away PostgreSQL database per test file, so runs (and parallel files) never collide.
 * The server comes from CRIER_TEST_DATABASE_URL, else postgres://127.0.0.1:5432/ (CI starts it in
 * .ci/run). A server that does not answer fails the test, in CI and locally alike: a store test
 * that skips itself when PostgreSQL is missing proves nothing.
 */
export interface TestDatabase {
  /** A postgres:// URL of the new, empty database. */
  url: string;
  name: string;
  /** Empties the database (the public schema dropped and made again). */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

export const TEST_SERVER_URL = process.env.CRIER_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/';

function urlFor(database: string): string {
  const url = new URL(TEST_SERVER_URL);
  // pg's default user is $USER, which a CI environment may lack: say who we are.
  if (url.username === '') url.username = process.env.PGUSER ?? process.env.USER ?? 'postgres';
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = urlFor('postgres');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL not reachable at ${new URL(url).host} (${detail}); start it with ` +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set CRIER_TEST_DATABASE_URL',
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `crier_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = urlFor(name);
  return {
    url,
    name,
    async reset() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      } finally {
        await client.end();
      }
    },
    async drop() {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * One throw-away database for a test file, made when a test first asks for it, so that without a
 * server every test fails with the reason (a failed beforeAll would only mark them skipped).
 */
export function lazyTestDatabase(): { get(): Promise<TestDatabase>; drop(): Promise<void> } {
  let created: Promise<TestDatabase> | undefined;
  return {
    get: () => (created ??= createTestDatabase()),
    async drop() {
      const database = await created?.catch(() => undefined);
      await database?.drop();
    },
  };
}
