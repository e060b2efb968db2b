import { XRPCError, type AtpAgent } from '@atproto/api';
import type { AtpSessionData } from '@atproto/api';
import type { AdapterDeps, OwnPost, PostedRef, ReadBack } from '../contract.js';
import { PublishError } from '../errors.js';
import { repeatable } from '../repeatable.js';
import { mapBlueskyError } from './errors.js';
import { POST_COLLECTION } from './record.js';

type Run = <T>(op: (agent: AtpAgent, session: AtpSessionData) => Promise<T>) => Promise<T>;

/**
 * What getRecord answers when the record is not there to read: RecordNotFound (deleted, never
 * written), or the whole repository gone, deactivated or taken down
 * (https://github.com/bluesky-social/atproto/blob/main/lexicons/com/atproto/repo/getRecord.json,
 * and the PDS's getRecord handler for the repo errors).
 */
const GONE_ERRORS: ReadonlySet<string> = new Set(['RecordNotFound', 'RepoNotFound', 'RepoDeactivated', 'RepoTakendown', 'RepoSuspended']);

/** One page of com.atproto.repo.listRecords: at most 100 (its lexicon's `limit` maximum). */
const LIST_PAGE = 100;

export interface AtUri {
  repo: string;
  collection: string;
  rkey: string;
}

export function parseAtUri(uri: string): AtUri {
  const match = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri);
  if (!match?.[1] || !match[2] || !match[3]) throw new PublishError('rejected', `not a Bluesky record URI: ${uri}`);
  return { repo: match[1], collection: match[2], rkey: match[3] };
}

/** A record as getRecord answers it, or undefined when it is not there (see GONE_ERRORS). */
export async function fetchRecord(
  agent: AtpAgent,
  uri: string,
  signal?: AbortSignal,
): Promise<{ uri: string; cid: string; value: Record<string, unknown> } | { gone: string }> {
  const at = parseAtUri(uri);
  try {
    const got = await agent.com.atproto.repo.getRecord({ repo: at.repo, collection: at.collection, rkey: at.rkey }, { signal });
    if (typeof got.data.cid !== 'string') throw new PublishError('transient', `the PDS answered ${uri} without its CID`);
    return { uri: got.data.uri, cid: got.data.cid, value: got.data.value as Record<string, unknown> };
  } catch (error) {
    if (error instanceof XRPCError && GONE_ERRORS.has(error.error)) return { gone: `${error.error}: ${error.message}` };
    if (error instanceof XRPCError && /could not (find|locate) (repo|record)/i.test(error.message)) return { gone: error.message };
    throw error;
  }
}

export interface BlueskyFollowUps {
  remove(post: PostedRef, signal?: AbortSignal): Promise<'deleted' | 'already-gone'>;
  readBack(post: PostedRef, signal?: AbortSignal): Promise<ReadBack>;
  recentPosts(since: Date, signal?: AbortSignal): Promise<OwnPost[]>;
}

/**
 * Deleting, reading back and listing the account's posts, all safe to repeat: an answer that
 * does not say what happened is `transient` (repeatable.ts), never an unknown outcome.
 */
export function blueskyFollowUps(run: Run, deps: AdapterDeps, postUrl: (did: string, handle: string, rkey: string) => string): BlueskyFollowUps {
  const fail = (error: unknown): PublishError => repeatable(mapBlueskyError(error, deps.now()));

  return {
    /**
     * deleteRecord is a no-op for a record that is not there, and then answers without a
     * `commit` (the PDS's deleteRecord handler: "No-op if record already doesn't exist",
     * https://github.com/bluesky-social/atproto/blob/main/packages/pds/src/api/com/atproto/repo/deleteRecord.ts).
     */
    async remove(post, signal) {
      try {
        const uri = parseAtUri(post.remoteId);
        return await run(async (agent, current) => {
          if (uri.repo !== current.did) {
            throw new PublishError('rejected', `${post.remoteId} belongs to another account than ${current.did}`);
          }
          const result = await agent.com.atproto.repo.deleteRecord(
            { repo: current.did, collection: uri.collection, rkey: uri.rkey },
            { signal },
          );
          return result.data.commit ? ('deleted' as const) : ('already-gone' as const);
        });
      } catch (error) {
        throw fail(error);
      }
    },

    async readBack(post, signal) {
      try {
        return await run(async (agent) => {
          const got = await fetchRecord(agent, post.remoteId, signal);
          return 'gone' in got ? { found: false, reason: `the PDS answered ${got.gone}` } : { found: true };
        });
      } catch (error) {
        throw fail(error);
      }
    },

    /** The newest page of the account's app.bsky.feed.post records (rkeys are TIDs: newest first). */
    async recentPosts(since, signal) {
      try {
        return await run(async (agent, current) => {
          const listed = await agent.com.atproto.repo.listRecords(
            { repo: current.did, collection: POST_COLLECTION, limit: LIST_PAGE },
            { signal },
          );
          const handle = agent.session?.handle ?? current.handle;
          return listed.data.records
            .map((record) => ownPost(record.uri, record.value as Record<string, unknown>, (rkey) => postUrl(current.did, handle, rkey)))
            .filter((post) => post.createdAt === undefined || post.createdAt >= since);
        });
      } catch (error) {
        throw fail(error);
      }
    },
  };
}

function ownPost(uri: string, value: Record<string, unknown>, url: (rkey: string) => string): OwnPost {
  const text = typeof value.text === 'string' ? value.text : '';
  const links = new Set<string>();
  for (const facet of Array.isArray(value.facets) ? (value.facets as unknown[]) : []) {
    const features: unknown = typeof facet === 'object' && facet !== null ? Reflect.get(facet, 'features') : undefined;
    for (const feature of Array.isArray(features) ? (features as unknown[]) : []) {
      const link: unknown = typeof feature === 'object' && feature !== null ? Reflect.get(feature, 'uri') : undefined;
      if (typeof link === 'string') links.add(link);
    }
  }
  const embed = value.embed as { external?: { uri?: unknown } } | undefined;
  if (typeof embed?.external?.uri === 'string') links.add(embed.external.uri);
  const created = typeof value.createdAt === 'string' ? Date.parse(value.createdAt) : Number.NaN;
  const reply = value.reply as { parent?: { uri?: unknown } } | undefined;
  const rkey = parseAtUri(uri).rkey;
  return {
    remoteId: uri,
    url: url(rkey),
    text,
    links: [...links],
    ...(Number.isNaN(created) ? {} : { createdAt: new Date(created) }),
    ...(typeof reply?.parent?.uri === 'string' ? { replyTo: reply.parent.uri } : {}),
  };
}
