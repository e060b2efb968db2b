import { createHash } from 'node:crypto';

/**
 * Stable per-source article key: the first 32 hex characters (128 bits) of the SHA-256 of the
 * raw identifier (GUID, Atom id, JSON Feed id, WordPress post id, or a fallback the caller
 * chose). 128 bits keeps keys short in logs and indexes while collisions stay out of reach.
 * The raw value is hashed as given: callers decide what "the same id" means before hashing.
 */
export function articleKey(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 32);
}
