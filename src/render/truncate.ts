import { segmenter } from './segmenters.js';

export const ELLIPSIS = '…';

/**
 * Places where text may be cut: after a word, as Intl.Segmenter sees words. Whitespace
 * splitting would leave a CJK or Thai sentence as one unbreakable "word"; the word segmenter
 * knows their boundaries, and its segments never split a grapheme.
 */
export function wordCutPoints(text: string, locale?: string): number[] {
  const points: number[] = [];
  for (const segment of segmenter(locale, 'word').segment(text)) {
    if (segment.isWordLike) points.push(segment.index + segment.segment.length);
  }
  return points;
}

/**
 * The text cut after word `count` (1-based), with trailing punctuation dropped and `…` added.
 * For alt text, where any word will do; posts are cut by cut-text.ts, which reads better.
 */
export function cutAfterWords(text: string, points: readonly number[], count: number): string {
  if (count >= points.length) return text;
  if (count <= 0) return '';
  const cut = text.slice(0, points[count - 1]).replace(/[\s,;:–—-]+$/u, '');
  return cut + ELLIPSIS;
}
