import { graphemeLength, graphemes } from './graphemes.js';
import { ELLIPSIS } from './truncate.js';

/** A link up to this long with nothing percent-encoded is shown as it is. */
const SHOW_WHOLE_UP_TO = 40;
/** How much of the path a longer one shows after its host, before the "…". */
const PATH_GRAPHEMES = 24;
/** A slug is cut after one of its words when that keeps at least this much of the path. */
const PATH_MIN_GRAPHEMES = 10;

/**
 * How a link reads in a post whose links are facets (Bluesky): the text is only what people
 * see, the facet and the card carry the full URI. A long or percent-encoded link is shown as its
 * host and the start of its path, decoded, then "…", as Bluesky's own app does
 * (social-app src/lib/strings/url-helpers.ts, toShortUrl), so an Arabic or Japanese slug of 200
 * escaped characters does not eat the 300 graphemes.
 */
export function shortLinkText(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!url.includes('%') && url.length <= SHOW_WHOLE_UP_TO) return url;
  const host = parsed.host.replace(/^www\./, '');
  const rest = `${parsed.pathname === '/' ? '' : parsed.pathname}${parsed.search}`;
  const path = decodeForDisplay(rest);
  if (graphemeLength(path) <= PATH_GRAPHEMES) return `${host}${path}`;
  const parts = graphemes(path);
  let end = PATH_GRAPHEMES;
  if (!SEPARATOR.test(parts[end] ?? '')) {
    const lastSeparator = parts.slice(0, end).findLastIndex((g) => SEPARATOR.test(g));
    if (lastSeparator >= PATH_MIN_GRAPHEMES) end = lastSeparator;
  }
  const kept = parts.slice(0, end).join('');
  return `${host}${kept.replace(/[/?&=#_.-]+$/u, '')}${ELLIPSIS}`;
}

const SEPARATOR = /^[/?&=#_.-]$/u;

/** Escapes decoded for people, except spaces and controls: the link text must stay one word. */
function decodeForDisplay(text: string): string {
  try {
    return decodeURI(text).replace(/[\s\p{C}]/gu, (char) => encodeURIComponent(char));
  } catch {
    return text;
  }
}
