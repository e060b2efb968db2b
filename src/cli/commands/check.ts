import type { Command } from 'commander';

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('validate the config, then verify the credentials of every channel that is not a dry run (one line each); exit 1 if any fails')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      await (await import('../actions/check.js')).checkAction(program, options);
    });
}
