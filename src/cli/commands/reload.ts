import type { Command } from 'commander';

export function registerReloadCommand(program: Command): void {
  program
    .command('reload')
    .description('make the running daemon re-read its config (SIGHUP): validated first, a bad one is refused and the old one kept')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nThe daemon must run on this machine (under systemd: systemctl reload crier does the same).\n')
    .action(async (options: { json?: boolean }) => {
      await (await import('../actions/reload.js')).reloadAction(program, options);
    });
}
