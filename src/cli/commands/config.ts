import type { Command } from 'commander';
import { configPathFrom, loadConfig } from '../../config/load.js';
import { loadTemplates } from '../../runtime/templates.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('work with the configuration file');
  config
    .command('validate')
    .description('check the config: schema, references, secrets and every template (renders each against a sample)')
    .action(() => {
      const file = configPathFrom(program.opts<{ config?: string }>().config, process.env);
      const loaded = loadConfig(file, process.env);
      loadTemplates(loaded);
      process.stdout.write(
        `${file}: ok (${loaded.sources.length} sources, ${loaded.channels.length} channels, ${loaded.routes.length} routes)\n`,
      );
    });
}
