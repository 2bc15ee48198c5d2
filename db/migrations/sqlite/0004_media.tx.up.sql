CREATE TABLE media (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  storage_key TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  created_by INTEGER NULL,
  expires_at TIMESTAMP NULL
);
--bun:split
CREATE INDEX media_key ON media (storage_key);
--bun:split
CREATE INDEX media_created ON media (kind, created_at);
--bun:split
CREATE INDEX media_expires ON media (expires_at);
--bun:split
CREATE TABLE stock_in_attachments (
  stock_in_id INTEGER NOT NULL REFERENCES stock_ins (id),
  media_id INTEGER NOT NULL REFERENCES media (id),
  position INTEGER NOT NULL,
  PRIMARY KEY (stock_in_id, media_id)
);
--bun:split
CREATE INDEX stock_in_attachments_media ON stock_in_attachments (media_id);
--bun:split
CREATE INDEX goods_image ON goods (image_id);
