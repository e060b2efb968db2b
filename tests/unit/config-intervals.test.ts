import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-intervals-');
afterAll(() => dir.remove());

function config(defaults: string, sourceExtra = ''): string {
  return `${defaults}
sources:
  - { id: news, kind: feed, url: feed.xml${sourceExtra} }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`;
}

let n = 0;
function loadError(yaml: string): string {
  try {
    loadConfig(dir.write(`c${(n += 1)}.yaml`, yaml), {});
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('poll intervals are bounded (issue 14: interval 0 fetched a feed 2,368 times in 8 s)', () => {
  it.each(['0', '0s', '1ms', '9s'])('refuses a source interval of %s, naming the field and the escape', (value) => {
    const message = loadError(config('', `, interval: ${value}`));
    expect(message).toMatch(/c\d+\.yaml:\d+ sources\[0\]\.interval: an interval of .* would hammer the server: write at least 10s/);
    expect(message).toMatch(/defaults\.unsafeMinInterval/);
  });

  it('refuses a default interval under the floor at defaults.interval', () => {
    expect(loadError(config('defaults: { interval: 2s }'))).toMatch(/defaults\.interval: an interval of 2s/);
  });

  it.each(['8d', '100000000000000000000d', '99999999999'])('refuses an interval past the ceiling (%s)', (value) => {
    expect(loadError(config('', `, interval: ${value}`))).toMatch(/sources\[0\]\.interval: an interval of .* is longer than 7d: write at most 7d, or use schedule:/);
  });

  it('accepts the floor and the ceiling themselves', () => {
    const loaded = loadConfig(dir.write('edges.yaml', config('defaults: { interval: 10s }', ', interval: 7d')), {});
    expect(loaded.sources[0]?.interval).toBe(7 * 86_400_000);
  });

  it('lets unsafeMinInterval lower the floor for tests, never to 0', () => {
    const loaded = loadConfig(dir.write('unsafe.yaml', config('defaults: { unsafeMinInterval: 1s }', ', interval: 1s')), {});
    expect(loaded.sources[0]?.interval).toBe(1000);
    expect(loadError(config('defaults: { unsafeMinInterval: 1s }', ', interval: 500ms'))).toMatch(/an interval of 500ms would hammer the server: write at least 1s$/);
    expect(loadError(config('defaults: { unsafeMinInterval: 0s }'))).toMatch(/defaults\.unsafeMinInterval: unsafeMinInterval lowers the 10s floor for tests: write between 100ms and 10s/);
  });
});
