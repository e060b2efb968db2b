import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { describeStoreLocation } from '../../src/config/store-location.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir();
afterAll(() => dir.remove());

const BODY = `
sources:
  - id: news
    kind: feed
    url: feed.xml
channels:
  - id: x-dry
    platform: x
    dryRun: true
routes:
  - id: all
    channels: [x-dry]
`;

let files = 0;
function load(store: string, env: NodeJS.ProcessEnv = {}) {
  files += 1;
  return loadConfig(dir.write(`crier-${files}.yaml`, `${store}\n${BODY}`), env);
}

function loadError(store: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    load(store, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('store: path (SQLite) or url (PostgreSQL)', () => {
  it('is SQLite beside the config by default, or at store.path relative to the config', () => {
    expect(load('').store).toEqual({ kind: 'sqlite', path: `${dir.path}/crier.db` });
    expect(load('store:\n  path: state/news.db').store).toEqual({ kind: 'sqlite', path: `${dir.path}/state/news.db` });
  });

  it('is PostgreSQL at store.url: a literal URL without password, or ${ENV} read when the config loads', () => {
    expect(load('store:\n  url: postgres://crier@db.internal:5432/crier').store).toEqual({
      kind: 'postgres',
      url: 'postgres://crier@db.internal:5432/crier',
    });
    const secret = 'postgresql://crier:s3cret@db.internal/crier';
    expect(load('store:\n  url: ${CRIER_DB}', { CRIER_DB: secret }).store).toEqual({ kind: 'postgres', url: secret });
  });

  it('CRIER_DATABASE_URL overrides the config, path or url', () => {
    const url = 'postgres://127.0.0.1:5432/crier';
    expect(load('store:\n  path: crier.db', { CRIER_DATABASE_URL: url }).store).toEqual({ kind: 'postgres', url });
    expect(load('store:\n  url: ${UNSET}', { CRIER_DATABASE_URL: url }).store).toEqual({ kind: 'postgres', url });
    expect(loadError('', { CRIER_DATABASE_URL: '/var/lib/crier/crier.db' }).message).toMatch(/CRIER_DATABASE_URL must be a postgres:\/\/ URL/);
  });

  it('refuses a password written in the config, both path and url, another scheme, an unset variable', () => {
    const password = loadError('store:\n  url: postgres://crier:hunter2@db/crier');
    expect(password.message).toMatch(/crier-\d+\.yaml:2 store\.url: holds a password, and secrets are never written in the config/);
    expect(password.message).not.toContain('hunter2');
    expect(loadError('store:\n  path: a.db\n  url: postgres://db/crier').message).toMatch(/give store.path \(SQLite\) or store.url \(PostgreSQL\), not both/);
    expect(loadError('store:\n  url: mysql://db/crier').message).toMatch(/store\.url: write a postgres:\/\/ URL/);
    expect(loadError('store:\n  url: ${CRIER_DB}').message).toMatch(/:2 store\.url: environment variable CRIER_DB is not set/);
    expect(loadError('store:\n  url: ${CRIER_DB}', { CRIER_DB: 'sqlite:crier.db' }).message).toMatch(/store\.url: the store URL must be a postgres:\/\/ URL/);
  });

  it('is described for messages without its password', () => {
    expect(describeStoreLocation({ kind: 'postgres', url: 'postgres://crier:s3cret@db/crier' })).toBe('postgres://crier:***@db/crier');
    expect(describeStoreLocation({ kind: 'sqlite', path: '/var/lib/crier/crier.db' })).toBe('/var/lib/crier/crier.db');
  });
});
