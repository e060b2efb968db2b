import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * Another process writing to an SQLite store as fast as it can (a daemon beside an editor's CLI),
 * until it is killed. Says "writing" once it has written, so the test knows contention has begun.
 * Run as: node --import tsx tests/support/sqlite-writer.ts <store file>
 */
const file = process.argv[2];
if (!file) throw new Error('usage: sqlite-writer.ts <store file>');
const store = openSqliteStore(file);
let told = false;
for (;;) {
  await store.appendEvent({ at: new Date(), kind: 'noise', message: 'another process writing', actor: 'writer' });
  if (!told) {
    told = true;
    process.stdout.write('writing\n');
  }
}
