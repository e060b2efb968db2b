import { z } from 'zod';
import type { Article, ArticleImage } from '../../articles/article.js';
import { articleKey } from '../../articles/article-key.js';
import { canonicalUrl } from '../../articles/canonical-url.js';
import { toPlainText } from '../../articles/plain-text.js';
import { httpUrl } from '../feed/feed-formats.js';
import { parseDate } from '../feed/feed-text.js';

/*
 * The fields Crier reads from a post of the core REST API
 * (https://developer.wordpress.org/rest-api/reference/posts/#schema), with `_embed`
 * (https://developer.wordpress.org/rest-api/using-the-rest-api/linking-and-embedding/#embedding).
 * Everything but the id is optional and tolerant: a plugin that changes one field must cost that
 * field, not the post.
 */
const tolerant = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const rendered = z.object({ rendered: z.string() });

const postSchema = z.object({
  id: z.number().int().positive(),
  /** UTC without a zone suffix ("2026-11-29T10:00:00"); null for drafts. */
  date_gmt: tolerant(z.string().nullable()),
  modified_gmt: tolerant(z.string().nullable()),
  link: tolerant(z.string()),
  title: tolerant(rendered),
  excerpt: tolerant(rendered),
  /** `protected`: the post needs a password to read; its content and excerpt come back empty. */
  content: tolerant(z.object({ protected: z.boolean().optional().catch(undefined) })),
  /** Polylang adds `lang` ("en"); WPML adds `wpml_current_locale` ("en_US"). Core has no language. */
  lang: tolerant(z.string()),
  wpml_current_locale: tolerant(z.string()),
  _embedded: tolerant(
    z.object({
      author: tolerant(z.array(z.unknown())),
      'wp:featuredmedia': tolerant(z.array(z.unknown())),
      'wp:term': tolerant(z.array(z.array(z.unknown()))),
    }),
  ),
});

// Embedded entries the reader may not see come back as error objects ({code, message, data}), e.g.
// authors when a security plugin hides /wp/v2/users: they fail these schemas and are skipped.
const authorSchema = z.object({ name: z.string() });
const termSchema = z.object({ name: z.string(), taxonomy: z.string() });
const mediaSchema = z.object({
  source_url: z.string(),
  alt_text: z.string().optional().catch(undefined),
  media_type: z.string().optional().catch(undefined),
  /** The original upload's size (source_url is the original, the largest there is). */
  media_details: z
    .object({ width: z.number().positive().optional().catch(undefined), height: z.number().positive().optional().catch(undefined) })
    .optional()
    .catch(undefined),
});

export interface WpPostContext {
  sourceId: string;
  /** Site identity for keys: host and path, no scheme, so an http → https move keeps every key. */
  site: string;
  /** The site's base URL, for relative links. */
  siteUrl: string;
  /** REST collection name (posts, pages, a custom type's rest_base). */
  type: string;
  now: Date;
  /** `post`: a password-protected post is posted like any other; `skip` (default): it is not. */
  protected?: 'skip' | 'post' | undefined;
}

export interface WpPost {
  id: number;
  /** Raw GMT times for cursors, before any clamping to "now". */
  modifiedGmt?: Date | undefined;
  dateGmt?: Date | undefined;
  /**
   * Undefined when the post has neither a link nor a title (nothing to post), or is
   * password-protected on a source that does not post those: its readers could not open it.
   */
  article?: Article | undefined;
}

/** One REST post to an Article; undefined when the JSON is not a post at all (no numeric id). */
export function toWpPost(raw: unknown, ctx: WpPostContext): WpPost | undefined {
  const parsed = postSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const post = parsed.data;
  const dateGmt = gmt(post.date_gmt);
  const modifiedGmt = gmt(post.modified_gmt);
  const url = httpUrl(post.link, ctx.siteUrl);
  const title = toPlainText(post.title?.rendered ?? '');
  if (url === undefined && title === '') return { id: post.id, dateGmt, modifiedGmt };
  if (post.content?.protected === true && ctx.protected !== 'post') return { id: post.id, dateGmt, modifiedGmt };

  const embedded = post._embedded;
  const terms = (embedded?.['wp:term'] ?? []).flat().flatMap((entry) => {
    const term = termSchema.safeParse(entry);
    return term.success ? [term.data] : [];
  });
  const names = (taxonomy: string) => unique(terms.filter((t) => t.taxonomy === taxonomy).map((t) => t.name));
  const author = authorSchema.safeParse(embedded?.author?.[0]);
  const language = canonicalLanguage(post.lang ?? post.wpml_current_locale);
  const image = featuredImage(embedded?.['wp:featuredmedia']?.[0], ctx.siteUrl);

  const article: Article = {
    sourceId: ctx.sourceId,
    key: articleKey(`wp:${ctx.site}:${ctx.type}:${post.id}`),
    url: url ?? '',
    canonicalUrl: url === undefined ? '' : canonicalUrl(url),
    title,
    summary: excerptText(post.excerpt?.rendered ?? ''),
    categories: names('category'),
    tags: names('post_tag'),
    authors: author.success ? unique([author.data.name]) : [],
    // As for feeds: a missing or future date becomes first-seen time.
    publishedAt: dateGmt === undefined || dateGmt > ctx.now ? ctx.now : dateGmt,
    ...(modifiedGmt === undefined ? {} : { updatedAt: modifiedGmt > ctx.now ? ctx.now : modifiedGmt }),
    ...(image === undefined ? {} : { image }),
    ...(language === undefined ? {} : { language }),
  };
  return { id: post.id, dateGmt, modifiedGmt, article };
}

/** `*_gmt` fields are UTC written without a zone; parseDate reads a zoneless time as UTC. */
function gmt(value: string | null | undefined): Date | undefined {
  if (value === null || value === undefined || value.startsWith('0000-00-00')) return undefined;
  return parseDate(value);
}

/** WordPress ends generated excerpts with " [&hellip;]" (the excerpt_more default): noise in a post. */
function excerptText(html: string): string {
  return toPlainText(html).replace(/\s*\[(?:…|\.\.\.)\]$/, '');
}

function featuredImage(raw: unknown, siteUrl: string): ArticleImage | undefined {
  const media = mediaSchema.safeParse(raw);
  if (!media.success) return undefined;
  // Featured media may be a video or a PDF; only an image can be attached to a post.
  if (media.data.media_type !== undefined && media.data.media_type !== 'image') return undefined;
  const url = httpUrl(media.data.source_url, siteUrl);
  if (url === undefined) return undefined;
  const alt = toPlainText(media.data.alt_text ?? '');
  const { width, height } = media.data.media_details ?? {};
  return {
    url,
    ...(alt === '' ? {} : { alt }),
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((value) => toPlainText(value)).filter((text) => text !== ''))];
}

function canonicalLanguage(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return Intl.getCanonicalLocales(raw.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}
