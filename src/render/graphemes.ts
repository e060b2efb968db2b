/**
 * Grapheme clusters are what people see as one character: a flag, a skin-toned emoji with ZWJ,
 * an accented letter written with a combining mark. Intl.Segmenter follows Unicode UAX #29,
 * the same rule Bluesky's and Mastodon's counters use.
 */
export function graphemes(text: string): string[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Printable ASCII, tabs and newlines: one grapheme per code unit (\r\n would be one, so no \r). */
const SIMPLE_TEXT = /^[\x20-\x7e\t\n]*$/;

export function graphemeLength(text: string): number {
  // Most of a news post is plain ASCII; segmenting it was the largest cost of fitting (bench/).
  if (SIMPLE_TEXT.test(text)) return text.length;
  let count = 0;
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const _ of segmenter.segment(text)) count += 1;
  return count;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
