/**
 * Intl.Segmenter instances by language. Building one costs about 0.1 ms, more than segmenting a
 * summary with it, and fitting a post needs a word and a sentence segmenter every time: they are
 * built once per language and granularity. A segmenter is immutable, so sharing one changes
 * nothing but the cost; the memo is bounded (a config names a handful of languages).
 */
const MAX_KEPT = 64;
const kept = new Map<string, Intl.Segmenter>();

export function segmenter(language: string | undefined, granularity: 'word' | 'sentence' | 'grapheme'): Intl.Segmenter {
  const key = `${granularity} ${language ?? ''}`;
  let found = kept.get(key);
  if (!found) {
    found = new Intl.Segmenter(language, { granularity });
    if (kept.size >= MAX_KEPT) kept.clear();
    kept.set(key, found);
  }
  return found;
}
