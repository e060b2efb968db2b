import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { configPathFrom, type GlobalOptionsLike } from '../../config/load.js';
import { STARTER_CONFIG } from '../starter-config.js';

export async function initAction(program: Command): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  if (existsSync(file)) {
    process.stderr.write(`crier: ${file} already exists; not overwriting it (choose another path with --config)\n`);
    process.exitCode = 1;
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, STARTER_CONFIG, { flag: 'wx' });
  process.stdout.write(`wrote ${file}\nnext: edit the sources, then run \`crier config validate\` and \`crier run\`\n`);
}
