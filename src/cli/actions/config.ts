import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { loadTemplates } from '../../runtime/templates.js';

export async function validateAction(program: Command): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  // Every secret is checked, and every one that cannot be read is listed, not just the first.
  const loaded = loadConfig(file, process.env, { secrets: [] });
  loadTemplates(loaded);
  const problems = loaded.secrets.problems();
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`crier: ${problem.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(
    `${file}: ok (${loaded.sources.length} sources, ${loaded.channels.length} channels, ${loaded.routes.length} routes)\n`,
  );
}
