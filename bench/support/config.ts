import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CrierConfigInput } from '../../src/config/schema.js';

type ChannelInput = CrierConfigInput['channels'][number];

/** The three dry-run channels of the demo: one per platform, printing instead of posting. */
export const DRY_RUN_CHANNELS: ChannelInput[] = [
  { id: 'x-dry', platform: 'x', dryRun: true },
  { id: 'bluesky-dry', platform: 'bluesky', dryRun: true },
  { id: 'mastodon-dry', platform: 'mastodon', instance: 'https://mastodon.example.org', dryRun: true },
];

export interface TempDir {
  path: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `crier-bench-${prefix}-`));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** Writes a Crier config (typed as the schema's input, so a stale field fails tsc) and returns its path. */
export function writeConfig(dir: TempDir, config: CrierConfigInput, name = 'crier.yaml'): string {
  const file = dir.file(name);
  writeFileSync(file, stringify(config));
  return file;
}

/** N feed sources on the loopback feed server, every one routed to every channel. */
export function manyFeedsConfig(options: {
  serverUrl: string;
  feeds: number;
  interval: string;
  channels?: ChannelInput[];
  storePath?: string;
}): CrierConfigInput {
  const channels = options.channels ?? DRY_RUN_CHANNELS;
  return {
    store: { path: options.storePath ?? 'crier.db' },
    // The polling bench runs faster than the 10s floor on purpose: its loopback server is its own.
    defaults: { interval: options.interval, unsafeMinInterval: '1s', maxAge: '24h' },
    sources: Array.from({ length: options.feeds }, (_, i) => ({
      id: `site-${i}`,
      kind: 'feed' as const,
      url: `${options.serverUrl}/feeds/${i}/feed/`,
    })),
    channels,
    routes: [{ id: 'everything', channels: channels.map((c) => c.id) }],
  };
}
