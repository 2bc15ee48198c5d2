package db_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// releaseBeforeLocations loads testdata/release-0006.json into a database
// migrated up to 0006, the schema of the release before locations. The file
// holds every row of a shop's history (3 users, 12 goods, 80 stock-ins of
// all types, 38 stock-outs of all reasons, backdated, some under
// idempotency keys) as that release's Store wrote it; testdata/README.md
// says how it was made.
func releaseBeforeLocations(t *testing.T, name string) *db.Store {
	t.Helper()
	opts := dbtest.Options(t, name)
	bdb, err := db.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bdb.Close() })
	if err := db.MigrateUpTo(ctx, bdb, zerolog.Nop(), "0006"); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/release-0006.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var dump struct {
		Tables []string
		Rows   map[string][]map[string]any
	}
	dec := json.NewDecoder(f)
	dec.UseNumber()
	if err := dec.Decode(&dump); err != nil {
		t.Fatal(err)
	}
	for _, table := range dump.Tables {
		for _, row := range dump.Rows[table] {
			var cols, marks []string
			var args []any
			for col, v := range row {
				switch v := v.(type) {
				case json.Number:
					n, err := v.Int64()
					if err != nil {
						t.Fatalf("%s.%s: %v", table, col, err)
					}
					args = append(args, n)
				case string:
					if col == "at" || strings.HasSuffix(col, "_at") {
						tm, err := time.Parse(time.RFC3339Nano, v)
						if err != nil {
							t.Fatalf("%s.%s: %v", table, col, err)
						}
						args = append(args, tm)
					} else {
						args = append(args, v)
					}
				default:
					args = append(args, v)
				}
				cols = append(cols, col)
				marks = append(marks, "?")
			}
			q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(marks, ", "))
			if _, err := bdb.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	return db.NewStore(bdb)
}

// The upgrade to locations loses nothing: a database of the release before,
// upgraded, has one location named by WMS_DEFAULT_LOCATION holding every
// lot, document and ledger entry; every total is what it was; every SPEC §1
// invariant holds, per location and in total; and the shop carries on
// without naming a location.
func TestUpgradeToLocationsLosesNothing(t *testing.T) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			s := releaseBeforeLocations(t, name)
			bdb := s.DB()
			sums := func() string {
				t.Helper()
				var out strings.Builder
				for _, q := range []string{
					`SELECT id, on_hand, stock_value FROM goods ORDER BY id`,
					`SELECT goods_id, SUM(quantity), SUM(amount), COUNT(*) FROM ledger_entries GROUP BY goods_id ORDER BY goods_id`,
					`SELECT goods_id, SUM(remaining), COUNT(*) FROM lots GROUP BY goods_id ORDER BY goods_id`,
					`SELECT COUNT(*), SUM(total_amount) FROM stock_ins`,
					`SELECT COUNT(*), SUM(total_cost) FROM stock_outs`,
					`SELECT COUNT(*), SUM(cost), SUM(quantity) FROM stock_out_lines`,
					`SELECT prefix, day, last FROM document_counters ORDER BY prefix, day`,
				} {
					_, rows := dbtest.Query(t, bdb, q)
					for _, r := range rows {
						fmt.Fprintln(&out, r...)
					}
				}
				return out.String()
			}
			before := sums()
			if err := db.Migrate(ctx, bdb, zerolog.Nop(), db.WithDefaultLocation("Storeroom")); err != nil {
				t.Fatal(err)
			}
			if after := sums(); after != before {
				t.Errorf("totals changed by the upgrade:\nbefore\n%s\nafter\n%s", before, after)
			}
			ls, err := s.AllLocations(ctx)
			if err != nil || len(ls) != 1 || ls[0].Name != "Storeroom" {
				t.Fatalf("locations after the upgrade: %+v, %v", ls, err)
			}
			loc := ls[0].ID
			for _, q := range []string{
				`SELECT COUNT(*) FROM lots WHERE location_id <> ?`,
				`SELECT COUNT(*) FROM stock_ins WHERE location_id <> ?`,
				`SELECT COUNT(*) FROM stock_outs WHERE location_id <> ?`,
				`SELECT COUNT(*) FROM ledger_entries WHERE location_id <> ?`,
			} {
				var n int
				if err := bdb.NewRaw(q, loc).Scan(ctx, &n); err != nil || n != 0 {
					t.Errorf("%s: %d rows elsewhere (%v)", q, n, err)
				}
			}
			// Every entry's kind is its document's type or reason.
			var n int
			err = bdb.NewRaw(`SELECT COUNT(*) FROM ledger_entries le
				LEFT JOIN stock_ins si ON si.id = le.stock_in_id LEFT JOIN stock_outs so ON so.id = le.stock_out_id
				WHERE le.kind <> COALESCE(si.type, so.reason)`).Scan(ctx, &n)
			if err != nil || n != 0 {
				t.Errorf("%d ledger entries with a kind other than their document's (%v)", n, err)
			}
			// The stock at the one location is every goods' stock.
			all, err := s.Stock(ctx, model.StockFilter{IncludeArchived: true}, model.PageArgs{First: ptr(100)})
			if err != nil {
				t.Fatal(err)
			}
			here, err := s.Stock(ctx, model.StockFilter{IncludeArchived: true, LocationID: &loc}, model.PageArgs{First: ptr(100)})
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range all.Items {
				if h := here.Items[i]; h.OnHand() != l.OnHand() || h.Value() != l.Value() {
					t.Errorf("goods %d: %s/%s at the location, %s/%s in total", l.Goods.ID, h.OnHand(), h.Value(), l.OnHand(), l.Value())
				}
			}
			checkInvariants(t, s)

			// The shop carries on without naming its one location, and its
			// history reads back.
			g := all.Items[0].Goods
			mustStockIn(t, s, in(g.ID, "2", "1.5"))
			mustStockOut(t, s, out(g.ID, "1"))
			p, err := s.Ledger(ctx, model.LedgerFilter{LocationID: &loc}, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := p.Count(ctx); err != nil || n != 377 {
				t.Errorf("ledger at the location: %d entries (%v), want the 375 stored and 2 new", n, err)
			}
			// Migrating again changes nothing; on MySQL, whose DDL is not
			// transactional, not even running the whole file once more (as
			// after a crash before it was marked applied).
			again := sums()
			if name == dbtest.MySQL {
				if _, err := bdb.ExecContext(ctx, "DELETE FROM schema_migrations WHERE name = '0007'"); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx, bdb, zerolog.Nop(), db.WithDefaultLocation("Another")); err != nil {
				t.Fatal(err)
			}
			if ls, _ := s.AllLocations(ctx); len(ls) != 1 || ls[0].Name != "Storeroom" || sums() != again {
				t.Errorf("a second migration changed things: %+v", ls)
			}
			checkInvariants(t, s)
		})
	}
}
