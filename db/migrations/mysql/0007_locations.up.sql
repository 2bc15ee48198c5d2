-- Locations: every lot, document and ledger entry is at one. The first
-- location is made here (its name from WMS_DEFAULT_LOCATION) and everything
-- already stored is put in it, so the totals of every goods stay as they
-- were. The running totals per (goods, location) start as the goods' own.
--
-- MySQL DDL is not transactional and MySQL 8 has no ADD COLUMN IF NOT EXISTS:
-- tables are created IF NOT EXISTS, each existing table changes in one ALTER
-- run only while its new column is missing, and the backfills touch only rows
-- not yet filled in (location_id = 0), so the file is safe to run again after
-- a failure anywhere in it. The statements run on one connection, so @ddl and
-- @loc carry over.
CREATE TABLE IF NOT EXISTS locations (
  id BIGINT NOT NULL AUTO_INCREMENT,
  name VARCHAR(50) NOT NULL,
  name_key VARCHAR(200) COLLATE utf8mb4_bin NOT NULL,
  note TEXT NULL,
  archived BOOLEAN NOT NULL DEFAULT FALSE,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY locations_name_key (name_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
INSERT INTO locations (name, name_key, archived, created_at, updated_at)
SELECT {{.DefaultLocation}}, {{.DefaultLocationKey}}, FALSE, {{.Now}}, {{.Now}} FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM locations);
--bun:split
SET @loc = (SELECT MIN(id) FROM locations);
--bun:split
CREATE TABLE IF NOT EXISTS stock_levels (
  goods_id BIGINT NOT NULL,
  location_id BIGINT NOT NULL,
  on_hand BIGINT NOT NULL,
  stock_value BIGINT NOT NULL,
  PRIMARY KEY (goods_id, location_id),
  KEY stock_levels_location (location_id, goods_id),
  CONSTRAINT stock_levels_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id),
  CONSTRAINT stock_levels_location_fk FOREIGN KEY (location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
INSERT IGNORE INTO stock_levels (goods_id, location_id, on_hand, stock_value)
SELECT g.id, @loc, g.on_hand, g.stock_value FROM goods AS g
WHERE EXISTS (SELECT 1 FROM lots AS l WHERE l.goods_id = g.id);
--bun:split
CREATE TABLE IF NOT EXISTS transfers (
  id BIGINT NOT NULL AUTO_INCREMENT,
  code VARCHAR(40) COLLATE utf8mb4_bin NOT NULL,
  from_location_id BIGINT NOT NULL,
  to_location_id BIGINT NOT NULL,
  occurred_at DATETIME(6) NOT NULL,
  note TEXT NULL,
  total_amount BIGINT NOT NULL,
  idempotency_key VARCHAR(100) COLLATE utf8mb4_bin NULL,
  idempotency_scope BIGINT NOT NULL DEFAULT 0,
  request_hash CHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  created_by BIGINT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY transfers_code (code),
  UNIQUE KEY transfers_idempotency (idempotency_scope, idempotency_key),
  KEY transfers_occurred (occurred_at, id),
  KEY transfers_from (from_location_id, occurred_at, id),
  KEY transfers_to (to_location_id, occurred_at, id),
  CONSTRAINT transfers_from_fk FOREIGN KEY (from_location_id) REFERENCES locations (id),
  CONSTRAINT transfers_to_fk FOREIGN KEY (to_location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS transfer_lines (
  transfer_id BIGINT NOT NULL,
  line INT NOT NULL,
  goods_id BIGINT NOT NULL,
  quantity BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (transfer_id, line),
  KEY transfer_lines_goods (goods_id, transfer_id),
  CONSTRAINT transfer_lines_doc_fk FOREIGN KEY (transfer_id) REFERENCES transfers (id),
  CONSTRAINT transfer_lines_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS user_locations (
  user_id BIGINT NOT NULL,
  location_id BIGINT NOT NULL,
  PRIMARY KEY (user_id, location_id),
  KEY user_locations_location (location_id),
  CONSTRAINT user_locations_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT user_locations_location_fk FOREIGN KEY (location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_ins' AND column_name = 'location_id'),
  'DO 0',
  'ALTER TABLE stock_ins ADD COLUMN location_id BIGINT NOT NULL DEFAULT 0 AFTER type,
     ADD KEY stock_ins_location (location_id, occurred_at, id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
UPDATE stock_ins SET location_id = @loc WHERE location_id = 0;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_outs' AND column_name = 'location_id'),
  'DO 0',
  'ALTER TABLE stock_outs ADD COLUMN location_id BIGINT NOT NULL DEFAULT 0 AFTER reason,
     ADD KEY stock_outs_location (location_id, occurred_at, id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
UPDATE stock_outs SET location_id = @loc WHERE location_id = 0;
--bun:split
-- A lot made by a transfer keeps the stock-in (and line) its goods first came
-- in on, and names the transfer; a stock-in's own lines are its lots without
-- a transfer. (stock_in_id, line) is therefore no longer unique on its own;
-- MySQL has no partial index to say "unique among lots without a transfer".
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'lots' AND column_name = 'location_id'),
  'DO 0',
  'ALTER TABLE lots ADD COLUMN location_id BIGINT NOT NULL DEFAULT 0 AFTER goods_id,
     ADD COLUMN transfer_id BIGINT NULL AFTER stock_in_id,
     DROP INDEX lots_line, ADD KEY lots_line (stock_in_id, line),
     DROP INDEX lots_fifo, ADD KEY lots_fifo (goods_id, location_id, depleted, received_at, id),
     ADD KEY lots_location (location_id, depleted, received_at, id),
     ADD KEY lots_transfer (transfer_id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
UPDATE lots SET location_id = @loc WHERE location_id = 0;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'ledger_entries' AND column_name = 'location_id'),
  'DO 0',
  'ALTER TABLE ledger_entries ADD COLUMN location_id BIGINT NOT NULL DEFAULT 0 AFTER category_id,
     ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT '''' AFTER direction,
     ADD COLUMN transfer_id BIGINT NULL AFTER stock_out_line,
     ADD COLUMN transfer_line INT NULL AFTER transfer_id,
     ADD KEY ledger_location_at (location_id, at, id),
     ADD KEY ledger_transfer (transfer_id, transfer_line)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
UPDATE ledger_entries AS le
  LEFT JOIN stock_ins AS si ON si.id = le.stock_in_id
  LEFT JOIN stock_outs AS so ON so.id = le.stock_out_id
SET le.location_id = @loc, le.kind = COALESCE(si.type, so.reason, '')
WHERE le.location_id = 0;
--bun:split
-- The foreign keys of the new columns, added once every row names a real
-- location. With the checks off InnoDB adds them in place instead of copying
-- each table; the backfills above are what makes the rows valid.
SET SESSION foreign_key_checks = 0;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.table_constraints
    WHERE table_schema = DATABASE() AND table_name = 'lots' AND constraint_name = 'lots_location_fk'),
  'DO 0',
  'ALTER TABLE lots ADD CONSTRAINT lots_location_fk FOREIGN KEY (location_id) REFERENCES locations (id),
     ADD CONSTRAINT lots_transfer_fk FOREIGN KEY (transfer_id) REFERENCES transfers (id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.table_constraints
    WHERE table_schema = DATABASE() AND table_name = 'ledger_entries' AND constraint_name = 'ledger_location_fk'),
  'DO 0',
  'ALTER TABLE ledger_entries ADD CONSTRAINT ledger_location_fk FOREIGN KEY (location_id) REFERENCES locations (id),
     ADD CONSTRAINT ledger_transfer_fk FOREIGN KEY (transfer_id) REFERENCES transfers (id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.table_constraints
    WHERE table_schema = DATABASE() AND table_name = 'stock_ins' AND constraint_name = 'stock_ins_location_fk'),
  'DO 0',
  'ALTER TABLE stock_ins ADD CONSTRAINT stock_ins_location_fk FOREIGN KEY (location_id) REFERENCES locations (id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.table_constraints
    WHERE table_schema = DATABASE() AND table_name = 'stock_outs' AND constraint_name = 'stock_outs_location_fk'),
  'DO 0',
  'ALTER TABLE stock_outs ADD CONSTRAINT stock_outs_location_fk FOREIGN KEY (location_id) REFERENCES locations (id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET SESSION foreign_key_checks = 1;
