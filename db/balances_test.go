package db_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// balanceRows reads ledger_balances as "goods/location/kind/direction/day"
// → "quantity/amount".
func balanceRows(t testing.TB, s *db.Store) map[string]string {
	t.Helper()
	var rows []struct {
		GoodsID, LocationID int64
		Kind, Direction     string
		Day                 int64
		Quantity, Amount    int64
	}
	if err := s.DB().NewSelect().Table("ledger_balances").
		Column("goods_id", "location_id", "kind", "direction", "day", "quantity", "amount").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[fmt.Sprintf("%d/%d/%s/%s/%d", r.GoodsID, r.LocationID, r.Kind, r.Direction, r.Day)] = fmt.Sprintf("%d/%d", r.Quantity, r.Amount)
	}
	return m
}

// bruteBalances sums the whole ledger into what ledger_balances must hold:
// for each series and each UTC day it has entries on, the sum of its entries
// up to the end of that day.
func bruteBalances(t testing.TB, s *db.Store) map[string]string {
	t.Helper()
	var es []*model.LedgerEntry
	if err := s.DB().NewSelect().Model(&es).Column("goods_id", "location_id", "kind", "direction", "at", "quantity", "amount").
		Scan(ctx); err != nil {
		t.Fatal(err)
	}
	type day struct {
		series string
		day    int64
	}
	perDay := map[day][2]int64{}
	for _, e := range es {
		k := day{fmt.Sprintf("%d/%d/%s/%s", e.GoodsID, e.LocationID, e.Kind, e.Direction), unixDay(e.At)}
		v := perDay[k]
		perDay[k] = [2]int64{v[0] + int64(e.Quantity), v[1] + int64(e.Amount)}
	}
	keys := slices.SortedFunc(maps.Keys(perDay), func(a, b day) int {
		if a.series != b.series {
			if a.series < b.series {
				return -1
			}
			return 1
		}
		return int(a.day - b.day)
	})
	m := map[string]string{}
	var run [2]int64
	for i, k := range keys {
		if i == 0 || keys[i-1].series != k.series {
			run = [2]int64{}
		}
		v := perDay[k]
		run[0] += v[0]
		run[1] += v[1]
		m[fmt.Sprintf("%s/%d", k.series, k.day)] = fmt.Sprintf("%d/%d", run[0], run[1])
	}
	return m
}

func unixDay(t time.Time) int64 {
	d := t.Unix() / 86400
	if t.Unix()%86400 < 0 {
		d--
	}
	return d
}

// checkBalances fails t unless the running balances are exactly what the
// ledger sums to; checkInvariants runs it after every stock test.
func checkBalances(t testing.TB, s *db.Store) {
	t.Helper()
	got, want := balanceRows(t, s), bruteBalances(t, s)
	if !maps.Equal(got, want) {
		for k, w := range want {
			if got[k] != w {
				t.Errorf("running balance %s is %q, the ledger sums to %q", k, got[k], w)
			}
		}
		for k, g := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("running balance %s = %q has no ledger entries", k, g)
			}
		}
	}
}

// Every document keeps the running balances: today's, backdated ones a
// year and a day back, several on one day, transfers both ways; and a
// rebuild from the ledger writes the same rows.
func TestRunningBalancesFollowTheLedger(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		cat := mustCategory(t, s, "蔬菜").ID
		a := mustGoods(t, s, model.GoodsInput{Name: "土豆", CategoryID: cat}).ID
		b := mustGoods(t, s, model.GoodsInput{Name: "白菜", CategoryID: cat}).ID
		main := mainLocation(t, s).ID
		cold := mustLocation(t, s, "冷库").ID
		in := func(at time.Time, g int64, q, c string) {
			t.Helper()
			_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, OccurredAt: &at, LocationID: &main,
				Lines: []*model.StockInLineInput{{GoodsID: g, Quantity: model.MustQuantity(q), UnitCost: model.MustUnitCost(c)}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		out := func(at time.Time, loc, g int64, q string) {
			t.Helper()
			_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, OccurredAt: &at, LocationID: &loc,
				Lines: []*model.StockOutLineInput{{GoodsID: g, Quantity: model.MustQuantity(q)}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		move := func(at time.Time, from, to, g int64, q string) {
			t.Helper()
			_, err := s.CreateTransfer(ctx, model.TransferInput{FromLocationID: from, ToLocationID: to, OccurredAt: &at,
				Lines: []*model.TransferLineInput{{GoodsID: g, Quantity: model.MustQuantity(q)}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		in(now, a, "10", "2.5")
		in(now.Add(-time.Hour), a, "5", "3")
		out(now, main, a, "1.5")
		in(now.AddDate(-1, 0, -1), a, "4", "1.3333")    // backdated before every row
		out(now.AddDate(0, 0, -3), main, a, "2")        // between rows
		in(now.AddDate(0, -1, 0), b, "7", "0.5")        // a second goods
		move(now.AddDate(0, 0, -2), main, cold, a, "3") // backdated transfer
		move(now, cold, main, a, "1")
		out(now.AddDate(0, 0, -1), cold, a, "0.5")
		checkBalances(t, s)
		checkInvariants(t, s)
		before := balanceRows(t, s)
		if len(before) < 8 {
			t.Fatalf("only %d balance rows: %v", len(before), before)
		}
		if err := s.RebuildBalances(ctx); err != nil {
			t.Fatal(err)
		}
		if after := balanceRows(t, s); !maps.Equal(before, after) {
			t.Errorf("rebuilt balances differ:\nkept    %v\nrebuilt %v", before, after)
		}
	})
}

// A database of the release before locations, upgraded, gets its running
// balances from its ledger (the shop's backdated history), the reports read
// them, and running the balances migration again (as after a crash on MySQL,
// whose DDL is not transactional) writes the same rows.
func TestUpgradeFillsTheRunningBalances(t *testing.T) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		t.Run(name, func(t *testing.T) {
			s := releaseBeforeLocations(t, name)
			if err := db.Migrate(ctx, s.DB(), zerolog.Nop()); err != nil {
				t.Fatal(err)
			}
			rows := balanceRows(t, s)
			if len(rows) < 50 {
				t.Fatalf("%d balance rows after the upgrade", len(rows))
			}
			checkBalances(t, s)
			var first time.Time
			if err := s.DB().NewRaw("SELECT MIN(at) FROM ledger_entries").Scan(ctx, &first); err != nil {
				t.Fatal(err)
			}
			from, to := first.Add(-time.Hour), first.AddDate(0, 0, 20).Add(7*time.Hour)
			want, _ := bruteMovement(t, s, model.ReportFilter{}, from, to)
			p, err := s.MovementSummary(ctx, model.ReportFilter{}, from, to, model.PageArgs{First: ptr(200)})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) == 0 || len(p.Items) != len(want) {
				t.Errorf("[%s, %s): %d rows, the ledger has %d", from, to, len(p.Items), len(want))
			}
			for _, r := range p.Items {
				if got, exp := movementText(r), movementText(want[r.GoodsID]); got != exp {
					t.Errorf("got %s\nwant %s", got, exp)
				}
			}
			if name == dbtest.MySQL {
				if _, err := s.DB().ExecContext(ctx, "DELETE FROM schema_migrations WHERE name = '0010'"); err != nil {
					t.Fatal(err)
				}
				if err := db.Migrate(ctx, s.DB(), zerolog.Nop()); err != nil {
					t.Fatal(err)
				}
				if again := balanceRows(t, s); !maps.Equal(rows, again) {
					t.Errorf("the migration run again wrote other rows")
				}
			}
		})
	}
}
