import { describe, expect, it } from 'vitest';
import type { ChannelConfig, RouteConfig } from '../../src/config/schema.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import { whyUnrouted, type RoutingTable } from '../../src/ingest/route-article.js';
import { makeArticle } from '../support/articles.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const channels: ChannelConfig[] = [{ id: 'x-main', platform: 'x', dryRun: true, images: true }];

function table(...routes: Array<Partial<RouteConfig> & { id: string }>): RoutingTable {
  return {
    routes: routes.map((r) => ({ channels: ['x-main'], priority: 'normal', ...r })),
    channels: new Map(channels.map((c) => [c.id, c])),
    configDir: '/tmp',
  };
}

const sponsored = makeArticle({ key: 'ad', categories: ['Sport'], tags: ['Sponsored'], title: 'Live: the derby' });

describe('an article no route takes', () => {
  it('names, route by route, the filter field (or the sources) that kept it out', () => {
    const routes = table(
      { id: 'politics', include: { categories: ['Politics', 'Elections'] } },
      { id: 'sport', exclude: { tags: ['sponsored'] } },
      { id: 'wire', sources: ['wire'] },
      { id: 'no-live', include: { categories: ['Sport'] }, exclude: { titleMatches: '/^live:/i' } },
    );
    expect(whyUnrouted(sponsored, routes)).toBe(
      'no route takes it (route politics: include.categories [Politics, Elections] did not match; ' +
        'route sport: exclude.tags [sponsored] matched; route wire: source news is not in its sources [wire]; ' +
        'route no-live: exclude.titleMatches "/^live:/i" matched); not posted',
    );
  });

  it('is recorded with that reason by a poll, instead of "no route matches"', () => {
    const routes = table({ id: 'sport', exclude: { tags: ['sponsored'] } });
    const [item] = planIngest([sponsored], { sourceId: 'news', consecutiveFailures: 0, initializedAt: new Date('2026-11-01T00:00:00Z') }, { backfill: 0, maxAgeMs: 86_400_000 }, routes, NOW);
    expect(item?.ifNew).toEqual({ kind: 'record', reason: 'no route takes it (route sport: exclude.tags [sponsored] matched); not posted' });
  });
});
