package db

// MigrateUpTo lets the upgrade tests build a database as an earlier release
// left it: the migrations up to and including last.
var MigrateUpTo = migrateUpTo
