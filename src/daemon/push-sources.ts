import type { Dispatcher } from 'undici';
import type { Article } from '../articles/article.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import type { ResolvedSource } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { HttpRequest, HttpResponse, Route } from '../server/http-server.js';
import { sourceKindFor } from '../sources/registry.js';
import type { PullRequest, PullResult, PushIngest, PushSource } from '../sources/source-kind.js';
import type { Store } from '../store/store.js';

export interface PushSourcesDeps {
  sources: readonly ResolvedSource[];
  store: Store;
  logger: Logger;
  now: () => Date;
  publicUrl: string | undefined;
  dispatcher?: Dispatcher | undefined;
  network: NetworkPolicy;
  fetchTimeoutMs: number;
  pollNow(sourceId: string): Promise<void>;
  ingest(sourceId: string, articles: readonly Article[]): Promise<PushIngest>;
  pull(sourceId: string, request: PullRequest): Promise<PullResult>;
}

export interface PushSources {
  /** One route per kind prefix and method (`POST /hooks/:source`), dispatching by source id. */
  routes(): Route[];
  pollInterval(sourceId: string): number | undefined;
  start(): Promise<void>;
  maintain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The daemon's push sources (WebSub subscriptions, webhooks): created with the daemon so the HTTP
 * server can be given their routes before the daemon starts them (a hub verifies a subscription
 * by calling back, so the server must listen first).
 */
export function createPushSources(deps: PushSourcesDeps): PushSources {
  const byPrefix = new Map<string, Map<string, PushSource>>();
  const all = new Map<string, PushSource>();
  for (const source of deps.sources) {
    const push = sourceKindFor(source).push;
    if (!push) continue;
    const runtime = push.create(source, {
      store: deps.store,
      logger: deps.logger,
      now: deps.now,
      publicUrl: deps.publicUrl?.replace(/\/+$/, ''),
      dispatcher: deps.dispatcher,
      network: deps.network,
      fetchTimeoutMs: deps.fetchTimeoutMs,
      pollNow: () => deps.pollNow(source.id),
      ingest: (articles) => deps.ingest(source.id, articles),
      pull: (request) => deps.pull(source.id, request),
    });
    all.set(source.id, runtime);
    const sources = byPrefix.get(push.pathPrefix) ?? new Map<string, PushSource>();
    sources.set(source.id, runtime);
    byPrefix.set(push.pathPrefix, sources);
  }

  function route(prefix: string, method: 'GET' | 'POST', sources: Map<string, PushSource>): Route {
    return {
      method,
      path: `${prefix}/:source`,
      async handle(request: HttpRequest): Promise<HttpResponse> {
        const runtime = sources.get(request.params.source ?? '');
        if (!runtime) return { status: 404, body: 'no such source\n' };
        if (!runtime.methods.includes(method)) return { status: 405, body: 'method not allowed\n' };
        return runtime.handle(request);
      },
    };
  }

  return {
    routes() {
      const routes: Route[] = [];
      for (const [prefix, sources] of byPrefix) {
        const methods = new Set([...sources.values()].flatMap((s) => s.methods));
        for (const method of methods) routes.push(route(prefix, method, sources));
      }
      return routes;
    },
    pollInterval(sourceId) {
      return all.get(sourceId)?.pollInterval?.();
    },
    async start() {
      for (const runtime of all.values()) await runtime.start();
    },
    async maintain() {
      for (const [id, runtime] of all) {
        try {
          await runtime.maintain?.();
        } catch (error) {
          deps.logger.error({ err: error, source: id }, 'push source upkeep failed; trying again shortly');
        }
      }
    },
    async stop() {
      await Promise.all([...all.values()].map((runtime) => runtime.stop()));
    },
  };
}
