/**
 * Grapheme clusters are what people see as one character: a flag, a skin-toned emoji with ZWJ,
 * an accented letter written with a combining mark. Intl.Segmenter follows Unicode UAX #29,
 * the same rule Bluesky's and Mastodon's counters use.
 */
export function graphemes(text: string): string[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

export function graphemeLength(text: string): number {
  let count = 0;
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const _ of segmenter.segment(text)) count += 1;
  return count;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
