import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-demo-store-');
afterAll(() => dir.remove());

function config(name: string, store: string, dryRun: boolean): string {
  return dir.write(
    name,
    `store: { path: ${store} }
sources:
  - { id: news, kind: feed, url: feed.xml }
channels:
  - { id: x-dry, platform: x, dryRun: true }
  - id: masto
    platform: mastodon
    instance: https://mastodon.example.org
    dryRun: ${dryRun}
    credentials: { accessToken: "\${MASTO}" }
routes:
  - { id: all, channels: [x-dry, masto] }
`,
  );
}

describe('the demo store (.crier-demo/) is for dry runs only', () => {
  it('is refused, at store.path with its line, for a config with a channel that really posts', () => {
    const file = config('live.yaml', '../.crier-demo/crier.db', false);
    let error: unknown;
    try {
      loadConfig(file, { MASTO: 'token' }, { secrets: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/live\.yaml:1 store\.path: .*\.crier-demo\/crier\.db is inside \.crier-demo\/.*demo:reset.*channel masto is not a dry run/);
  });

  it('is accepted when every channel is a dry run (the demo itself), and any other store for real channels', () => {
    expect(loadConfig(config('demo.yaml', '../.crier-demo/crier.db', true), {}, { secrets: [] }).store.kind).toBe('sqlite');
    expect(loadConfig(config('real.yaml', 'state/crier.db', false), { MASTO: 'token' }, { secrets: [] }).store).toEqual({
      kind: 'sqlite',
      path: `${dir.path}/state/crier.db`,
    });
  });
});
