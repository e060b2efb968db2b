import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CrierConfigInput } from '../../src/config/schema.js';
import { writeConfig, type TempDir } from './config.js';

export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../config/crier.example.yaml', import.meta.url));

/**
 * The example (demo) config as shipped, with its store moved into a temp dir so the bench never
 * touches .crier-demo/, and relative feed paths made absolute. Refuses a config that would reach
 * beyond loopback (the bench must not touch the network).
 */
export function copyExampleConfig(dir: TempDir): string {
  const config = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as CrierConfigInput;
  const base = dirname(EXAMPLE_CONFIG);
  const sources = config.sources.map((source) => {
    if (!('url' in source) || typeof source.url !== 'string') return source;
    const url = source.url;
    if (/^https?:\/\//i.test(url)) {
      const host = new URL(url).hostname;
      if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`the example config polls ${url}: the bench stays on loopback`);
      return source;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return source;
    return { ...source, url: isAbsolute(url) ? url : resolve(base, url) };
  });
  for (const channel of config.channels) {
    if (!channel.dryRun) throw new Error(`the example config's channel ${channel.id} is not a dry run: the bench stays on loopback`);
  }
  return writeConfig(dir, { ...config, store: { path: dir.file('crier.db') }, sources });
}
