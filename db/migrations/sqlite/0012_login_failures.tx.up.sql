-- The failed-login counts, shared by every replica: one row per username at
-- an address and per address (the key is a SHA-256 of either, so no name or
-- address is stored), with the count and the time of the last failure.
CREATE TABLE login_failures (
  limit_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_at);
