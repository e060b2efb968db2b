import type { DeskConfig } from './desk-config.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError, formatPath } from './config-error.js';
import { parseLocatedYaml, type LocatedYaml } from './yaml-locator.js';
import { configSchema, type ChannelConfig, type ParsedConfig, type RouteConfig, type SourceConfig } from './schema.js';
import { ALL_SECRET_PARTS, createConfigSecrets, type ConfigSecrets, type SecretPart } from './config-secrets.js';
import { serverProblem } from '../sources/source-configs.js';
import { intervalProblem } from './interval-bounds.js';
import { DATABASE_URL_ENV, resolveStoreLocation, type StoreLocation } from './store-location.js';
import { demoStoreProblem } from './demo-store.js';

export const DEFAULT_CONFIG_PATH = 'config/crier.yaml';

const CONFIG_NEEDS =
  'a config needs sources (where articles come from), channels (the accounts to post to) and routes (which sources post to which channels); run crier init, or start from config/crier.example.yaml';

export type ResolvedSource = SourceConfig & { interval: number; maxAge: number };

/** The validated config with paths made absolute and defaults applied (secrets: see loadConfig). */
export interface CrierConfig {
  file: string;
  dir: string;
  /** The SQLite file, or the PostgreSQL URL (from CRIER_DATABASE_URL or store.url, its secret read). */
  store: StoreLocation;
  defaults: ParsedConfig['defaults'];
  sources: ResolvedSource[];
  /** Credentials hold references (`${ENV}`, `…File`): `secrets.channel(c)` reads the values. */
  channels: ChannelConfig[];
  routes: RouteConfig[];
  server?: { host: string; port: number; publicUrl?: string | undefined; maxBodyBytes: number; desk?: DeskConfig | undefined } | undefined;
  /** The network policy for fetches driven by untrusted input (src/http/network-policy.ts). */
  network: ParsedConfig['network'];
  /** When posts are read back (README "Read-back"). */
  readBack: ParsedConfig['readBack'];
  alarms: ParsedConfig['alarms'];
  /** The references only: `secrets.alertsWebhookUrl()` reads the URL. */
  alerts?: ParsedConfig['alerts'];
  secrets: ConfigSecrets;
}

export interface GlobalOptionsLike {
  config?: string;
}

/** --config, else CRIER_CONFIG, else config/crier.yaml in the working directory. */
export function configPathFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? env.CRIER_CONFIG ?? DEFAULT_CONFIG_PATH);
}

export interface LoadOptions {
  /**
   * The secrets this command needs, read now so that a missing one stops it at once with its
   * file, line and YAML path (default: all of them, as `crier run` needs). Whatever is not read
   * now is read when it is used: a channel's credentials when its adapter is built.
   */
  secrets?: readonly SecretPart[];
}

