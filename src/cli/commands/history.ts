import type { Command } from 'commander';

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('what happened to an article on every channel (or, without one, the latest events)')
    .argument('[article]', 'article id or URL')
    .option('--channel <id>', 'only this channel')
    .option('--since <time>', 'events since: ISO 8601 or a duration ago (2h, 1d)')
    .option('--limit <n>', 'at most n events', '50')
    .option('--follow-ups', 'without an article: only stories pulled, retracted or corrected, with who, when and why')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  crier history https://news.example.org/2026/11/29/bridge\n  crier history --channel x-main --since 2h\n  crier history --follow-ups --since 1d\n')
    .action(async (ref: string | undefined, options: { channel?: string; since?: string; limit: string; followUps?: boolean; json?: boolean }) => {
      await (await import('../actions/history.js')).historyAction(program, ref, options);
    });
}
