import type { PushRequest, PushResponse } from '../push-request.js';
import type { PushContext, PushSource } from '../source-kind.js';
import { discoverHub } from './discover.js';
import { requestSubscription } from './hub-request.js';
import { verifyHubSignature } from './hub-signature.js';
import {
  DENIED_RETRY_MS,
  callbackUrl,
  isSubscribed,
  leaseEnd,
  loadSubscription,
  metaKey,
  newSubscription,
  renewAt,
  retryDelay,
  tokenMatches,
  VERIFY_TIMEOUT_MS,
  type Subscription,
} from './subscription.js';
import type { WebSubSource } from './websub-source.js';

/** hub.challenge may only hold these characters; echoing nothing else keeps the answer inert. */
const CHALLENGE = /^[+\-./0-9=A-Z_a-z]{1,1024}$/;

/**
 * One WebSub subscription, run by the daemon: subscribe and renew, answer the hub's
 * verification, and turn each signed push into a conditional re-fetch of the feed.
 * https://www.w3.org/TR/websub/
 */
export function createWebSubSubscriber(source: WebSubSource, ctx: PushContext): PushSource {
  const log = ctx.logger.child({ source: source.id });
  const callback = `${ctx.publicUrl ?? ''}/websub/${encodeURIComponent(source.id)}`;
  let sub: Subscription | undefined;
  let inFlight: Promise<void> | undefined;
  /** Aborts the subscribe attempt in flight on stop (its signal lives no longer than the attempt). */
  let attempt: AbortController | undefined;
  let saving: Promise<void> = Promise.resolve();
  let stopped = false;
  const pushes = new Set<Promise<void>>();

  function save(): Promise<void> {
    const json = JSON.stringify(sub);
    saving = saving.then(() => ctx.store.setMeta(metaKey(source.id), json));
    return saving;
  }

  function iso(ms = ctx.now().getTime()): string {
    return new Date(ms).toISOString();
  }

  async function failed(current: Subscription, message: string, retryInMs?: number): Promise<void> {
    current.pending = undefined;
    current.failures += 1;
    current.lastError = message;
    current.retryAt = iso(ctx.now().getTime() + (retryInMs ?? retryDelay(current.failures)));
    await save();
    const detail = { failures: current.failures, retryAt: current.retryAt };
    // Polling goes on meanwhile, so this is trouble, not an outage: error level once it persists.
    if (current.failures === 3) log.error(detail, `WebSub subscription of ${source.id} failed 3 times in a row: ${message}`);
    else log.warn(detail, message);
  }

  async function subscribe(current: Subscription): Promise<void> {
    attempt = new AbortController();
    const { signal } = attempt;
    try {
      const found = await discoverHub(source.url, {
        sourceId: source.id,
        hub: source.hub,
        deadlineMs: ctx.fetchTimeoutMs,
        now: ctx.now(),
        dispatcher: ctx.dispatcher,
        signal,
      });
      if (stopped) return;
      // Recorded before the request: a hub may verify before it has even answered our POST.
      current.pending = { mode: 'subscribe', hub: found.hub, topic: found.topic, at: iso() };
      await save();
      const hub = await requestSubscription(
        { hub: found.hub, callback: callbackUrl(current), topic: found.topic, secret: current.secret, leaseSeconds: Math.round(source.lease / 1000) },
        { deadlineMs: ctx.fetchTimeoutMs, dispatcher: ctx.dispatcher, signal },
      );
      if (current.pending) current.pending.hub = hub;
      await save();
      if (!found.hub.startsWith('https:')) log.warn({ hub }, 'the WebSub hub is plain HTTP: the shared secret travels unencrypted');
      log.info({ hub, topic: found.topic, callback }, 'asked the WebSub hub to subscribe; waiting for its verification');
    } catch (error) {
      // Stopped mid-attempt: not a failure; the next run asks again.
      if (!stopped) await failed(current, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * A hub's verification GET. Only the request Crier sent and is waiting on can be confirmed or
   * denied: the callback's token, the topic and the mode must match it, within the window. Any
   * other GET (forged, replayed, late, for an active subscription Crier is not renewing) is a 404
   * and changes nothing. https://www.w3.org/TR/websub/#hub-verifies-intent-of-the-subscriber
   */
  function verify(query: URLSearchParams): PushResponse {
    const current = sub;
    const mode = query.get('hub.mode');
    const topic = query.get('hub.topic');
    if (!current || !tokenMatches(current, query.get('token'))) return notFound('no such subscription');
    const pending = current.pending;
    if (!pending || pending.topic !== topic || ctx.now().getTime() - Date.parse(pending.at) > VERIFY_TIMEOUT_MS) {
      log.warn({ mode, topic }, 'WebSub verification refused: no request of ours is waiting for it');
      return notFound('no subscription request of ours is waiting for this verification');
    }
    if (mode === 'denied') {
      const reason = query.get('hub.reason') ?? 'no reason given';
      current.active = undefined;
      void failed(current, `the WebSub hub denied the subscription to ${topic ?? ''}: ${reason}; polling instead`, DENIED_RETRY_MS);
      void ctx.pollNow().catch(() => undefined);
      return { status: 200, body: 'ok\n' };
    }
    // Crier never asks to unsubscribe (a subscription it no longer wants runs out with its
    // lease), so an unsubscribe verification never matches the pending mode.
    const challenge = query.get('hub.challenge') ?? '';
    if (mode !== pending.mode || !CHALLENGE.test(challenge)) return notFound('not a request we sent');
    const granted = Number(query.get('hub.lease_seconds'));
    // The hub MUST send hub.lease_seconds; if one does not, assume what we asked for.
    const leaseSeconds = Number.isInteger(granted) && granted > 0 ? granted : Math.round(source.lease / 1000);
    const hub = pending.hub;
    current.active = { hub, topic: pending.topic, verifiedAt: iso(), leaseSeconds };
    current.pending = undefined;
    current.failures = 0;
    current.retryAt = undefined;
    current.lastError = undefined;
    void save();
    log.info(
      { hub, topic, leaseSeconds, renewAt: iso(renewAt(current.active)) },
      `WebSub subscription verified; safety poll every ${Math.round(Math.max(source.interval, source.safetyPoll) / 60_000)} min while it lasts`,
    );
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: challenge };
  }

  function push(request: PushRequest): PushResponse {
    const current = sub;
    if (!current) return { status: 401, body: 'no subscription\n' };
    // Not the callback we gave a hub: nothing to say to it.
    if (!tokenMatches(current, request.query.get('token'))) return notFound('no such subscription');
    const check = verifyHubSignature(header(request, 'x-hub-signature'), request.body, current.secret);
    if (!check.ok) {
      // WebSub asks for a 2xx even here (https://www.w3.org/TR/websub/#authenticated-content-distribution)
      // so as not to be an oracle; HMAC-SHA* leaves nothing to learn from one, and the issue asks
      // for a 401: the sender and our log see a forged or stale push, and it triggers nothing.
      log.warn({ reason: check.reason, bytes: request.body.length }, 'WebSub push rejected');
      return { status: 401, body: `${check.reason}\n` };
    }
    // The body is not trusted (a hub may send a partial feed): it is a signal to re-fetch the
    // feed with a conditional GET, through the same code as every poll.
    const polling = ctx.pollNow().catch((error: unknown) => log.error({ err: error }, 'poll after a WebSub push failed'));
    pushes.add(polling);
    void polling.finally(() => pushes.delete(polling));
    log.debug({ algorithm: check.algorithm, bytes: request.body.length }, 'WebSub push accepted; re-fetching the feed');
    return { status: 202, body: 'accepted\n' };
  }

  return {
    methods: ['GET', 'POST'],
    async handle(request) {
      if (!sub || stopped) return { status: 503, body: 'not running\n' };
      return request.method === 'GET' ? verify(request.query) : push(request);
    },
    async start() {
      const stored = await loadSubscription(ctx.store, source.id);
      sub = stored && stored.feedUrl === source.url && stored.callback === callback ? stored : newSubscription(source.url, callback);
      // A request left pending by the last run may never have left: ask again now rather than
      // wait out the verification timeout. A hub's late answer to the old request is then a 404,
      // and the new request (same callback and token) is verified instead.
      if (sub.pending) sub.pending = undefined;
      if (sub !== stored || stored.pending) await save();
      if (isSubscribed(sub, ctx.now()) && sub.active) {
        log.info({ until: iso(leaseEnd(sub.active)) }, 'WebSub subscription still active');
      }
    },
    async maintain() {
      const current = sub;
      if (!current || stopped || inFlight) return;
      const now = ctx.now().getTime();
      if (current.active && now >= leaseEnd(current.active)) {
        current.active = undefined;
        await save();
        log.warn('WebSub subscription lapsed; polling at the source interval until it is renewed');
        // The next poll was planned at the safety interval: bring it forward.
        void ctx.pollNow().catch(() => undefined);
      }
      if (current.pending) {
        if (now - Date.parse(current.pending.at) < VERIFY_TIMEOUT_MS) return;
        await failed(current, `the WebSub hub ${current.pending.hub} did not verify the subscription within ${VERIFY_TIMEOUT_MS / 60_000} min`);
        return;
      }
      if (current.retryAt && now < Date.parse(current.retryAt)) return;
      if (current.active && now < renewAt(current.active)) return;
      inFlight = subscribe(current).finally(() => {
        inFlight = undefined;
      });
    },
    pollInterval() {
      return isSubscribed(sub, ctx.now()) ? Math.max(source.interval, source.safetyPoll) : undefined;
    },
    async stop() {
      stopped = true;
      attempt?.abort(new Error('stopping'));
      await inFlight;
      await Promise.all(pushes);
      await saving;
    },
  };
}

function header(request: PushRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function notFound(reason: string): PushResponse {
  return { status: 404, body: `${reason}\n` };
}
