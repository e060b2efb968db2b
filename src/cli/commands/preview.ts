import type { Command } from 'commander';

export function registerPreviewCommand(program: Command): void {
  program
    .command('preview')
    .description('show exactly what each channel would post for an article: fitted text, length, template, route, and whether it is already posted')
    .argument('<article>', 'article id (from history) or URL; a URL in no feed is read from the page')
    .option('--channel <id>', 'only this channel')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  crier preview 42\n  crier preview https://news.example.org/2026/11/29/bridge --channel x-main\n')
    .action(async (ref: string, options: { channel?: string; json?: boolean }) => {
      await (await import('../actions/preview.js')).previewAction(program, ref, options);
    });
}
