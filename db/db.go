// Package db opens the database (SQLite or MySQL/MariaDB), migrates it, and
// holds the Store: every query and every transaction of wms, on both dialects.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/go-sql-driver/mysql"
	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Options say which database to open and how to pool connections to it.
type Options struct {
	// Driver is "sqlite" or "mysql".
	Driver     string
	SQLitePath string
	MySQL      MySQLOptions

	MaxOpenConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
	// Wait is how long Open keeps retrying a database that does not answer.
	Wait time.Duration
	Log  zerolog.Logger
	// Notify, when set, hears every failed attempt to reach the database.
	Notify func(error)
}

// MySQLOptions are the connection parts; a full DSN, when set, wins.
type MySQLOptions struct {
	DSN      string
	Host     string
	Port     int
	User     string
	Password string
	Database string
}

// The drivers Options.Driver names.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// Open connects to the database, waiting for it with backoff until o.Wait has
// passed, and only then hands the connection to Bun: mysqldialect asks the
// server for its version when it is created and silently turns features off
// when that first query fails.
func Open(ctx context.Context, o Options) (*bun.DB, error) {
	if o.Driver == MySQL {
		// The driver's own messages (a dead pooled connection dropped and
		// retried) go to our log as JSON, not to stderr as plain text.
		_ = mysql.SetLogger(driverLog{o.Log})
	}
	sqldb, err := openSQL(o)
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, sqldb, o); err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	var bdb *bun.DB
	switch o.Driver {
	case SQLite:
		bdb = bun.NewDB(sqldb, sqlitedialect.New())
	default:
		bdb = bun.NewDB(sqldb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC")))
	}
	return bdb, nil
}

func openSQL(o Options) (*sql.DB, error) {
	var (
		sqldb *sql.DB
		err   error
	)
	switch o.Driver {
	case SQLite:
		dir := filepath.Dir(o.SQLitePath)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create the SQLite folder %s: %w", dir, err)
		}
		// sql.Open connects to nothing: it finds the registered driver,
		// which the connector then opens connections with.
		var probe *sql.DB
		if probe, err = sql.Open(sqliteshim.ShimName, sqliteDSN(o.SQLitePath)); err == nil {
			sqldb = sql.OpenDB(cachingConnector{dsn: sqliteDSN(o.SQLitePath), drv: probe.Driver()})
			_ = probe.Close()
		}
	case MySQL:
		var cfg *mysql.Config
		if cfg, err = MySQLConfig(o.MySQL); err != nil {
			return nil, err
		}
		var conn driver.Connector
		if conn, err = mysql.NewConnector(cfg); err == nil {
			sqldb = sql.OpenDB(conn)
		}
	default:
		return nil, fmt.Errorf("unknown database driver %q (want %q or %q)", o.Driver, SQLite, MySQL)
	}
	if err != nil {
		return nil, err
	}
	// Connections are recycled well before MySQL's wait_timeout (8 h) and
	// before Docker Swarm's IPVS silently drops an idle TCP flow (900 s), so a
	// pooled connection is never one the network has already forgotten.
	sqldb.SetMaxOpenConns(o.MaxOpenConns)
	sqldb.SetMaxIdleConns(o.MaxOpenConns)
	sqldb.SetConnMaxLifetime(o.ConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(o.ConnMaxIdleTime)
	return sqldb, nil
}

// sqliteDSN turns on WAL (readers do not block the writer), foreign keys, a
// busy timeout, and BEGIN IMMEDIATE so a write transaction takes the write
// lock up front instead of failing when it upgrades from a read.
func sqliteDSN(path string) string {
	return "file:" + path +
		"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_txlock=immediate"
}

// MySQLConfig builds the driver configuration from a DSN or from its parts and
// forces what wms relies on: UTC times parsed into time.Time, and utf8mb4.
func MySQLConfig(o MySQLOptions) (*mysql.Config, error) {
	var cfg *mysql.Config
	if o.DSN != "" {
		var err error
		if cfg, err = mysql.ParseDSN(o.DSN); err != nil {
			return nil, fmt.Errorf("invalid MySQL DSN: %w", err)
		}
	} else {
		cfg = mysql.NewConfig()
		cfg.Net = "tcp"
		cfg.Addr = net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
		cfg.User = o.User
		cfg.Passwd = o.Password
		cfg.DBName = o.Database
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Every session in UTC, so NOW() and DATETIME agree with Go.
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}

// waitFor pings the database until it answers or o.Wait has passed, logging
// every failed attempt with the time until the next one. Pauses grow
// exponentially up to 5 s, and the last one is cut short so that the final
// attempt happens at the deadline, not a pause before it.
func waitFor(ctx context.Context, sqldb *sql.DB, o Options) error {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 200 * time.Millisecond
	bo.MaxInterval = 5 * time.Second
	deadline := time.Now().Add(o.Wait)
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, min(5*time.Second, max(time.Until(deadline), time.Second)))
		err := sqldb.PingContext(pctx)
		cancel()
		if err == nil {
			o.Log.Info().Int("attempts", attempt).Str("driver", o.Driver).Msg("database reachable")
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if permanent(err) {
			return fmt.Errorf("database refused the connection, and waiting will not change that: %w", err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("database not reachable after %s (%d attempts): %w", o.Wait, attempt, err)
		}
		next := min(bo.NextBackOff(), left)
		if o.Notify != nil {
			o.Notify(err)
		}
		o.Log.Warn().Err(err).Int("attempt", attempt).Int64("retry_in_ms", next.Milliseconds()).
			Str("driver", o.Driver).Msg("database not reachable yet")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(next):
		}
	}
}

// permanent reports a failure to reach the database that retrying cannot
// heal: the server answered, and said no (access denied, no such database),
// or SQLite cannot open its file. Start-up stops at once with it instead of
// retrying for WMS_DB_WAIT. A database that does not answer (refused, no
// route, a name not resolving yet while its container starts) is retried.
func permanent(err error) bool {
	if code, ok := mysqlCode(err); ok {
		switch code {
		case 1044, // access denied to the database
			1045, // access denied (user or password)
			1049, // unknown database
			1251, // the client does not support the server's auth plugin
			1524, // the auth plugin is not loaded
			3159: // the server requires a secure transport
			return true
		}
		return false
	}
	if code, ok := sqliteCode(err); ok {
		switch code & 0xff {
		case 14, // SQLITE_CANTOPEN
			26, // SQLITE_NOTADB
			8,  // SQLITE_READONLY
			23: // SQLITE_AUTH
			return true
		}
	}
	return false
}

// driverLog passes go-sql-driver/mysql's messages to zerolog.
type driverLog struct{ log zerolog.Logger }

func (d driverLog) Print(v ...any) {
	d.log.Warn().Str("driver", "mysql").Msg(strings.TrimSpace(fmt.Sprint(v...)))
}
