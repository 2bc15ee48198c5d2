CREATE TABLE IF NOT EXISTS categories (
  id BIGINT NOT NULL AUTO_INCREMENT,
  name VARCHAR(50) NOT NULL,
  name_key VARCHAR(200) COLLATE utf8mb4_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY categories_name_key (name_key),
  KEY categories_created (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS goods (
  id BIGINT NOT NULL AUTO_INCREMENT,
  name VARCHAR(100) NOT NULL,
  name_key VARCHAR(400) COLLATE utf8mb4_bin NOT NULL,
  category_id BIGINT NOT NULL,
  unit VARCHAR(20) NOT NULL,
  sku VARCHAR(64) COLLATE utf8mb4_bin NULL,
  barcode VARCHAR(64) COLLATE utf8mb4_bin NULL,
  low_stock_threshold BIGINT NULL,
  note TEXT NULL,
  image_id BIGINT NULL,
  archived BOOLEAN NOT NULL DEFAULT FALSE,
  search_text VARCHAR(600) COLLATE utf8mb4_bin NOT NULL,
  on_hand BIGINT NOT NULL DEFAULT 0,
  stock_value BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY goods_sku (sku),
  KEY goods_name (name_key, id),
  KEY goods_category_name (category_id, name_key, id),
  KEY goods_created (created_at, id),
  KEY goods_barcode (barcode),
  KEY goods_image (image_id),
  CONSTRAINT goods_category_fk FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
