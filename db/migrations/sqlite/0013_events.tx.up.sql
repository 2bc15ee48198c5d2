-- The outbox: every document that moves stock and every goods change writes
-- its events here in its own transaction; each server process tails it by
-- id for its subscribers, and the webhook dispatcher turns events into
-- deliveries. Events are read by id only; pruning walks them from the
-- oldest (ids grow with time), so they carry no other index to keep up.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  at TIMESTAMP NOT NULL,
  payload TEXT NOT NULL
);
--bun:split
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  description TEXT NULL,
  secret TEXT NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id INTEGER NOT NULL REFERENCES webhooks (id),
  event_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP NOT NULL,
  last_status INTEGER NULL,
  last_error TEXT NULL,
  delivered_at TIMESTAMP NULL,
  created_at TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id);
--bun:split
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at, id);
--bun:split
CREATE TABLE event_cursors (
  name TEXT PRIMARY KEY,
  last_id INTEGER NOT NULL
);
