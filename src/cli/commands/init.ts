import type { Command } from 'commander';

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a commented starter config (to --config, $CRIER_CONFIG or config/crier.yaml); never overwrites a file')
    .action(async () => {
      await (await import('../actions/init.js')).initAction(program);
    });
}
