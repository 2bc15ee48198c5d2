-- The failed-login counts, shared by every replica: one row per username at
-- an address and per address (the key is a SHA-256 of either, so no name or
-- address is stored), with the count and the time of the last failure.
--
-- Re-runnable: CREATE TABLE IF NOT EXISTS, with its index inline.
CREATE TABLE IF NOT EXISTS login_failures (
  limit_key CHAR(64) COLLATE ascii_bin NOT NULL,
  failures INT NOT NULL,
  last_at DATETIME(6) NOT NULL,
  PRIMARY KEY (limit_key),
  KEY login_failures_last (last_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
