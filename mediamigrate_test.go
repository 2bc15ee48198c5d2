package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/media"
	"wms/media/s3test"
	"wms/model"
)

// wms media migrate --to s3 copies a folder store into a bucket, verifying
// every SHA-256: a file whose bytes do not match its key is reported and left
// out, the run fails; once it is gone a second run verifies what is there,
// copies nothing again, and passes.
func TestMediaMigrateToS3(t *testing.T) {
	o := s3test.Options(t)
	bucket, _ := media.NewS3(o)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "wms.db")
	mediaDir := filepath.Join(dir, "media")
	ctx := context.Background()

	bdb, err := db.Open(ctx, db.Options{Driver: db.SQLite, SQLitePath: dbPath, MaxOpenConns: 2, Wait: time.Second, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	svc := media.NewService(db.NewStore(bdb), media.Folder{Dir: mediaDir}, 1<<20, zerolog.Nop())
	var saved []*model.Media
	for _, body := range []string{"first", "second"} {
		m, err := svc.Save(ctx, body+".png", strings.NewReader("\x89PNG\r\n\x1a\n"+strings.Repeat(body, 50)))
		if err != nil {
			t.Fatal(err)
		}
		saved = append(saved, m)
	}
	_ = bdb.Close()
	// A file damaged on disk: its bytes no longer match its name.
	badKey := "ab/ab" + strings.Repeat("0", 62)
	if err := os.MkdirAll(filepath.Join(mediaDir, "ab"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mediaDir, filepath.FromSlash(badKey)), []byte("not these bytes"), 0o640); err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{"WMS_SQLITE_PATH": dbPath, "WMS_MEDIA_DIR": mediaDir, "WMS_LOG_LEVEL": "error",
		"WMS_S3_ENDPOINT": o.Endpoint, "WMS_S3_BUCKET": o.Bucket, "WMS_S3_ACCESS_KEY": o.AccessKey, "WMS_S3_SECRET_KEY": o.SecretKey}
	migrate := func() (int, string) {
		var out, errs bytes.Buffer
		code := run(ctx, []string{"media", "migrate", "--to", "s3"}, env(vars), &out, &errs)
		return code, out.String() + errs.String()
	}
	code, out := migrate()
	if code != 1 || !strings.Contains(out, "copied 2, already there 0, bad 1, missing 0") || !strings.Contains(out, badKey) {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	keys := s3test.Keys(t, bucket)
	if !slices.Contains(keys, saved[0].Key) || !slices.Contains(keys, saved[1].Key) || slices.Contains(keys, badKey) {
		t.Fatalf("bucket holds %v", keys)
	}
	if err := os.Remove(filepath.Join(mediaDir, filepath.FromSlash(badKey))); err != nil {
		t.Fatal(err)
	}
	if code, out := migrate(); code != 0 || !strings.Contains(out, "copied 0, already there 2, bad 0, missing 0") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	// A record whose bytes are nowhere: reported as missing.
	if err := os.Remove(filepath.Join(mediaDir, filepath.FromSlash(saved[1].Key))); err != nil {
		t.Fatal(err)
	}
	if err := bucket.Delete(ctx, saved[1].Key); err != nil {
		t.Fatal(err)
	}
	if code, out := migrate(); code != 1 || !strings.Contains(out, "missing 1") || !strings.Contains(out, saved[1].Key) {
		t.Fatalf("third run: exit %d\n%s", code, out)
	}
	var stdout, errs bytes.Buffer
	if code := run(ctx, []string{"media", "migrate", "--to", "nfs"}, env(vars), &stdout, &errs); code != 2 || !strings.Contains(errs.String(), "usage: wms media migrate") {
		t.Errorf("bad target: exit %d %s", code, errs.String())
	}
}
