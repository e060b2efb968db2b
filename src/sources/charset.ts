import { analyse } from 'chardet';
import iconv from 'iconv-lite';
import { TextDecoder } from 'node:util';

/** How the encoding of a body was known; only `detected` and `fallback` were guesses. */
export type CharsetOrigin = 'bom' | 'http' | 'xml' | 'html-meta' | 'utf-8' | 'detected' | 'fallback';

export interface DecodedBody {
  text: string;
  /** The WHATWG name the bytes were decoded as ("shift_jis", "windows-1252", "utf-8"…). */
  encoding: string;
  origin: CharsetOrigin;
  /** chardet's confidence (0–100) for a detected encoding. */
  confidence?: number;
  /** A UTF-8 declaration the bytes contradicted (a server's default header on a Latin-1 feed). */
  contradicted?: { origin: CharsetOrigin; label: string };
}

/**
 * WHATWG prescan reads a page's <meta charset> only in its first 1024 bytes
 * (https://html.spec.whatwg.org/multipage/parsing.html#prescan-a-byte-stream-to-determine-its-encoding);
 * an XML declaration must be the very first thing in the document.
 */
const HEAD_BYTES = 1024;

/**
 * Detection reads a sample, not a 15 MiB body: the statistics settle within a few pages of text,
 * and chardet runs every recogniser over all it is given.
 */
const SAMPLE_BYTES = 256 * 1024;

/**
 * Tags, entities and runs of ASCII white space: ASCII in every encoding detection may pick. Not
 * `\s`, which on bytes read as Latin-1 also matches 0xA0, a trail byte in Shift_JIS and GBK.
 */
const MARKUP = /<[^<>]*>|&#?[A-Za-z0-9]{1,32};|[\t\n\r ]+/g;

/**
 * Below this chardet confidence the guess is no better than the fallback. chardet reports 10 for
 * a recogniser that merely does not reject the bytes, and ≥ 30 once the text's statistics agree.
 */
const MIN_CONFIDENCE = 20;

/**
 * WHATWG's default for undeclared legacy content in most locales
 * (https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding, step 9):
 * every byte decodes, and it is what undeclared Western newsroom CMSes really send.
 */
const FALLBACK = 'windows-1252';

/**
 * Bytes to text. A declared charset wins, in RFC 7303 / WHATWG order: byte-order mark, then the
 * HTTP charset, then the XML declaration, then a <meta> charset in the first 1024 bytes. A body
 * that declares none and is valid UTF-8 is UTF-8. Anything else (an undeclared Latin-1, Shift_JIS
 * or KOI8-R feed, which would otherwise post "�" for every accented letter) is decoded by
 * detection, else as windows-1252; `origin` says which, so the caller can warn with the source.
 *
 * A UTF-8 declaration the bytes contradict is passed over for the next one (or detection): it is
 * a web server's default charset on a CMS's Latin-1 output far more often than it is true, and
 * decoding it would only turn every accented letter into U+FFFD, a post that cannot be sent.
 */
export function decodeBytes(bytes: Uint8Array, contentType: string | undefined): DecodedBody {
  let checked = false;
  let valid: string | undefined;
  // Decoded once, and only when a UTF-8 declaration or no declaration needs to know.
  const asUtf8 = (): string | undefined => {
    if (!checked) [checked, valid] = [true, validUtf8(bytes)];
    return valid;
  };
  let contradicted: DecodedBody['contradicted'];
  for (const declared of declaredCharsets(bytes, contentType)) {
    const decoder = decoderFor(declared.label);
    if (decoder === undefined) continue;
    const utf8 = decoder.encoding === 'utf-8' ? asUtf8() : undefined;
    if (decoder.encoding === 'utf-8' && utf8 === undefined) {
      contradicted ??= declared;
      continue;
    }
    const text = utf8 ?? decoder.decode(bytes);
    return { text, encoding: decoder.encoding, origin: declared.origin, ...(contradicted ? { contradicted } : {}) };
  }
  const utf8 = asUtf8();
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8', origin: 'utf-8' };
  const guessed = guess(bytes);
  return contradicted ? { ...guessed, contradicted } : guessed;
}

function guess(bytes: Uint8Array): DecodedBody {
  for (const match of analyse(textSample(bytes))) {
    if (match.confidence < MIN_CONFIDENCE) break; // analyse() sorts by confidence, best first.
    // The bytes are not valid UTF-8, so a Unicode guess (or ASCII) cannot be right.
    if (/^(?:utf|ascii)/i.test(match.name)) continue;
    const decoder = decoderFor(match.name);
    if (decoder !== undefined) {
      return { text: decoder.decode(bytes), encoding: decoder.encoding, origin: 'detected', confidence: match.confidence };
    }
  }
  // iconv-lite, not TextDecoder: see decoderFor.
  return { text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), FALLBACK), encoding: FALLBACK, origin: 'fallback' };
}

