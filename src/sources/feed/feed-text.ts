/** Zone names V8 cannot parse but European and Asia-Pacific newsrooms do emit. */
const ZONE_OFFSETS: ReadonlyMap<string, string> = new Map([
  ['CET', '+0100'], ['CEST', '+0200'], ['EET', '+0200'], ['EEST', '+0300'], ['WET', '+0000'],
  ['WEST', '+0100'], ['BST', '+0100'], ['MSK', '+0300'], ['HKT', '+0800'], ['SGT', '+0800'],
  ['JST', '+0900'], ['KST', '+0900'], ['AEST', '+1000'], ['AEDT', '+1100'], ['NZST', '+1200'],
  ['NZDT', '+1300'],
]);

/**
 * RFC 822 and ISO 8601 dates to UTC. V8 reads a date without a zone as local time, so a missing
 * zone is taken as UTC (the daemon's own time zone must not move articles around).
 */
export function parseDate(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  let text = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(text)) {
    text = `${text.replace(' ', 'T')}Z`;
  } else if (/[A-Za-z]/.test(text) && !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const zone = /\s([A-Za-z]{3,4})$/.exec(text)?.[1];
    const offset = zone === undefined ? undefined : ZONE_OFFSETS.get(zone.toUpperCase());
    if (zone !== undefined && offset !== undefined) text = `${text.slice(0, -zone.length)}${offset}`;
    else if (!/(?:[+-]\d{2}:?\d{2}|\b(?:GMT|UTC?|Z|[ECMP][SD]T))$/i.test(text)) text = `${text} GMT`;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Remove the prolog's DOCTYPE (with its internal subset) before parsing. feedsmith 3.0.1 does not
 * expand DTD entities (its fast-xml-parser config sets processEntities: false), but that is a
 * dependency's internal default, not a promise; and fast-xml-parser rejects external entity
 * declarations and repeated DOCTYPEs outright, failing feeds whose content is fine. Feeds never
 * need a DTD: HTML named entities are decoded by feedsmith without one.
 */
export function stripDoctype(body: string): string {
  const head = body.slice(0, 65_536);
  const start = head.search(/<!DOCTYPE/i);
  // Only a DOCTYPE in the prolog is markup; anywhere else it is text inside CDATA or JSON.
  if (start === -1 || !/^\uFEFF?(?:\s|<\?[^>]*\?>|<!--(?:[^-]|-(?!->))*-->)*$/.test(head.slice(0, start))) return body;
  let depth = 0;
  let quote: string | undefined;
  for (let i = start + '<!DOCTYPE'.length; i < body.length; i++) {
    const char = body[i];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (body.startsWith('<!--', i)) {
      const end = body.indexOf('-->', i + 4);
      if (end === -1) return body;
      i = end + 2;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']') depth--;
    else if (char === '>' && depth <= 0) return body.slice(0, start) + body.slice(i + 1);
  }
  return body; // Unterminated: leave it for the parser to reject.
}
