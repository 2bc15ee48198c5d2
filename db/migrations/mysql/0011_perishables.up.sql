-- Perishables and packs: lots may expire; goods say whether they must have
-- an expiry and which lots leave first (FIFO or FEFO); goods have packs (a
-- box of 12), and document lines remember the pack they were given in.
--
-- Re-runnable, as 0007: each ALTER only while its first new column is missing.
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'goods' AND column_name = 'tracks_expiry'),
  'DO 0',
  'ALTER TABLE goods ADD COLUMN tracks_expiry BOOLEAN NOT NULL DEFAULT FALSE, ADD COLUMN issue_policy VARCHAR(8) NOT NULL DEFAULT ''FIFO''');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'lots' AND column_name = 'expires_at'),
  'DO 0',
  'ALTER TABLE lots ADD COLUMN expires_at DATETIME(6) NULL, ADD COLUMN pack_name VARCHAR(30) NULL, ADD COLUMN pack_quantity BIGINT NULL,
     ADD KEY lots_expiry (depleted, expires_at, id), ADD KEY lots_location_expiry (location_id, depleted, expires_at, id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_out_lines' AND column_name = 'pack_name'),
  'DO 0',
  'ALTER TABLE stock_out_lines ADD COLUMN pack_name VARCHAR(30) NULL, ADD COLUMN pack_quantity BIGINT NULL, ADD COLUMN lot_id BIGINT NULL');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'transfer_lines' AND column_name = 'pack_name'),
  'DO 0',
  'ALTER TABLE transfer_lines ADD COLUMN pack_name VARCHAR(30) NULL, ADD COLUMN pack_quantity BIGINT NULL');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stocktake_lines' AND column_name = 'pack_name'),
  'DO 0',
  'ALTER TABLE stocktake_lines ADD COLUMN pack_name VARCHAR(30) NULL, ADD COLUMN pack_quantity BIGINT NULL');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
CREATE TABLE IF NOT EXISTS goods_packs (
  goods_id BIGINT NOT NULL,
  position INT NOT NULL,
  name VARCHAR(30) NOT NULL,
  name_key VARCHAR(120) COLLATE utf8mb4_bin NOT NULL,
  quantity BIGINT NOT NULL,
  PRIMARY KEY (goods_id, position),
  UNIQUE KEY goods_packs_name (goods_id, name_key),
  CONSTRAINT goods_packs_goods_fk FOREIGN KEY (goods_id) REFERENCES goods (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