/**
 * Loads and validates the config. Every secret reference must be well-formed, but a secret's
 * value is read only when needed: `channels` and `alerts` always hold the references, and code
 * that needs a value asks `secrets`; `sources` hold the values when `sources` was read at load
 * (the daemon and `crier poll`), the references otherwise.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv, options: LoadOptions = {}): CrierConfig {
  if (!existsSync(file)) {
    throw new ConfigError(
      'config file not found; pass --config <file>, set CRIER_CONFIG, or start from config/crier.example.yaml',
      file,
    );
  }
  const yaml = parseLocatedYaml(readFileSync(file, 'utf8'));
  const yamlError = yaml.errors[0];
  if (yamlError) throw new ConfigError(`invalid YAML: ${yamlError.message}`, file, undefined, yamlError.line);

  if (yaml.value === null || yaml.value === undefined || (typeof yaml.value === 'object' && Object.keys(yaml.value).length === 0)) {
    throw new ConfigError(`the config is empty: ${CONFIG_NEEDS}`, file);
  }
  // Parsed once per process: zod's compiled fast path (new Function per object schema) costs a
  // command more to build than it saves on one config.
  const parsed = configSchema.safeParse(yaml.value, { jitless: true });
  if (!parsed.success) throw issueToError(parsed.error.issues, file, yaml);
  const config = parsed.data;
  checkReferences(config, file, yaml);
  const badInterval = intervalProblem(config);
  if (badInterval) throw new ConfigError(badInterval.message, file, formatPath(badInterval.path), yaml.lineOf(badInterval.path));

  const dir = dirname(file);
  const sources = config.sources.map((source) => ({
    ...source,
    ...(source.url === undefined ? {} : { url: resolveSourceUrl(source.url, dir) }),
    interval: source.interval ?? config.defaults.interval,
    maxAge: source.maxAge ?? config.defaults.maxAge,
  }));
  const secrets = createConfigSecrets({ file, dir, yaml, channels: config.channels, sources, alerts: config.alerts }, env);
  const needed = options.secrets ?? ALL_SECRET_PARTS;
  secrets.require(needed);
  const store = resolveStoreLocation(config.store, dir, env, (message) =>
    env[DATABASE_URL_ENV] ? new ConfigError(message, file) : new ConfigError(message, file, 'store.url', yaml.lineOf(['store', 'url'])),
  );
  const demoProblem = demoStoreProblem(store, config.channels);
  if (demoProblem) throw new ConfigError(demoProblem, file, 'store.path', yaml.lineOf(['store', 'path']));
  return {
    file,
    dir,
    store,
    defaults: config.defaults,
    sources: needed.includes('sources') ? sources.map((source) => secrets.source(source)) : sources,
    channels: config.channels,
    routes: config.routes,
    server: config.server && {
      ...splitListen(config.server.listen),
      publicUrl: config.server.publicUrl,
      maxBodyBytes: config.server.maxBodyBytes,
      desk: config.server.desk,
    },
    network: config.network,
    readBack: config.readBack,
    alarms: config.alarms,
    alerts: config.alerts,
    secrets,
  };
}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}

function resolveSourceUrl(url: string, dir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  return pathToFileURL(isAbsolute(url) ? url : resolve(dir, url)).href;
}

function issueToError(issues: readonly z.core.$ZodIssue[], file: string, yaml: LocatedYaml): ConfigError {
  // The first issue is the one to fix first; the others usually follow from the same mistake.
  const issue = issues[0];
  if (!issue) return new ConfigError('invalid configuration', file);
  let message = issue.message;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && 'options' in issue) {
    const got = valueAt(yaml.value, issue.path);
    const options = (issue.options as unknown[]).map(String).join(', ');
    message = `unknown ${String(issue.discriminator)} ${JSON.stringify(got)}: use one of ${options}`;
  } else if (issue.code === 'invalid_type' && issue.path.length === 1 && valueAt(yaml.value, issue.path) === undefined) {
    message = `${String(issue.path[0])} is missing: ${CONFIG_NEEDS}`;
  } else if (issue.code === 'unrecognized_keys') {
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  }
  return new ConfigError(message, file, formatPath(issue.path) || undefined, yaml.lineOf(issue.path));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function checkReferences(config: ParsedConfig, file: string, yaml: LocatedYaml): void {
  const fail = (message: string, path: PropertyKey[]): never => {
    throw new ConfigError(message, file, formatPath(path), yaml.lineOf(path));
  };
  for (const [section, items] of [
    ['sources', config.sources],
    ['channels', config.channels],
    ['routes', config.routes],
  ] as const) {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id)) fail(`duplicate id "${item.id}"`, [section, index, 'id']);
      seen.add(item.id);
    });
  }
  config.sources.forEach((source, index) => {
    const problem = serverProblem(source, config.server);
    if (problem) fail(`source ${source.id}: ${problem}`, ['sources', index, 'kind']);
  });
  const sourceIds = new Set(config.sources.map((s) => s.id));
  const channelIds = new Set(config.channels.map((c) => c.id));
  config.routes.forEach((route, r) => {
    route.channels.forEach((id, i) => {
      if (!channelIds.has(id)) {
        fail(`unknown channel "${id}"; channels are: ${[...channelIds].join(', ')}`, ['routes', r, 'channels', i]);
      }
    });
    route.sources?.forEach((id, i) => {
      if (!sourceIds.has(id)) {
        fail(`unknown source "${id}"; sources are: ${[...sourceIds].join(', ')}`, ['routes', r, 'sources', i]);
      }
    });
  });
}
