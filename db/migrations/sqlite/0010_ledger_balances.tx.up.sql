-- Running balances of the ledger, which make a past balance cheap: for each
-- series (goods, location, kind, direction) and each day it moved, the sum of
-- the series' ledger entries up to the end of that day (see db/balances.go).
-- Filled here from the ledger already stored, by the same statement
-- Store.RebuildBalances runs.
CREATE TABLE ledger_balances (
  goods_id INTEGER NOT NULL,
  location_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  direction TEXT NOT NULL,
  day INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (goods_id, location_id, kind, direction, day)
) WITHOUT ROWID;
--bun:split
{{.FillLedgerBalances}};
