CREATE TABLE IF NOT EXISTS media (
  id BIGINT NOT NULL AUTO_INCREMENT,
  kind VARCHAR(16) NOT NULL,
  filename VARCHAR(200) NOT NULL,
  content_type VARCHAR(100) NOT NULL,
  size BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  storage_key VARCHAR(200) COLLATE utf8mb4_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  created_by BIGINT NULL,
  expires_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY media_key (storage_key),
  KEY media_created (kind, created_at),
  KEY media_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
--bun:split
CREATE TABLE IF NOT EXISTS stock_in_attachments (
  stock_in_id BIGINT NOT NULL,
  media_id BIGINT NOT NULL,
  position INT NOT NULL,
  PRIMARY KEY (stock_in_id, media_id),
  KEY stock_in_attachments_media (media_id),
  CONSTRAINT stock_in_attachments_doc_fk FOREIGN KEY (stock_in_id) REFERENCES stock_ins (id),
  CONSTRAINT stock_in_attachments_media_fk FOREIGN KEY (media_id) REFERENCES media (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
