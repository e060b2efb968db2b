import type { Article } from '../articles/article.js';
import { compileTitlePattern, type RouteFilter } from '../config/route-filter.js';

/** One non-empty field of a filter: its name, and whether an article matches it. */
interface Test {
  field: keyof RouteFilter;
  test: (article: Article) => boolean;
}

type Filtered = { include?: RouteFilter | undefined; exclude?: RouteFilter | undefined };

/**
 * A route takes an article when it matches every non-empty field of `include` (a field matches
 * when any of its values does) and no non-empty field of `exclude`. No filter means everything.
 */
export function matchesRouteFilters(article: Article, route: Filtered): boolean {
  return filterRefusal(article, route) === undefined;
}

/**
 * Which filter field keeps the article out of the route, e.g. `include.categories [Politics]`
 * or `exclude.tags [sponsored]`; undefined when the route takes it. For editors reading why an
 * article was not posted.
 */
export function filterRefusal(article: Article, route: Filtered): string | undefined {
  const missed = route.include && testsOf(route.include).find(({ test }) => !test(article));
  if (missed) return `include.${missed.field} ${shown(route.include, missed.field)} did not match`;
  const hit = route.exclude && testsOf(route.exclude).find(({ test }) => test(article));
  if (hit) return `exclude.${hit.field} ${shown(route.exclude, hit.field)} matched`;
  return undefined;
}

function shown(filter: RouteFilter | undefined, field: keyof RouteFilter): string {
  const value = filter?.[field];
  return Array.isArray(value) ? `[${value.join(', ')}]` : JSON.stringify(value);
}

function testsOf(filter: RouteFilter): Test[] {
  const tests: Test[] = [];
  const names = (field: 'categories' | 'tags' | 'authors') => {
    const values = filter[field];
    if (!values?.length) return;
    const wanted = new Set(values.map(fold));
    tests.push({ field, test: (article) => article[field].some((name) => wanted.has(fold(name))) });
  };
  names('categories');
  names('tags');
  names('authors');
  const keywords = filter.keywords?.map(fold).filter((k) => k !== '');
  if (keywords?.length) {
    tests.push({
      field: 'keywords',
      test: (article) => {
        const text = `${fold(article.title)}\n${fold(article.summary)}`;
        return keywords.some((keyword) => text.includes(keyword));
      },
    });
  }
  if (filter.titleMatches !== undefined) {
    // Validated when the config loaded; compiled per use so routes stay plain data.
    const pattern = compileTitlePattern(filter.titleMatches);
    tests.push({ field: 'titleMatches', test: (article) => pattern.test(article.title) });
  }
  const languages = filter.languages?.map((tag) => tag.toLowerCase());
  if (languages?.length) {
    // An article that declares no language matches no language: it is neither sent to a
    // French-only channel nor kept from one by `exclude: { languages: [fr] }`.
    tests.push({
      field: 'languages',
      test: (article) => {
        const language = article.language?.toLowerCase();
        return language !== undefined && languages.some((range) => language === range || language.startsWith(`${range}-`));
      },
    });
  }
  return tests;
}

/** Case-insensitive, and blind to Unicode composition and to runs of spaces. */
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}
