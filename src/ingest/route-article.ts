import { resolve } from 'node:path';
import type { Article } from '../articles/article.js';
import type { ChannelConfig, RouteConfig } from '../config/schema.js';
import type { NewDelivery } from '../store/store.js';
import { deliveryKey } from '../delivery/idempotency-key.js';
import { filterRefusal, matchesRouteFilters } from './match-route.js';

/** A route as routing needs it; `onUpdate` defaults to ignore, `allowNoLink` to false, `onUnpublish` to keep. */
export type RoutingRoute = Omit<RouteConfig, 'onUpdate' | 'allowNoLink' | 'onUnpublish'> & {
  onUpdate?: RouteConfig['onUpdate'];
  allowNoLink?: boolean | undefined;
  onUnpublish?: RouteConfig['onUnpublish'] | undefined;
};

export interface RoutingTable {
  routes: readonly RoutingRoute[];
  channels: ReadonlyMap<string, ChannelConfig>;
  /** Directory that route template paths are relative to (the config file's). */
  configDir: string;
}

/**
 * Which channels an article goes to: routes whose sources and include/exclude filters take it.
 * Two routes reaching one channel make one delivery: the first route wins, except that a
 * breaking route upgrades the priority.
 */
export function routeArticle(article: Article, table: RoutingTable, dueAt: Date): NewDelivery[] {
  const byChannel = new Map<string, NewDelivery>();
  for (const route of table.routes) {
    if (route.sources && !route.sources.includes(article.sourceId)) continue;
    // No link (none given, or dropped by the URL policy): a bare headline only where the route asks for it.
    if (article.url === '' && route.allowNoLink !== true) continue;
    if (!matchesRouteFilters(article, route)) continue;
    for (const channelId of route.channels) {
      const channel = table.channels.get(channelId);
      if (!channel) continue;
      const existing = byChannel.get(channelId);
      if (existing) {
        if (route.priority === 'breaking') existing.priority = 'breaking';
        continue;
      }
      byChannel.set(channelId, {
        channelId,
        routeId: route.id,
        template: route.template === undefined ? undefined : resolve(table.configDir, route.template),
        priority: route.priority,
        dryRun: channel.dryRun,
        nextAttemptAt: dueAt,
        idempotencyKey: deliveryKey(article, channelId),
      });
    }
  }
  return [...byChannel.values()];
}

/**
 * Why no route takes an article, route by route: "route politics: include.categories [Politics]
 * did not match; route sport: not from its sources [sport]". Recorded with the article, so
 * `crier history` says which filter of which route kept it from every channel.
 */
export function whyUnrouted(article: Article, table: RoutingTable): string {
  const reasons = table.routes.map((route) => {
    if (route.sources && !route.sources.includes(article.sourceId)) return `route ${route.id}: source ${article.sourceId} is not in its sources [${route.sources.join(', ')}]`;
    if (article.url === '' && route.allowNoLink !== true) return `route ${route.id}: the article has no usable http(s) link (allowNoLink: true posts it without one)`;
    return `route ${route.id}: ${filterRefusal(article, route) ?? 'no channel'}`;
  });
  return `no route takes it (${reasons.join('; ')}); not posted`;
}
