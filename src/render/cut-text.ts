import { isFunctionWord } from './function-words.js';
import { graphemeLength } from './graphemes.js';
import { ELLIPSIS } from './truncate.js';

/** One way to shorten a field: where it ends and how much of it is left. */
export interface Cut {
  text: string;
  kind: 'sentence' | 'clause' | 'word';
  /** Words of the original kept (as Intl.Segmenter counts words). */
  words: number;
  readonly graphemes: number;
}

/** Ends of sentences: Latin, CJK full-width, Arabic question mark, Devanagari danda. */
const SENTENCE_END = /[.!?。！？؟।…]["'”’»)\]]*$/u;
/** A clause mark followed by a space, a spaced dash, or a CJK/Arabic comma (no space after). */
const CLAUSE_MARK = /[,;:](?=\s)|\s[–—-]\s|[、，；：،؛]/gu;
/** Scripts written without spaces between words: there any word boundary is a place to cut. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
/** Nothing but a word may come before the ellipsis: no comma, dash, colon or opening bracket. */
const TRAILING_PUNCTUATION = /[\s,;:、，；：،؛–—\-([{«“‘"'·]+$/u;

/**
 * Every acceptable shortening of `text`, by kind, each list from shortest to longest:
 * - at the end of a sentence (kept as it is, no ellipsis);
 * - at a clause boundary (comma, semicolon, colon, spaced dash), then "…";
 * - after a word that is followed by a space (or inside an unspaced script), then "…".
 * No cut ends on a function word of `language` or on punctuation before "…", and no cut holds
 * more than one "…" (a field that already has one keeps only cuts before it).
 */
export function cutCandidates(text: string, language: string | undefined): Record<Cut['kind'], Cut[]> {
  const segments = [...new Intl.Segmenter(language, { granularity: 'word' }).segment(text)].filter((s) => s.isWordLike);
  const wordEnds = segments.map((s) => s.index + s.segment.length);
  const wordsBefore = (position: number) => wordEnds.filter((end) => end <= position).length;
  const endsOnFunctionWord = (position: number): boolean => {
    const last = segments[wordsBefore(position) - 1];
    return last !== undefined && isFunctionWord(last.segment, language);
  };
  const make = (body: string, kind: Cut['kind'], position: number): Cut | undefined => {
    const cutText = kind === 'sentence' ? body : `${body}${ELLIPSIS}`;
    if (body === '' || count(cutText, ELLIPSIS) > 1) return undefined;
    // Counted on demand: only the few cuts bestCut weighs need it.
    let length: number | undefined;
    return {
      text: cutText,
      kind,
      words: wordsBefore(position),
      get graphemes() {
        length ??= graphemeLength(cutText);
        return length;
      },
    };
  };

  const sentence: Cut[] = [];
  for (const s of new Intl.Segmenter(language, { granularity: 'sentence' }).segment(text)) {
    const end = s.index + s.segment.length;
    const body = text.slice(0, end).trimEnd();
    if (end >= text.length || !SENTENCE_END.test(body)) continue;
    const cut = make(body, 'sentence', end);
    if (cut) sentence.push(cut);
  }

  const clause: Cut[] = [];
  for (const match of text.matchAll(CLAUSE_MARK)) {
    const body = text.slice(0, match.index).replace(TRAILING_PUNCTUATION, '');
    if (endsOnFunctionWord(body.length)) continue;
    const cut = make(body, 'clause', match.index);
    if (cut && (clause.at(-1)?.text ?? '') !== cut.text) clause.push(cut);
  }

  const word: Cut[] = [];
  for (const segment of segments) {
    const end = segment.index + segment.segment.length;
    if (end >= text.length) break;
    const next = text.charAt(end);
    // "Covid-19", "U.S." and "example.com" are not cut inside; CJK and Thai have no spaces.
    if (!/\s/u.test(next) && !UNSPACED.test(next) && !UNSPACED.test(text.charAt(end - 1))) continue;
    if (isFunctionWord(segment.segment, language)) continue;
    const body = text.slice(0, end).replace(TRAILING_PUNCTUATION, '');
    const cut = make(body, 'word', end);
    if (cut) word.push(cut);
  }
  return { sentence, clause, word };
}

/**
 * The cut that reads best among those that fit: a whole sentence when it keeps at least 60 % of
 * what the longest word cut keeps, else a clause when it keeps 75 %, else the longest word cut.
 * `fits` must be monotonic (a longer prefix never fits when a shorter one does not), which lets
 * each kind be searched by bisection: every try is a template render and a platform count.
 */
export function bestCut(candidates: Record<Cut['kind'], Cut[]>, fits: (text: string) => boolean): Cut | undefined {
  const word = longestFitting(candidates.word, fits);
  const measure = word?.graphemes ?? 0;
  // Only cuts that could win are tried: a sentence or clause much shorter than the word cut
  // loses anyway. (A longer one may fit: no word cut ends just before a full stop or comma.)
  const within = (cuts: Cut[], share: number) => (word ? cuts.filter((c) => c.graphemes >= measure * share) : cuts);
  const sentence = longestFitting(within(candidates.sentence, SENTENCE_SHARE), fits);
  if (sentence) return sentence;
  const clause = longestFitting(within(candidates.clause, CLAUSE_SHARE), fits);
  return clause ?? word;
}

/** What a sentence or a clause cut must keep of the word cut's length to be preferred. */
const SENTENCE_SHARE = 0.6;
const CLAUSE_SHARE = 0.75;

function longestFitting(cuts: readonly Cut[], fits: (text: string) => boolean): Cut | undefined {
  let low = 0;
  let high = cuts.length - 1;
  let best: Cut | undefined;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const cut = cuts[mid];
    if (cut && fits(cut.text)) {
      best = cut;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/**
 * Shortens text to at most `max` graphemes (the ellipsis included) the way posts are cut: at a
 * sentence, a clause or a word, never inside a word or a grapheme. The `truncate` template helper
 * and the Bluesky card use it. Empty when not even one word fits.
 */
export function truncateGraphemes(text: string, max: number, language?: string): string {
  if (graphemeLength(text) <= max) return text;
  return bestCut(cutCandidates(text, language), (cut) => graphemeLength(cut) <= max)?.text ?? '';
}
