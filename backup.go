package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/model"
)

// backupManifest is written beside a backup as FILE.media.json: the media
// files the backup refers to, to be copied or checked with it. The bytes
// themselves stay in the media store (a folder or a bucket), which only
// ever gains files under new keys, so copying it after the database is
// enough.
type backupManifest struct {
	CreatedAt  time.Time            `json:"createdAt"`
	Database   string               `json:"database"`
	MediaStore string               `json:"mediaStore"`
	MediaDir   string               `json:"mediaDir,omitempty"`
	Bucket     string               `json:"bucket,omitempty"`
	Media      []model.StoredObject `json:"media"`
}

// backupCommand is `wms backup FILE`: a consistent copy of the SQLite
// database while the server runs, and its media manifest.
func backupCommand(ctx context.Context, cfg Config, log zerolog.Logger, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprint(stderr, commandHelp["backup"])
		return 2
	}
	file := args[0]
	if cfg.DB != db.SQLite {
		fmt.Fprintln(stderr, "wms backup copies a SQLite database; for MySQL use mysqldump --single-transaction and copy the media store (README: Backups)")
		return 2
	}
	if _, err := os.Stat(cfg.SQLitePath); err != nil {
		fmt.Fprintf(stderr, "wms backup: no database at WMS_SQLITE_PATH=%s\n", cfg.SQLitePath)
		return 1
	}
	bdb, err := db.Open(ctx, cfg.dbOptions(log))
	if err != nil {
		log.Error().Err(err).Msg("cannot open the database")
		return 1
	}
	defer bdb.Close()
	if err := db.BackupSQLite(ctx, bdb, file); err != nil {
		fmt.Fprintf(stderr, "wms backup: %v\n", err)
		return 1
	}
	// The manifest is read from the copy, so it lists what the copy refers to.
	copyDB, err := db.Open(ctx, db.Options{Driver: db.SQLite, SQLitePath: file, MaxOpenConns: 1, Wait: time.Second, Log: log})
	if err != nil {
		log.Error().Err(err).Msg("open the backup")
		return 1
	}
	defer copyDB.Close()
	objs, err := db.NewStore(copyDB).StoredObjects(ctx)
	if err != nil {
		log.Error().Err(err).Msg("list the media of the backup")
		return 1
	}
	m := backupManifest{CreatedAt: time.Now().UTC(), Database: db.SQLite, MediaStore: cfg.MediaStore, Media: objs}
	if cfg.MediaStore == "s3" {
		m.Bucket = cfg.S3.Bucket
	} else {
		m.MediaDir = cfg.MediaDir
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(file+".media.json", append(b, '\n'), 0o640); err != nil {
		fmt.Fprintf(stderr, "wms backup: write the manifest: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written to %s; %d media files listed in %s.media.json\n", file, len(objs), file)
	return 0
}

// restoreCommand is `wms restore [--force] FILE`: put a backup in place of
// the SQLite database (the server stopped), then check that every media
// file it refers to is in the media store.
func restoreCommand(ctx context.Context, cfg Config, log zerolog.Logger, args []string, stdout, stderr io.Writer) int {
	force := len(args) == 2 && args[0] == "--force"
	if force {
		args = args[1:]
	}
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprint(stderr, commandHelp["restore"])
		return 2
	}
	if cfg.DB != db.SQLite {
		fmt.Fprintln(stderr, "wms restore restores a SQLite backup; for MySQL load the mysqldump file with the mysql client (README: Backups)")
		return 2
	}
	err := db.RestoreSQLite(ctx, args[0], cfg.SQLitePath, force)
	if errors.Is(err, db.ErrNotEmpty) {
		fmt.Fprintf(stderr, "wms restore: %s holds data; stop the server and run wms restore --force %s to replace it\n", cfg.SQLitePath, args[0])
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "wms restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", args[0], cfg.SQLitePath)
	bdb := openMigrated(ctx, cfg, log)
	if bdb == nil {
		return 1
	}
	defer bdb.Close()
	objs, err := db.NewStore(bdb).StoredObjects(ctx)
	if err != nil {
		log.Error().Err(err).Msg("list the media of the restored database")
		return 1
	}
	storage, err := mediaStorage(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "wms restore: %v\n", err)
		return 1
	}
	missing := 0
	for _, o := range objs {
		f, _, err := storage.Open(ctx, o.Key)
		if err != nil {
			missing++
			fmt.Fprintf(stdout, "missing media file %s (%d bytes)\n", o.Key, o.Size)
			continue
		}
		f.Close()
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "%d of %d media files the database refers to are not in the %s store: copy them back (the backup's .media.json lists them)\n",
			missing, len(objs), storage.Describe())
		return 1
	}
	fmt.Fprintf(stdout, "all %d media files the database refers to are in the %s store\n", len(objs), storage.Describe())
	return 0
}
