import type { Command } from 'commander';

export function registerPauseCommands(program: Command): void {
  program
    .command('pause')
    .description('stop posting to a channel (or all): a kill switch the running daemon honours within a second; deliveries wait')
    .argument('[channel]', 'channel id')
    .option('--all', 'every channel')
    .option('--reason <text>', 'why, shown by crier status')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  crier pause x-main --reason "wrong template, fixing"\n  crier pause --all --reason "legal hold"\n')
    .action(async (channel: string | undefined, options: { all?: boolean; reason?: string; by?: string; json?: boolean }) => {
      await (await import('../actions/pause.js')).pauseAction(program, channel, options);
    });

  program
    .command('resume')
    .description('resume a paused channel (also clears an auth or rate-limit hold); waiting deliveries go out')
    .argument('[channel]', 'channel id')
    .option('--all', 'every channel')
    .option('--by <name>', 'who, for the history (default: $USER)')
    .option('--json', 'machine-readable output')
    .action(async (channel: string | undefined, options: { all?: boolean; by?: string; json?: boolean }) => {
      await (await import('../actions/pause.js')).resumeAction(program, channel, options);
    });
}
