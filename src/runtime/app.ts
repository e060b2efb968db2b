import type { CrierConfig } from '../config/load.js';
import { editorActions, type EditorActions } from '../delivery/editor-actions.js';
import { replicaName } from '../delivery/replica-name.js';
import { createWorker, type Worker } from '../delivery/worker.js';
import { createReadBack, type ReadBack } from '../delivery/read-back.js';
import { createAlarms, type Alarms } from '../delivery/alarms.js';
import { checkArticleUrl } from '../platforms/check-article-url.js';
import { createNetworkPolicy, type NetworkPolicy, type ResolveHost } from '../http/network-policy.js';
import type { RoutingTable } from '../ingest/route-article.js';
import type { Logger } from '../log/logger.js';
import { silentObserver, type Observer } from '../observe/observer.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createChannelRuntimes, type ChannelRuntime } from './channels.js';
import { loadTemplates, type TemplateSet } from './templates.js';

export interface App {
  config: CrierConfig;
  store: Store;
  logger: Logger;
  templates: TemplateSet;
  channels: Map<string, ChannelRuntime>;
  routing: RoutingTable;
  worker: Worker;
  /** What editors do to deliveries and channels: the only way the CLI changes state. */
  editor: EditorActions;
  now: () => Date;
  random: () => number;
  observer: Observer;
  /** This process's name in the store's leases and claims (one replica per channel, per poll). */
  owner: string;
  /** Read-backs of posts and settling of unknown outcomes (the daemon runs them). */
  readBack: ReadBack;
  /** Silent-failure alarms (the daemon runs them). */
  alarms: Alarms;
  /** The network policy for fetches on someone else's say-so (`network:` in the config). */
  network: NetworkPolicy;
}

export interface AppOptions {
  logger: Logger;
  write: (text: string) => void;
  now?: () => Date;
  random?: () => number;
  /** Metrics and alerts, built on the app's store. */
  observe?: (store: Store) => Observer;
  /** Name resolution for the network policy (tests map names to loopback); default dns.lookup. */
  resolve?: ResolveHost;
  /**
   * Compile and check every template now (default), so a broken one stops the command; false
   * for a command that renders nothing (`crier poll`): each is compiled when first used.
   */
  checkTemplates?: boolean;
}

/** Wires the same objects for the daemon and for every CLI command. */
export async function openApp(config: CrierConfig, options: AppOptions): Promise<App> {
  // Templates first: a broken one stops the command before the store is even opened.
  const templates = loadTemplates(config, { check: options.checkTemplates ?? true });
  const store = await openStore(config);
  await store.migrate();
  return buildApp(config, store, options.observe?.(store) ?? silentObserver, options, templates);
}

/**
 * The app on a store that is already open: what a reload of the daemon builds from the new
 * config (templates, channels, routes, worker), keeping the store and the observer.
 */
export function buildApp(
  config: CrierConfig,
  store: Store,
  observer: Observer,
  options: Omit<AppOptions, 'observe'>,
  templates: TemplateSet = loadTemplates(config),
): App {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const network = createNetworkPolicy({ allowPrivate: config.network.allowPrivate, resolve: options.resolve });
  const channels = createChannelRuntimes(config.channels, {
    fetchDispatcher: network.dispatcher,
    store,
    logger: options.logger,
    now,
    write: options.write,
    credentials: (channel) => config.secrets.channel(channel),
    defaultLanguage: config.defaults.language,
  });
  const routing: RoutingTable = {
    routes: config.routes,
    channels: new Map(config.channels.map((c) => [c.id, c])),
    configDir: config.dir,
  };
  const owner = replicaName();
  const worker = createWorker({
    store,
    owner,
    channels,
    templates,
    logger: options.logger,
    now,
    random,
    defaultLanguage: config.defaults.language,
    observer,
    readBack: config.readBack,
    // An article's URL may come from a push: the re-check keeps to the network policy too.
    recheck: { afterMs: config.defaults.recheckAfter, check: (url) => checkArticleUrl(url, { dispatcher: network.dispatcher }) },
  });
  // Reads posts back and settles unknown outcomes on the channels this replica leases (the daemon's).
  const readBack = createReadBack({ store, channels, logger: options.logger, now, observer, timing: config.readBack, owner });
  const alarms = createAlarms({ store, channels, sources: config.sources, logger: options.logger, now, observer, settings: config.alarms, owner });
  return { config, store, logger: options.logger, templates, channels, routing, worker, readBack, alarms, editor: editorActions({ store, now }), now, random, observer, owner, network };
}
