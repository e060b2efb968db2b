import { createHmac, randomBytes } from 'node:crypto';
import { fetch } from 'undici';
import { startServer, type TestServer } from './http-server.js';

export interface HubSubscription {
  callback: string;
  topic: string;
  secret: string | undefined;
  leaseSeconds: number;
  verifiedAt: Date;
}

export interface SubscribeRequest {
  mode: string;
  callback: string;
  topic: string;
  secret: string | undefined;
  leaseSeconds: number | undefined;
}

export interface Verification {
  callback: string;
  topic: string;
  mode: string;
  status: number;
  ok: boolean;
}

export interface PublishOptions {
  algorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** Sign with this secret instead of the subscriber's (a forged push). */
  secret?: string;
  /** Send exactly this X-Hub-Signature, or none when null. */
  signature?: string | null;
  contentType?: string;
  /** Only this subscriber (default: every subscriber of the topic). */
  callback?: string;
}

export interface FakeHub {
  /** The hub endpoint a feed advertises (rel=hub). */
  url: string;
  requests: SubscribeRequest[];
  verifications: Verification[];
  /** Verified subscriptions, one per topic × callback, as the spec keeps them. */
  subscriptions(): HubSubscription[];
  /** Resolves once `count` verifications have succeeded. */
  verified(count: number): Promise<HubSubscription>;
  /** What the hub answers subscribe requests with: 202 (and verify), or an error status. */
  answer: { status: number };
  /** Lease the hub grants (default: what was asked, else 10 days). */
  grantSeconds: number | undefined;
  /** Verify each request on its own (default); false: only what a test sends with verifyIntent. */
  autoVerify: boolean;
  /** Content distribution to the verified subscribers of the topic: their HTTP statuses (0: unreachable). */
  publish(topic: string, body: string, options?: PublishOptions): Promise<number[]>;
  /** A verification GET of the hub's own making (to check the subscriber refuses what it never asked). */
  verifyIntent(callback: string, topic: string, mode: string, challenge?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/**
 * A WebSub hub on loopback that does what the spec asks of one: 202 to a subscription request,
 * then verification of intent with a GET to the callback (challenge echoed, lease granted), and
 * content distribution signed with the subscriber's hub.secret.
 * https://www.w3.org/TR/websub/#hub-verifies-intent-of-the-subscriber
 */
export async function startFakeHub(): Promise<FakeHub> {
  const subs = new Map<string, HubSubscription>();
  const waiters = new Set<() => void>();
  const requests: SubscribeRequest[] = [];
  const verifications: Verification[] = [];

  async function verifyIntent(callback: string, topic: string, mode: string, challenge = challengeString(), lease?: number) {
    const url = new URL(callback);
    url.searchParams.append('hub.mode', mode);
    url.searchParams.append('hub.topic', topic);
    url.searchParams.append('hub.challenge', challenge);
    if (lease !== undefined) url.searchParams.append('hub.lease_seconds', String(lease));
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  }

  async function verify(request: SubscribeRequest): Promise<void> {
    const lease = hub.grantSeconds ?? request.leaseSeconds ?? 864_000;
    const challenge = challengeString();
    const answer = await verifyIntent(request.callback, request.topic, request.mode, challenge, lease).catch(() => ({ status: 0, body: '' }));
    const ok = answer.status >= 200 && answer.status < 300 && answer.body === challenge;
    verifications.push({ callback: request.callback, topic: request.topic, mode: request.mode, status: answer.status, ok });
    // The state changes only once verified: a failed renewal leaves the old subscription.
    if (ok) {
      subs.set(`${request.topic} ${request.callback}`, {
        callback: request.callback,
        topic: request.topic,
        secret: request.secret,
        leaseSeconds: lease,
        verifiedAt: new Date(),
      });
    }
    for (const wake of waiters) wake();
  }

  const server: TestServer = await startServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/hub')) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const lease = form.get('hub.lease_seconds');
    const request: SubscribeRequest = {
      mode: form.get('hub.mode') ?? '',
      callback: form.get('hub.callback') ?? '',
      topic: form.get('hub.topic') ?? '',
      secret: form.get('hub.secret') ?? undefined,
      leaseSeconds: lease === null ? undefined : Number(lease),
    };
    requests.push(request);
    for (const wake of waiters) wake();
    if (!['subscribe', 'unsubscribe'].includes(request.mode) || !request.callback || !request.topic) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('hub.mode, hub.topic and hub.callback are required');
      return;
    }
    if (hub.answer.status !== 202) {
      res.writeHead(hub.answer.status, { 'content-type': 'text/plain' }).end('refused by the test');
      return;
    }
    res.writeHead(202).end();
    // Verification is asynchronous and starts after the answer (spec 5.1.2).
    if (hub.autoVerify) setImmediate(() => void verify(request));
  });

  const hub: FakeHub = {
    url: `${server.url}/hub`,
    requests,
    verifications,
    answer: { status: 202 },
    grantSeconds: undefined,
    autoVerify: true,
    subscriptions: () => [...subs.values()],
    verified(count) {
      return new Promise((resolve) => {
        const check = () => {
          const ok = verifications.filter((v) => v.ok);
          const last = ok[count - 1];
          if (!last) return;
          waiters.delete(check);
          const sub = subs.get(`${last.topic} ${last.callback}`);
          if (sub) resolve(sub);
        };
        waiters.add(check);
        check();
      });
    },
    async publish(topic, body, options = {}) {
      const targets = [...subs.values()].filter((s) => s.topic === topic && (options.callback ?? s.callback) === s.callback);
      return Promise.all(
        targets.map(async (sub) => {
          const algorithm = options.algorithm ?? 'sha256';
          const secret = options.secret ?? sub.secret;
          const signature =
            options.signature !== undefined ? options.signature
            : secret === undefined ? null
            : `${algorithm}=${createHmac(algorithm, secret).update(body).digest('hex')}`;
          try {
            const response = await fetch(sub.callback, {
              method: 'POST',
              body,
              headers: {
                'content-type': options.contentType ?? 'application/atom+xml',
                link: `<${hub.url}>; rel="hub", <${topic}>; rel="self"`,
                ...(signature === null ? {} : { 'x-hub-signature': signature }),
              },
            });
            await response.arrayBuffer();
            return response.status;
          } catch {
            return 0;
          }
        }),
      );
    },
    verifyIntent: (callback, topic, mode, challenge) => verifyIntent(callback, topic, mode, challenge),
    async close() {
      await server.close();
    },
  };
  return hub;
}

/** The spec's challenge alphabet: letters, digits and + - . / = _ */
function challengeString(): string {
  return randomBytes(24).toString('base64').replace(/[^A-Za-z0-9+/=]/g, '_');
}
