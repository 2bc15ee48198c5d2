package db_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// A ledger of a million rows: a filtered page, and page 10 000 reached by
// cursor against page 1. Seeding takes a minute or two:
//
//	go test ./db -run '^$' -bench Ledger -benchtime 200x -timeout 30m
//
// WMS_BENCH_LEDGER_ROWS changes the size (default 1 000 000); with
// WMS_TEST_MYSQL_DSN set, MariaDB runs too.
func BenchmarkLedgerPages(b *testing.B) {
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("WMS_BENCH_LEDGER_ROWS")); err == nil && v > 0 {
		rows = v
	}
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		b.Run(name, func(b *testing.B) {
			s := db.NewStore(dbtest.Open(b, name))
			start := time.Now()
			goods, cats, mid := seedBigLedger(b, s, rows)
			b.Logf("%s: about %d ledger rows seeded in %v", name, rows, time.Since(start).Round(time.Second))
			day := mid.Truncate(24 * time.Hour)
			nextDay := day.Add(24 * time.Hour)
			filters := map[string]model.LedgerFilter{
				"goods":         {GoodsID: &goods[17]},
				"category":      {CategoryID: &cats[3]},
				"day":           {From: &day, To: &nextDay},
				"goods+range":   {GoodsID: &goods[5], From: &day},
				"direction+day": {Direction: ptr(model.DirectionIn), From: &day, To: &nextDay},
				"out+goods":     {Direction: ptr(model.DirectionOut), GoodsID: &goods[42]},
				"search":        {Search: "货品 042"},
			}
			names := slices.Sorted(func(yield func(string) bool) {
				for k := range filters {
					if !yield(k) {
						return
					}
				}
			})
			for _, fname := range names {
				f := filters[fname]
				b.Run("filter="+fname, func(b *testing.B) {
					measurePages(b, func() int {
						p, err := s.Ledger(ctx, f, model.PageArgs{First: ptr(50)})
						if err != nil {
							b.Fatal(err)
						}
						return len(p.Items)
					})
				})
			}
			// The cursor of page 10 000 (50 rows a page), found by walking.
			var deep *string
			args := model.PageArgs{First: ptr(200)}
			for walked := 0; walked < 50*9_999 && walked < rows-400; {
				p, err := s.Ledger(ctx, model.LedgerFilter{}, args)
				if err != nil {
					b.Fatal(err)
				}
				walked += len(p.Items)
				deep = p.EndCursor()
				args.After = deep
			}
			for _, page := range []struct {
				name  string
				after *string
			}{{"page=1", nil}, {"page=10000", deep}} {
				b.Run(page.name, func(b *testing.B) {
					measurePages(b, func() int {
						p, err := s.Ledger(ctx, model.LedgerFilter{}, model.PageArgs{First: ptr(50), After: page.after})
						if err != nil {
							b.Fatal(err)
						}
						return len(p.Items)
					})
				})
			}
		})
	}
}

// measurePages times one page query per iteration and reports p50 and p95.
func measurePages(b *testing.B, page func() int) {
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if n := page(); n == 0 {
			b.Fatal("empty page")
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// seedBigLedger writes about rows ledger entries over 200 goods in 10
// categories, a kitchen's mix of receipts and use: every minute from
// 2026-01-01 a stock-in of 400 lines (two lots of about one unit for each
// goods), then two stock-outs of 0.9 of every goods, which often take from
// two lots: about 35 % IN and 65 % OUT entries. middle is the time of the
// round in the middle.
func seedBigLedger(b *testing.B, s *db.Store, rows int) (goods, cats []int64, middle time.Time) {
	b.Helper()
	for i := range 10 {
		c, err := s.CreateCategory(ctx, model.CategoryInput{Name: fmt.Sprintf("类 %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		cats = append(cats, c.ID)
	}
	for i := range 200 {
		g, err := s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("货品 %03d", i), CategoryID: cats[i%10]})
		if err != nil {
			b.Fatal(err)
		}
		goods = append(goods, g.ID)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	written := func() int {
		n, err := s.DB().NewSelect().Table("ledger_entries").Count(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return int(n)
	}
	for done := 0; done < rows; done = written() {
		lines := make([]*model.StockInLineInput, 2*len(goods))
		for i := range lines {
			lines[i] = &model.StockInLineInput{GoodsID: goods[i%len(goods)], Quantity: model.Quantity(1000 + i%7), UnitCost: model.UnitCost(10000 + i)}
		}
		at = at.Add(time.Minute)
		if done <= rows/2 {
			middle = at
		}
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, OccurredAt: &at, Lines: lines}); err != nil {
			b.Fatal(err)
		}
		for k := range 2 {
			out := make([]*model.StockOutLineInput, len(goods))
			for i, g := range goods {
				out[i] = &model.StockOutLineInput{GoodsID: g, Quantity: model.MustQuantity("0.9")}
			}
			when := at.Add(time.Duration(20*(k+1)) * time.Second)
			if _, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, OccurredAt: &when, Lines: out}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var mix []struct {
		Direction string
		N         int
	}
	if err := s.DB().NewSelect().Table("ledger_entries").Column("direction").ColumnExpr("COUNT(*) AS n").
		Group("direction").Order("direction").Scan(ctx, &mix); err != nil {
		b.Fatal(err)
	}
	b.Logf("ledger: %+v", mix)
	return goods, cats, middle
}