/** What to log when the encoding was guessed, naming the body (`feed https://…`); undefined otherwise. */
export function guessedCharsetWarning(decoded: DecodedBody, what: string): string | undefined {
  if (decoded.contradicted !== undefined) {
    const { label, origin } = decoded.contradicted;
    const how = decoded.origin === 'detected' ? 'by detection' : decoded.origin === 'fallback' ? 'as a last resort' : `as its ${ORIGIN_NAMES[decoded.origin]} says`;
    return `${what} declares ${label} in its ${ORIGIN_NAMES[origin]} but is not valid UTF-8; decoded as ${decoded.encoding} ${how}. Ask its publisher to fix the declared charset`;
  }
  if (decoded.origin === 'detected') {
    return `${what} declares no charset and is not UTF-8; decoded as ${decoded.encoding} by detection (confidence ${decoded.confidence ?? 0}%). Ask its publisher to declare the charset (HTTP Content-Type, XML declaration or <meta charset>)`;
  }
  if (decoded.origin === 'fallback') {
    return `${what} declares no charset, is not UTF-8 and no encoding could be detected; decoded as ${decoded.encoding}. Ask its publisher to declare the charset (HTTP Content-Type, XML declaration or <meta charset>)`;
  }
  return undefined;
}

/**
 * The text of a feed or page without its markup. ICU's detector scores letter statistics, and the
 * ASCII of tags and URLs drowns them: on a KOI8-R feed, markup made ISO-8859-1 win (22 to 19);
 * on its text alone KOI8-R scores 30 to 8. Stripping works on bytes read as Latin-1, safe because
 * `<`, `>` and `&` are below 0x40 and never a trail byte in Shift_JIS, GBK or Big5.
 */
function textSample(bytes: Uint8Array): Buffer {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SAMPLE_BYTES));
  return Buffer.from(head.toString('latin1').replace(MARKUP, ' '), 'latin1');
}

const ORIGIN_NAMES: Record<CharsetOrigin, string> = {
  bom: 'byte-order mark',
  http: 'HTTP Content-Type',
  xml: 'XML declaration',
  'html-meta': '<meta charset>',
  'utf-8': 'bytes',
  detected: 'detection',
  fallback: 'fallback',
};

function validUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Every charset the body declares, strongest first. */
function declaredCharsets(bytes: Uint8Array, contentType: string | undefined): Array<{ label: string; origin: CharsetOrigin }> {
  const found: Array<{ label: string; origin: CharsetOrigin }> = [];
  const bom =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 'utf-8'
    : bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le'
    : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be'
    : undefined;
  if (bom !== undefined) found.push({ label: bom, origin: 'bom' });
  const header = contentType?.match(/;\s*charset\s*=\s*"?([^";\s]+)"?/i)?.[1];
  if (header !== undefined) found.push({ label: header, origin: 'http' });
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, HEAD_BYTES)).toString('latin1');
  const xml = head.match(/^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/)?.[1];
  if (xml !== undefined) found.push({ label: xml, origin: 'xml' });
  // <meta charset> and <meta http-equiv="Content-Type" content="…; charset=…">, in HTML only: in a
  // feed the same text may sit inside an item's CDATA and says nothing about the feed.
  const html = /html/i.test(contentType ?? '') || /<(?:!doctype\s+html|html|head)[\s>]/i.test(head);
  const meta = html ? head.match(/<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i)?.[1] : undefined;
  if (meta !== undefined) found.push({ label: meta, origin: 'html-meta' });
  return found;
}

interface Decoder {
  /** The WHATWG name of the encoding ("windows-1252" for an "iso-8859-1" label, as browsers do). */
  encoding: string;
  decode(bytes: Uint8Array): string;
}

/**
 * A decoder for a WHATWG label (https://encoding.spec.whatwg.org/#names-and-labels). TextDecoder
 * names the encoding; legacy ones are decoded by iconv-lite, because Node's TextDecoder decodes
 * windows-1252 (and so every "iso-8859-1"/"latin1" label) as Latin-1 since 20.18.3, turning
 * smart quotes and "€" into C1 controls (https://github.com/nodejs/node/issues/60888).
 */
function decoderFor(label: string): Decoder | undefined {
  let encoding: string;
  try {
    encoding = new TextDecoder(label.trim().toLowerCase()).encoding;
  } catch {
    return undefined; // An unknown label, or one WHATWG maps to "replacement" (iso-2022-kr).
  }
  // WHATWG decodes "gbk" with the gb18030 decoder, a superset.
  const iconvName = encoding === 'gbk' ? 'gb18030' : encoding;
  if (!encoding.startsWith('utf-') && iconv.encodingExists(iconvName)) {
    return { encoding, decode: (bytes) => iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), iconvName) };
  }
  const decoder = new TextDecoder(encoding);
  return { encoding, decode: (bytes) => decoder.decode(bytes) };
}
