package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
)

// BackupSQLite writes a consistent copy of the SQLite database to path with
// VACUUM INTO: one read transaction, so the copy is the database at one
// instant while the server goes on writing (WAL: readers do not block the
// writer). The copy is compact and needs no -wal file. path must not exist.
func BackupSQLite(ctx context.Context, bdb *bun.DB, path string) error {
	if isMySQL(bdb) {
		return errors.New("backup: VACUUM INTO is SQLite's; back up MySQL with mysqldump --single-transaction (README)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	}
	if _, err := bdb.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup: VACUUM INTO %s: %w", path, err)
	}
	return nil
}

// ErrNotEmpty is RestoreSQLite's answer when the target database holds
// data and force was not given.
var ErrNotEmpty = errors.New("the database to restore into is not empty")

// RestoreSQLite puts the backup src in place of the SQLite database dst.
// src must be a sound wms database (an integrity check, its migrations
// table); dst, when it holds any table, is replaced only with force. The
// copy is written beside dst and renamed over it, and dst's -wal and -shm
// files are removed, so a crash leaves either database whole. The server
// must not be running on dst.
func RestoreSQLite(ctx context.Context, src, dst string, force bool) error {
	if err := checkBackup(ctx, src); err != nil {
		return err
	}
	if !force {
		empty, err := sqliteEmpty(ctx, dst)
		if err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("restore into %s: %w (use --force to replace it)", dst, ErrNotEmpty)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	tmp := dst + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + side); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return os.Rename(tmp, dst)
}

func openSQLiteFile(ctx context.Context, path string) (*bun.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return Open(ctx, Options{Driver: SQLite, SQLitePath: path, MaxOpenConns: 1, Wait: time.Second, Log: zerolog.Nop()})
}

// checkBackup opens src and checks that it is a sound wms database.
func checkBackup(ctx context.Context, src string) error {
	bdb, err := openSQLiteFile(ctx, src)
	if err != nil {
		return fmt.Errorf("restore: open the backup %s: %w", src, err)
	}
	defer bdb.Close()
	var check string
	if err := bdb.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("restore: %s fails the integrity check: %v %s", src, err, check)
	}
	var n int
	if err := bdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("restore: %s is not a wms database (no migrations recorded)", src)
	}
	return nil
}

// sqliteEmpty reports whether path is missing, empty, or a database with no
// table.
func sqliteEmpty(ctx context.Context, path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || err == nil && st.Size() == 0 {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	bdb, err := openSQLiteFile(ctx, path)
	if err != nil {
		return false, err
	}
	defer bdb.Close()
	var n int
	if err := bdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").Scan(&n); err != nil {
		return false, err
	}
	return n == 0, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
