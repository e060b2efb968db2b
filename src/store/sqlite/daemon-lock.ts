import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../store.js';
import { ensurePrivateFile } from './private-file.js';
import { openSqliteStore } from './sqlite-store.js';

/** The store's meta key naming the daemon that holds the lock. */
const HOLDER_KEY = 'daemon-lock';

export interface DaemonHolder {
  pid: number;
  host: string;
  startedAt: Date;
}

interface HolderJson {
  pid: number;
  host: string;
  startedAt: string;
}

export interface DaemonLock {
  /** Writes who holds the lock into the store, for the message of a refused second daemon. */
  announce(store: Store, startedAt: Date): Promise<void>;
  /** Forgets the holder and lets the lock go (the OS lets it go anyway when the process ends). */
  release(store: Store | undefined): Promise<void>;
}

/** A second `crier run` on a store another one already runs on. */
export class DaemonLockedError extends Error {
  constructor(
    readonly storePath: string,
    readonly holder: DaemonHolder | undefined,
  ) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.host}, running since ${holder.startedAt.toISOString()}`
      : 'its pid and host are not recorded yet';
    super(
      `another crier run already uses the store ${storePath} (${who}): run one daemon per store; stop that one first, or give this one another store.path`,
    );
    this.name = 'DaemonLockedError';
  }
}

/**
 * One daemon per SQLite store: two would both recover "interrupted" deliveries that the other is
 * sending, and both send the queue. The lock is SQLite's own exclusive lock (an fcntl lock) on a
 * small file beside the store, `<store>.lock`, held by a write transaction that stays open for
 * the daemon's life. The kernel drops it when the process ends however it ends (SIGKILL, OOM),
 * so a dead daemon never blocks the next start, and no pid file can go stale. The lock file
 * holds nothing: who holds the lock is written to the store, which everyone can read.
 */
export async function lockStoreForDaemon(storePath: string, self = { pid: process.pid, host: hostname() }): Promise<DaemonLock> {
  if (storePath === ':memory:') return { announce: async () => undefined, release: async () => undefined };
  const lockPath = `${storePath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  ensurePrivateFile(lockPath);
  // No busy timeout: a held lock is an answer, not something to wait for.
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (!isBusy(error)) throw error;
    throw new DaemonLockedError(storePath, await readHolder(storePath));
  }
  return {
    async announce(store, startedAt) {
      const json: HolderJson = { pid: self.pid, host: self.host, startedAt: startedAt.toISOString() };
      await store.setMeta(HOLDER_KEY, JSON.stringify(json));
    },
    async release(store) {
      await store?.setMeta(HOLDER_KEY, undefined);
      if (db.open) {
        db.exec('ROLLBACK');
        db.close();
      }
    },
  };
}

function isBusy(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED');
}

async function readHolder(storePath: string): Promise<DaemonHolder | undefined> {
  const store = openSqliteStore(storePath);
  try {
    const raw = await store.getMeta(HOLDER_KEY);
    if (!raw) return undefined;
    const json = JSON.parse(raw) as HolderJson;
    return { pid: json.pid, host: json.host, startedAt: new Date(json.startedAt) };
  } catch {
    // A store not migrated yet, or a row from another version: the refusal stands without names.
    return undefined;
  } finally {
    await store.close();
  }
}
