/**
 * Characters no post may carry. U+FFFD is what a decoder writes for bytes it could not read (a
 * Latin-1 feed read as UTF-8); C0 and C1 controls come from binary junk or from windows-1252
 * text read as ISO-8859-1 (its curly quotes are 0x91–0x94). A post with them is always a
 * mistake an editor would delete, so it is refused instead. Line feeds are the post's own lines;
 * tabs and CRs are folded to spaces and line feeds after rendering (templates.ts).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const UNPOSTABLE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFD]/u;

/** Why `text` must not be posted, naming the first bad character and where it is; else undefined. */
export function unpostableReason(field: string, text: string): string | undefined {
  const match = UNPOSTABLE.exec(text);
  if (!match) return undefined;
  const char = match[0];
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const around = JSON.stringify(text.slice(Math.max(0, match.index - 20), match.index + 20));
  const what =
    char === '\uFFFD'
      ? `${code}, the replacement character (the source's bytes were decoded with the wrong encoding)`
      : `the control character ${code}`;
  return `the ${field} contains ${what} near ${around}; refused rather than posted: fix the encoding or the text at the source, then retry the delivery`;
}
