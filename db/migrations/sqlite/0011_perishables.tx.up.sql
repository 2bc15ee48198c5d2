-- Perishables and packs: lots may expire; goods say whether they must have
-- an expiry and which lots leave first (FIFO or FEFO); goods have packs (a
-- box of 12), and document lines remember the pack they were given in.
ALTER TABLE goods ADD COLUMN tracks_expiry BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
ALTER TABLE goods ADD COLUMN issue_policy TEXT NOT NULL DEFAULT 'FIFO';
--bun:split
ALTER TABLE lots ADD COLUMN expires_at TIMESTAMP NULL;
--bun:split
ALTER TABLE lots ADD COLUMN pack_name TEXT NULL;
--bun:split
ALTER TABLE lots ADD COLUMN pack_quantity INTEGER NULL;
--bun:split
CREATE INDEX lots_expiry ON lots (depleted, expires_at, id);
--bun:split
CREATE INDEX lots_location_expiry ON lots (location_id, depleted, expires_at, id);
--bun:split
ALTER TABLE stock_out_lines ADD COLUMN pack_name TEXT NULL;
--bun:split
ALTER TABLE stock_out_lines ADD COLUMN pack_quantity INTEGER NULL;
--bun:split
ALTER TABLE stock_out_lines ADD COLUMN lot_id INTEGER NULL;
--bun:split
ALTER TABLE transfer_lines ADD COLUMN pack_name TEXT NULL;
--bun:split
ALTER TABLE transfer_lines ADD COLUMN pack_quantity INTEGER NULL;
--bun:split
ALTER TABLE stocktake_lines ADD COLUMN pack_name TEXT NULL;
--bun:split
ALTER TABLE stocktake_lines ADD COLUMN pack_quantity INTEGER NULL;
--bun:split
CREATE TABLE goods_packs (
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (goods_id, position)
);
--bun:split
CREATE UNIQUE INDEX goods_packs_name ON goods_packs (goods_id, name_key);
