import { resolve } from 'node:path';
import { z } from 'zod';
import { ENV_REF } from './secret.js';
import { resolveSecretFields } from './resolve-secrets.js';

/** Where the store is: an SQLite file (the default), or a PostgreSQL database (several replicas). */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** The environment variable that points every command at a PostgreSQL store, whatever the config says. */
export const DATABASE_URL_ENV = 'CRIER_DATABASE_URL';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** A literal postgres:// URL is fine unless it carries a password: that one belongs in the environment. */
function urlProblem(value: string): string | undefined {
  if (ENV_REF.test(value)) return undefined;
  if (!POSTGRES_URL.test(value)) return 'write a postgres:// URL, or ${ENV_NAME} to read it from the environment';
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'not a valid URL: write postgres://user@host:5432/database';
  }
  if (parsed.password !== '') {
    return 'holds a password, and secrets are never written in the config: write ${ENV_NAME} (or set CRIER_DATABASE_URL), or leave the password out and set PGPASSWORD';
  }
  return undefined;
}

export const storeSchema = z
  .object({
    /** SQLite file, relative to the config file (default crier.db). */
    path: z.string().min(1).optional(),
    /**
     * PostgreSQL connection URL (postgres://user@host:5432/db), or ${ENV_NAME} when it carries a
     * password; CRIER_DATABASE_URL overrides it. Several `crier run` replicas may share it.
     */
    url: z
      .string()
      .superRefine((value, ctx) => {
        const problem = urlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  })
  .strict()
  .refine((store) => store.path === undefined || store.url === undefined, {
    message: 'give store.path (SQLite) or store.url (PostgreSQL), not both',
  })
  .prefault({});

export type StoreSection = z.output<typeof storeSchema>;

type ErrorAt = (message: string) => Error;

/**
 * CRIER_DATABASE_URL, else `store.url` (its ${ENV} read now: every command needs the store),
 * else `store.path` resolved against the config's folder, else crier.db beside the config.
 */
export function resolveStoreLocation(section: StoreSection, dir: string, env: NodeJS.ProcessEnv, errorAt: ErrorAt): StoreLocation {
  const fromEnv = env[DATABASE_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!POSTGRES_URL.test(fromEnv)) throw errorAt(`${DATABASE_URL_ENV} must be a postgres:// URL`);
    return { kind: 'postgres', url: fromEnv };
  }
  if (section.url !== undefined) {
    const { url } = resolveSecretFields({ url: section.url }, env, dir, (message) => errorAt(message));
    if (url === undefined || !POSTGRES_URL.test(url)) throw errorAt('the store URL must be a postgres:// URL');
    return { kind: 'postgres', url };
  }
  return { kind: 'sqlite', path: resolve(dir, section.path ?? 'crier.db') };
}

/** For messages and logs: the file, or the database URL without its password. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.kind === 'sqlite') return location.path;
  try {
    const url = new URL(location.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres (connection string not shown)';
  }
}
