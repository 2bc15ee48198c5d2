-- Running balances of the ledger, which make a past balance cheap: for each
-- series (goods, location, kind, direction) and each day it moved, the sum of
-- the series' ledger entries up to the end of that day (see db/balances.go).
-- Filled here from the ledger already stored, by the same statement
-- Store.RebuildBalances runs.
--
-- MySQL DDL is not transactional: the table is created IF NOT EXISTS and
-- emptied before it is filled, so the file is safe to run again after a
-- failure anywhere in it.
CREATE TABLE IF NOT EXISTS ledger_balances (
  goods_id BIGINT NOT NULL,
  location_id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  direction VARCHAR(3) NOT NULL,
  day INT NOT NULL,
  quantity BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (goods_id, location_id, kind, direction, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
DELETE FROM ledger_balances;
--bun:split
{{.FillLedgerBalances}};
