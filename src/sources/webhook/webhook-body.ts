import { z } from 'zod';
import { articleKey } from '../../articles/article-key.js';
import type { Article } from '../../articles/article.js';
import { canonicalUrl } from '../../articles/canonical-url.js';
import { checkWebUrl } from '../../articles/url-policy.js';
import { toPlainText } from '../../articles/plain-text.js';

// The article URL policy's rule (url-policy.ts), so a pushed URL carrying a user name or password
// is refused here with a 400 rather than fetched (found by tests/fuzz/webhook.test.ts).
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .refine((url) => checkWebUrl(url).ok, 'must be an http(s) URL with a host and no user name or password');
const texts = z.array(z.string().max(200)).max(100);

function isLanguageTag(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/**
 * An article as a CMS sends it. Strict like the config: a misspelt field is an error with its
 * path, never silently dropped. Text may be HTML; it is reduced to plain text like a feed's.
 */
export const webhookArticleSchema = z
  .object({
    title: z.string().trim().min(1, 'must not be empty').max(2000),
    url: httpUrl,
    summary: z.string().max(20_000).optional(),
    categories: texts.optional(),
    tags: texts.optional(),
    authors: texts.optional(),
    publishedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-11-29T18:30:00Z' }).optional(),
    image: z.object({ url: httpUrl, alt: z.string().max(1000).optional() }).strict().optional(),
    language: z.string().refine(isLanguageTag, 'must be a BCP 47 language tag such as en or de-AT').optional(),
    /** The CMS's own id (a WordPress post id): what makes a re-sent or edited post the same article. */
    id: z.union([z.string().min(1).max(200), z.number().int()]).optional(),
  })
  .strict();

/** `{"id": …, "action": "unpublish"}` and/or `{"url": …}`: the story was taken back. */
const unpublishSchema = z
  .object({
    action: z.literal('unpublish'),
    id: z.union([z.string().min(1).max(200), z.number().int()]).optional(),
    url: httpUrl.optional(),
  })
  .strict()
  .refine((body) => body.id !== undefined || body.url !== undefined, 'an unpublish names the post: send its id, its url or both');

/** Which article an unpublish means: by the CMS id (the source's key) first, else by its URL. */
export interface UnpublishRef {
  key?: string | undefined;
  url?: string | undefined;
  canonicalUrl?: string | undefined;
}

export type WebhookBody =
  | { kind: 'article'; article: Article }
  | { kind: 'url'; url: string }
  | { kind: 'unpublish'; ref: UnpublishRef }
  | { kind: 'invalid'; message: string };

/**
 * The body is an article as JSON, `{"url": …}` alone (Crier reads the page), or a bare URL as
 * text/plain. Anything else is a 400 naming what is wrong and where.
 */
export function readWebhookBody(body: Buffer, sourceId: string, now: Date): WebhookBody {
  const text = body.toString('utf8').trim();
  if (text === '') return { kind: 'invalid', message: 'empty body: send an article as JSON, or {"url": "…"}' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (/^https?:\/\/\S+$/i.test(text) && httpUrl.safeParse(text).success) return { kind: 'url', url: text };
    return { kind: 'invalid', message: `body is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (json !== null && typeof json === 'object' && 'action' in json) {
    const unpublish = unpublishSchema.safeParse(json);
    if (!unpublish.success) return { kind: 'invalid', message: issueMessage(unpublish.error.issues[0]) };
    const { id, url } = unpublish.data;
    return {
      kind: 'unpublish',
      ref: {
        // The same key an article sent with this id was stored under (toArticle).
        key: id === undefined ? undefined : articleKey(`id:${String(id)}`),
        url,
        canonicalUrl: url === undefined ? undefined : canonicalUrl(url),
      },
    };
  }
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && Object.keys(json).length === 1 && 'url' in json) {
    const url = httpUrl.safeParse(json.url);
    return url.success ? { kind: 'url', url: url.data } : { kind: 'invalid', message: `url: ${url.error.issues[0]?.message ?? 'invalid'}` };
  }
  const parsed = webhookArticleSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', message: issueMessage(parsed.error.issues[0]) };
  const article = toArticle(parsed.data, sourceId, now);
  if (article.title === '') return { kind: 'invalid', message: 'title: has no text once HTML is removed' };
  return { kind: 'article', article };
}

function issueMessage(issue: z.core.$ZodIssue | undefined): string {
  const path = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') ?? '';
  const message = issue?.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
  return path ? `${path}: ${message}` : message;
}

function toArticle(body: z.output<typeof webhookArticleSchema>, sourceId: string, now: Date): Article {
  const canonical = canonicalUrl(body.url);
  const published = body.publishedAt === undefined ? undefined : new Date(body.publishedAt);
  const alt = body.image?.alt === undefined ? '' : toPlainText(body.image.alt);
  const language = body.language === undefined ? undefined : Intl.getCanonicalLocales(body.language)[0];
  return {
    sourceId,
    // The CMS id when given; else the story's canonical URL, as for a page (articleFromPage).
    key: articleKey(body.id === undefined ? `page:${canonical}` : `id:${String(body.id)}`),
    url: body.url,
    canonicalUrl: canonical,
    title: toPlainText(body.title),
    summary: toPlainText(body.summary ?? ''),
    categories: unique(body.categories),
    tags: unique(body.tags),
    authors: unique(body.authors),
    // A future date becomes now, as for feeds (design: "a missing or future date becomes first-seen time").
    publishedAt: published === undefined || published > now ? now : published,
    ...(body.image ? { image: { url: body.image.url, ...(alt === '' ? {} : { alt }) } } : {}),
    ...(language === undefined ? {} : { language }),
  };
}

function unique(values: readonly string[] | undefined): string[] {
  return [...new Set((values ?? []).map((v) => toPlainText(v)).filter((v) => v !== ''))];
}
