CREATE TABLE stock_ins (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  note TEXT NULL,
  total_amount INTEGER NOT NULL,
  idempotency_key TEXT NULL,
  request_hash TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  created_by INTEGER NULL
);
--bun:split
CREATE UNIQUE INDEX stock_ins_code ON stock_ins (code);
--bun:split
CREATE UNIQUE INDEX stock_ins_idempotency ON stock_ins (idempotency_key);
--bun:split
CREATE INDEX stock_ins_occurred ON stock_ins (occurred_at, id);
--bun:split
CREATE INDEX stock_ins_type ON stock_ins (type, occurred_at, id);
--bun:split
CREATE TABLE lots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stock_in_id INTEGER NOT NULL REFERENCES stock_ins (id),
  line INTEGER NOT NULL,
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  received_quantity INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  unit_cost INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  received_at TIMESTAMP NOT NULL,
  depleted BOOLEAN NOT NULL DEFAULT FALSE,
  CHECK (remaining >= 0 AND remaining <= received_quantity AND depleted = (remaining = 0))
);
--bun:split
CREATE UNIQUE INDEX lots_line ON lots (stock_in_id, line);
--bun:split
CREATE INDEX lots_fifo ON lots (goods_id, depleted, received_at, id);
--bun:split
CREATE TABLE stock_outs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  note TEXT NULL,
  total_cost INTEGER NOT NULL,
  idempotency_key TEXT NULL,
  request_hash TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  created_by INTEGER NULL
);
--bun:split
CREATE UNIQUE INDEX stock_outs_code ON stock_outs (code);
--bun:split
CREATE UNIQUE INDEX stock_outs_idempotency ON stock_outs (idempotency_key);
--bun:split
CREATE INDEX stock_outs_occurred ON stock_outs (occurred_at, id);
--bun:split
CREATE INDEX stock_outs_reason ON stock_outs (reason, occurred_at, id);
--bun:split
CREATE TABLE stock_out_lines (
  stock_out_id INTEGER NOT NULL REFERENCES stock_outs (id),
  line INTEGER NOT NULL,
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  quantity INTEGER NOT NULL,
  cost INTEGER NOT NULL,
  PRIMARY KEY (stock_out_id, line)
);
--bun:split
CREATE INDEX stock_out_lines_goods ON stock_out_lines (goods_id, stock_out_id);
--bun:split
CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TIMESTAMP NOT NULL,
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  category_id INTEGER NOT NULL,
  direction TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_cost INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  document_code TEXT NOT NULL,
  stock_in_id INTEGER NULL REFERENCES stock_ins (id),
  stock_out_id INTEGER NULL REFERENCES stock_outs (id),
  stock_out_line INTEGER NULL,
  lot_id INTEGER NOT NULL REFERENCES lots (id)
);
--bun:split
CREATE INDEX ledger_at ON ledger_entries (at, id);
--bun:split
CREATE INDEX ledger_goods_at ON ledger_entries (goods_id, at, id);
--bun:split
CREATE INDEX ledger_category_at ON ledger_entries (category_id, at, id);
--bun:split
CREATE INDEX ledger_code ON ledger_entries (document_code);
--bun:split
CREATE INDEX ledger_stock_in ON ledger_entries (stock_in_id);
--bun:split
CREATE INDEX ledger_stock_out ON ledger_entries (stock_out_id, stock_out_line);
--bun:split
CREATE INDEX ledger_lot ON ledger_entries (lot_id);
--bun:split
CREATE TABLE document_counters (
  prefix TEXT NOT NULL,
  day TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (prefix, day)
);
