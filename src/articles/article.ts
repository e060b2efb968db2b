/**
 * The one shape every source normalises to. Text fields are plain text: HTML is stripped,
 * entities decoded and whitespace folded before an Article is built (see src/articles/plain-text.ts).
 */
export interface ArticleImage {
  url: string;
  alt?: string;
  /** Pixels as the feed or page declared them (or the URL shows), when known: for previews. */
  width?: number;
  height?: number;
}

export interface Article {
  /** Id of the configured source that found it. */
  sourceId: string;
  /** Stable per-source key: a hash of the GUID / Atom id / JSON Feed id / WordPress post id. */
  key: string;
  /** The link as the feed gives it. */
  url: string;
  /** Normalised URL used to recognise the same story across sources (see canonical-url.ts). */
  canonicalUrl: string;
  title: string;
  summary: string;
  categories: string[];
  tags: string[];
  authors: string[];
  /** UTC; a missing or future date is replaced by the time Crier first saw the item. */
  publishedAt: Date;
  updatedAt?: Date;
  image?: ArticleImage;
  /** BCP 47 language tag, when the feed or item declares one. */
  language?: string;
}
