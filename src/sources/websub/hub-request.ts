import { fetch, type Dispatcher } from 'undici';

export interface SubscribeRequest {
  hub: string;
  callback: string;
  topic: string;
  secret: string;
  leaseSeconds: number;
}

const MAX_REDIRECTS = 3;

/**
 * Asks the hub to subscribe (or renew: the same request again). A 202 only says the hub will now
 * verify our intent with a GET to the callback; the subscription is active once we answered it.
 * https://www.w3.org/TR/websub/#subscriber-sends-subscription-request
 * A hub may move with 307/308, which keep the POST and its body; we follow a few.
 * https://www.w3.org/TR/websub/#subscription-response-details
 * Returns the hub URL that accepted.
 */
export async function requestSubscription(
  request: SubscribeRequest,
  options: { deadlineMs: number; dispatcher?: Dispatcher | undefined; signal?: AbortSignal | undefined },
): Promise<string> {
  const deadline = AbortSignal.timeout(options.deadlineMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const body = new URLSearchParams({
    'hub.mode': 'subscribe',
    'hub.topic': request.topic,
    'hub.callback': request.callback,
    'hub.secret': request.secret,
    'hub.lease_seconds': String(request.leaseSeconds),
  }).toString();
  let hub = request.hub;
  for (let redirects = 0; ; redirects++) {
    let response;
    try {
      response = await fetch(hub, {
        method: 'POST',
        body,
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        signal,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
    } catch (error) {
      throw new Error(`WebSub hub ${hub} could not be reached (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    const text = (await response.text().catch(() => '')).trim().slice(0, 200);
    const location = response.headers.get('location');
    if ((response.status === 307 || response.status === 308) && location && redirects < MAX_REDIRECTS) {
      hub = new URL(location, hub).href;
      continue;
    }
    if (response.status >= 200 && response.status < 300) return hub;
    throw new Error(`WebSub hub ${hub} refused the subscription: HTTP ${response.status}${text ? `: ${text}` : ''}`);
  }
}
