package main

import (
	"wms/media"
)

// mediaStorage is where media bytes live, as WMS_MEDIA_STORE says: a local
// folder, or an S3-compatible bucket that every replica shares.
func mediaStorage(cfg Config) (media.Storage, error) {
	if cfg.MediaStore == "s3" {
		return media.NewS3(cfg.S3)
	}
	return media.Folder{Dir: cfg.MediaDir}, nil
}
