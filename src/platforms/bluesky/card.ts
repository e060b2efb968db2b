import type { Article } from '../../articles/article.js';
import { withoutExcerptMarker } from '../../render/context.js';
import { truncateGraphemes } from '../../render/cut-text.js';
import { graphemes } from '../../render/graphemes.js';
import { ELLIPSIS } from '../../render/truncate.js';

/**
 * The card text is not limited by the lexicon
 * (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/external.json),
 * but clients show two or three lines of it: a feed summary of several paragraphs only makes
 * the record heavier. 300 graphemes matches the post text limit.
 */
const MAX_CARD_GRAPHEMES = 300;

/** Title and description of the link card, cut the way posts are cut (cut-text.ts). */
export function linkCard(article: Pick<Article, 'title' | 'summary'>, language: string): { title: string; description: string } {
  // The summary as posts show it: a feed's " […]" is one "…" there too.
  return { title: shorten(article.title, language), description: shorten(withoutExcerptMarker(article.summary, language), language) };
}

function shorten(text: string, language: string): string {
  const short = truncateGraphemes(text, MAX_CARD_GRAPHEMES, language);
  if (short !== '' || text === '') return short;
  // One "word" longer than the limit (a URL, an unbroken run the segmenter kept whole).
  return graphemes(text).slice(0, MAX_CARD_GRAPHEMES - 1).join('') + ELLIPSIS;
}
