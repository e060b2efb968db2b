import { afterAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import type { ChannelConfig, RouteConfig } from '../../src/config/schema.js';
import { routeArticle, type RoutingTable } from '../../src/ingest/route-article.js';
import { makeArticle } from '../support/articles.js';
import { tempDir } from '../support/temp-dir.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const channels: ChannelConfig[] = [
  { id: 'x-main', platform: 'x', dryRun: true, images: true },
  { id: 'bsky', platform: 'bluesky', dryRun: true, images: true, service: 'https://bsky.social' },
];

function table(...routes: Array<Partial<RouteConfig> & { id: string }>): RoutingTable {
  return {
    routes: routes.map((r) => ({ channels: ['x-main'], priority: 'normal', ...r })),
    channels: new Map(channels.map((c) => [c.id, c])),
    configDir: '/tmp',
  };
}

/** Whether the one route that `filters` describes takes the article. */
function routed(article: Article, filters: Pick<RouteConfig, 'include' | 'exclude'>): boolean {
  return routeArticle(article, table({ id: 'r', ...filters }), NOW).length === 1;
}

const story = makeArticle({
  key: 'budget',
  title: 'Live: Council approves the Budget',
  summary: 'The city’s parks get more money.',
  categories: ['Local News', 'Politics'],
  tags: ['budget', 'Parks'],
  authors: ['Ana Müller', 'Ben Ode'],
  language: 'en-GB',
});

describe('route include filters', () => {
  it('matches names case-insensitively and exactly, any value of a field', () => {
    expect(routed(story, { include: { categories: ['local news'] } })).toBe(true);
    expect(routed(story, { include: { categories: ['Sport', 'POLITICS'] } })).toBe(true);
    expect(routed(story, { include: { categories: ['Local'] } })).toBe(false);
    expect(routed(story, { include: { tags: ['parks'] } })).toBe(true);
    expect(routed(story, { include: { authors: ['ana müller'] } })).toBe(true);
    expect(routed(story, { include: { authors: ['Ana'] } })).toBe(false);
  });

  it('requires every non-empty field to match, and ignores empty ones', () => {
    expect(routed(story, { include: { categories: ['Politics'], tags: ['parks'] } })).toBe(true);
    expect(routed(story, { include: { categories: ['Politics'], tags: ['sport'] } })).toBe(false);
    expect(routed(story, { include: { categories: [], tags: ['budget'] } })).toBe(true);
    expect(routed(story, { include: {} })).toBe(true);
  });

  it('finds keywords as case-insensitive substrings of the title or the summary', () => {
    expect(routed(story, { include: { keywords: ['COUNCIL'] } })).toBe(true);
    expect(routed(story, { include: { keywords: ['parks get'] } })).toBe(true);
    expect(routed(story, { include: { keywords: ['weather', 'city’s'] } })).toBe(true);
    expect(routed(story, { include: { keywords: ['football'] } })).toBe(false);
  });

  it('tests the title against titleMatches, bare or as a literal with flags', () => {
    expect(routed(story, { include: { titleMatches: '^Live:' } })).toBe(true);
    expect(routed(story, { include: { titleMatches: '^live:' } })).toBe(false);
    expect(routed(story, { include: { titleMatches: '/^live:/i' } })).toBe(true);
    expect(routed(story, { include: { titleMatches: 'parks' } })).toBe(false); // the summary is not the title
  });

  it('matches languages by range: en takes en-GB, en-GB does not take en-US, no language matches nothing', () => {
    expect(routed(story, { include: { languages: ['en'] } })).toBe(true);
    expect(routed(story, { include: { languages: ['EN-gb'] } })).toBe(true);
    expect(routed(story, { include: { languages: ['en-US'] } })).toBe(false);
    expect(routed(story, { include: { languages: ['fr', 'en'] } })).toBe(true);
    expect(routed(story, { include: { languages: ['e'] } })).toBe(false);
    const unknown = makeArticle({ key: 'no-lang' });
    expect(routed(unknown, { include: { languages: ['en'] } })).toBe(false);
    expect(routed(unknown, { exclude: { languages: ['en'] } })).toBe(true);
  });
});

describe('route exclude filters', () => {
  it('drops an article that matches any non-empty exclude field', () => {
    expect(routed(story, { exclude: { tags: ['sponsored'] } })).toBe(true);
    expect(routed(story, { exclude: { tags: ['sponsored'], authors: ['BEN ODE'] } })).toBe(false);
    expect(routed(story, { exclude: { keywords: ['live:'] } })).toBe(false);
    expect(routed(story, { exclude: { titleMatches: 'Obituary' } })).toBe(true);
  });

  it('wins over include', () => {
    expect(routed(story, { include: { categories: ['Politics'] }, exclude: { tags: ['budget'] } })).toBe(false);
  });
});

describe('routes with filters reaching one channel', () => {
  it('still make one delivery, and a breaking route that matches upgrades it', () => {
    const routes = table(
      { id: 'all', channels: ['x-main', 'bsky'] },
      { id: 'live', channels: ['x-main'], priority: 'breaking', include: { titleMatches: '^Live:' } },
      { id: 'sport', channels: ['bsky'], priority: 'breaking', include: { categories: ['Sport'] } },
    );
    const deliveries = routeArticle(story, routes, NOW);
    expect(deliveries.map((d) => [d.channelId, d.routeId, d.priority])).toEqual([
      ['x-main', 'all', 'breaking'],
      ['bsky', 'all', 'normal'],
    ]);
  });

  it('reach nothing when no route takes the article', () => {
    const routes = table({ id: 'sport', channels: ['x-main', 'bsky'], include: { categories: ['Sport'] } });
    expect(routeArticle(story, routes, NOW)).toEqual([]);
  });
});

describe('route filters in the config', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const yaml = (filter: string) => `sources:
  - { id: news, kind: feed, url: feed.xml }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - id: live
    channels: [x-dry]
    include:
${filter}
`;
  function loadError(text: string): ConfigError {
    try {
      loadConfig(dir.write('crier.yaml', text), {});
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('loads include and exclude blocks', () => {
    const config = loadConfig(dir.write('ok.yaml', yaml('      categories: [Politics]\n      titleMatches: "/^live:/i"')), {});
    expect(config.routes[0]?.include).toEqual({ categories: ['Politics'], titleMatches: '/^live:/i' });
  });

  it('refuses an invalid titleMatches, naming the file, line and path', () => {
    const error = loadError(yaml('      titleMatches: "(unclosed"'));
    expect(error.path).toBe('routes[0].include.titleMatches');
    expect(error.line).toBe(9);
    expect(error.message).toMatch(/crier\.yaml:9 routes\[0\]\.include\.titleMatches: not a valid regular expression: .*Unterminated group/);
  });

  it('refuses stateful flags and unknown filter fields', () => {
    expect(loadError(yaml('      titleMatches: "/live/g"')).message).toMatch(/flags g and y are not allowed/);
    expect(loadError(yaml('      sections: [Politics]')).message).toMatch(/routes\[0\]\.include: unknown field sections/);
  });
});
