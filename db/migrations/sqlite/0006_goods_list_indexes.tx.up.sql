-- The goods and stock lists read goods that are not archived, by name (or
-- by creation time): these indexes hold them in that order, so a page of 50
-- reads 50 rows instead of sorting every goods. With includeArchived the
-- lists use goods_name and goods_created as before.
CREATE INDEX goods_live_name ON goods (archived, name_key, id);
--bun:split
CREATE INDEX goods_live_created ON goods (archived, created_at, id);
