import { resolve } from 'node:path';
import type { Article } from '../articles/article.js';
import type { ChannelConfig, RouteConfig } from '../config/schema.js';
import type { NewDelivery } from '../store/store.js';
import { deliveryKey } from '../delivery/idempotency-key.js';
import { matchesRouteFilters } from './match-route.js';

/** A route as routing needs it; `onUpdate` defaults to ignore. */
export type RoutingRoute = Omit<RouteConfig, 'onUpdate'> & { onUpdate?: RouteConfig['onUpdate'] };

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
