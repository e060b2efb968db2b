import { graphemeLength } from './graphemes.js';

export const ELLIPSIS = '…';

/**
 * Places where text may be cut: after a word, as Intl.Segmenter sees words. Whitespace
 * splitting would leave a CJK or Thai sentence as one unbreakable "word"; the word segmenter
 * knows their boundaries, and its segments never split a grapheme.
 */
export function wordCutPoints(text: string, locale?: string): number[] {
  const segmenter = new Intl.Segmenter(locale, { granularity: 'word' });
  const points: number[] = [];
  for (const segment of segmenter.segment(text)) {
    if (segment.isWordLike) points.push(segment.index + segment.segment.length);
  }
  return points;
}

/** The text cut after word `count` (1-based), with trailing punctuation dropped and `…` added. */
export function cutAfterWords(text: string, points: readonly number[], count: number): string {
  if (count >= points.length) return text;
  if (count <= 0) return '';
  const cut = text.slice(0, points[count - 1]).replace(/[\s,;:–—-]+$/u, '');
  return cut + ELLIPSIS;
}

/**
 * Shortens text to at most `max` graphemes (the ellipsis included) without cutting a word or a
 * grapheme. Used by the `truncate` template helper; platform fitting uses cutAfterWords directly.
 */
export function truncateGraphemes(text: string, max: number, locale?: string): string {
  if (graphemeLength(text) <= max) return text;
  const points = wordCutPoints(text, locale);
  let best = '';
  for (let count = 1; count < points.length; count += 1) {
    const candidate = cutAfterWords(text, points, count);
    if (graphemeLength(candidate) > max) break;
    best = candidate;
  }
  return best;
}
