import type { Hash } from 'node:crypto';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createUnzip } from 'node:zlib';
import { decodeBytes } from '../charset.js';

/**
 * Read chunk by chunk, stopping as soon as the running total passes the cap. `hash`, when given,
 * is updated with each chunk as it arrives (no single long hashing stretch at the end).
 */
export async function collect(chunks: AsyncIterable<unknown>, maxBytes: number, onTooLarge: () => Error, hash?: Hash): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) continue;
    total += chunk.byteLength;
    // Throwing out of for-await cancels the stream, which tears down the connection.
    if (total > maxBytes) throw onTooLarge();
    hash?.update(chunk);
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/** Bytes to text by the declared charset, else UTF-8, else detection (src/sources/charset.ts). */
export function decodeBody(bytes: Buffer, contentType: string | undefined): string {
  return decodeBytes(bytes, contentType).text;
}

/** A content-encoding Crier cannot decode (anything but gzip, deflate, br and identity). */
export class UnsupportedEncodingError extends Error {
  override readonly name = 'UnsupportedEncodingError';
}

const DECODERS: Readonly<Record<string, () => Transform>> = {
  // Unzip reads gzip and zlib-wrapped deflate alike, so a server that labels one as the other works.
  gzip: createUnzip,
  'x-gzip': createUnzip,
  deflate: createUnzip,
  br: createBrotliDecompress,
};

/**
 * A body as sent with `content-encoding` (codings applied in the order listed, so undone in
 * reverse). Stopping the iteration early (a cap) destroys every stream back to the socket.
 * Throws UnsupportedEncodingError before reading anything when a coding is unknown.
 */
export function decompressed(body: Readable, encoding: string): Readable {
  const codings = encoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
  // Every coding is known before any decoder (a zlib handle) is made.
  const decoders: (() => Transform)[] = [];
  for (const coding of codings) {
    const decoder = DECODERS[coding];
    if (decoder === undefined) throw new UnsupportedEncodingError(`content-encoding ${coding}`);
    decoders.push(decoder);
  }
  let out: Readable = body;
  for (const decoder of decoders) {
    // pipeline destroys both ends on an error or an early stop; the error surfaces in the reader.
    out = pipeline(out, decoder(), () => undefined);
  }
  return out;
}
