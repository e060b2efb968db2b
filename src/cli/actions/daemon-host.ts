import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from '../../config/config-error.js';
import { loadConfig, type CrierConfig } from '../../config/load.js';
import { describeStoreLocation } from '../../config/store-location.js';
import { createDaemon, type Daemon } from '../../daemon/daemon.js';
import { recordReload } from '../../daemon/reload-report.js';
import type { Logger } from '../../log/logger.js';
import { buildApp, type App } from '../../runtime/app.js';
import type { HttpRequest, HttpResponse, Route } from '../../server/http-server.js';
import { PUSH_PATH_PREFIXES } from '../../sources/source-configs.js';

/** What a reload did: applied, or refused with the reason (the old config keeps running). */
export type ReloadOutcome = { ok: true; summary: string } | { ok: false; error: string };

export interface DaemonHost {
  /** The running app (the latest config's). */
  app(): App;
  /**
   * Routes for the HTTP server, mounted once for the daemon's life: every push path prefix,
   * dispatched to the current daemon's push sources, so a reload adds and removes webhook and
   * WebSub sources without restarting the server.
   */
  pushRoutes(): Route[];
  start(): Promise<void>;
  /**
   * Re-reads the config file: validated in full first (schema, references, every secret, every
   * template); a bad one is refused and the running config kept. Then the running daemon stops
   * the way SIGTERM stops it (polls, pushes and sends in flight finish) and a daemon on the new
   * config starts on the same store, so no state is lost: articles, deliveries, holds, sessions
   * and subscriptions all live in the store. Pushes that arrive meanwhile wait for it.
   */
  reload(): Promise<ReloadOutcome>;
  stop(): Promise<void>;
}

export interface DaemonHostOptions {
  file: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  write: (text: string) => void;
  /** The channel ids metrics and /readyz report on: updated in place on a reload. */
  channelIds: string[];
  /** Whether the HTTP server runs (push sources need it). */
  serving: boolean;
}

export function createDaemonHost(first: App, options: DaemonHostOptions): DaemonHost {
  let app = first;
  let daemon = makeDaemon(app);
  /** Resolves to the daemon that should answer pushes; pending while a reload swaps them. */
  let ready: Promise<Daemon> = Promise.resolve(daemon);
  let reloading: Promise<ReloadOutcome> | undefined;

  function makeDaemon(of: App): Daemon {
    return createDaemon({ ...of, push: options.serving ? { publicUrl: of.config.server?.publicUrl } : undefined });
  }

  async function dispatch(method: 'GET' | 'POST', request: HttpRequest): Promise<HttpResponse> {
    const current = await ready;
    const route = current.pushRoutes().find((r) => r.method === method && r.path === routePath(request.path));
    if (route) return route.handle(request);
    const known = current.pushRoutes().some((r) => r.path === routePath(request.path));
    return known ? { status: 405, body: 'method not allowed\n' } : { status: 404, body: 'no such source\n' };
  }

  async function reload(): Promise<ReloadOutcome> {
    let next: CrierConfig;
    try {
      next = loadConfig(options.file, options.env);
      const fixed = needsRestart(app.config, next);
      if (fixed) throw new ConfigError(`${fixed} only change when crier run restarts; nothing was reloaded`, options.file);
      // Built before anything stops: a template that does not compile refuses the reload here.
      const nextApp = buildApp(next, app.store, app.observer, { logger: options.logger, write: options.write, now: app.now, random: app.random });
      let swapped!: (d: Daemon) => void;
      ready = new Promise<Daemon>((resolve) => (swapped = resolve));
      try {
        await daemon.stop();
      } finally {
        app = nextApp;
        daemon = makeDaemon(app);
        options.channelIds.splice(0, options.channelIds.length, ...app.config.channels.map((c) => c.id));
        await daemon.start();
        swapped(daemon);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.logger.error({ config: options.file }, `config reload refused, still running the previous config: ${message}`);
      await recordReload(app.store, { at: app.now(), ok: false, message });
      return { ok: false, error: message };
    }
    const summary = `${next.sources.length} sources, ${next.channels.length} channels, ${next.routes.length} routes`;
    options.logger.info({ config: options.file }, `config reloaded: ${summary}`);
    await recordReload(app.store, { at: app.now(), ok: true, message: summary });
    return { ok: true, summary };
  }

  return {
    app: () => app,
    pushRoutes: () =>
      PUSH_PATH_PREFIXES.flatMap((prefix) =>
        (['GET', 'POST'] as const).map((method) => ({ method, path: `${prefix}/:source`, handle: (request: HttpRequest) => dispatch(method, request) })),
      ),
    start: () => daemon.start(),
    reload() {
      // Two signals in a row: the second reload runs after the first, reading the file again.
      const run = (reloading ?? Promise.resolve()).then(reload, reload);
      reloading = run;
      return run;
    },
    async stop() {
      await reloading;
      await daemon.stop();
    },
  };
}

/** `/hooks/cms` → `/hooks/:source`: the shape push sources' routes are declared in. */
function routePath(path: string): string {
  return path.replace(/^(\/[^/]+)\/[^/]+$/, '$1/:source');
}

/** What a reload cannot change: the store the daemon holds, and the address it listens on. */
function needsRestart(running: CrierConfig, next: CrierConfig): string | undefined {
  if (describeStoreLocation(running.store) !== describeStoreLocation(next.store)) return 'the store (store.path, store.url)';
  const server = (c: CrierConfig) => (c.server ? { host: c.server.host, port: c.server.port, maxBodyBytes: c.server.maxBodyBytes } : undefined);
  if (!isDeepStrictEqual(server(running), server(next))) return 'the HTTP server (server.listen, server.maxBodyBytes, or adding or removing server)';
  return undefined;
}
