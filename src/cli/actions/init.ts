import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { configPathFrom, type GlobalOptionsLike } from '../../config/load.js';
import { printJson, stdoutOutput } from '../output.js';
import { DEFAULT_STARTER_STORE, starterConfig } from '../starter-config.js';

export async function initAction(program: Command, options: { store?: string; json?: boolean }): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  if (existsSync(file)) {
    process.stderr.write(`crier: ${file} already exists; not overwriting it (choose another path with --config)\n`);
    process.exitCode = 1;
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  const store = options.store ?? DEFAULT_STARTER_STORE;
  writeFileSync(file, starterConfig(store), { flag: 'wx' });
  const out = stdoutOutput();
  if (options.json) {
    printJson(out, { config: file, store });
    return;
  }
  const flag = relative(process.cwd(), file) === 'config/crier.yaml' ? '' : ` --config ${file}`;
  out.write(
    `wrote ${file} (store: ${store})\n` +
      `next: edit its sources and channels, set the environment variables it names, then\n` +
      `  npx crier${flag} config validate    lists every variable still missing\n` +
      `  npx crier${flag} check              verifies each account's credentials\n` +
      `  npx crier${flag} run                starts the daemon (the first poll posts nothing)\n`,
  );
}
