import { segmenter } from './segmenters.js';

/**
 * Grapheme clusters are what people see as one character: a flag, a skin-toned emoji with ZWJ,
 * an accented letter written with a combining mark. Intl.Segmenter follows Unicode UAX #29,
 * the same rule Bluesky's and Mastodon's counters use.
 */
export function graphemes(text: string): string[] {
  return Array.from(segmenter(undefined, 'grapheme').segment(text), (s) => s.segment);
}

/**
 * Text in which every code point is its own grapheme: no combining or spacing marks, no joiners
 * or variation selectors, no Hangul jamo, no CR (CR LF is one), no prepended signs, nothing
 * outside the BMP (emoji, flags). That is most news text in most scripts, bullet and ellipsis
 * included; counting it code unit by code unit gives the same answer as the segmenter, which was
 * the largest cost of fitting posts (bench/, delivery). tests/unit/graphemes.test.ts checks it
 * against Intl.Segmenter.
 */
const ONE_GRAPHEME_PER_CHAR =
  // eslint-disable-next-line no-misleading-character-class -- joiners and marks are listed on purpose: they are what it excludes
  /^[^\p{M}\u200C\u200D\uFE00-\uFE0F\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF\r\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u0D4E\u0E33\u0EB3\uFF9E\uFF9F\u{10000}-\u{10FFFF}]*$/u;

export function graphemeLength(text: string): number {
  if (ONE_GRAPHEME_PER_CHAR.test(text)) return text.length;
  let count = 0;
  for (const _ of segmenter(undefined, 'grapheme').segment(text)) count += 1;
  return count;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
