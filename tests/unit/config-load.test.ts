import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { loadTemplates } from '../../src/runtime/templates.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir();
afterAll(() => dir.remove());

const VALID = `
sources:
  - id: news
    kind: feed
    url: feed.xml
channels:
  - id: bsky
    platform: bluesky
    credentials:
      identifier: news.example.org
      appPassword: \${BSKY_APP_PASSWORD}
  - id: x-dry
    platform: x
    dryRun: true
routes:
  - id: all
    channels: [bsky, x-dry]
`;

function load(name: string, yaml: string, env: NodeJS.ProcessEnv = { BSKY_APP_PASSWORD: 'secret-value' }) {
  return loadConfig(dir.write(name, yaml), env);
}

function loadError(name: string, yaml: string, env?: NodeJS.ProcessEnv): ConfigError {
  try {
    load(name, yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads a valid config, applies defaults, resolves paths and secrets', () => {
    const config = load('valid.yaml', VALID);
    expect(config.sources[0]?.url).toBe(`file://${dir.path}/feed.xml`);
    expect(config.sources[0]?.interval).toBe(60_000);
    expect(config.sources[0]?.maxAge).toBe(24 * 3_600_000);
    expect(config.store).toEqual({ kind: 'sqlite', path: `${dir.path}/crier.db` });
    const bsky = config.channels.find((c) => c.id === 'bsky');
    if (!bsky) throw new Error('no bsky channel');
    // The config keeps the reference; only what asks for the value gets it.
    expect(bsky.credentials).toEqual({ identifier: 'news.example.org', appPassword: '${BSKY_APP_PASSWORD}' });
    expect(config.secrets.channel(bsky).credentials).toEqual({ identifier: 'news.example.org', appPassword: 'secret-value' });
  });

  it('reads a secret from a *File path relative to the config', () => {
    dir.write('secrets/bsky', 'from-file\n');
    const config = load('file-secret.yaml', VALID.replace('appPassword: ${BSKY_APP_PASSWORD}', 'appPasswordFile: secrets/bsky'), {});
    const bsky = config.channels[0];
    if (!bsky) throw new Error('no channel');
    expect(config.secrets.channel(bsky).credentials).toEqual({ identifier: 'news.example.org', appPassword: 'from-file' });
  });

  it('reads no secret at load when the command needs none, and names a missing one when it is used', () => {
    const file = dir.write('deferred.yaml', VALID);
    const config = loadConfig(file, {}, { secrets: [] });
    const bsky = config.channels[0];
    if (!bsky) throw new Error('no channel');
    expect(() => config.secrets.channel(bsky)).toThrow(
      `${file}:11 channels[0].credentials.appPassword: environment variable BSKY_APP_PASSWORD is not set; export it before starting Crier`,
    );
    expect(config.secrets.problems().map((p) => p.message)).toEqual([
      `${file}:11 channels[0].credentials.appPassword: environment variable BSKY_APP_PASSWORD is not set; export it before starting Crier`,
    ]);
    // A dry-run channel never needs any.
    const dry = config.channels[1];
    if (!dry) throw new Error('no channel');
    expect(config.secrets.channel(dry)).toEqual(dry);
  });

  it('still checks that every secret reference is well-formed when it reads none', () => {
    const error = (() => {
      try {
        loadConfig(dir.write('deferred-literal.yaml', VALID.replace('${BSKY_APP_PASSWORD}', 'abcd-efgh')), {}, { secrets: [] });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('channels[0].credentials.appPassword');
  });

  it('names the file when it is missing', () => {
    expect(() => loadConfig(`${dir.path}/nope.yaml`, {})).toThrow(/nope\.yaml: config file not found; pass --config/);
  });

  it('refuses an unknown platform, naming path and line', () => {
    const error = loadError('platform.yaml', VALID.replace('platform: x', 'platform: myspace'));
    expect(error.message).toBe(
      `${dir.path}/platform.yaml:13 channels[1].platform: unknown platform "myspace": use one of x, bluesky, mastodon`,
    );
  });

  it('refuses a literal secret and says how to reference one', () => {
    const error = loadError('literal.yaml', VALID.replace('${BSKY_APP_PASSWORD}', 'abcd-efgh-ijkl-mnop'));
    expect(error.path).toBe('channels[0].credentials.appPassword');
    expect(error.line).toBe(11);
    expect(error.message).toMatch(/literal secret.*\$\{ENV_NAME\}.*File/);
    expect(error.message).not.toContain('abcd-efgh');
  });

  it('names the missing environment variable', () => {
    const error = loadError('env.yaml', VALID, {});
    expect(error.message).toBe(
      `${dir.path}/env.yaml:11 channels[0].credentials.appPassword: environment variable BSKY_APP_PASSWORD is not set; export it before starting Crier`,
    );
  });

  it('requires credentials unless the channel is a dry run', () => {
    const error = loadError('nocreds.yaml', VALID.replace('    dryRun: true\n', ''));
    expect(error.message).toMatch(/channels\[1\]\.credentials: credentials are required unless dryRun is true/);
  });

  it('refuses a route to an unknown channel', () => {
    const error = loadError('route.yaml', VALID.replace('[bsky, x-dry]', '[bsky, mastodon]'));
    expect(error.message).toMatch(/:17 routes\[0\]\.channels\[1\]: unknown channel "mastodon"; channels are: bsky, x-dry/);
  });

  it('reports YAML syntax errors with their line', () => {
    const error = loadError('syntax.yaml', 'sources:\n  - id: a\n   kind: [feed\n');
    expect(error.message).toMatch(/syntax\.yaml:3: invalid YAML/);
  });

  it('refuses unknown fields (a typo must not be silently ignored)', () => {
    const error = loadError('typo.yaml', VALID.replace('kind: feed', 'kind: feed\n    intervall: 5m'));
    expect(error.message).toMatch(/sources\[0\]: unknown field intervall/);
  });

  it('refuses an invalid cron schedule and duration', () => {
    expect(loadError('cron.yaml', VALID.replace('kind: feed', 'kind: feed\n    schedule: "every day"')).message).toMatch(
      /sources\[0\]\.schedule: not a valid cron expression/,
    );
    expect(loadError('dur.yaml', VALID.replace('kind: feed', 'kind: feed\n    interval: soon')).message).toMatch(
      /sources\[0\]\.interval/,
    );
  });
});

describe('templates at load time', () => {
  it('names the template file and line of a syntax error', () => {
    dir.write('broken.hbs', '{{title}}\n{{#if summary}}\n{{summary}}\n');
    const config = load('broken-template.yaml', VALID.replace('    dryRun: true', '    dryRun: true\n    template: broken.hbs'));
    expect(() => loadTemplates(config)).toThrow(/channels\[1\]\.template: template .*broken\.hbs: line 4: syntax error/);
  });

  it('catches a misspelt field by rendering against a sample article', () => {
    dir.write('typo.hbs', '{{title}}\n{{sumary}}\n{{url}}\n');
    const config = load('typo-template.yaml', VALID.replace('    dryRun: true', '    dryRun: true\n    template: typo.hbs'));
    expect(() => loadTemplates(config)).toThrow(/typo\.hbs: line 2, column 3: \{\{sumary\}\} is not a field/);
  });

  it('with check: false (crier poll), a template is compiled and checked only when a delivery needs it', () => {
    dir.write('later.hbs', '{{title}}\n{{sumary}}\n');
    const config = load('later-template.yaml', VALID.replace('    dryRun: true', '    dryRun: true\n    template: later.hbs'));
    const templates = loadTemplates(config, { check: false });
    const channelId = config.channels[1]?.id ?? '';
    expect(templates.pathFor(channelId, undefined)).toMatch(/later\.hbs$/);
    expect(() => templates.forDelivery(channelId, undefined)).toThrow(/later\.hbs: line 2, column 3: \{\{sumary\}\} is not a field/);
  });

  it('loads the shipped example config and its templates', () => {
    const config = loadConfig(new URL('../../config/crier.example.yaml', import.meta.url).pathname, {});
    expect(() => loadTemplates(config)).not.toThrow();
    expect(config.channels.map((c) => c.platform).sort()).toEqual(['bluesky', 'mastodon', 'x']);
  });
});

describe('config/crier.schema.json', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing it)', () => {
    const committed: unknown = JSON.parse(readFileSync(new URL('../../config/crier.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});
