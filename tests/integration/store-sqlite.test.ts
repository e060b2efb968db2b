import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { describeStoreConformance } from '../conformance/store-conformance.js';
import { tempDir } from '../support/temp-dir.js';

// A file, not :memory:, so a second handle (another process: the CLI beside the daemon) sees it.
describeStoreConformance('SQLite', async () => {
  const dir = tempDir('crier-store-');
  const file = join(dir.path, 'crier.db');
  const store = openSqliteStore(file);
  const others: Store[] = [];
  return {
    store,
    async second() {
      const other = openSqliteStore(file);
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
      dir.remove();
    },
  };
});
