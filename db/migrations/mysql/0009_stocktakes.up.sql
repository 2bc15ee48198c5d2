-- Stocktakes (counts), quick adjustments (setStock) and voids. A stocktake's
-- apply and an adjustment write ordinary SURPLUS stock-ins and LOSS
-- stock-outs, whose ledger entries name them (and say STOCKTAKE_* or
-- ADJUSTMENT_* as their kind); a void marks its document and writes
-- reversing entries of kind VOID. Nothing is ever deleted.
--
-- Re-runnable, as 0007: tables IF NOT EXISTS, each ALTER only while its
-- first new column is missing.
CREATE TABLE IF NOT EXISTS stocktakes (
  id BIGINT NOT NULL AUTO_INCREMENT,
  code VARCHAR(40) COLLATE utf8mb4_bin NOT NULL,
  location_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  blind BOOLEAN NOT NULL DEFAULT FALSE,
  category_id BIGINT NULL,
  note TEXT NULL,
  idempotency_key VARCHAR(100) COLLATE utf8mb4_bin NULL,
  idempotency_scope BIGINT NOT NULL DEFAULT 0,
  request_hash CHAR(64) NOT NULL,
  apply_key VARCHAR(100) COLLATE utf8mb4_bin NULL,
  started_at DATETIME(6) NOT NULL,
  started_by BIGINT NULL,
  applied_at DATETIME(6) NULL,
  applied_by BIGINT NULL,
  cancelled_at DATETIME(6) NULL,
  stock_in_id BIGINT NULL,
  stock_out_id BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY stocktakes_code (code),
  UNIQUE KEY stocktakes_idempotency (idempotency_scope, idempotency_key),
  KEY stocktakes_started (started_at, id),
  KEY stocktakes_location (location_id, started_at, id),
  CONSTRAINT stocktakes_location_fk FOREIGN KEY (location_id) REFERENCES locations (id),
  CONSTRAINT stocktakes_stock_in_fk FOREIGN KEY (stock_in_id) REFERENCES stock_ins (id),
  CONSTRAINT stocktakes_stock_out_fk FOREIGN KEY (stock_out_id) REFERENCES stock_outs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS stocktake_lines (
  stocktake_id BIGINT NOT NULL,
  line INT NOT NULL,
  goods_id BIGINT NOT NULL,
  counted BIGINT NULL,
  unit_cost BIGINT NULL,
  counted_at DATETIME(6) NULL,
  counted_by BIGINT NULL,
  expected BIGINT NULL,
  expected_value BIGINT NULL,
  difference_value BIGINT NULL,
  PRIMARY KEY (stocktake_id, line),
  UNIQUE KEY stocktake_lines_goods (stocktake_id, goods_id),
  CONSTRAINT stocktake_lines_doc_fk FOREIGN KEY (stocktake_id) REFERENCES stocktakes (id),
  CONSTRAINT stocktake_lines_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS stock_adjustments (
  id BIGINT NOT NULL AUTO_INCREMENT,
  goods_id BIGINT NOT NULL,
  location_id BIGINT NOT NULL,
  quantity_before BIGINT NOT NULL,
  quantity_after BIGINT NOT NULL,
  note TEXT NULL,
  idempotency_key VARCHAR(100) COLLATE utf8mb4_bin NULL,
  idempotency_scope BIGINT NOT NULL DEFAULT 0,
  request_hash CHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  created_by BIGINT NULL,
  stock_in_id BIGINT NULL,
  stock_out_id BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY stock_adjustments_idempotency (idempotency_scope, idempotency_key),
  KEY stock_adjustments_created (created_at, id),
  CONSTRAINT stock_adjustments_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id),
  CONSTRAINT stock_adjustments_location_fk FOREIGN KEY (location_id) REFERENCES locations (id),
  CONSTRAINT stock_adjustments_stock_in_fk FOREIGN KEY (stock_in_id) REFERENCES stock_ins (id),
  CONSTRAINT stock_adjustments_stock_out_fk FOREIGN KEY (stock_out_id) REFERENCES stock_outs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_ins' AND column_name = 'voided_at'),
  'DO 0',
  'ALTER TABLE stock_ins ADD COLUMN voided_at DATETIME(6) NULL, ADD COLUMN voided_by BIGINT NULL, ADD COLUMN void_reason TEXT NULL');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_outs' AND column_name = 'voided_at'),
  'DO 0',
  'ALTER TABLE stock_outs ADD COLUMN voided_at DATETIME(6) NULL, ADD COLUMN voided_by BIGINT NULL, ADD COLUMN void_reason TEXT NULL');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'transfers' AND column_name = 'voided_at'),
  'DO 0',
  'ALTER TABLE transfers ADD COLUMN voided_at DATETIME(6) NULL, ADD COLUMN voided_by BIGINT NULL, ADD COLUMN void_reason TEXT NULL');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'ledger_entries' AND column_name = 'stocktake_id'),
  'DO 0',
  'ALTER TABLE ledger_entries ADD COLUMN stocktake_id BIGINT NULL AFTER transfer_line,
     ADD COLUMN adjustment_id BIGINT NULL AFTER stocktake_id,
     ADD KEY ledger_stocktake (stocktake_id), ADD KEY ledger_adjustment (adjustment_id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
