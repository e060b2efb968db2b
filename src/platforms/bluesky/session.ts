import { AtpAgent } from '@atproto/api';
import type { AtpSessionData, AtpSessionEvent } from '@atproto/api';
import type { AdapterDeps, BudgetReading } from '../contract.js';
import { PublishError } from '../errors.js';
import { isAuthFailure, mapBlueskyError } from './errors.js';
import { keepHttpStatus } from './http-status.js';

/** channelState key holding the saved session (JSON of SavedSession; '' once it expired). */
export const SESSION_KEY = 'session';

/**
 * After the PDS refuses the app password, further logins wait this long: createSession allows
 * only 30 calls per 5 minutes and 300 per day per account
 * (https://docs.bsky.app/docs/advanced-guides/rate-limits), and a daemon with a wrong password
 * and a backlog would otherwise burn them all, locking the account out once it is fixed.
 */
const LOGIN_BACKOFF_AFTER_AUTH_MS = 15 * 60_000;
/** When a 429 on createSession carries no reset time. */
const LOGIN_BACKOFF_AFTER_LIMIT_MS = 5 * 60_000;

export interface SessionOptions {
  service: string;
  identifier: string;
  appPassword: string;
  /** Per HTTP request, whatever the caller's signal says. */
  requestTimeoutMs: number;
}

export interface SessionKeeper {
  /**
   * Runs `op` with a logged-in agent. When the session turns out to be expired or revoked
   * (the library's own refresh already failed), logs in once more and re-runs `op`: the PDS
   * refused the first attempt before doing anything, so this is safe for any operation.
   */
  run<T>(op: (agent: AtpAgent, session: AtpSessionData) => Promise<T>): Promise<T>;
  /**
   * Logs in with the configured identifier and app password whatever session is saved (a
   * credentials check must test the credentials, not a cached session), then makes that new
   * session the saved one and the one every later call uses. Says when the saved session
   * belonged to other credentials. A refused password throws, and the saved session is left.
   */
  checkLogin(): Promise<LoginCheck>;
}

export interface LoginCheck {
  session: AtpSessionData;
  notes: string[];
  /** createSession's own budget, when the PDS sends ratelimit-* headers on it. */
  budget?: BudgetReading | undefined;
}

/** What is stored: the session plus where it belongs, so a config change never reuses it. */
interface SavedSession {
  service: string;
  identifier: string;
  session: AtpSessionData;
}

/**
 * One agent per adapter, created on first use and shared by every call. A saved session is
 * resumed (a refresh, not a login); createSession is used only when there is none or it was
 * expired or revoked, and every new or refreshed session is saved before the call returns.
 */
