import type { AtpAgent } from '@atproto/api';
import type { PostedRef } from '../contract.js';
import { PublishError } from '../errors.js';
import { fetchRecord } from './follow-ups.js';

/** A strong reference: the record's URI and the CID of the exact version replied to. */
export interface StrongRef {
  uri: string;
  cid: string;
}

export interface ReplyRefs {
  root: StrongRef;
  parent: StrongRef;
}

/**
 * A post's `reply` names its parent and the thread's root, both as strong refs
 * (https://docs.bsky.app/docs/advanced-guides/posts#replies): the parent's CID is read from the
 * PDS, and the root is the parent's own root when the parent is itself a reply, else the parent.
 * Built once in `prepare` and persisted with the record, so every attempt sends the same refs.
 */
export async function replyRefs(agent: AtpAgent, to: PostedRef): Promise<ReplyRefs> {
  const got = await fetchRecord(agent, to.remoteId);
  if ('gone' in got) {
    throw new PublishError('rejected', `the post to reply to is gone (${to.remoteId}: ${got.gone})`);
  }
  const parent = { uri: got.uri, cid: got.cid };
  const root = strongRef((got.value.reply as { root?: unknown } | undefined)?.root);
  return { root: root ?? parent, parent };
}

function strongRef(value: unknown): StrongRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const uri: unknown = Reflect.get(value, 'uri');
  const cid: unknown = Reflect.get(value, 'cid');
  return typeof uri === 'string' && typeof cid === 'string' ? { uri, cid } : undefined;
}
