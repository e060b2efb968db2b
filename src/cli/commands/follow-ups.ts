import type { Command } from 'commander';
import type { CorrectOptions, RetractOptions } from '../actions/follow-ups.js';

export function registerFollowUpCommands(program: Command): void {
  program
    .command('retract')
    .description("the kill switch for a story: delete every post Crier made of it and cancel what is still queued")
    .argument('<article>', 'article id (from history) or URL')
    .requiredOption('--reason <text>', 'why, for the history (required)')
    .option('--channel <id>', 'only this channel')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--now', 'when no daemon is running, delete from this process instead of only queueing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  crier retract 42 --reason "legal: names a minor"\n  crier retract https://news.example.org/2026/11/29/bridge --channel x-main --reason "wrong photo"\n')
    .action(async (ref: string, options: RetractOptions) => {
      if (options.now) (await import('../context.js')).loadCliConfig(program, ['channels']);
      await (await import('../actions/follow-ups.js')).retractAction(program, ref, options);
    });

  program
    .command('correct')
    .description("reply a correction under each of the article's live posts (once per channel and text)")
    .argument('<article>', 'article id (from history) or URL')
    .option('--text <words>', 'the correction (else templates/<platform>-correction.hbs)')
    .option('--edit', 'also append --text to the original post where the platform shows the edit history (Mastodon)')
    .option('--channel <id>', 'only this channel')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--now', 'when no daemon is running, send from this process instead of only queueing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  crier correct 42 --text "Correction: the bridge opens in May, not March."\n  crier correct 42 --text "Correction: the vote was 7 to 2." --edit --channel mastodon-main\n')
    .action(async (ref: string, options: CorrectOptions) => {
      if (options.now) (await import('../context.js')).loadCliConfig(program, ['channels']);
      await (await import('../actions/follow-ups.js')).correctAction(program, ref, options);
    });
}
