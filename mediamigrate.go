package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/media"
)

// mediaCommand is `wms media migrate --to s3`: copy the folder store
// (WMS_MEDIA_DIR) into the bucket (WMS_S3_*), verifying every SHA-256, before
// switching WMS_MEDIA_STORE to s3.
func mediaCommand(ctx context.Context, cfg Config, log zerolog.Logger, args []string, stdout, stderr io.Writer) int {
	if len(args) != 3 || args[0] != "migrate" || args[1] != "--to" || args[2] != "s3" {
		fmt.Fprint(stderr, commandHelp["media"])
		return 2
	}
	if _, err := media.NewS3(cfg.S3); err != nil || cfg.S3.Bucket == "" {
		fmt.Fprintln(stderr, "wms media migrate: set WMS_S3_ENDPOINT, WMS_S3_BUCKET and the keys of the bucket to copy into")
		return 2
	}
	bucket, _ := media.NewS3(cfg.S3)
	bdb := openMigrated(ctx, cfg, log)
	if bdb == nil {
		return 1
	}
	defer bdb.Close()
	want, err := db.NewStore(bdb).StoredObjects(ctx)
	if err != nil {
		log.Error().Err(err).Msg("list the media records")
		return 1
	}
	rep, err := media.Migrate(ctx, media.Folder{Dir: cfg.MediaDir}, bucket, want)
	fmt.Fprintf(stdout, "copied %d, already there %d, bad %d, missing %d\n", rep.Copied, rep.Present, len(rep.Bad), len(rep.Missing))
	for _, k := range rep.Bad {
		fmt.Fprintf(stdout, "bad (bytes do not match the key, not copied): %s\n", k)
	}
	for _, k := range rep.Missing {
		fmt.Fprintf(stdout, "missing (a record refers to it, the bucket does not hold it): %s\n", k)
	}
	if err != nil {
		log.Error().Err(err).Msg("media migrate")
		return 1
	}
	if len(rep.Bad) > 0 || len(rep.Missing) > 0 {
		return 1
	}
	fmt.Fprintln(stdout, "every object verified; set WMS_MEDIA_STORE=s3")
	return 0
}
