import { DetectError, MalformedError, parseFeed as parseAnyFeed } from 'feedsmith';
import type { AnyFeed } from 'feedsmith';
import type { Article, ArticleImage } from '../../articles/article.js';
import { articleKey } from '../../articles/article-key.js';
import { canonicalUrl } from '../../articles/canonical-url.js';
import { toPlainText } from '../../articles/plain-text.js';
import { chooseImage } from '../choose-image.js';
import { fromAnyFeed, httpUrl } from './feed-formats.js';
import type { RawItem } from './feed-formats.js';
import { parseDate, stripDoctype } from './feed-text.js';
import { FeedParseError } from './feed-parse-error.js';

export { FeedParseError };

export interface ParseFeedContext {
  sourceId: string;
  /** Where the body came from: base for relative links, and named in errors. */
  feedUrl: string;
  /** First-seen time: stands in for missing, unparseable and future dates. */
  now: Date;
}

export interface ParsedFeed {
  title?: string;
  language?: string;
  /** WebSub hub (atom:link rel=hub, JSON Feed hubs) for push subscriptions. */
  hubUrl?: string;
  selfUrl?: string;
  articles: Article[];
}

/** Parse an RSS 2.0, Atom 1.0, RDF or JSON Feed body into Articles. Throws FeedParseError. */
export function parseFeed(body: string, ctx: ParseFeedContext): ParsedFeed {
  let parsed: AnyFeed;
  try {
    parsed = parseAnyFeed(stripDoctype(body));
  } catch (error) {
    throw new FeedParseError(ctx.feedUrl, `feed ${ctx.feedUrl} ${describeFailure(error, body)}`, { cause: error });
  }
  const raw = fromAnyFeed(parsed, ctx.feedUrl);
  const language = canonicalLanguage(raw.language);
  const seen = new Set<string>();
  const articles: Article[] = [];
  for (const item of raw.items) {
    const article = toArticle(item, language, ctx);
    // Feeds do repeat items; one key must yield one Article.
    if (article && !seen.has(article.key)) {
      seen.add(article.key);
      articles.push(article);
    }
  }
  const title = raw.title === undefined ? '' : toPlainText(raw.title);
  const hubUrl = httpUrl(raw.hubUrl, raw.base, ctx.feedUrl);
  const selfUrl = httpUrl(raw.selfUrl, raw.base, ctx.feedUrl);
  return {
    ...(title === '' ? {} : { title }),
    ...(language === undefined ? {} : { language }),
    ...(hubUrl === undefined ? {} : { hubUrl }),
    ...(selfUrl === undefined ? {} : { selfUrl }),
    articles,
  };
}

function toArticle(item: RawItem, feedLanguage: string | undefined, ctx: ParseFeedContext): Article | undefined {
  const url = httpUrl(item.link, item.base, ctx.feedUrl);
  const title = item.title === undefined ? '' : toPlainText(item.title);
  if (url === undefined && title === '') return undefined;

  // The fallback id must be stable across polls: the raw date string, never "now".
  const rawId = item.id || item.link?.trim() || `${title}\n${item.published ?? ''}`;
  const published = parseDate(item.published);
  const updated = parseDate(item.updated);
  const image = articleImage(item, ctx.feedUrl);
  const language = canonicalLanguage(item.language) ?? feedLanguage;

  return {
    sourceId: ctx.sourceId,
    key: articleKey(rawId),
    url: url ?? '',
    canonicalUrl: url === undefined ? '' : canonicalUrl(url),
    title,
    summary: item.summary === undefined ? '' : toPlainText(item.summary),
    categories: uniqueText(item.categories),
    tags: uniqueText(item.tags),
    authors: uniqueText(item.authors),
    publishedAt: published === undefined || published > ctx.now ? ctx.now : published,
    ...(updated === undefined ? {} : { updatedAt: updated > ctx.now ? ctx.now : updated }),
    ...(image === undefined ? {} : { image }),
    ...(language === undefined ? {} : { language }),
  };
}

/** The largest http(s) image the item offers (choose-image.ts), its alt text as plain text. */
function articleImage(item: RawItem, feedUrl: string): ArticleImage | undefined {
  const candidates = item.images.flatMap((candidate) => {
    const url = httpUrl(candidate.url, item.base, feedUrl);
    return url === undefined ? [] : [{ ...candidate, url }];
  });
  const chosen = chooseImage(candidates);
  if (chosen === undefined) return undefined;
  const alt = chosen.alt === undefined ? '' : toPlainText(chosen.alt);
  return {
    url: chosen.url,
    ...(alt === '' ? {} : { alt }),
    ...(chosen.width === undefined ? {} : { width: chosen.width }),
    ...(chosen.height === undefined ? {} : { height: chosen.height }),
  };
}

function uniqueText(values: Array<string | undefined>): string[] {
  const texts = values.map((value) => (value === undefined ? '' : toPlainText(value))).filter((text) => text !== '');
  return [...new Set(texts)];
}

function canonicalLanguage(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return Intl.getCanonicalLocales(raw.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

function describeFailure(error: unknown, body: string): string {
  const start = body.trimStart().slice(0, 256).toLowerCase();
  if (error instanceof MalformedError) {
    const detail = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `is not well-formed XML${detail}; the server may be truncating or mangling it`;
  }
  if (error instanceof DetectError) {
    if (start === '') return 'is empty; expected RSS, Atom or JSON Feed';
    if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
      return 'is an HTML page, not a feed; point the source at the RSS, Atom or JSON Feed URL';
    }
    if (start.startsWith('{')) return 'is not a valid JSON Feed (bad JSON or no "version"/"items")';
    return 'is not an RSS, Atom or JSON Feed document';
  }
  return `could not be parsed (${error instanceof Error ? error.message : String(error)})`;
}
