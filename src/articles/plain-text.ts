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

/**
 * Turn an HTML fragment (or text that may contain some) into one line of NFC plain text:
 * markup removed, script/style contents dropped, block boundaries become spaces, entities
 * decoded exactly once, whitespace folded and trimmed.
 */
export function toPlainText(htmlOrText: string): string {
  const text = htmlOrText
    .replace(CDATA, '$1')
    .replace(COMMENT, '')
    .replace(HIDDEN_ELEMENT, '')
    .replace(DECLARATION, ' ')
    .replace(TAG, (_tag: string, _slash: string, name: string) =>
      BLOCK_TAGS.has(name.toLowerCase()) ? ' ' : '',
    );
  // Decode after stripping, so escaped markup ("&lt;b&gt;") stays visible text.
  return decode(text, { level: 'html5', scope: 'body' })
    .replace(INVISIBLE, '')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim();
}
