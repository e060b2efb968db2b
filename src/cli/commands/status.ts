import type { Command } from 'commander';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('is the daemon alive; per channel: ok, paused (why) or rate limited until when, queue, last post, last error; failing sources')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      await (await import('../actions/status.js')).statusAction(program, options);
    });
}
