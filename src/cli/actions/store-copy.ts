import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { DATABASE_URL_ENV } from '../../config/store-location.js';
import { copySqliteToPostgres, StoreCopyRefused } from '../../store/copy-store.js';
import { DaemonLockedError, lockStoreForDaemon } from '../../store/sqlite/daemon-lock.js';
import { printJson, stdoutOutput, table, UsageError } from '../output.js';

/**
 * `crier store copy --to postgres://…`: the configured SQLite store into PostgreSQL. The source is
 * the config's store.path even when CRIER_DATABASE_URL is set (that is usually the target).
 */
export async function storeCopyAction(program: Command, options: { to: string; force?: boolean; json?: boolean }): Promise<void> {
  if (!/^postgres(ql)?:\/\//i.test(options.to)) throw new UsageError(`--to must be a postgres:// URL`);
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const config = loadConfig(file, { ...process.env, [DATABASE_URL_ENV]: undefined }, { secrets: [] });
  if (config.store.kind !== 'sqlite') throw new UsageError(`${file}: the store is already PostgreSQL (store.url); there is no SQLite store to copy`);
  if (!existsSync(config.store.path)) throw new UsageError(`no SQLite store at ${config.store.path}: nothing to copy`);
  // A daemon sending from the SQLite store meanwhile would leave the copy behind: refuse, as a
  // second `crier run` would be refused, and hold the lock so none starts during the copy.
  const lock = await lockStoreForDaemon(config.store.path).catch((error: unknown) => {
    if (!(error instanceof DaemonLockedError)) throw error;
    const who = error.holder ? ` (pid ${error.holder.pid} on ${error.holder.host}, since ${error.holder.startedAt.toISOString()})` : '';
    throw new UsageError(`a crier run is using ${error.storePath}${who}: stop it before copying the store`);
  });
  let result;
  try {
    result = await copySqliteToPostgres(config.store.path, options.to, { force: options.force === true });
  } catch (error) {
    if (error instanceof StoreCopyRefused) throw new UsageError(error.message);
    throw error;
  } finally {
    await lock.release(undefined);
  }
  const out = stdoutOutput();
  if (options.json) {
    printJson(out, result);
    return;
  }
  out.write(`copied ${result.from} → ${result.to}${result.replaced ? ' (its previous content replaced)' : ''}\n\n`);
  out.write(table(['TABLE', 'SOURCE', 'TARGET'], result.tables.map((t) => [t.table, String(t.source), String(t.target)])));
  out.write(`\nevery count matches. Point Crier at it: store.url in ${file}, or ${DATABASE_URL_ENV}.\n`);
}
