CREATE TABLE categories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX categories_name_key ON categories (name_key);
--bun:split
CREATE INDEX categories_created ON categories (created_at, id);
--bun:split
CREATE TABLE goods (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  category_id INTEGER NOT NULL REFERENCES categories (id),
  unit TEXT NOT NULL,
  sku TEXT NULL,
  barcode TEXT NULL,
  low_stock_threshold INTEGER NULL,
  note TEXT NULL,
  image_id INTEGER NULL,
  archived BOOLEAN NOT NULL DEFAULT FALSE,
  search_text TEXT NOT NULL,
  on_hand INTEGER NOT NULL DEFAULT 0,
  stock_value INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX goods_sku ON goods (sku);
--bun:split
CREATE INDEX goods_name ON goods (name_key, id);
--bun:split
CREATE INDEX goods_category_name ON goods (category_id, name_key, id);
--bun:split
CREATE INDEX goods_created ON goods (created_at, id);
--bun:split
CREATE INDEX goods_barcode ON goods (barcode);
