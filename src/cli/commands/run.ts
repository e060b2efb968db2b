import type { Command } from 'commander';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the daemon: poll sources, publish due deliveries, until SIGINT/SIGTERM')
    .action(async () => {
      await (await import('../actions/run.js')).runAction(program);
    });
}
