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
			b.Logf("%s: %d ledger rows seeded in %v", name, rows, time.Since(start).Round(time.Second))
			day := mid.Truncate(24 * time.Hour)
			nextDay := day.Add(24 * time.Hour)
			filters := map[string]model.LedgerFilter{
				"goods":         {GoodsID: &goods[17]},
				"category":      {CategoryID: &cats[3]},
				"day":           {From: &day, To: &nextDay},
				"goods+range":   {GoodsID: &goods[5], From: &day},
				"direction+day": {Direction: ptr(model.DirectionIn), From: &day, To: &nextDay},
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
				deep = &p.Cursors[len(p.Cursors)-1]
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

// seedBigLedger writes rows ledger entries over 200 goods in 10 categories,
// 500 lines a stock-in, a stock-in a minute from 2026-01-01; middle is the
// time of the one in the middle.
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
	for done := 0; done < rows; done += 500 {
		lines := make([]*model.StockInLineInput, min(500, rows-done))
		for i := range lines {
			lines[i] = &model.StockInLineInput{GoodsID: goods[(done+i)%len(goods)], Quantity: model.Quantity(1000 + i%7), UnitCost: model.UnitCost(10000 + i)}
		}
		at = at.Add(time.Minute)
		if done <= rows/2 {
			middle = at
		}
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, OccurredAt: &at, Lines: lines}); err != nil {
			b.Fatal(err)
		}
	}
	return goods, cats, middle
}
