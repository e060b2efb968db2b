import { decode } from 'html-entities';

/*
 * Feed titles and descriptions are HTML fragments, often sloppy ones. A regex pass is enough
 * here because the output is plain text for a post, never markup: the worst a missed edge case
 * can do is leave a stray character, not inject anything. The tag pattern honours quoted
 * attribute values (so `<a title="a > b">` is one tag), and `<` not followed by a letter, `/`,
 * `!` or `?` is text ("3 < 5" survives).
 * No pattern may scan past the next `<` or re-scan to the end from many starts: descriptions come
 * from untrusted feeds, and quadratic backtracking on "<a<a<a…" would stall the poller.
 */

const CDATA = /<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)/g;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** Elements whose content is never reader-visible text. Unclosed ones run to the end. */
const HIDDEN_ELEMENT =
  /<(script|style|template|noscript|iframe|object|svg|math)\b(?:[^<>"']|"[^<"]*"|'[^<']*')*>[\s\S]*?(?:<\/\1\s*>|$)/gi;
const DECLARATION = /<[!?][^<>]*>/g;
const TAG = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)(?:[^<>"']|"[^<"]*"|'[^<']*')*>/g;
const COMMENT_START = /<!--|<!\[CDATA\[/;

/** Tags that separate words when rendered; all other tags (b, a, span…) join their text. */
const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'details', 'div', 'dl',
  'dt', 'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr',
  'img', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'td', 'th',
  'tr', 'ul',
]);

/**
 * Invisible characters that only break word matching and length counting in posts: soft hyphen,
 * zero-width space, word joiner, BOM, and C0/C1 controls. ZWJ/ZWNJ (U+200C/D) are kept because
 * emoji sequences and several scripts need them.
 */
// eslint-disable-next-line no-control-regex -- removing control characters is the point.
const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Inline elements that, with BLOCK_TAGS and the hidden ones, make decoded text "still markup". */
const INLINE_TAGS: ReadonlySet<string> = new Set([
  'a', 'abbr', 'b', 'big', 'cite', 'code', 'del', 'em', 'font', 'i', 'ins', 'kbd', 'link', 'mark',
  'meta', 'picture', 'q', 's', 'small', 'source', 'span', 'strike', 'strong', 'sub', 'sup', 'time',
  'u', 'video', 'audio', 'center', 'body', 'html', 'head', 'script', 'style', 'iframe', 'noscript',
]);

/** One decoding, plus the passes for text escaped twice or three times. */
const MAX_PASSES = 3;

/** A well-formed entity (with its semicolon) left over after one decoding: "&amp;amp;" → "&amp;". */
const LEFTOVER_ENTITY = /&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});/;

/**
 * Turn an HTML fragment (or text that may contain some) into one line of NFC plain text:
 * markup removed, script/style contents dropped, block boundaries become spaces, entities
 * decoded, whitespace folded and trimmed.
 *
 * Feeds that escape their HTML twice (`&amp;lt;p&amp;gt;`, common in CMS exports and WordPress
 * plugins) leave markup or entities after one decoding. A post must never show literal tags or
 * "&amp;", so such text is stripped and decoded once more (issue 12, item 7), and once again for
 * the rare export that escaped three times; past MAX_PASSES nothing is chased, which keeps the
 * cost linear whatever a hostile feed sends.
 */
export function toPlainText(htmlOrText: string): string {
  let text = stripAndDecode(htmlOrText);
  for (let pass = 1; pass < MAX_PASSES && isStillMarkup(text); pass++) text = stripAndDecode(text);
  return text
    .replace(INVISIBLE, '')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim();
}

function stripAndDecode(htmlOrText: string): string {
  const text = htmlOrText
    .replace(CDATA, '$1')
    .replace(COMMENT, '')
    .replace(HIDDEN_ELEMENT, '')
    .replace(DECLARATION, ' ')
    .replace(TAG, (_tag: string, _slash: string, name: string) =>
      BLOCK_TAGS.has(name.toLowerCase()) ? ' ' : '',
    );
  // Decode after stripping: what was escaped once is the text the author meant.
  return decode(text, { level: 'html5', scope: 'body' });
}

/** Known HTML elements (not any `<Word>`: "a <Name> placeholder" in a headline is text) or entities. */
function isStillMarkup(text: string): boolean {
  if (LEFTOVER_ENTITY.test(text) || COMMENT_START.test(text)) return true;
  for (const match of text.matchAll(TAG)) {
    const name = (match[2] ?? '').toLowerCase();
    if (BLOCK_TAGS.has(name) || INLINE_TAGS.has(name)) return true;
  }
  return false;
}
