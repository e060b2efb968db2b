import type { Dispatcher } from 'undici';
import type { ChannelConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { AdapterDeps, BaseChannel, Platform, PlatformAdapter, TextRules } from '../platforms/contract.js';
import { createDryRunAdapter } from '../platforms/dry-run/adapter.js';
import { lazyAdapter } from '../platforms/lazy-adapter.js';
import { platformFor } from '../platforms/registry.js';
import type { Store } from '../store/store.js';

export interface ChannelRuntime {
  config: ChannelConfig;
  platform: Platform<BaseChannel>;
  adapter: PlatformAdapter;
  textRules(): Promise<TextRules>;
}

export interface ChannelRuntimeDeps {
  store: Store;
  logger: Logger;
  now: () => Date;
  /** Where dry-run channels print; stdout in the daemon. */
  write: (text: string) => void;
  /**
   * The channel with its credentials' values (the config's `secrets.channel`): read when the
   * adapter is first used, so commands that never publish need no credentials.
   */
  credentials: (channel: ChannelConfig) => ChannelConfig;
  /** The network policy's dispatcher, for article images and card pages. */
  fetchDispatcher?: Dispatcher | undefined;
  /**
   * `defaults.language`: the adapters see it as the channel's language when the channel sets
   * none, so Mastodon's `language` and Bluesky's `langs` are always set (render/post-language.ts).
   */
  defaultLanguage?: string | undefined;
}

/**
 * One runtime per configured channel: its platform, its adapter (or the dry run) and its rules.
 * `config` keeps the credentials' references; only the adapter sees their values.
 */
export function createChannelRuntimes(channels: readonly ChannelConfig[], deps: ChannelRuntimeDeps): Map<string, ChannelRuntime> {
  const runtimes = new Map<string, ChannelRuntime>();
  for (const config of channels) {
    const platform = platformFor(config);
    const adapterDeps: AdapterDeps = {
      logger: deps.logger.child({ channel: config.id }),
      now: deps.now,
      fetchDispatcher: deps.fetchDispatcher,
      channelState: {
        get: (key) => deps.store.getChannelValue(config.id, key),
        set: (key, value) => deps.store.setChannelValue(config.id, key, value),
        delete: (key) => deps.store.deleteChannelValue(config.id, key),
      },
    };
    const textRules = () => platform.textRules(config, adapterDeps);
    // Built on first use either way: the dry run needs the text rules (which may read the
    // store), the real adapter the credentials' values.
    const adapter = lazyAdapter(async () =>
      config.dryRun
        ? createDryRunAdapter({ channelId: config.id, platformLabel: platform.label, rules: await textRules(), write: deps.write })
        : platform.createAdapter(withLanguage(deps.credentials(config), deps.defaultLanguage), adapterDeps),
    );
    runtimes.set(config.id, { config, platform, adapter, textRules });
  }
  return runtimes;
}

function withLanguage(channel: ChannelConfig, defaultLanguage: string | undefined): ChannelConfig {
  return channel.language || !defaultLanguage ? channel : { ...channel, language: defaultLanguage };
}
