import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far X-Crier-Timestamp may be from our clock, either way; also how long a signature is remembered. */
export const MAX_SKEW_MS = 5 * 60_000;

export type WebhookCheck = { ok: true; signature: string; timestampMs: number } | { ok: false; reason: string };

/**
 * `X-Crier-Signature: sha256=<hex HMAC-SHA256 of "<X-Crier-Timestamp>.<raw body>">`. Signing the
 * timestamp with the body is what makes the freshness check mean anything (the scheme Stripe and
 * Slack use). Raw bytes, never re-serialised JSON: the signature covers exactly what was sent.
 */
export function verifyWebhookSignature(
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  body: Buffer,
  secret: string,
  now: Date,
): WebhookCheck {
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing X-Crier-Timestamp or X-Crier-Signature' };
  if (!/^\d{1,12}$/.test(timestampHeader.trim())) return { ok: false, reason: 'X-Crier-Timestamp is not unix seconds' };
  const match = /^\s*sha256=([0-9a-fA-F]{64})\s*$/.exec(signatureHeader);
  if (!match?.[1]) return { ok: false, reason: 'X-Crier-Signature is not sha256=<64 hex digits>' };
  const timestamp = timestampHeader.trim();
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  if (!timingSafeEqual(Buffer.from(match[1], 'hex'), expected)) return { ok: false, reason: 'X-Crier-Signature does not match' };
  // Checked after the signature, so the answer about freshness goes only to who holds the secret.
  const timestampMs = Number(timestamp) * 1000;
  if (Math.abs(now.getTime() - timestampMs) > MAX_SKEW_MS) {
    return { ok: false, reason: `X-Crier-Timestamp is more than ${MAX_SKEW_MS / 60_000} minutes from the server's clock` };
  }
  return { ok: true, signature: match[1].toLowerCase(), timestampMs };
}
