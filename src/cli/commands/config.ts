import type { Command } from 'commander';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('work with the configuration file');
  config
    .command('validate')
    .description('check the config: schema, references, secrets and every template (renders each against a sample)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      await (await import('../actions/config.js')).validateAction(program, options);
    });
}
