-- Stocktakes (counts), quick adjustments (setStock) and voids. A stocktake's
-- apply and an adjustment write ordinary SURPLUS stock-ins and LOSS
-- stock-outs, whose ledger entries name them (and say STOCKTAKE_* or
-- ADJUSTMENT_* as their kind); a void marks its document and writes
-- reversing entries of kind VOID. Nothing is ever deleted.
CREATE TABLE stocktakes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL,
  location_id INTEGER NOT NULL REFERENCES locations (id),
  status TEXT NOT NULL,
  blind BOOLEAN NOT NULL DEFAULT FALSE,
  category_id INTEGER NULL,
  note TEXT NULL,
  idempotency_key TEXT NULL,
  idempotency_scope INTEGER NOT NULL DEFAULT 0,
  request_hash TEXT NOT NULL,
  apply_key TEXT NULL,
  started_at TIMESTAMP NOT NULL,
  started_by INTEGER NULL,
  applied_at TIMESTAMP NULL,
  applied_by INTEGER NULL,
  cancelled_at TIMESTAMP NULL,
  stock_in_id INTEGER NULL REFERENCES stock_ins (id),
  stock_out_id INTEGER NULL REFERENCES stock_outs (id)
);
--bun:split
CREATE UNIQUE INDEX stocktakes_code ON stocktakes (code);
--bun:split
CREATE UNIQUE INDEX stocktakes_idempotency ON stocktakes (idempotency_scope, idempotency_key);
--bun:split
CREATE INDEX stocktakes_started ON stocktakes (started_at, id);
--bun:split
CREATE INDEX stocktakes_location ON stocktakes (location_id, started_at, id);
--bun:split
CREATE TABLE stocktake_lines (
  stocktake_id INTEGER NOT NULL REFERENCES stocktakes (id),
  line INTEGER NOT NULL,
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  counted INTEGER NULL,
  unit_cost INTEGER NULL,
  counted_at TIMESTAMP NULL,
  counted_by INTEGER NULL,
  expected INTEGER NULL,
  expected_value INTEGER NULL,
  difference_value INTEGER NULL,
  PRIMARY KEY (stocktake_id, line)
);
--bun:split
CREATE UNIQUE INDEX stocktake_lines_goods ON stocktake_lines (stocktake_id, goods_id);
--bun:split
CREATE TABLE stock_adjustments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  location_id INTEGER NOT NULL REFERENCES locations (id),
  quantity_before INTEGER NOT NULL,
  quantity_after INTEGER NOT NULL,
  note TEXT NULL,
  idempotency_key TEXT NULL,
  idempotency_scope INTEGER NOT NULL DEFAULT 0,
  request_hash TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  created_by INTEGER NULL,
  stock_in_id INTEGER NULL REFERENCES stock_ins (id),
  stock_out_id INTEGER NULL REFERENCES stock_outs (id)
);
--bun:split
CREATE UNIQUE INDEX stock_adjustments_idempotency ON stock_adjustments (idempotency_scope, idempotency_key);
--bun:split
CREATE INDEX stock_adjustments_created ON stock_adjustments (created_at, id);
--bun:split
ALTER TABLE stock_ins ADD COLUMN voided_at TIMESTAMP NULL;
--bun:split
ALTER TABLE stock_ins ADD COLUMN voided_by INTEGER NULL;
--bun:split
ALTER TABLE stock_ins ADD COLUMN void_reason TEXT NULL;
--bun:split
ALTER TABLE stock_outs ADD COLUMN voided_at TIMESTAMP NULL;
--bun:split
ALTER TABLE stock_outs ADD COLUMN voided_by INTEGER NULL;
--bun:split
ALTER TABLE stock_outs ADD COLUMN void_reason TEXT NULL;
--bun:split
ALTER TABLE transfers ADD COLUMN voided_at TIMESTAMP NULL;
--bun:split
ALTER TABLE transfers ADD COLUMN voided_by INTEGER NULL;
--bun:split
ALTER TABLE transfers ADD COLUMN void_reason TEXT NULL;
--bun:split
ALTER TABLE ledger_entries ADD COLUMN stocktake_id INTEGER NULL;
--bun:split
ALTER TABLE ledger_entries ADD COLUMN adjustment_id INTEGER NULL;
--bun:split
CREATE INDEX ledger_stocktake ON ledger_entries (stocktake_id);
--bun:split
CREATE INDEX ledger_adjustment ON ledger_entries (adjustment_id);
