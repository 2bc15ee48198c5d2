-- Idempotency keys belong to the user who sent them (model.IdempotencyScope):
-- the unique index moves from (idempotency_key) to (idempotency_scope,
-- idempotency_key). A key already stored stays with the user who made its
-- document; 0 is "no user" (the command line).
--
-- MySQL DDL is not transactional and MySQL 8 has no ADD COLUMN IF NOT EXISTS,
-- so each table changes in one ALTER (atomic in InnoDB: the column and both
-- indexes change together or not at all), run only while the column is
-- missing. The statements run on one connection, so @ddl carries over, and
-- the file is safe to run again after a failure anywhere in it.
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_ins' AND column_name = 'idempotency_scope'),
  'DO 0',
  'ALTER TABLE stock_ins ADD COLUMN idempotency_scope BIGINT NOT NULL DEFAULT 0 AFTER idempotency_key,
     DROP INDEX stock_ins_idempotency,
     ADD UNIQUE KEY stock_ins_idempotency (idempotency_scope, idempotency_key)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
UPDATE stock_ins SET idempotency_scope = COALESCE(created_by, 0) WHERE idempotency_key IS NOT NULL;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'stock_outs' AND column_name = 'idempotency_scope'),
  'DO 0',
  'ALTER TABLE stock_outs ADD COLUMN idempotency_scope BIGINT NOT NULL DEFAULT 0 AFTER idempotency_key,
     DROP INDEX stock_outs_idempotency,
     ADD UNIQUE KEY stock_outs_idempotency (idempotency_scope, idempotency_key)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
UPDATE stock_outs SET idempotency_scope = COALESCE(created_by, 0) WHERE idempotency_key IS NOT NULL;
