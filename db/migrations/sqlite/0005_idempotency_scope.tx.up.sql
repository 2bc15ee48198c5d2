-- Idempotency keys belong to the user who sent them (model.IdempotencyScope):
-- the unique index moves from (idempotency_key) to (idempotency_scope,
-- idempotency_key). A key already stored stays with the user who made its
-- document; 0 is "no user" (the command line).
ALTER TABLE stock_ins ADD COLUMN idempotency_scope INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE stock_ins SET idempotency_scope = COALESCE(created_by, 0) WHERE idempotency_key IS NOT NULL;
--bun:split
DROP INDEX stock_ins_idempotency;
--bun:split
CREATE UNIQUE INDEX stock_ins_idempotency ON stock_ins (idempotency_scope, idempotency_key);
--bun:split
ALTER TABLE stock_outs ADD COLUMN idempotency_scope INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE stock_outs SET idempotency_scope = COALESCE(created_by, 0) WHERE idempotency_key IS NOT NULL;
--bun:split
DROP INDEX stock_outs_idempotency;
--bun:split
CREATE UNIQUE INDEX stock_outs_idempotency ON stock_outs (idempotency_scope, idempotency_key);
