CREATE TABLE IF NOT EXISTS stock_ins (
  id BIGINT NOT NULL AUTO_INCREMENT,
  code VARCHAR(40) COLLATE utf8mb4_bin NOT NULL,
  type VARCHAR(16) NOT NULL,
  occurred_at DATETIME(6) NOT NULL,
  note TEXT NULL,
  total_amount BIGINT NOT NULL,
  idempotency_key VARCHAR(100) COLLATE utf8mb4_bin NULL,
  request_hash CHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  created_by BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY stock_ins_code (code),
  UNIQUE KEY stock_ins_idempotency (idempotency_key),
  KEY stock_ins_occurred (occurred_at, id),
  KEY stock_ins_type (type, occurred_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS lots (
  id BIGINT NOT NULL AUTO_INCREMENT,
  stock_in_id BIGINT NOT NULL,
  line INT NOT NULL,
  goods_id BIGINT NOT NULL,
  received_quantity BIGINT NOT NULL,
  remaining BIGINT NOT NULL,
  unit_cost BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  received_at DATETIME(6) NOT NULL,
  depleted BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (id),
  UNIQUE KEY lots_line (stock_in_id, line),
  KEY lots_fifo (goods_id, depleted, received_at, id),
  CONSTRAINT lots_stock_in_fk FOREIGN KEY (stock_in_id) REFERENCES stock_ins (id),
  CONSTRAINT lots_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id),
  CONSTRAINT lots_remaining CHECK (remaining >= 0 AND remaining <= received_quantity AND depleted = (remaining = 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS stock_outs (
  id BIGINT NOT NULL AUTO_INCREMENT,
  code VARCHAR(40) COLLATE utf8mb4_bin NOT NULL,
  reason VARCHAR(16) NOT NULL,
  occurred_at DATETIME(6) NOT NULL,
  note TEXT NULL,
  total_cost BIGINT NOT NULL,
  idempotency_key VARCHAR(100) COLLATE utf8mb4_bin NULL,
  request_hash CHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  created_by BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY stock_outs_code (code),
  UNIQUE KEY stock_outs_idempotency (idempotency_key),
  KEY stock_outs_occurred (occurred_at, id),
  KEY stock_outs_reason (reason, occurred_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS stock_out_lines (
  stock_out_id BIGINT NOT NULL,
  line INT NOT NULL,
  goods_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  cost BIGINT NOT NULL,
  PRIMARY KEY (stock_out_id, line),
  KEY stock_out_lines_goods (goods_id, stock_out_id),
  CONSTRAINT stock_out_lines_doc_fk FOREIGN KEY (stock_out_id) REFERENCES stock_outs (id),
  CONSTRAINT stock_out_lines_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS ledger_entries (
  id BIGINT NOT NULL AUTO_INCREMENT,
  at DATETIME(6) NOT NULL,
  goods_id BIGINT NOT NULL,
  category_id BIGINT NOT NULL,
  direction VARCHAR(3) NOT NULL,
  quantity BIGINT NOT NULL,
  unit_cost BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  document_code VARCHAR(40) COLLATE utf8mb4_bin NOT NULL,
  stock_in_id BIGINT NULL,
  stock_out_id BIGINT NULL,
  stock_out_line INT NULL,
  lot_id BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY ledger_at (at, id),
  KEY ledger_goods_at (goods_id, at, id),
  KEY ledger_category_at (category_id, at, id),
  KEY ledger_code (document_code),
  KEY ledger_stock_in (stock_in_id),
  KEY ledger_stock_out (stock_out_id, stock_out_line),
  KEY ledger_lot (lot_id),
  CONSTRAINT ledger_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id),
  CONSTRAINT ledger_lot_fk FOREIGN KEY (lot_id) REFERENCES lots (id),
  CONSTRAINT ledger_stock_in_fk FOREIGN KEY (stock_in_id) REFERENCES stock_ins (id),
  CONSTRAINT ledger_stock_out_fk FOREIGN KEY (stock_out_id) REFERENCES stock_outs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS document_counters (
  prefix VARCHAR(8) NOT NULL,
  day CHAR(8) NOT NULL,
  last INT NOT NULL,
  PRIMARY KEY (prefix, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
