import { decodeBytes } from '../charset.js';

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

/** Bytes to text by the declared charset, else UTF-8, else detection (src/sources/charset.ts). */
export function decodeBody(bytes: Buffer, contentType: string | undefined): string {
  return decodeBytes(bytes, contentType).text;
}
