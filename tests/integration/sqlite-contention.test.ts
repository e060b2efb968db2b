import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { deliver, event, newDelivery, record, sourceState } from '../conformance/harness.js';
import { makeArticle } from '../support/articles.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The daemon and editors' commands are separate processes writing one SQLite file. A method that
 * reads before it writes, in a deferred transaction, cannot wait for the other process's write:
 * SQLite answers SQLITE_BUSY (or SQLITE_BUSY_SNAPSHOT) at once, whatever busy_timeout says. Such
 * methods take the write lock when they begin, and wait their turn like every other write.
 */
let writer: ChildProcess | undefined;
const dir = tempDir('crier-contention-');
afterEach(async () => {
  if (writer && writer.exitCode === null) {
    writer.kill('SIGKILL');
    await once(writer, 'exit');
  }
  dir.remove();
});

describe('SQLite store beside another process writing', () => {
  it('ingest, recordArticle and clearHolds wait for the other writer instead of failing with SQLITE_BUSY', { timeout: 60_000 }, async () => {
    const file = join(dir.path, 'crier.db');
    const store = openSqliteStore(file);
    await store.migrate();
    writer = spawn(process.execPath, ['--import', 'tsx', 'tests/support/sqlite-writer.ts', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [chunk] = (await once(writer.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    expect(chunk.toString()).toBe('writing\n');

    const failures: string[] = [];
    const attempt = async (what: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (let n = 0; n < 300; n += 1) {
      const at = new Date(Date.UTC(2026, 10, 29, 12, 0, n));
      await attempt('ingest', () => store.ingest('news', [deliver(makeArticle({ key: `k${n}` }), [newDelivery('x')]), record(makeArticle({ key: `r${n}` }))], sourceState('news'), at));
      await attempt('recordArticle', () => store.recordArticle(makeArticle({ key: `m${n}`, sourceId: 'manual' }), at, event('article-recorded', at)));
      await attempt('clearHolds', () => store.clearHolds('x', ['paused'], at));
    }
    writer.kill('SIGKILL');
    await store.close();
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
