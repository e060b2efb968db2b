/** Read chunk by chunk, stopping as soon as the running total passes the cap. */
export async function collect(chunks: AsyncIterable<unknown>, maxBytes: number, onTooLarge: () => Error): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) continue;
    total += chunk.byteLength;
    // Throwing out of for-await cancels the stream, which tears down the connection.
    if (total > maxBytes) throw onTooLarge();
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/**
 * Bytes to text, honouring RFC 7303 precedence: byte-order mark, then the HTTP charset, then the
 * XML declaration, else UTF-8. Many newsroom CMSes still serve ISO-8859-1 / windows-1252.
 */
export function decodeBody(bytes: Buffer, contentType: string | undefined): string {
  const bom =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 'utf-8'
    : bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le'
    : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be'
    : undefined;
  const header = contentType?.match(/;\s*charset\s*=\s*"?([^";\s]+)"?/i)?.[1];
  const head = bytes.subarray(0, 1024).toString('latin1');
  const declared = head.match(/^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/)?.[1];
  try {
    return new TextDecoder(bom ?? header ?? declared ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // An unknown label: UTF-8 is the best guess.
  }
}
