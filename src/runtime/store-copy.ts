import { existsSync } from 'node:fs';
import type { StoreLocation } from '../config/store-location.js';
import { copySqliteToPostgres, StoreCopyRefused, type StoreCopyResult } from '../store/copy-store.js';
import { DaemonLockedError, lockStoreForDaemon } from '../store/sqlite/daemon-lock.js';

export { StoreCopyRefused, type StoreCopyResult } from '../store/copy-store.js';

/**
 * `crier store copy`: the configured SQLite store into the PostgreSQL database at `to`. Refused
 * (StoreCopyRefused) when there is no SQLite store, when a `crier run` is using it (it would go on
 * sending from a store the copy has left behind), or when the target holds data and not `force`.
 * The daemon lock is held for the copy, so none starts meanwhile.
 */
export async function copyConfiguredStore(location: StoreLocation, to: string, options: { force: boolean }): Promise<StoreCopyResult> {
  if (location.kind !== 'sqlite') throw new StoreCopyRefused('the store is already PostgreSQL (store.url); there is no SQLite store to copy');
  if (!existsSync(location.path)) throw new StoreCopyRefused(`no SQLite store at ${location.path}: nothing to copy`);
  const lock = await lockStoreForDaemon(location.path).catch((error: unknown) => {
    if (!(error instanceof DaemonLockedError)) throw error;
    const who = error.holder ? ` (pid ${error.holder.pid} on ${error.holder.host}, since ${error.holder.startedAt.toISOString()})` : '';
    throw new StoreCopyRefused(`a crier run is using ${error.storePath}${who}: stop it before copying the store`);
  });
  try {
    return await copySqliteToPostgres(location.path, to, options);
  } finally {
    await lock.release(undefined);
  }
}