export function createSessionKeeper(options: SessionOptions, deps: AdapterDeps): SessionKeeper {
  const log = deps.logger;
  let connecting: Promise<AtpAgent> | undefined;
  let saving: Promise<void> = Promise.resolve();
  let loginBlocked: { until: Date; error: PublishError } | undefined;

  // Saves run one after another so an older session can never overwrite a newer one.
  const save = (value: string | undefined): void => {
    saving = saving
      .then(() => (value === undefined ? deps.channelState.delete(SESSION_KEY) : deps.channelState.set(SESSION_KEY, value)))
      .catch((error: unknown) => log.warn({ err: error }, 'could not save the Bluesky session'));
  };

  const persistSession = (event: AtpSessionEvent, session: AtpSessionData | undefined): void => {
    if ((event === 'create' || event === 'update') && session) {
      const saved: SavedSession = { service: options.service, identifier: options.identifier, session };
      save(JSON.stringify(saved));
    } else if (event === 'expired') {
      save(undefined);
    }
  };

  let loginBudget: BudgetReading | undefined;

  // The real status rides along to the error mapper (http-status.ts).
  const timedFetch: typeof globalThis.fetch = keepHttpStatus(async (input, init) => {
    const signals = [AbortSignal.timeout(options.requestTimeoutMs)];
    if (input instanceof Request) signals.push(input.signal);
    if (init?.signal) signals.push(init.signal);
    const response = await fetch(input, { ...init, signal: AbortSignal.any(signals) });
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/xrpc/com.atproto.server.createSession')) loginBudget = createSessionBudget(response.headers) ?? loginBudget;
    return response;
  });

  async function loadSaved(): Promise<AtpSessionData | undefined> {
    await saving;
    const raw = await deps.channelState.get(SESSION_KEY);
    if (!raw) return undefined;
    try {
      const saved = JSON.parse(raw) as Partial<SavedSession>;
      if (saved.service !== options.service || saved.identifier !== options.identifier) return undefined;
      const session = saved.session;
      if (typeof session?.did !== 'string' || typeof session.refreshJwt !== 'string') return undefined;
      return session;
    } catch {
      return undefined;
    }
  }

  async function login(agent: AtpAgent): Promise<void> {
    if (loginBlocked && deps.now() < loginBlocked.until) {
      const { error, until } = loginBlocked;
      throw new PublishError(error.code, `${error.message}; not retrying the login before ${until.toISOString()}`, {
        cause: error,
        status: error.status,
        resetAt: until,
      });
    }
    try {
      await agent.login({ identifier: options.identifier, password: options.appPassword });
      loginBlocked = undefined;
      log.info({ handle: agent.session?.handle }, 'logged in to Bluesky');
    } catch (error) {
      const mapped = mapBlueskyError(error, deps.now());
      if (mapped.code === 'auth') {
        loginBlocked = { until: new Date(deps.now().getTime() + LOGIN_BACKOFF_AFTER_AUTH_MS), error: mapped };
      } else if (mapped.code === 'rate-limited') {
        const until = mapped.resetAt ?? new Date(deps.now().getTime() + LOGIN_BACKOFF_AFTER_LIMIT_MS);
        loginBlocked = { until, error: mapped };
      }
      throw mapped;
    }
  }

  async function connect(): Promise<AtpAgent> {
    const agent = new AtpAgent({ service: options.service, fetch: timedFetch, persistSession });
    const saved = await loadSaved();
    if (saved) {
      try {
        // Always a refresh (rotating the refresh token, saved through persistSession), never
        // a createSession.
        await agent.resumeSession(saved);
        await saving;
        return agent;
      } catch (error) {
        if (!isAuthFailure(error)) throw mapBlueskyError(error, deps.now());
        log.info('the saved Bluesky session expired or was revoked; logging in again');
      }
    }
    await login(agent);
    await saving;
    return agent;
  }

  /**
   * Connecting (resume or login) happens before any post is sent: whatever goes wrong there,
   * nothing can have been posted, so an unclear answer is a transient failure, never an
   * unknown outcome (which would make the delivery `uncertain` for no reason).
   */
  async function connectBeforeAnyPost(): Promise<AtpAgent> {
    try {
      return await connect();
    } catch (error) {
      if (error instanceof PublishError && error.code === 'unknown-outcome') {
        throw new PublishError('transient', `${error.message} (while connecting to Bluesky; nothing was posted)`, {
          cause: error,
          ...(error.status === undefined ? {} : { status: error.status }),
        });
      }
      throw error;
    }
  }

  function agentNow(): Promise<AtpAgent> {
    if (!connecting) {
      const attempt = connectBeforeAnyPost();
      connecting = attempt;
      // A failed connect is forgotten so the next call tries again (within the login backoff).
      attempt.catch(() => {
        if (connecting === attempt) connecting = undefined;
      });
    }
    return connecting;
  }

  function forget(agent: Promise<AtpAgent>): void {
    if (connecting === agent) connecting = undefined;
  }

  async function runOnce<T>(op: (agent: AtpAgent, session: AtpSessionData) => Promise<T>): Promise<{ value: T } | { expired: unknown }> {
    const pending = agentNow();
    const agent = await pending;
    const session = agent.session;
    if (!session) {
      forget(pending);
      return { expired: new Error('the Bluesky session was lost') };
    }
    try {
      const value = await op(agent, session);
      return { value };
    } catch (error) {
      // The library clears agent.session when its refresh is refused ('expired' event).
      if (isAuthFailure(error) && !agent.hasSession) {
        forget(pending);
        return { expired: error };
      }
      throw error;
    } finally {
      await saving;
    }
  }

  /** The saved session as stored, whichever credentials it belongs to. */
  async function storedSession(): Promise<Partial<SavedSession> | undefined> {
    await saving;
    const raw = await deps.channelState.get(SESSION_KEY);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as Partial<SavedSession>;
    } catch {
      return undefined;
    }
  }

  return {
    async checkLogin() {
      const before = await storedSession();
      const agent = new AtpAgent({ service: options.service, fetch: timedFetch, persistSession });
      try {
        await login(agent);
      } catch (error) {
        throw error instanceof PublishError && error.code === 'unknown-outcome'
          ? new PublishError('transient', `${error.message} (while logging in to Bluesky; nothing was posted)`, { cause: error })
          : error;
      }
      await saving;
      const session = agent.session;
      if (!session) throw new PublishError('transient', 'Bluesky answered the login without a session');
      // From now on every call uses the session just made (and saved through persistSession).
      connecting = Promise.resolve(agent);
      const notes: string[] = [];
      const old = before?.session;
      if (old && (old.did !== session.did || before.identifier !== options.identifier || before.service !== options.service)) {
        const who = old.handle ? `${old.handle} (${old.did})` : old.did;
        notes.push(
          `the saved session belonged to other credentials (${who} at ${before.service ?? 'an unknown service'}, logged in as "${before.identifier ?? '?'}"); it was replaced by this login`,
        );
      } else if (old) {
        notes.push('the saved session was replaced by a fresh login with the configured app password');
      }
      return { session, notes, budget: loginBudget };
    },

    async run(op) {
      const first = await runOnce(op);
      if ('value' in first) return first.value;
      log.info({ err: first.expired }, 'the Bluesky session expired; logging in again');
      const second = await runOnce(op);
      if ('value' in second) return second.value;
      throw second.expired;
    },
  };
}

/**
 * createSession is limited to 30 per 5 minutes and 300 per day per account
 * (https://docs.bsky.app/docs/advanced-guides/rate-limits); a PDS that enforces it answers
 * ratelimit-limit / -remaining / -reset (epoch seconds) / -policy ("30;w=300").
 */
function createSessionBudget(headers: Headers): BudgetReading | undefined {
  const remaining = Number(headers.get('ratelimit-remaining') ?? Number.NaN);
  if (!Number.isFinite(remaining)) return undefined;
  const limit = Number(headers.get('ratelimit-limit') ?? Number.NaN);
  const reset = Number(headers.get('ratelimit-reset') ?? Number.NaN);
  const window = /;\s*w=(\d+)/.exec(headers.get('ratelimit-policy') ?? '')?.[1];
  return {
    label: `logins (createSession)${window ? ` per ${Number(window) / 60} min` : ''}`,
    remaining,
    ...(Number.isFinite(limit) ? { limit } : {}),
    ...(Number.isFinite(reset) && reset > 0 ? { resetAt: new Date(reset * 1000) } : {}),
  };
}
