package db_test

import (
	"testing"

	"github.com/rs/zerolog"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// Migration 0005 scopes idempotency keys per user. A database made before it
// keeps each stored key with the user who made its document, and the
// migration can run again after stopping anywhere (MySQL DDL is not
// transactional): here after only the first table was changed, and again
// over a schema it already changed.
func TestIdempotencyScopeMigration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		exec := func(query string, args ...any) {
			t.Helper()
			if _, err := bdb.ExecContext(ctx, query, args...); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		mysql := bdb.Dialect().Name() == dialect.MySQL
		// Back to the schema before 0005.
		for _, table := range []string{"stock_ins", "stock_outs"} {
			if mysql {
				exec("ALTER TABLE " + table + " DROP INDEX " + table + "_idempotency, DROP COLUMN idempotency_scope, " +
					"ADD UNIQUE KEY " + table + "_idempotency (idempotency_key)")
			} else {
				exec("DROP INDEX " + table + "_idempotency")
				exec("ALTER TABLE " + table + " DROP COLUMN idempotency_scope")
				exec("CREATE UNIQUE INDEX " + table + "_idempotency ON " + table + " (idempotency_key)")
			}
		}
		exec("DELETE FROM schema_migrations WHERE name = '0005'")
		// Keys stored before: two users' and one made with nobody signed in.
		for i, by := range []any{7, 9, nil} {
			exec(`INSERT INTO stock_ins (code, type, location_id, occurred_at, total_amount, idempotency_key, request_hash, created_at, created_by)
				VALUES (?, 'PURCHASE', (SELECT MIN(id) FROM locations), ?, 0, ?, 'h', ?, ?)`, "C"+string(rune('1'+i)), "2026-01-01 00:00:00", "k"+string(rune('1'+i)), "2026-01-01 00:00:00", by)
		}
		exec(`INSERT INTO stock_outs (code, reason, location_id, occurred_at, total_cost, idempotency_key, request_hash, created_at, created_by)
			VALUES ('O1', 'LOSS', (SELECT MIN(id) FROM locations), '2026-01-01 00:00:00', 0, 'k1', 'h', '2026-01-01 00:00:00', 9)`)
		if mysql {
			// As if a first run stopped after changing stock_ins.
			exec("ALTER TABLE stock_ins ADD COLUMN idempotency_scope BIGINT NOT NULL DEFAULT 0 AFTER idempotency_key, " +
				"DROP INDEX stock_ins_idempotency, ADD UNIQUE KEY stock_ins_idempotency (idempotency_scope, idempotency_key)")
		}
		if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
			t.Fatal(err)
		}
		if mysql {
			// And once more over the schema it made. (SQLite's migrations
			// run in a transaction: they never stop halfway.)
			exec("DELETE FROM schema_migrations WHERE name = '0005'")
			if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
				t.Fatalf("again: %v", err)
			}
		}
		if pending, err := db.Pending(ctx, bdb); err != nil || len(pending) > 0 {
			t.Fatalf("pending %v, %v", pending, err)
		}

		var ins []*model.StockIn
		if err := bdb.NewSelect().Model(&ins).OrderExpr("si.id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, d := range ins {
			got = append(got, d.IdempotencyScope)
		}
		if len(got) != 3 || got[0] != 7 || got[1] != 9 || got[2] != 0 {
			t.Errorf("scopes of the stored keys: %v, want [7 9 0]", got)
		}
		var out model.StockOut
		if err := bdb.NewSelect().Model(&out).Where("so.code = 'O1'").Scan(ctx); err != nil || out.IdempotencyScope != 9 {
			t.Errorf("stock-out scope %d, %v; want 9", out.IdempotencyScope, err)
		}
		// The unique index is on (scope, key): user 9 may use k1 for a
		// stock-in, user 7 may not use it again.
		insert := func(code string, scope int) error {
			_, err := bdb.ExecContext(ctx, `INSERT INTO stock_ins (code, type, location_id, occurred_at, total_amount, idempotency_key,
				idempotency_scope, request_hash, created_at) VALUES (?, 'GIFT', (SELECT MIN(id) FROM locations), ?, 0, 'k1', ?, 'h', ?)`,
				code, "2026-01-01 00:00:00", scope, "2026-01-01 00:00:00")
			return err
		}
		if err := insert("C9", 9); err != nil {
			t.Errorf("k1 for another user: %v", err)
		}
		if err := insert("C10", 7); err == nil {
			t.Error("k1 twice for one user was stored")
		}
	})
}

// Migration 0006 adds the indexes of the default goods list orders. On MySQL
// it can run again after stopping between its two indexes, and over a
// schema that already has both.
func TestGoodsListIndexMigrationRunsAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		exec := func(query string) {
			t.Helper()
			if _, err := bdb.ExecContext(ctx, query); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		indexes := func() []string {
			t.Helper()
			q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'goods' AND name LIKE 'goods_live_%' ORDER BY name`
			if bdb.Dialect().Name() == dialect.MySQL {
				q = `SELECT DISTINCT index_name FROM information_schema.statistics
					WHERE table_schema = DATABASE() AND table_name = 'goods' AND index_name LIKE 'goods_live_%' ORDER BY index_name`
			}
			var names []string
			if err := bdb.NewRaw(q).Scan(ctx, &names); err != nil {
				t.Fatal(err)
			}
			return names
		}
		migrateAgain := func() {
			t.Helper()
			exec("DELETE FROM schema_migrations WHERE name = '0006'")
			if err := db.Migrate(ctx, bdb, zerolog.Nop()); err != nil {
				t.Fatal(err)
			}
			if got := indexes(); len(got) != 2 || got[0] != "goods_live_created" || got[1] != "goods_live_name" {
				t.Fatalf("indexes after migrating: %v", got)
			}
		}
		// As if a first run stopped after the first index (SQLite's
		// migrations run in a transaction: there, as if before 0006).
		if bdb.Dialect().Name() == dialect.MySQL {
			exec("ALTER TABLE goods DROP INDEX goods_live_created")
		} else {
			exec("DROP INDEX goods_live_created")
			exec("DROP INDEX goods_live_name")
		}
		migrateAgain()
		if bdb.Dialect().Name() == dialect.MySQL {
			migrateAgain()
		}
	})
}
