import type { Command } from 'commander';

export function registerPollCommand(program: Command): void {
  program
    .command('poll')
    .description('poll sources now and record new articles (the daemon, or crier post --now, delivers them)')
    .option('--source <id>', 'only this source')
    .option('--once', 'poll once and exit (the default)')
    .option('--watch', 'keep polling on schedule without delivering, until Ctrl-C')
    .option('--json', 'machine-readable output')
    .action(async (options: { source?: string; watch?: boolean; json?: boolean }) => {
      await (await import('../actions/poll.js')).pollAction(program, options);
    });
}
