package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"time"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"

	"wms/model"
)

// The schema, one folder per dialect because the DDL differs. SQLite files
// are *.tx.up.sql and run in a transaction; MySQL DDL is not transactional,
// so its files use IF NOT EXISTS and are safe to run again after a failure.
//
//go:embed migrations
var migrationFiles embed.FS

// migrateLockTimeout bounds how long a replica waits for another to finish migrating.
const migrateLockTimeout = 120 // seconds

func migrations(db *bun.DB) (*migrate.Migrations, error) {
	dir := "migrations/sqlite"
	if db.Dialect().Name() == dialect.MySQL {
		dir = "migrations/mysql"
	}
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return ms, nil
}

// MigrateOption changes what a migration writes.
type MigrateOption func(*migrateConfig)

type migrateConfig struct {
	defaultLocation string
	now             time.Time
}

// DefaultLocationName is the name of the location the locations migration
// makes and puts all earlier stock in, when WMS_DEFAULT_LOCATION does not
// give one.
const DefaultLocationName = "Main"

// WithDefaultLocation names the location the locations migration makes
// (WMS_DEFAULT_LOCATION); it changes nothing once that migration has run.
func WithDefaultLocation(name string) MigrateOption {
	return func(c *migrateConfig) { c.defaultLocation = name }
}

// migrationData is what the migration files may name, each an SQL literal
// quoted by the dialect: {{.DefaultLocation}}, {{.DefaultLocationKey}} (its
// folded form for the unique index) and {{.Now}}; and one statement,
// {{.FillLedgerBalances}} (the fill of Store.RebuildBalances).
func migrationData(db *bun.DB, c migrateConfig) map[string]string {
	quote := func(v any) string { return string(db.QueryGen().AppendValue(nil, reflect.ValueOf(v))) }
	return map[string]string{
		"DefaultLocation":    quote(c.defaultLocation),
		"DefaultLocationKey": quote(model.Fold(c.defaultLocation)),
		"Now":                quote(c.now),
		"FillLedgerBalances": fillBalancesSQL(db),
	}
}

// newMigrator makes the migrator of every migration, or of those up to and
// including last when it is not "" (for the upgrade tests: a database as an
// earlier release left it).
func newMigrator(db *bun.DB, last string, opts ...MigrateOption) (*migrate.Migrator, error) {
	ms, err := migrations(db)
	if err != nil {
		return nil, err
	}
	if last != "" {
		upTo := migrate.NewMigrations()
		for _, m := range ms.Sorted() {
			if m.Name <= last {
				upTo.Add(m)
			}
		}
		ms = upTo
	}
	c := migrateConfig{defaultLocation: DefaultLocationName, now: time.Now().UTC().Truncate(time.Microsecond)}
	for _, o := range opts {
		o(&c)
	}
	if _, err := model.LocationName(c.defaultLocation); err != nil {
		return nil, fmt.Errorf("the default location: %w", err)
	}
	return migrate.NewMigrator(db, ms,
		migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true),
		migrate.WithUpsert(true),
		migrate.WithTemplateData(migrationData(db, c)),
	), nil
}

// Migrate applies every migration not yet applied. Several replicas may call
// it at once: on MySQL they queue on the server-side lock GET_LOCK, which the
// server releases by itself if a replica dies mid-migration (Bun's own lock
// is a row a crashed replica would leave behind, blocking every later start).
// SQLite is one file for one process; its migrations run in transactions.
func Migrate(ctx context.Context, db *bun.DB, log zerolog.Logger, opts ...MigrateOption) error {
	return migrateUpTo(ctx, db, log, "", opts...)
}

// migrateUpTo is Migrate up to and including the migration named last, or
// all of them when last is "".
func migrateUpTo(ctx context.Context, db *bun.DB, log zerolog.Logger, last string, opts ...MigrateOption) error {
	m, err := newMigrator(db, last, opts...)
	if err != nil {
		return err
	}
	unlock, err := lockMigrations(ctx, db)
	if err != nil {
		return err
	}
	defer unlock()
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("create the migrations table: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if group.IsZero() {
		log.Info().Msg("database schema is up to date")
	} else {
		log.Info().Str("applied", group.Migrations.String()).Msg("database migrated")
	}
	return nil
}

// Pending lists the migrations not yet applied; /readyz is not ready while
// there are any.
func Pending(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := newMigrator(db, "")
	if err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, mig := range ms.Unapplied() {
		names = append(names, mig.Name)
	}
	return names, nil
}

func lockMigrations(ctx context.Context, db *bun.DB) (func(), error) {
	if db.Dialect().Name() != dialect.MySQL {
		return func() {}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got *int
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('wms.migrate', ?)", migrateLockTimeout).Scan(&got); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	if got == nil || *got != 1 {
		_ = conn.Close()
		return nil, fmt.Errorf("another instance held the migration lock for %d s", migrateLockTimeout)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('wms.migrate')")
		_ = conn.Close()
	}, nil
}
