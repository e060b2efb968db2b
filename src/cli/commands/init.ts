import type { Command } from 'commander';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a commented production starter config (to --config, $CRIER_CONFIG or config/crier.yaml); never overwrites a file')
    .option('--store <path>', 'the SQLite store, relative to the config file (default: state/crier.db; on a server e.g. /var/lib/crier/crier.db)')
    .option('--json', 'machine-readable output')
    .action(async (options: { store?: string; json?: boolean }) => {
      await (await import('../actions/init.js')).initAction(program, options);
    });
}
