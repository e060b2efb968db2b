import type { StoreLocation } from '../config/store-location.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * Opens the configured store (not yet migrated). The PostgreSQL client is loaded only when the
 * store is PostgreSQL, so editors' commands on SQLite do not pay for it at start.
 */
export async function openStore(config: { store: StoreLocation }): Promise<Store> {
  if (config.store.kind === 'sqlite') return openSqliteStore(config.store.path);
  const { openPostgresStore } = await import('./postgres/postgres-store.js');
  return openPostgresStore(config.store.url);
}
