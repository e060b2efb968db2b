import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The algorithms WebSub registers for X-Hub-Signature, with their digest sizes in bytes.
 * https://www.w3.org/TR/websub/#recognized-algorithm-names
 */
const DIGEST_BYTES = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const;
type HubAlgorithm = keyof typeof DIGEST_BYTES;

export type SignatureCheck = { ok: true; algorithm: HubAlgorithm } | { ok: false; reason: string };

function isAlgorithm(name: string): name is HubAlgorithm {
  return Object.hasOwn(DIGEST_BYTES, name);
}

/**
 * Checks `X-Hub-Signature: <method>=<hex HMAC of the raw body>` with the secret we gave the hub.
 * https://www.w3.org/TR/websub/#authenticated-content-distribution
 * The comparison is constant-time, and the digest length is checked before it (timingSafeEqual
 * needs equal lengths; the length is public anyway).
 */
export function verifyHubSignature(header: string | undefined, body: Buffer, secret: string): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'no X-Hub-Signature header' };
  const match = /^\s*([A-Za-z0-9]+)=([0-9A-Fa-f]+)\s*$/.exec(header);
  if (!match) return { ok: false, reason: 'X-Hub-Signature is not <method>=<hex>' };
  const algorithm = (match[1] ?? '').toLowerCase();
  if (!isAlgorithm(algorithm)) return { ok: false, reason: `X-Hub-Signature uses an unknown method "${algorithm}"` };
  const given = Buffer.from(match[2] ?? '', 'hex');
  if (given.length !== DIGEST_BYTES[algorithm]) return { ok: false, reason: 'X-Hub-Signature has the wrong length' };
  const expected = createHmac(algorithm, secret).update(body).digest();
  return timingSafeEqual(given, expected) ? { ok: true, algorithm } : { ok: false, reason: 'X-Hub-Signature does not match' };
}
