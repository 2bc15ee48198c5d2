// Package dbtest opens fresh, migrated databases for tests: SQLite in a
// temporary folder always, and MySQL or MariaDB when WMS_TEST_MYSQL_DSN is set.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"
	"github.com/uptrace/bun"

	"wms/db"
)

// DSNVar names the variable that points the tests at a MySQL server. The
// database it names is used only as a prefix: every test gets its own.
const DSNVar = "WMS_TEST_MYSQL_DSN"

// Names of the databases a test runs on.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// Each runs f as one subtest per database: "sqlite" always, "mysql" when
// WMS_TEST_MYSQL_DSN is set (skipped, and saying so, when it is not).
func Each(t *testing.T, f func(t *testing.T, bdb *bun.DB)) {
	t.Helper()
	for _, name := range []string{SQLite, MySQL} {
		t.Run(name, func(t *testing.T) {
			f(t, Open(t, name))
		})
	}
}

// EachStore is Each with a Store over the database.
func EachStore(t *testing.T, f func(t *testing.T, s *db.Store)) {
	t.Helper()
	Each(t, func(t *testing.T, bdb *bun.DB) { f(t, db.NewStore(bdb)) })
}

// Open returns a fresh, migrated database of the named kind, removed when
// the test ends. For "mysql" without WMS_TEST_MYSQL_DSN the test is skipped.
func Open(t testing.TB, name string) *bun.DB {
	t.Helper()
	opts := Options(t, name)
	ctx := context.Background()
	bdb, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { _ = bdb.Close() })
	if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
		t.Fatalf("migrate %s: %v", name, err)
	}
	opened.Store(bdb, opts)
	return bdb
}

// opened remembers the options each Open used, for Reopen.
var opened sync.Map

// Reopen opens a second pool on the database Open made — another server
// process's view of the same data — closed when the test ends.
func Reopen(t testing.TB, bdb *bun.DB) *bun.DB {
	t.Helper()
	opts, ok := opened.Load(bdb)
	if !ok {
		t.Fatal("Reopen: not a database of dbtest.Open")
	}
	other, err := db.Open(context.Background(), opts.(db.Options))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	return other
}

// Options returns db.Options for a fresh, empty database of the named kind,
// not yet migrated; the database is dropped when the test ends.
func Options(t testing.TB, name string) db.Options {
	t.Helper()
	o := db.Options{
		Driver: name, MaxOpenConns: 20,
		ConnMaxLifetime: 3 * time.Minute, ConnMaxIdleTime: time.Minute,
		Wait: 10 * time.Second, Log: zerolog.Nop(),
	}
	switch name {
	case SQLite:
		o.SQLitePath = filepath.Join(t.TempDir(), "wms.db")
	case MySQL:
		o.MySQL.DSN = FreshMySQL(t)
	default:
		t.Fatalf("unknown database %q", name)
	}
	return o
}

// FreshMySQL creates an empty database on the server WMS_TEST_MYSQL_DSN
// points at, drops it when the test ends, and returns a DSN for it. Without
// the variable the test is skipped.
func FreshMySQL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(DSNVar)
	if dsn == "" {
		t.Skipf("%s is not set: MySQL run skipped", DSNVar)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", DSNVar, err)
	}
	prefix := cfg.DBName
	if prefix == "" {
		prefix = "wms_test"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s_%s", prefix, hex.EncodeToString(b))
	cfg.DBName = ""
	server, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("connect to MySQL: %v", err)
	}
	defer server.Close()
	if _, err := server.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create database %s (is MariaDB running at %s?): %v", name, cfg.Addr, err)
	}
	t.Cleanup(func() {
		server, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return
		}
		defer server.Close()
		_, _ = server.Exec("DROP DATABASE IF EXISTS `" + name + "`")
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}
