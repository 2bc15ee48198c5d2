-- The goods and stock lists read goods that are not archived, by name (or
-- by creation time): these indexes hold them in that order, so a page of 50
-- reads 50 rows instead of sorting every goods. With includeArchived the
-- lists use goods_name and goods_created as before.
--
-- MySQL DDL is not transactional and MySQL 8 has no CREATE INDEX IF NOT
-- EXISTS, so each index is created only while it is missing, and the file is
-- safe to run again after a failure anywhere in it. The statements run on
-- one connection, so @ddl carries over.
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'goods' AND index_name = 'goods_live_name'),
  'DO 0',
  'ALTER TABLE goods ADD KEY goods_live_name (archived, name_key, id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
--bun:split
SET @ddl = IF(EXISTS (SELECT 1 FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'goods' AND index_name = 'goods_live_created'),
  'DO 0',
  'ALTER TABLE goods ADD KEY goods_live_created (archived, created_at, id)');
--bun:split
PREPARE ddl FROM @ddl;
--bun:split
EXECUTE ddl;
--bun:split
DEALLOCATE PREPARE ddl;
