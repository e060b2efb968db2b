import type { Command } from 'commander';
import type { RetryOptions } from '../actions/retry.js';

export function registerRetryCommands(program: Command): void {
  program
    .command('retry')
    .description('send a failed, uncertain or cancelled delivery again (same idempotency key), now')
    .argument('[delivery]', 'delivery id (see crier history)')
    .option('--failed', 'every failed and uncertain delivery (of --channel, if given)')
    .option('--channel <id>', 'with --failed: only this channel')
    .option('--reason <text>', 'why, for the history')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  crier retry 118\n  crier retry --failed --channel mastodon-main\n')
    .action(async (id: string | undefined, options: RetryOptions) => {
      await (await import('../actions/retry.js')).retryAction(program, id, options);
    });

  program
    .command('cancel')
    .description('cancel a pending delivery so it is never sent')
    .argument('<delivery>', 'delivery id')
    .option('--reason <text>', 'why, for the history')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { reason?: string; by?: string; json?: boolean }) => {
      await (await import('../actions/retry.js')).cancelAction(program, id, options);
    });
}
