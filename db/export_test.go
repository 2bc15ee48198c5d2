package db

// MigrateUpTo lets the upgrade tests build a database as an earlier release
// left it: the migrations up to and including last.
var MigrateUpTo = migrateUpTo

// WithoutEvents makes s write documents without their outbox events, for
// the benchmark of what the outbox costs.
func WithoutEvents(s *Store) { s.noEvents = true }
