/**
 * Versioned schema. Each entry runs once, in order, inside a transaction; PRAGMA user_version
 * records how far a database has come. Never edit a shipped migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sources (
    source_id TEXT PRIMARY KEY,
    initialized_at INTEGER,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    next_poll_at INTEGER,
    last_poll_at INTEGER,
    last_ok_at INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );

  CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL,
    source_key TEXT NOT NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    title TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at INTEGER,
    first_seen_at INTEGER NOT NULL,
    duplicate_of INTEGER REFERENCES articles(id),
    data TEXT NOT NULL,
    UNIQUE (source_id, source_key)
  );
  CREATE INDEX articles_canonical_url ON articles(canonical_url);

  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    channel_id TEXT NOT NULL,
    route_id TEXT NOT NULL,
    template TEXT,
    state TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'normal',
    dry_run INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    first_attempt_at INTEGER,
    last_attempt_at INTEGER,
    last_error TEXT,
    text TEXT,
    idempotency_key TEXT NOT NULL,
    prepared TEXT,
    remote_id TEXT,
    remote_url TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    posted_at INTEGER,
    UNIQUE (article_id, channel_id)
  );
  CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    article_id INTEGER,
    delivery_id INTEGER,
    channel_id TEXT,
    source_id TEXT,
    actor TEXT NOT NULL,
    data TEXT
  );
  CREATE INDEX events_article ON events(article_id);
  CREATE INDEX events_delivery ON events(delivery_id);

  CREATE TABLE channel_values (
    channel_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (channel_id, key)
  );
  `,
  `
  ALTER TABLE sources ADD COLUMN cursor TEXT;

  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE channel_sends (
    id INTEGER PRIMARY KEY,
    channel_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    cost INTEGER NOT NULL
  );
  CREATE INDEX channel_sends_window ON channel_sends(channel_id, at);
  `,
  // Holds become a table the due query joins (they were JSON under channel_values 'hold'), one row
  // per channel and kind; the send log tells attempts (platform budgets) from posts (schedules).
  `
  CREATE TABLE channel_holds (
    channel_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    since INTEGER NOT NULL,
    until INTEGER,
    by TEXT NOT NULL,
    PRIMARY KEY (channel_id, kind)
  );
  INSERT INTO channel_holds (channel_id, kind, reason, since, until, by)
    SELECT channel_id, json_extract(value, '$.kind'), json_extract(value, '$.reason'),
      CAST(ROUND((julianday(json_extract(value, '$.since')) - 2440587.5) * 86400000) AS INTEGER),
      CASE WHEN json_extract(value, '$.until') IS NULL THEN NULL
        ELSE CAST(ROUND((julianday(json_extract(value, '$.until')) - 2440587.5) * 86400000) AS INTEGER) END,
      json_extract(value, '$.by')
    FROM channel_values WHERE key = 'hold';
  DELETE FROM channel_values WHERE key = 'hold';

  ALTER TABLE channel_sends RENAME COLUMN channel_id TO counter;
  ALTER TABLE channel_sends ADD COLUMN kind TEXT NOT NULL DEFAULT 'attempt';
  DROP INDEX channel_sends_window;
  CREATE INDEX channel_sends_window ON channel_sends(counter, kind, at);
  INSERT INTO channel_sends (counter, kind, at, cost)
    SELECT channel_id, 'post', posted_at, 1 FROM deliveries WHERE state = 'posted' AND posted_at IS NOT NULL;
  `,
  // Leases: one replica (here, one process: the daemon or a `post --now`) sends for a channel
  // at a time, and one polls a source per due time.
  `
  CREATE TABLE channel_leases (
    channel_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
  );
  ALTER TABLE sources ADD COLUMN claimed_by TEXT;
  ALTER TABLE sources ADD COLUMN claimed_until INTEGER;
  `,
  // Deliveries get a kind: besides the one post per article × channel, a retraction or a
  // correction of that post (its parent). The table is rebuilt because SQLite cannot drop the
  // UNIQUE (article_id, channel_id) constraint: it becomes a partial index on posts. Read-backs
  // of posted posts are due at check_at.
  `
  CREATE TABLE deliveries_v6 (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    channel_id TEXT NOT NULL,
    route_id TEXT NOT NULL,
    template TEXT,
    state TEXT NOT NULL,
    priority TEXT NOT NULL DEFAULT 'normal',
    dry_run INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    first_attempt_at INTEGER,
    last_attempt_at INTEGER,
    last_error TEXT,
    text TEXT,
    idempotency_key TEXT NOT NULL,
    prepared TEXT,
    remote_id TEXT,
    remote_url TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    posted_at INTEGER,
    kind TEXT NOT NULL DEFAULT 'post',
    parent_id INTEGER REFERENCES deliveries_v6(id),
    check_at INTEGER,
    checks INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO deliveries_v6 (id, article_id, channel_id, route_id, template, state, priority, dry_run, attempts,
    next_attempt_at, first_attempt_at, last_attempt_at, last_error, text, idempotency_key, prepared, remote_id,
    remote_url, created_at, updated_at, posted_at)
    SELECT id, article_id, channel_id, route_id, template, state, priority, dry_run, attempts,
      next_attempt_at, first_attempt_at, last_attempt_at, last_error, text, idempotency_key, prepared, remote_id,
      remote_url, created_at, updated_at, posted_at FROM deliveries;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_v6 RENAME TO deliveries;
  CREATE UNIQUE INDEX deliveries_one_post ON deliveries(article_id, channel_id) WHERE kind = 'post';
  CREATE UNIQUE INDEX deliveries_follow_up ON deliveries(parent_id, kind, idempotency_key) WHERE parent_id IS NOT NULL;
  CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at);
  CREATE INDEX deliveries_check ON deliveries(check_at) WHERE check_at IS NOT NULL;
  `,
  // The send log's sums (rate budgets, daily caps) come from the index alone: cost joins it.
  `
  CREATE INDEX channel_sends_budget ON channel_sends(counter, kind, at, cost);
  DROP INDEX channel_sends_window;
  `,
];
