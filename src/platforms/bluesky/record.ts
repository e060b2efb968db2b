import { RichText } from '@atproto/api';
import { z } from 'zod';
import type { Article } from '../../articles/article.js';
import { shortLinkText } from '../../render/link-text.js';
import { PublishError } from '../errors.js';
import { linkCard } from './card.js';

export const POST_COLLECTION = 'app.bsky.feed.post';

/** A record key is a TID: 13 base32-sortable characters (https://atproto.com/specs/tid). */
const TID_PATTERN = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;

/** A blob reference in its JSON form, exactly as it goes over the wire and into the store. */
const jsonBlobSchema = z.object({
  $type: z.literal('blob'),
  ref: z.object({ $link: z.string().min(1) }),
  mimeType: z.string().min(1),
  size: z.number().int().nonnegative(),
});

const facetSchema = z.looseObject({
  index: z.object({ byteStart: z.number().int().nonnegative(), byteEnd: z.number().int().nonnegative() }),
  features: z.array(z.looseObject({ $type: z.string() })),
});

const externalEmbedSchema = z.looseObject({
  $type: z.literal('app.bsky.embed.external'),
  external: z.looseObject({
    uri: z.string(),
    title: z.string(),
    description: z.string(),
    thumb: jsonBlobSchema.optional(),
  }),
});

// Loose objects: the record sent must be exactly the record persisted, unknown keys included.
const postRecordSchema = z.looseObject({
  $type: z.literal(POST_COLLECTION),
  text: z.string(),
  facets: z.array(facetSchema).optional(),
  langs: z.array(z.string()).max(3).optional(),
  embed: externalEmbedSchema.optional(),
  createdAt: z.string(),
});

const preparedSchema = z.object({
  version: z.literal(1),
  rkey: z.string().regex(TID_PATTERN),
  record: postRecordSchema,
  /** Where the thumbnail came from, to rebuild it if the PDS dropped the uploaded blob. */
  thumbSource: z.string().optional(),
});

export type JsonBlob = z.infer<typeof jsonBlobSchema>;
type FacetFeature = z.infer<typeof facetSchema>['features'][number];
export type PostRecord = z.infer<typeof postRecordSchema>;
/** What `prepare` returns and the worker persists: JSON, stable across every attempt. */
export type PreparedPost = z.infer<typeof preparedSchema>;

export function parsePrepared(value: unknown): PreparedPost {
  const parsed = preparedSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new PublishError('rejected', `the prepared Bluesky record is missing or malformed: ${parsed.error.message}`, {
    cause: parsed.error,
  });
}

export interface RecordInput {
  text: string;
  article: Article;
  /** The post's language (post-language.ts), already resolved. */
  language: string;
  /** The full link the post carries (post-link.ts); '' when the article has none. */
  linkUrl: string;
  /** Whether bare domains in the text ("example.com") become links too (channel opt-in). */
  bareDomainLinks?: boolean | undefined;
  createdAt: Date;
  thumb?: JsonBlob | undefined;
}

const LINK_FEATURE = 'app.bsky.richtext.facet#link';

/**
 * The post record: text with link and tag facets (UTF-8 byte offsets), `langs`, and the link
 * card Bluesky never builds itself (https://docs.bsky.app/docs/advanced-guides/posts).
 *
 * Links: the article link is found where the text shows it (shortened, link-text.ts) and gets
 * the full URI; other links are facets only when written with http:// or https://. RichText
 * also links bare domains, and "example.com" in a headline would send readers to another site,
 * so those are dropped unless the channel opts in.
 */
export function buildPostRecord(input: RecordInput): PostRecord {
  const rich = new RichText({ text: input.text });
  // No handle resolution: an "@" in news copy is not a request to notify someone, and resolving
  // would make the record depend on the network. Mention facets are dropped for the same reason.
  rich.detectFacetsWithoutResolution();
  const bytes = Buffer.from(rich.text, 'utf8');
  // The whole URL when the text shows it (a template using it as it is), else its short form.
  const articleLink = input.linkUrl === '' ? undefined : (findLink(rich.text, input.linkUrl) ?? findLink(rich.text, shortLinkText(input.linkUrl)));
  const detected = (rich.facets ?? [])
    .filter((facet) => !articleLink || facet.index.byteEnd <= articleLink.byteStart || facet.index.byteStart >= articleLink.byteEnd)
    .map((facet) => ({
      index: { byteStart: facet.index.byteStart, byteEnd: facet.index.byteEnd },
      features: facet.features.flatMap((f): FacetFeature[] => {
        if ('uri' in f && typeof f.uri === 'string') {
          const shown = bytes.subarray(facet.index.byteStart, facet.index.byteEnd).toString('utf8');
          return input.bareDomainLinks || /^https?:\/\//i.test(shown) ? [{ $type: f.$type, uri: f.uri }] : [];
        }
        if ('tag' in f && typeof f.tag === 'string') return [{ $type: f.$type, tag: f.tag }];
        return [];
      }),
    }))
    .filter((facet) => facet.features.length > 0);
  const facets = articleLink ? [...detected, { index: articleLink, features: [{ $type: LINK_FEATURE, uri: input.linkUrl }] }] : detected;
  facets.sort((a, b) => a.index.byteStart - b.index.byteStart);
  const { article } = input;
  const record: PostRecord = {
    $type: POST_COLLECTION,
    text: rich.text,
    langs: [input.language],
    createdAt: input.createdAt.toISOString(),
  };
  if (input.linkUrl !== '') {
    const card = linkCard(article, input.language);
    record.embed = {
      $type: 'app.bsky.embed.external',
      external: { uri: input.linkUrl, ...card, ...(input.thumb ? { thumb: input.thumb } : {}) },
    };
  }
  if (facets.length > 0) record.facets = facets;
  return record;
}

/** The byte range of the last place the text shows the link (templates put it last). */
function findLink(text: string, shown: string): { byteStart: number; byteEnd: number } | undefined {
  const at = text.lastIndexOf(shown);
  if (at < 0 || shown === '') return undefined;
  const byteStart = Buffer.byteLength(text.slice(0, at), 'utf8');
  return { byteStart, byteEnd: byteStart + Buffer.byteLength(shown, 'utf8') };
}

/** The same record without its card image (used only when the PDS lost the uploaded blob). */
export function withoutThumb(record: PostRecord): PostRecord {
  if (!record.embed?.external.thumb) return record;
  const { thumb: _dropped, ...external } = record.embed.external;
  return { ...record, embed: { ...record.embed, external } };
}
