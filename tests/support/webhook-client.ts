import { createHmac } from 'node:crypto';
import { fetch } from 'undici';

export interface SignedPost {
  timestamp: string;
  signature: string;
  body: string;
}

/** Signs a body the way a webhook sender must: HMAC-SHA256 of "<timestamp>.<raw body>". */
export function signWebhook(secret: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): SignedPost {
  const timestamp = String(timestampSeconds);
  const signature = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return { timestamp, signature, body };
}

/** POSTs a (signed) webhook; the answer's status and JSON body. */
export async function postWebhook(
  url: string,
  post: Partial<SignedPost> & { body: string },
  contentType = 'application/json',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    body: post.body,
    headers: {
      'content-type': contentType,
      ...(post.timestamp === undefined ? {} : { 'x-crier-timestamp': post.timestamp }),
      ...(post.signature === undefined ? {} : { 'x-crier-signature': post.signature }),
    },
  });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}
