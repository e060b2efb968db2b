import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChannelConfig } from './schema.js';
import { ENV_REF } from './secret.js';

type ErrorAt = (message: string, field: string) => Error;

/**
 * Replaces `${ENV}` references and `<field>File` paths in a channel's credentials with the
 * secret values, so adapters see plain strings. Dry-run channels are left alone: they need no
 * credentials and a demo must run without any.
 */
export function resolveChannelSecrets<C extends ChannelConfig>(
  channel: C,
  env: NodeJS.ProcessEnv,
  configDir: string,
  errorAt: ErrorAt,
): C {
  if (channel.dryRun || !channel.credentials) return channel;
  return { ...channel, credentials: resolveSecretFields(channel.credentials, env, configDir, errorAt) };
}

/**
 * The same for a source's `auth` block (e.g. a WordPress application password), whatever the
 * source kind: `${ENV}` references and `<field>File` paths become the secret values.
 */
export function resolveSourceSecrets<S extends object>(source: S, env: NodeJS.ProcessEnv, configDir: string, errorAt: ErrorAt): S {
  let resolved: S = source;
  if ('auth' in source && typeof source.auth === 'object' && source.auth !== null) {
    resolved = { ...resolved, auth: resolveSecretFields(source.auth, env, configDir, errorAt) };
  }
  // A source's own `secret` / `secretFile` (a webhook's signing key), by reference like any secret.
  const own = Object.fromEntries(Object.entries(source).filter(([field]) => field === 'secret' || field === 'secretFile'));
  if (Object.keys(own).length > 0) resolved = { ...resolved, ...resolveSecretFields(own, env, configDir, errorAt) };
  return resolved;
}

/** Literal fields (usernames) are kept; `${ENV}` values and `<field>File` paths are read. */
export function resolveSecretFields(
  fields: object,
  env: NodeJS.ProcessEnv,
  configDir: string,
  errorAt: ErrorAt,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    if (field.endsWith('File')) {
      const base = field.slice(0, -'File'.length);
      resolved[base] = readSecretFile(resolve(configDir, value), field, errorAt);
      continue;
    }
    const name = ENV_REF.exec(value)?.[1];
    if (name === undefined) {
      resolved[field] = value;
      continue;
    }
    const secret = env[name];
    if (secret === undefined || secret === '') {
      throw errorAt(`environment variable ${name} is not set; export it before starting Crier`, field);
    }
    // A value of spaces or a bare newline is a mistake (an empty line in an env file), never a secret.
    if (secret.trim() === '') throw errorAt(`environment variable ${name} holds only whitespace; set it to the secret`, field);
    resolved[field] = secret;
  }
  return resolved;
}

function readSecretFile(path: string, field: string, errorAt: ErrorAt): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw errorAt(`cannot read secret file ${path} (${reason})`, field);
  }
  if (text === '') throw errorAt(`secret file ${path} is empty; write the secret into it`, field);
  return text;
}
