import type { Article } from '../articles/article.js';
import { compileTitlePattern, type RouteFilter } from '../config/route-filter.js';

type Test = (article: Article) => boolean;

/**
 * A route takes an article when it matches every non-empty field of `include` (a field matches
 * when any of its values does) and no non-empty field of `exclude`. No filter means everything.
 */
export function matchesRouteFilters(article: Article, route: { include?: RouteFilter | undefined; exclude?: RouteFilter | undefined }): boolean {
  if (route.include && !testsOf(route.include).every((test) => test(article))) return false;
  if (route.exclude && testsOf(route.exclude).some((test) => test(article))) return false;
  return true;
}

function testsOf(filter: RouteFilter): Test[] {
  const tests: Test[] = [];
  const names = (values: string[] | undefined, field: (a: Article) => string[]) => {
    if (!values?.length) return;
    const wanted = new Set(values.map(fold));
    tests.push((article) => field(article).some((name) => wanted.has(fold(name))));
  };
  names(filter.categories, (a) => a.categories);
  names(filter.tags, (a) => a.tags);
  names(filter.authors, (a) => a.authors);
  const keywords = filter.keywords?.map(fold).filter((k) => k !== '');
  if (keywords?.length) {
    tests.push((article) => {
      const text = `${fold(article.title)}\n${fold(article.summary)}`;
      return keywords.some((keyword) => text.includes(keyword));
    });
  }
  if (filter.titleMatches !== undefined) {
    // Validated when the config loaded; compiled per use so routes stay plain data.
    const pattern = compileTitlePattern(filter.titleMatches);
    tests.push((article) => pattern.test(article.title));
  }
  const languages = filter.languages?.map((tag) => tag.toLowerCase());
  if (languages?.length) {
    // An article that declares no language matches no language: it is neither sent to a
    // French-only channel nor kept from one by `exclude: { languages: [fr] }`.
    tests.push((article) => {
      const language = article.language?.toLowerCase();
      return language !== undefined && languages.some((range) => language === range || language.startsWith(`${range}-`));
    });
  }
  return tests;
}

/** Case-insensitive, and blind to Unicode composition and to runs of spaces. */
function fold(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}
