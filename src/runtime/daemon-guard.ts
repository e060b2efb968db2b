import { describeStoreLocation, type StoreLocation } from '../config/store-location.js';
import { lockStoreForDaemon } from '../store/sqlite/daemon-lock.js';
import { watchStoreFile } from '../store/sqlite/store-file-watch.js';
import type { Store } from '../store/store.js';

/** How often a daemon checks that its SQLite path still names the file it opened. */
const STORE_CHECK_EVERY_MS = 1000;

export interface DaemonGuard {
  /** The store, for messages (a PostgreSQL URL without its password). */
  where: string;
  /** Records who holds the store, for the message a refused second daemon gives. */
  announce(store: Store, startedAt: Date): Promise<void>;
  /** Calls `onLost` once if the store this daemon opened is no longer the one everyone uses. */
  watch(onLost: (problem: string) => void): { stop(): void };
  release(store: Store | undefined): Promise<void>;
}

/**
 * What `crier run` holds for its life, taken before the store is migrated or anything is sent.
 * On SQLite: the one-daemon lock (a second daemon is refused, naming the first) and a watch on
 * the file (deleted or replaced, the daemon stops). On PostgreSQL nothing: replicas share the
 * database by design, and the database arbitrates through leases and claims.
 */
export async function guardStoreForDaemon(location: StoreLocation): Promise<DaemonGuard> {
  const where = describeStoreLocation(location);
  if (location.kind !== 'sqlite') {
    return { where, announce: async () => undefined, watch: () => ({ stop: () => undefined }), release: async () => undefined };
  }
  const lock = await lockStoreForDaemon(location.path);
  return {
    where,
    announce: (store, startedAt) => lock.announce(store, startedAt),
    watch: (onLost) => watchStoreFile(location.path, STORE_CHECK_EVERY_MS, onLost),
    release: (store) => lock.release(store),
  };
}
