import type { Command } from 'commander';
import type { PostOptions } from '../actions/post.js';

export function registerPostCommand(program: Command): void {
  program
    .command('post')
    .description('post (or repost) an article now: queued for the daemon, or sent from here with --now when no daemon runs')
    .argument('<article>', 'article id (from history) or URL; a URL in no feed is read from the page')
    .option('--channels <ids>', 'comma-separated channel ids (default: the channels its routes select)')
    .option('--force', 'post again on channels that already have it (recorded with who and why)')
    .option('--breaking', 'breaking priority: ahead of the queue, past spacing and quiet hours (never past platform limits)')
    .option('--at <time>', 'not before this time: ISO 8601 (2026-11-29T18:30) or a delay (30m, 2h)')
    .option('--reason <text>', 'why, for the history')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--now', 'when no daemon is running, publish from this process instead of only queueing')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  crier post https://news.example.org/2026/11/29/bridge\n  crier post 42 --channels x-main --force --reason "typo in the first post"\n  crier post 42 --breaking --now\n',
    )
    .action(async (ref: string, options: PostOptions) => {
      // Only --now may publish from this process, so only --now needs the channels' credentials:
      // a missing one stops it here, before anything is queued, with the file, line and variable.
      if (options.now) (await import('../context.js')).loadCliConfig(program, ['channels']);
      await (await import('../actions/post.js')).postAction(program, ref, options);
    });
}
