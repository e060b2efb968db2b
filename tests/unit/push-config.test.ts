import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, type CrierConfig } from '../../src/config/load.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-push-config-');
afterAll(() => dir.remove());

const REST = `channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`;

let files = 0;
function load(yaml: string, env: NodeJS.ProcessEnv = { HOOK_SECRET: 's3cret' }): CrierConfig {
  return loadConfig(dir.write(`push-${++files}.yaml`, `${yaml}${REST}`), env);
}

function loadError(yaml: string, env?: NodeJS.ProcessEnv): ConfigError {
  try {
    load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const WEBSUB = `sources:
  - id: news
    kind: websub
    url: https://news.example.org/feed/
`;
const WEBHOOK = `sources:
  - id: cms
    kind: webhook
    secret: \${HOOK_SECRET}
`;
const SERVER = 'server: { listen: "127.0.0.1:8787", publicUrl: "https://crier.example.org" }\n';

describe('push source config', () => {
  it('loads a WebSub source with its defaults', () => {
    const config = load(SERVER + WEBSUB);
    expect(config.sources[0]).toMatchObject({ kind: 'websub', lease: 10 * 86_400_000, safetyPoll: 15 * 60_000, interval: 60_000 });
  });

  it('refuses a WebSub source without a server, or without server.publicUrl, naming the source', () => {
    const none = loadError(WEBSUB);
    expect(none.path).toBe('sources[0].kind');
    expect(none.line).toBe(3);
    expect(none.message).toMatch(/source news: a websub source receives pushes at \/websub\/news .*add server:/);
    const noPublicUrl = loadError(`server: { listen: "127.0.0.1:8787" }\n${WEBSUB}`);
    expect(noPublicUrl.message).toMatch(/sources\[0\]\.kind: source news: a websub source needs server\.publicUrl: the hub calls back <publicUrl>\/websub\/news/);
  });

  it('keeps the safety poll within 15 minutes and the feed on http(s)', () => {
    expect(loadError(`${SERVER}${WEBSUB}    safetyPoll: 20m\n`).message).toMatch(/sources\[0\]\.safetyPoll: the safety poll is between 1m and 15m/);
    expect(loadError(SERVER + WEBSUB.replace('https://news.example.org/feed/', 'feed.xml')).message).toMatch(/sources\[0\]\.url: write the feed URL/);
  });

  it('loads a webhook source with its secret from the environment or a file', () => {
    expect(load(`server: {}\n${WEBHOOK}`).sources[0]).toMatchObject({ kind: 'webhook', secret: 's3cret' });
    dir.write('hook-secret', 'from-a-file\n');
    const fromFile = load(`server: {}\n${WEBHOOK.replace('secret: ${HOOK_SECRET}', 'secretFile: hook-secret')}`);
    expect(fromFile.sources[0]).toMatchObject({ secret: 'from-a-file' });
  });

  it('refuses a webhook source without a server, without a secret, with a literal or unset secret, or with poll options', () => {
    expect(loadError(WEBHOOK).message).toMatch(/sources\[0\]\.kind: source cms: a webhook source receives pushes at \/hooks\/cms/);
    expect(loadError(`server: {}\n${WEBHOOK.replace('    secret: ${HOOK_SECRET}\n', '')}`).message).toMatch(
      /sources\[0\]\.secret: missing: set secret: \$\{ENV_NAME\} or secretFile/,
    );
    expect(loadError(`server: {}\n${WEBHOOK.replace('${HOOK_SECRET}', 'hunter2')}`).message).toMatch(/sources\[0\]\.secret: looks like a literal secret/);
    const unset = loadError(`server: {}\n${WEBHOOK}`, {});
    expect(unset.path).toBe('sources[0].secret');
    expect(unset.message).toMatch(/environment variable HOOK_SECRET is not set/);
    expect(loadError(`server: {}\n${WEBHOOK}    interval: 60s\n`).message).toMatch(/sources\[0\]\.interval: a webhook source is never polled/);
  });
});
