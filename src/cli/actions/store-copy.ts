import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { DATABASE_URL_ENV } from '../../config/store-location.js';
import { copyConfiguredStore, StoreCopyRefused, type StoreCopyResult } from '../../runtime/store-copy.js';
import { printJson, stdoutOutput, table, UsageError } from '../output.js';

/**
 * `crier store copy --to postgres://…`: the configured SQLite store into PostgreSQL. The source is
 * the config's store.path even when CRIER_DATABASE_URL is set (that is usually the target).
 */
export async function storeCopyAction(program: Command, options: { to: string; force?: boolean; json?: boolean }): Promise<void> {
  if (!/^postgres(ql)?:\/\//i.test(options.to)) throw new UsageError(`--to must be a postgres:// URL`);
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const config = loadConfig(file, { ...process.env, [DATABASE_URL_ENV]: undefined }, { secrets: [] });
  let result: StoreCopyResult;
  try {
    result = await copyConfiguredStore(config.store, options.to, { force: options.force === true });
  } catch (error) {
    if (error instanceof StoreCopyRefused) throw new UsageError(error.message);
    throw error;
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
