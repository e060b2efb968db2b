#!/usr/bin/env node
// `npm run demo:reset`: deletes the demo's state (.crier-demo/) so `npm start` runs from scratch,
// unless a store in it was written to by a real channel. Deleting such a store would make Crier
// forget what it posted for real: the next run's backfill would post it all again. So each
// SQLite file in there is opened read-only first and checked for deliveries that were not dry runs.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

const dir = resolve(process.argv[2] ?? '.crier-demo');

/** The stores in the folder: SQLite files, not their -wal/-shm companions or the daemon's lock. */
function storesIn(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.db'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/** Channel ids with deliveries that were not dry runs, with their counts. */
function realDeliveries(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'").get();
    if (!table) return [];
    return db.prepare('SELECT channel_id AS channel, COUNT(*) AS n FROM deliveries WHERE dry_run = 0 GROUP BY channel_id ORDER BY channel_id').all();
  } finally {
    db.close();
  }
}

if (!existsSync(dir)) {
  console.log(`nothing to remove: ${dir} does not exist`);
  process.exit(0);
}
const refusals = [];
for (const file of storesIn(dir)) {
  let real;
  try {
    real = realDeliveries(file);
  } catch (error) {
    refusals.push(`${file}: could not be read (${error instanceof Error ? error.message : String(error)}), so it may hold real posts`);
    continue;
  }
  if (real.length > 0) {
    refusals.push(`${file}: real channels wrote to it (${real.map((r) => `${r.channel}: ${r.n} deliveries`).join(', ')})`);
  }
}
if (refusals.length > 0) {
  process.stderr.write(
    `demo:reset: not deleting ${dir}\n${refusals.map((r) => `  ${r}\n`).join('')}` +
      'This is a production store, not the demo: deleting it would make Crier post what it already posted.\n' +
      'Move it out of .crier-demo/ (and point store.path at the new place) before resetting the demo.\n',
  );
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
console.log(`demo state removed: ${dir}/`);
