import { articleFromJson } from '../article-json.js';
import type { Delivery, DeliveryKind, DeliveryState, HeldChannel, HoldKind, Priority, SourceState, StoredArticle, StoredEvent } from '../store.js';

/** Row shapes as node-postgres returns them (timestamptz → Date, bigint → number; see db.ts). */
export type SourceRow = {
  source_id: string;
  initialized_at: Date | null;
  etag: string | null;
  last_modified: string | null;
  body_hash: string | null;
  cursor: string | null;
  next_poll_at: Date | null;
  last_poll_at: Date | null;
  last_ok_at: Date | null;
  consecutive_failures: number;
  last_error: string | null;
  claimed_by: string | null;
};

export type ArticleRow = {
  id: number;
  first_seen_at: Date;
  duplicate_of: number | null;
  data: string;
};

export type DeliveryRow = {
  id: number;
  article_id: number;
  channel_id: string;
  route_id: string;
  template: string | null;
  state: DeliveryState;
  priority: Priority;
  dry_run: boolean;
  attempts: number;
  next_attempt_at: Date;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_error: string | null;
  text: string | null;
  idempotency_key: string;
  prepared: string | null;
  remote_id: string | null;
  remote_url: string | null;
  created_at: Date;
  updated_at: Date;
  posted_at: Date | null;
  kind: DeliveryKind;
  parent_id: number | null;
  check_at: Date | null;
  checks: number;
};

export type EventRow = {
  id: number;
  at: Date;
  kind: string;
  message: string;
  article_id: number | null;
  delivery_id: number | null;
  channel_id: string | null;
  source_id: string | null;
  actor: string;
  data: string | null;
};

export type HoldRow = {
  channel_id: string;
  kind: HoldKind;
  reason: string;
  since: Date;
  until: Date | null;
  by: string;
};

function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

export function sourceFromRow(row: SourceRow): SourceState {
  return {
    sourceId: row.source_id,
    initializedAt: opt(row.initialized_at),
    etag: opt(row.etag),
    lastModified: opt(row.last_modified),
    bodyHash: opt(row.body_hash),
    cursor: opt(row.cursor),
    nextPollAt: opt(row.next_poll_at),
    lastPollAt: opt(row.last_poll_at),
    lastOkAt: opt(row.last_ok_at),
    consecutiveFailures: row.consecutive_failures,
    lastError: opt(row.last_error),
    claimedBy: opt(row.claimed_by),
  };
}

export function articleFromRow(row: ArticleRow): StoredArticle {
  return { ...articleFromJson(row.data), id: row.id, firstSeenAt: row.first_seen_at, duplicateOf: opt(row.duplicate_of) };
}

export function deliveryFromRow(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    articleId: row.article_id,
    channelId: row.channel_id,
    routeId: row.route_id,
    template: opt(row.template),
    state: row.state,
    priority: row.priority,
    dryRun: row.dry_run,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    firstAttemptAt: opt(row.first_attempt_at),
    lastAttemptAt: opt(row.last_attempt_at),
    lastError: opt(row.last_error),
    text: opt(row.text),
    idempotencyKey: row.idempotency_key,
    prepared: opt(row.prepared),
    remoteId: opt(row.remote_id),
    remoteUrl: opt(row.remote_url),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    postedAt: opt(row.posted_at),
    kind: row.kind,
    parentId: opt(row.parent_id),
    checkAt: opt(row.check_at),
    checks: row.checks,
  };
}

export function eventFromRow(row: EventRow): StoredEvent {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind,
    message: row.message,
    articleId: opt(row.article_id),
    deliveryId: opt(row.delivery_id),
    channelId: opt(row.channel_id),
    sourceId: opt(row.source_id),
    actor: row.actor,
    data: row.data === null ? undefined : (JSON.parse(row.data) as Record<string, unknown>),
  };
}

export function holdFromRow(row: HoldRow): HeldChannel {
  return {
    channelId: row.channel_id,
    kind: row.kind,
    reason: row.reason,
    since: row.since,
    until: opt(row.until),
    by: row.by,
  };
}
