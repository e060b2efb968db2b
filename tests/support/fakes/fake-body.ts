import type { FakeRequest } from './fake-server.js';

/**
 * A request body's fields whatever its encoding: JSON, urlencoded or multipart. Multipart parts
 * that carry a file name or a non-text content type become Blobs with their exact bytes;
 * undefined when the body cannot be read (the fakes answer that with the platform's 4xx).
 */
export function parseFields(request: FakeRequest): Record<string, unknown> | undefined {
  const type = request.headers['content-type'] ?? '';
  if (request.body.length === 0) return {};
  if (/^application\/json/i.test(type)) {
    try {
      const parsed: unknown = JSON.parse(request.body.toString('utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  if (/^application\/x-www-form-urlencoded/i.test(type)) {
    return collect([...new URLSearchParams(request.body.toString('utf8'))]);
  }
  const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const parts = boundary ? parseMultipart(request.body, boundary[1] ?? boundary[2] ?? '') : undefined;
  return parts ? collect(parts) : undefined;
}

/** A string field, or undefined when absent or of another type. */
export function stringField(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' ? value : undefined;
}

/** A list of string ids, from a JSON array or repeated form fields. */
export function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string');
}

/** Rails-style `media_ids[]` fields become arrays, as on the real servers. */
function collect(entries: [string, string | Blob][]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2);
      const list: unknown = fields[name];
      fields[name] = [...(Array.isArray(list) ? list : []), value];
    } else {
      fields[key] = value;
    }
  }
  return fields;
}

/**
 * RFC 7578 multipart/form-data. Not undici's Response.formData(): it turns a part without a file
 * name into a UTF-8 string, and twitter-api-v2 sends the image bytes of a v2 media append as
 * exactly such a part (name="media", Content-Type: application/octet-stream, no filename).
 */
function parseMultipart(body: Buffer, boundary: string): [string, string | Blob][] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const parts: [string, string | Blob][] = [];
  let cursor = body.indexOf(delimiter);
  if (cursor < 0) return undefined;
  cursor += delimiter.length;
  while (body.subarray(cursor, cursor + 2).toString('latin1') !== '--') {
    const start = cursor + 2; // the CRLF after the delimiter
    const end = body.indexOf(next, start);
    const split = body.indexOf('\r\n\r\n', start);
    if (end < 0 || split < 0 || split > end) return undefined;
    const head = body.subarray(start, split).toString('utf8');
    const bytes = body.subarray(split + 4, end);
    const name = /;\s*name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) return undefined;
    const hasFileName = /;\s*filename="/i.test(head);
    const type = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim();
    const isFile = hasFileName || (type !== undefined && !type.startsWith('text/'));
    parts.push([name, isFile ? new Blob([new Uint8Array(bytes)], { type: type ?? '' }) : bytes.toString('utf8')]);
    cursor = end + next.length;
  }
  return parts;
}
