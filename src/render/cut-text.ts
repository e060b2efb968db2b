import { functionWordTest } from './function-words.js';
import { graphemeLength } from './graphemes.js';
import { segmenter } from './segmenters.js';
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
/** Nothing but a word may come before the ellipsis: no comma, dash, colon or opening bracket (one such character). */
const TRAILING_CHARACTER = /^[\s,;:、，；：،؛–—\-([{«“‘"'·]$/u;

/**
 * Every acceptable shortening of `text`, by kind, each list from shortest to longest:
 * - at the end of a sentence (kept as it is, no ellipsis);
 * - at a clause boundary (comma, semicolon, colon, spaced dash), then "…";
 * - after a word that is followed by a space (or inside an unspaced script), then "…".
 * No cut ends on a function word of `language` or on punctuation before "…", and no cut holds
 * more than one "…" (a field that already has one keeps only cuts before it).
 */
export function cutCandidates(text: string, language: string | undefined): Record<Cut['kind'], Cut[]> {
  const segments = [...segmenter(language, 'word').segment(text)].filter((s) => s.isWordLike);
  const wordEnds = segments.map((s) => s.index + s.segment.length);
  const functionWord = functionWordTest(language);
  // Words whose end is at or before `position` (wordEnds is ascending): a binary search.
  const wordsBefore = (position: number): number => {
    let low = 0;
    let high = wordEnds.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((wordEnds[mid] ?? 0) <= position) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const endsOnFunctionWord = (position: number): boolean => {
    const last = segments[wordsBefore(position) - 1];
    return last !== undefined && functionWord(last.segment);
  };
  // Every body is a prefix of `text`: how many "…" it holds is a prefix count.
  const ellipses: number[] = [];
  for (let at = text.indexOf(ELLIPSIS); at !== -1; at = text.indexOf(ELLIPSIS, at + 1)) ellipses.push(at);
  const ellipsesIn = (length: number): number => {
    let n = 0;
    while (n < ellipses.length && (ellipses[n] ?? 0) + ELLIPSIS.length <= length) n += 1;
    return n;
  };
  const make = (bodyLength: number, kind: Cut['kind'], position: number): Cut | undefined => {
    if (bodyLength === 0 || ellipsesIn(bodyLength) + (kind === 'sentence' ? 0 : 1) > 1) return undefined;
    // Built and counted on demand: only the few cuts bestCut weighs need their text.
    let cutText: string | undefined;
    let length: number | undefined;
    return {
      get text() {
        cutText ??= kind === 'sentence' ? text.slice(0, bodyLength) : `${text.slice(0, bodyLength)}${ELLIPSIS}`;
        return cutText;
      },
      kind,
      words: wordsBefore(position),
      get graphemes() {
        length ??= graphemeLength(this.text);
        return length;
      },
    };
  };

  const sentence: Cut[] = [];
  for (const s of segmenter(language, 'sentence').segment(text)) {
    const end = s.index + s.segment.length;
    if (end >= text.length) continue;
    const body = text.slice(0, end).trimEnd();
    if (!SENTENCE_END.test(body)) continue;
    const cut = make(body.length, 'sentence', end);
    if (cut) sentence.push(cut);
  }

  const clause: Cut[] = [];
  let lastClause = -1;
  for (const match of text.matchAll(CLAUSE_MARK)) {
    const bodyLength = withoutTrailingPunctuation(text, match.index);
    if (endsOnFunctionWord(bodyLength)) continue;
    const cut = make(bodyLength, 'clause', match.index);
    // Two marks with only punctuation between them give the same cut once.
    if (cut && bodyLength !== lastClause) {
      clause.push(cut);
      lastClause = bodyLength;
    }
  }

  const word: Cut[] = [];
  for (const segment of segments) {
    const end = segment.index + segment.segment.length;
    if (end >= text.length) break;
    const next = text.charAt(end);
    // "Covid-19", "U.S." and "example.com" are not cut inside; CJK and Thai have no spaces.
    if (!/\s/u.test(next) && !UNSPACED.test(next) && !UNSPACED.test(text.charAt(end - 1))) continue;
    if (functionWord(segment.segment)) continue;
    const cut = make(withoutTrailingPunctuation(text, end), 'word', end);
    if (cut) word.push(cut);
  }
  return { sentence, clause, word };
}

/**
 * The length of `text.slice(0, end)` once trailing punctuation (TRAILING_CHARACTER) is stripped from its end, without
 * building the slice: every character of that class is one UTF-16 unit, so a backward scan finds
 * exactly what the pattern would.
 */
function withoutTrailingPunctuation(text: string, end: number): number {
  let length = end;
  while (length > 0 && TRAILING_CHARACTER.test(text.charAt(length - 1))) length -= 1;
  return length;
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

/**
 * Shortens text to at most `max` graphemes (the ellipsis included) the way posts are cut: at a
 * sentence, a clause or a word, never inside a word or a grapheme. The `truncate` template helper
 * and the Bluesky card use it. Empty when not even one word fits.
 */
export function truncateGraphemes(text: string, max: number, language?: string): string {
  if (graphemeLength(text) <= max) return text;
  return bestCut(cutCandidates(text, language), (cut) => graphemeLength(cut) <= max)?.text ?? '';
}
