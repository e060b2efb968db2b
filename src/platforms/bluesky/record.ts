import { RichText } from '@atproto/api';
import { z } from 'zod';
import type { Article } from '../../articles/article.js';
import { graphemes } from '../../render/graphemes.js';
import { ELLIPSIS, truncateGraphemes } from '../../render/truncate.js';
import { PublishError } from '../errors.js';

export const POST_COLLECTION = 'app.bsky.feed.post';

/**
 * The card text is not limited by the lexicon
 * (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/external.json),
 * but clients show two or three lines of it: a feed summary of several paragraphs only makes
 * the record heavier. 300 graphemes matches the post text limit.
 */
const MAX_CARD_GRAPHEMES = 300;

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
  channelLanguage: string | undefined;
  createdAt: Date;
  thumb?: JsonBlob | undefined;
}

/**
 * The post record: text with link and tag facets (UTF-8 byte offsets), `langs`, and the link
 * card Bluesky never builds itself (https://docs.bsky.app/docs/advanced-guides/posts).
 */
export function buildPostRecord(input: RecordInput): PostRecord {
  const rich = new RichText({ text: input.text });
  // No handle resolution: an "@" in news copy is not a request to notify someone, and resolving
  // would make the record depend on the network. Mention facets are dropped for the same reason.
  rich.detectFacetsWithoutResolution();
  const facets = (rich.facets ?? [])
    .map((facet) => ({
      index: { byteStart: facet.index.byteStart, byteEnd: facet.index.byteEnd },
      features: facet.features.flatMap((f): FacetFeature[] => {
        if ('uri' in f && typeof f.uri === 'string') return [{ $type: f.$type, uri: f.uri }];
        if ('tag' in f && typeof f.tag === 'string') return [{ $type: f.$type, tag: f.tag }];
        return [];
      }),
    }))
    .filter((facet) => facet.features.length > 0);
  const { article } = input;
  const record: PostRecord = {
    $type: POST_COLLECTION,
    text: rich.text,
    langs: [postLanguage(article.language, input.channelLanguage)],
    embed: {
      $type: 'app.bsky.embed.external',
      external: {
        uri: article.url,
        title: shorten(article.title),
        description: shorten(article.summary),
        ...(input.thumb ? { thumb: input.thumb } : {}),
      },
    },
    createdAt: input.createdAt.toISOString(),
  };
  if (facets.length > 0) record.facets = facets;
  return record;
}

/** The same record without its card image (used only when the PDS lost the uploaded blob). */
export function withoutThumb(record: PostRecord): PostRecord {
  if (!record.embed?.external.thumb) return record;
  const { thumb: _dropped, ...external } = record.embed.external;
  return { ...record, embed: { ...record.embed, external } };
}

/**
 * `langs` takes BCP 47 tags (https://atproto.com/specs/lexicon#language); feeds write "en_US"
 * or "EN-us", which are canonicalised, and anything unparseable falls back.
 */
export function postLanguage(articleLanguage: string | undefined, channelLanguage: string | undefined): string {
  return canonicalLanguage(articleLanguage) ?? canonicalLanguage(channelLanguage) ?? 'en';
}

function canonicalLanguage(tag: string | undefined): string | undefined {
  const cleaned = tag?.trim().replace(/_/g, '-');
  if (!cleaned) return undefined;
  try {
    return Intl.getCanonicalLocales(cleaned)[0];
  } catch {
    return undefined;
  }
}

function shorten(text: string): string {
  const short = truncateGraphemes(text, MAX_CARD_GRAPHEMES);
  if (short !== '' || text === '') return short;
  // One "word" longer than the limit (a URL, an unbroken CJK run the segmenter kept whole).
  return graphemes(text).slice(0, MAX_CARD_GRAPHEMES - 1).join('') + ELLIPSIS;
}
