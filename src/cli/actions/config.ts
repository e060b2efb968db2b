import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { loadTemplates } from '../../runtime/templates.js';

export async function validateAction(program: Command): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const loaded = loadConfig(file, process.env);
  loadTemplates(loaded);
  process.stdout.write(
    `${file}: ok (${loaded.sources.length} sources, ${loaded.channels.length} channels, ${loaded.routes.length} routes)\n`,
  );
}
