package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
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

func newMigrator(db *bun.DB) (*migrate.Migrator, error) {
	ms, err := migrations(db)
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db, ms,
		migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true),
		migrate.WithUpsert(true),
	), nil
}

// Migrate applies every migration not yet applied. Several replicas may call
// it at once: on MySQL they queue on the server-side lock GET_LOCK, which the
// server releases by itself if a replica dies mid-migration (Bun's own lock
// is a row a crashed replica would leave behind, blocking every later start).
// SQLite is one file for one process; its migrations run in transactions.
func Migrate(ctx context.Context, db *bun.DB, log zerolog.Logger) error {
	m, err := newMigrator(db)
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
	m, err := newMigrator(db)
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
