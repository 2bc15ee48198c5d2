-- Locations: every lot, document and ledger entry is at one. The first
-- location is made here (its name from WMS_DEFAULT_LOCATION) and everything
-- already stored is put in it, so the totals of every goods stay as they
-- were. The running totals per (goods, location) start as the goods' own.
--
-- New columns carry no REFERENCES clause: SQLite adds a column with one only
-- when its default is NULL. The store always writes them.
CREATE TABLE locations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  note TEXT NULL,
  archived BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX locations_name_key ON locations (name_key);
--bun:split
INSERT INTO locations (name, name_key, archived, created_at, updated_at)
VALUES ({{.DefaultLocation}}, {{.DefaultLocationKey}}, FALSE, {{.Now}}, {{.Now}});
--bun:split
CREATE TABLE stock_levels (
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  location_id INTEGER NOT NULL REFERENCES locations (id),
  on_hand INTEGER NOT NULL,
  stock_value INTEGER NOT NULL,
  PRIMARY KEY (goods_id, location_id)
);
--bun:split
CREATE INDEX stock_levels_location ON stock_levels (location_id, goods_id);
--bun:split
INSERT INTO stock_levels (goods_id, location_id, on_hand, stock_value)
SELECT g.id, (SELECT MIN(id) FROM locations), g.on_hand, g.stock_value FROM goods AS g
WHERE EXISTS (SELECT 1 FROM lots AS l WHERE l.goods_id = g.id);
--bun:split
CREATE TABLE transfers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL,
  from_location_id INTEGER NOT NULL REFERENCES locations (id),
  to_location_id INTEGER NOT NULL REFERENCES locations (id),
  occurred_at TIMESTAMP NOT NULL,
  note TEXT NULL,
  total_amount INTEGER NOT NULL,
  idempotency_key TEXT NULL,
  idempotency_scope INTEGER NOT NULL DEFAULT 0,
  request_hash TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  created_by INTEGER NULL
);
--bun:split
CREATE UNIQUE INDEX transfers_code ON transfers (code);
--bun:split
CREATE UNIQUE INDEX transfers_idempotency ON transfers (idempotency_scope, idempotency_key);
--bun:split
CREATE INDEX transfers_occurred ON transfers (occurred_at, id);
--bun:split
CREATE INDEX transfers_from ON transfers (from_location_id, occurred_at, id);
--bun:split
CREATE INDEX transfers_to ON transfers (to_location_id, occurred_at, id);
--bun:split
CREATE TABLE transfer_lines (
  transfer_id INTEGER NOT NULL REFERENCES transfers (id),
  line INTEGER NOT NULL,
  goods_id INTEGER NOT NULL REFERENCES goods (id),
  quantity INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (transfer_id, line)
);
--bun:split
CREATE INDEX transfer_lines_goods ON transfer_lines (goods_id, transfer_id);
--bun:split
CREATE TABLE user_locations (
  user_id INTEGER NOT NULL REFERENCES users (id),
  location_id INTEGER NOT NULL REFERENCES locations (id),
  PRIMARY KEY (user_id, location_id)
);
--bun:split
ALTER TABLE stock_ins ADD COLUMN location_id INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE stock_ins SET location_id = (SELECT MIN(id) FROM locations);
--bun:split
CREATE INDEX stock_ins_location ON stock_ins (location_id, occurred_at, id);
--bun:split
ALTER TABLE stock_outs ADD COLUMN location_id INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE stock_outs SET location_id = (SELECT MIN(id) FROM locations);
--bun:split
CREATE INDEX stock_outs_location ON stock_outs (location_id, occurred_at, id);
--bun:split
-- A lot made by a transfer keeps the stock-in (and line) its goods first came
-- in on, and names the transfer; a stock-in's own lines are its lots without
-- a transfer.
ALTER TABLE lots ADD COLUMN location_id INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE lots ADD COLUMN transfer_id INTEGER NULL;
--bun:split
UPDATE lots SET location_id = (SELECT MIN(id) FROM locations);
--bun:split
DROP INDEX lots_line;
--bun:split
CREATE UNIQUE INDEX lots_line ON lots (stock_in_id, line) WHERE transfer_id IS NULL;
--bun:split
CREATE INDEX lots_transfer ON lots (transfer_id);
--bun:split
DROP INDEX lots_fifo;
--bun:split
CREATE INDEX lots_fifo ON lots (goods_id, location_id, depleted, received_at, id);
--bun:split
CREATE INDEX lots_location ON lots (location_id, depleted, received_at, id);
--bun:split
ALTER TABLE ledger_entries ADD COLUMN location_id INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE ledger_entries ADD COLUMN kind TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE ledger_entries ADD COLUMN transfer_id INTEGER NULL;
--bun:split
ALTER TABLE ledger_entries ADD COLUMN transfer_line INTEGER NULL;
--bun:split
UPDATE ledger_entries SET location_id = (SELECT MIN(id) FROM locations),
  kind = COALESCE((SELECT si.type FROM stock_ins AS si WHERE si.id = ledger_entries.stock_in_id),
                  (SELECT so.reason FROM stock_outs AS so WHERE so.id = ledger_entries.stock_out_id), '');
--bun:split
CREATE INDEX ledger_location_at ON ledger_entries (location_id, at, id);
--bun:split
CREATE INDEX ledger_transfer ON ledger_entries (transfer_id, transfer_line);
