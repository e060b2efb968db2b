import { ConfigError, formatPath } from './config-error.js';
import { resolveChannelSecrets, resolveSecretFields, resolveSourceSecrets } from './resolve-secrets.js';
import type { ChannelConfig } from './schema.js';
import type { LocatedYaml } from './yaml-locator.js';

/**
 * The parts of a config that reference secrets. Each command reads only the parts it uses, so an
 * editor's `crier status` runs without the platforms' credentials in its environment.
 */
export type SecretPart = 'channels' | 'sources' | 'alerts';

export const ALL_SECRET_PARTS: readonly SecretPart[] = ['channels', 'sources', 'alerts'];

/**
 * Reads the secrets the config references (`${ENV}`, `<field>File`), when they are needed. A
 * secret that cannot be read is a ConfigError naming the file, the line, the YAML path and what
 * to set: the same error whether it is read when the config loads or when an adapter is built.
 */
export interface ConfigSecrets {
  /** The channel with its credentials' values (a dry run as it is). Read once per channel. */
  channel<C extends ChannelConfig>(channel: C): C;
  /** The source with the values of its secrets (WordPress auth, a webhook's signing key). */
  source<S extends SecretSource>(source: S): S;
  /** The alerts webhook URL (it holds a token), undefined without an `alerts` section. */
  alertsWebhookUrl(): string | undefined;
  /** Reads every secret of these parts now: throws the first that cannot be read. */
  require(parts: readonly SecretPart[]): void;
  /** Every secret that cannot be read, one located error each (`crier config validate`). */
  problems(): ConfigError[];
}

/** What the secret reader needs of a source: its id, and its `auth` block or `secret` fields. */
export interface SecretSource {
  id: string;
}

export interface SecretReferences {
  file: string;
  dir: string;
  yaml: LocatedYaml;
  channels: readonly ChannelConfig[];
  sources: readonly SecretSource[];
  alerts: object | undefined;
}

export function createConfigSecrets(refs: SecretReferences, env: NodeJS.ProcessEnv): ConfigSecrets {
  const located = (path: PropertyKey[]) => (message: string) =>
    new ConfigError(message, refs.file, formatPath(path), refs.yaml.lineOf(path));
  const channelIndex = new Map(refs.channels.map((channel, index) => [channel.id, index]));
  const sourceIndex = new Map(refs.sources.map((source, index) => [source.id, index]));
  const channelsRead = new Map<string, ChannelConfig>();

  function channel<C extends ChannelConfig>(config: C): C {
    // Ids are unique in a config: a channel's credentials are read once, then kept.
    const known = channelsRead.get(config.id);
    if (known) return known as C;
    const index = channelIndex.get(config.id) ?? 0;
    const resolved = resolveChannelSecrets(config, env, refs.dir, (message, field) =>
      located(['channels', index, 'credentials', field])(message),
    );
    channelsRead.set(config.id, resolved);
    return resolved;
  }

  function source<S extends SecretSource>(config: S): S {
    const index = sourceIndex.get(config.id) ?? 0;
    return resolveSourceSecrets(config, env, refs.dir, (message, field) => {
      // Secret fields live in the source's `auth` block, or at its top level (a webhook's secret).
      const auth = 'auth' in config && typeof config.auth === 'object' && config.auth !== null ? config.auth : undefined;
      const inAuth = auth !== undefined && field in auth;
      return located(['sources', index, ...(inAuth ? ['auth'] : []), field])(message);
    });
  }

  function alertsWebhookUrl(): string | undefined {
    if (!refs.alerts) return undefined;
    return resolveSecretFields(refs.alerts, env, refs.dir, (message, field) => located(['alerts', field])(message)).webhookUrl;
  }

  function readPart(part: SecretPart): void {
    if (part === 'channels') refs.channels.forEach((c) => channel(c));
    else if (part === 'sources') refs.sources.forEach((s) => source(s));
    else alertsWebhookUrl();
  }

  return {
    channel,
    source,
    alertsWebhookUrl,
    require(parts) {
      for (const part of parts) readPart(part);
    },
    problems() {
      const found: ConfigError[] = [];
      const attempt = (read: () => unknown): void => {
        try {
          read();
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          found.push(error);
        }
      };
      // Field by field, so one run of `crier config validate` lists every variable to set.
      refs.channels.forEach((c, index) => {
        if (c.dryRun || !c.credentials) return;
        for (const [field, value] of Object.entries(c.credentials)) {
          attempt(() => resolveSecretFields({ [field]: value }, env, refs.dir, (message, f) => located(['channels', index, 'credentials', f])(message)));
        }
      });
      refs.sources.forEach((s) => {
        for (const [field, value] of Object.entries(s)) {
          attempt(() => source({ id: s.id, [field]: value }));
        }
      });
      attempt(alertsWebhookUrl);
      return found;
    },
  };
}
