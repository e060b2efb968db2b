import type { Command } from 'commander';

export function registerStoreCommands(program: Command): void {
  const store = program.command('store').description('work with the store itself');
  store
    .command('copy')
    .description('copy the configured SQLite store into PostgreSQL (history, queue, holds, sessions): ids kept, counts checked, all or nothing')
    .requiredOption('--to <url>', 'the PostgreSQL database, postgres://user@host:5432/db (a password is better in PGPASSWORD)')
    .option('--force', 'replace what the target database already holds')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nStop `crier run` first. Then point the config at the copy (store.url, or CRIER_DATABASE_URL).\n\nExample:\n  crier store copy --to postgres://crier@db.internal:5432/crier\n',
    )
    .action(async (options: { to: string; force?: boolean; json?: boolean }) => {
      await (await import('../actions/store-copy.js')).storeCopyAction(program, options);
    });
}
