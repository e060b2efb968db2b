import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { loadTemplates } from '../../runtime/templates.js';
import { printJson, stdoutOutput } from '../output.js';

export async function validateAction(program: Command, options: { json?: boolean } = {}): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  // Every secret is checked, and every one that cannot be read is listed, not just the first.
  const loaded = loadConfig(file, process.env, { secrets: [] });
  loadTemplates(loaded);
  const problems = loaded.secrets.problems();
  const counts = { sources: loaded.sources.length, channels: loaded.channels.length, routes: loaded.routes.length };
  if (options.json) printJson(stdoutOutput(), { config: file, ok: problems.length === 0, ...counts, problems: problems.map((p) => p.message) });
  if (problems.length > 0) {
    if (!options.json) for (const problem of problems) process.stderr.write(`crier: ${problem.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (!options.json) process.stdout.write(`${file}: ok (${counts.sources} sources, ${counts.channels} channels, ${counts.routes} routes)\n`);
}
