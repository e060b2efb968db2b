import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { loadTemplates } from '../../src/runtime/templates.js';
import { feedKind } from '../../src/sources/feed/feed-source.js';
import { pino } from 'pino';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-messages-');
afterAll(() => dir.remove());

const CHANNEL = `channels:
  - id: masto
    platform: mastodon
    instance: https://mastodon.example.org
    credentials: { accessToken: "\${MASTO_TOKEN}" }
routes:
  - { id: all, channels: [masto] }
`;
const SOURCE = `sources:
  - { id: news, kind: feed, url: feed.xml }
`;

let n = 0;
function load(yaml: string, env: NodeJS.ProcessEnv = { MASTO_TOKEN: 'token' }) {
  return loadConfig(dir.write(`m${(n += 1)}.yaml`, yaml), env);
}
function loadError(yaml: string, env?: NodeJS.ProcessEnv): string {
  try {
    load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config messages that are true (issue 14 item 8)', () => {
  it('an empty config says what a config needs', () => {
    for (const empty of ['', '# nothing yet\n', '{}\n']) {
      expect(loadError(empty)).toMatch(/the config is empty: a config needs sources .*, channels .* and routes .*crier init/);
    }
  });

  it('a config without routes names the missing section and what a config needs', () => {
    expect(loadError(`${SOURCE}channels:\n  - { id: x-dry, platform: x, dryRun: true }\n`)).toMatch(/routes is missing: a config needs sources/);
  });

  it('a numeric id says to quote it', () => {
    expect(loadError(`sources:\n  - { id: 2024, kind: feed, url: feed.xml }\n${CHANNEL}`)).toMatch(/sources\[0\]\.id: an id is text: quote it, e\.g\. id: "2024"/);
  });

  it.each(['127.0.0.1:99999', '127.0.0.1:65536'])('refuses listen %s, naming server.listen', (listen) => {
    expect(loadError(`server: { listen: "${listen}" }\n${SOURCE}${CHANNEL}`)).toMatch(/server\.listen: a port is between 0 and 65535/);
  });

  it('accepts the highest port', () => {
    expect(load(`server: { listen: "127.0.0.1:65535" }\n${SOURCE}${CHANNEL}`).server?.port).toBe(65_535);
  });

  it('refuses a whitespace-only secret like a missing one', () => {
    expect(loadError(`${SOURCE}${CHANNEL}`, { MASTO_TOKEN: '  \n' })).toMatch(
      /channels\[0\]\.credentials\.accessToken: environment variable MASTO_TOKEN holds only whitespace/,
    );
  });

  it('refuses an empty secret file like a missing one', () => {
    dir.write('empty-token', '\n  \n');
    const yaml = `${SOURCE}${CHANNEL.replace('accessToken: "${MASTO_TOKEN}"', 'accessTokenFile: empty-token')}`;
    expect(loadError(yaml)).toMatch(/channels\[0\]\.credentials\.accessTokenFile: secret file .*empty-token is empty; write the secret into it/);
  });

  it('has the per-source fetchTimeout and maxBytes that feed errors tell people to raise', () => {
    const config = load(`sources:\n  - { id: news, kind: feed, url: feed.xml, fetchTimeout: 45s, maxBytes: 31457280 }\n${CHANNEL}`);
    expect(config.sources[0]).toMatchObject({ fetchTimeout: 45_000, maxBytes: 31_457_280 });
    expect(loadError(`sources:\n  - { id: news, kind: feed, url: feed.xml, fetchTimeout: 0s }\n${CHANNEL}`)).toMatch(
      /sources\[0\]\.fetchTimeout: a fetchTimeout is between 1s and 5m/,
    );
  });

  it("a source's maxBytes is the limit its fetch keeps to", async () => {
    dir.write('big.xml', `<rss version="2.0"><channel><title>t</title>${'<!-- padding -->'.repeat(400)}</channel></rss>`);
    const config = load(`sources:\n  - { id: news, kind: feed, url: big.xml, maxBytes: 2048 }\n${CHANNEL}`);
    const source = config.sources[0];
    if (source?.kind !== 'feed') throw new Error('no feed source');
    const fetching = feedKind.fetch(source, { state: undefined, now: () => new Date(), deadlineMs: 5000, logger: pino({ level: 'silent' }) });
    await expect(fetching).rejects.toThrow(/exceeded the 2048 bytes body limit .*raise the source's maxBytes/);
  });

  it('a template error names the config path, the template file and its line, never [object Object]', () => {
    dir.write('broken.hbs', '{{title}}\n{{titel}} {{url}}\n');
    const config = load(`${SOURCE}${CHANNEL.replace('platform: mastodon', 'platform: mastodon\n    template: broken.hbs')}`);
    let message = '';
    try {
      loadTemplates(config);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toMatch(/m\d+\.yaml channels\[0\]\.template: template .*broken\.hbs: line 2, column 3: \{\{titel\}\} is not a field/);
    expect(message).not.toMatch(/object Object/);
  });

  it('a template syntax error names its line', () => {
    dir.write('syntax.hbs', '{{title}}\n{{#if summary}}\n');
    const config = load(`${SOURCE}${CHANNEL.replace('platform: mastodon', 'platform: mastodon\n    template: syntax.hbs')}`);
    expect(() => loadTemplates(config)).toThrow(/channels\[0\]\.template: template .*syntax\.hbs: line \d+: syntax error/);
  });
});
