import { articleFromJson } from '../article-json.js';
import type { Delivery, DeliveryKind, DeliveryState, Priority, SourceState, StoredArticle, StoredEvent } from '../store.js';

/** Row shapes as better-sqlite3 returns them, and their mapping to the Store's types. */
export interface SourceRow {
  source_id: string;
  initialized_at: number | null;
  etag: string | null;
  last_modified: string | null;
  body_hash: string | null;
  cursor: string | null;
  next_poll_at: number | null;
  last_poll_at: number | null;
  last_ok_at: number | null;
  consecutive_failures: number;
  last_error: string | null;
  claimed_by: string | null;
}

export interface ArticleRow {
  id: number;
  first_seen_at: number;
  duplicate_of: number | null;
  data: string;
}

export interface DeliveryRow {
  id: number;
  article_id: number;
  channel_id: string;
  route_id: string;
  template: string | null;
  state: DeliveryState;
  priority: Priority;
  dry_run: number;
  attempts: number;
  next_attempt_at: number;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  last_error: string | null;
  text: string | null;
  idempotency_key: string;
  prepared: string | null;
  remote_id: string | null;
  remote_url: string | null;
  created_at: number;
  updated_at: number;
  posted_at: number | null;
  kind: DeliveryKind;
  parent_id: number | null;
  check_at: number | null;
  checks: number;
}

export interface EventRow {
  id: number;
  at: number;
  kind: string;
  message: string;
  article_id: number | null;
  delivery_id: number | null;
  channel_id: string | null;
  source_id: string | null;
  actor: string;
  data: string | null;
}

function date(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}

function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

export function sourceFromRow(row: SourceRow): SourceState {
  return {
    sourceId: row.source_id,
    initializedAt: date(row.initialized_at),
    etag: opt(row.etag),
    lastModified: opt(row.last_modified),
    bodyHash: opt(row.body_hash),
    cursor: opt(row.cursor),
    nextPollAt: date(row.next_poll_at),
    lastPollAt: date(row.last_poll_at),
    lastOkAt: date(row.last_ok_at),
    consecutiveFailures: row.consecutive_failures,
    lastError: opt(row.last_error),
    claimedBy: opt(row.claimed_by),
  };
}

export function articleFromRow(row: ArticleRow): StoredArticle {
  return { ...articleFromJson(row.data), id: row.id, firstSeenAt: new Date(row.first_seen_at), duplicateOf: opt(row.duplicate_of) };
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
    dryRun: row.dry_run === 1,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    firstAttemptAt: date(row.first_attempt_at),
    lastAttemptAt: date(row.last_attempt_at),
    lastError: opt(row.last_error),
    text: opt(row.text),
    idempotencyKey: row.idempotency_key,
    prepared: opt(row.prepared),
    remoteId: opt(row.remote_id),
    remoteUrl: opt(row.remote_url),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    postedAt: date(row.posted_at),
    kind: row.kind,
    parentId: opt(row.parent_id),
    checkAt: date(row.check_at),
    checks: row.checks,
  };
}

export function eventFromRow(row: EventRow): StoredEvent {
  return {
    id: row.id,
    at: new Date(row.at),
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
