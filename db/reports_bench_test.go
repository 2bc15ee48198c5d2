package db_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// The reports on a million ledger entries over 1 000 goods and two years,
// and the cost of a backdated stock-out against a current one. Seeding takes
// a few minutes on MariaDB:
//
//	go test ./db -run '^$' -bench Reports -benchtime 200x -timeout 60m
//
// WMS_BENCH_LEDGER_ROWS changes the size (default 1 000 000); with
// WMS_TEST_MYSQL_DSN set, MariaDB runs too.
func BenchmarkReports(b *testing.B) {
	rows := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("WMS_BENCH_LEDGER_ROWS")); err == nil && v > 0 {
		rows = v
	}
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		b.Run(name, func(b *testing.B) {
			s := db.NewStore(dbtest.Open(b, name))
			start := time.Now()
			goods := seedTwoYears(b, s, rows)
			b.Logf("%s: %d ledger rows over %d goods and two years seeded in %v", name, rows, len(goods), time.Since(start).Round(time.Second))
			start = time.Now()
			if err := s.RebuildBalances(ctx); err != nil {
				b.Fatal(err)
			}
			var n int
			if err := s.DB().NewRaw("SELECT COUNT(*) FROM ledger_balances").Scan(ctx, &n); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: RebuildBalances wrote %d rows in %v", name, n, time.Since(start).Round(time.Millisecond))

			now := time.Now().UTC()
			// Last month, by UTC calendar; a month a year back, in Shanghai time.
			monthStart := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
			monthEnd := monthStart.AddDate(0, 1, 0)
			shanghai := time.FixedZone("CST", 8*3600)
			yearAgoStart := time.Date(now.Year()-1, now.Month(), 1, 0, 0, 0, 0, shanghai)
			yearAgoEnd := yearAgoStart.AddDate(0, 1, 0)
			yearBack := now.AddDate(-1, 0, 0)
			b.Run("summary=month,page=50", func(b *testing.B) {
				measurePages(b, func() int {
					p, err := s.MovementSummary(ctx, model.ReportFilter{}, monthStart, monthEnd, model.PageArgs{First: ptr(50)})
					if err != nil {
						b.Fatal(err)
					}
					return len(p.Items)
				})
			})
			b.Run("summary=month-a-year-back+08:00,page=50", func(b *testing.B) {
				measurePages(b, func() int {
					p, err := s.MovementSummary(ctx, model.ReportFilter{}, yearAgoStart, yearAgoEnd, model.PageArgs{First: ptr(50)})
					if err != nil {
						b.Fatal(err)
					}
					return len(p.Items)
				})
			})
			b.Run("summary=month,page=50,totals,count", func(b *testing.B) {
				measurePages(b, func() int {
					p, err := s.MovementSummary(ctx, model.ReportFilter{}, monthStart, monthEnd, model.PageArgs{First: ptr(50)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := p.Totals(ctx); err != nil {
						b.Fatal(err)
					}
					if _, err := p.Count(ctx); err != nil {
						b.Fatal(err)
					}
					return len(p.Items)
				})
			})
			b.Run("summary=year,page=50,totals", func(b *testing.B) {
				measurePages(b, func() int {
					p, err := s.MovementSummary(ctx, model.ReportFilter{}, yearBack, now, model.PageArgs{First: ptr(50)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := p.Totals(ctx); err != nil {
						b.Fatal(err)
					}
					return len(p.Items)
				})
			})
			b.Run("valuation=year-back,page=200,totals", func(b *testing.B) {
				measurePages(b, func() int {
					p, err := s.Valuation(ctx, model.ReportFilter{}, &yearBack, model.PageArgs{First: ptr(200)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := p.Totals(ctx); err != nil {
						b.Fatal(err)
					}
					return len(p.Items)
				})
			})
			b.Run("valuation=year-back,all-goods", func(b *testing.B) {
				measurePages(b, func() int {
					n := 0
					_, err := s.EachValuation(ctx, model.ReportFilter{}, &yearBack, func(vs []*model.Valuation) error {
						n += len(vs)
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					return n
				})
			})
			// A stock-out of one line now, and one a year back: the backdated
			// one moves a year of running balances of its goods.
			rng := rand.New(rand.NewPCG(1, 2))
			out := func(at *time.Time) func() int {
				return func() int {
					g := goods[rng.IntN(len(goods))]
					_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, OccurredAt: at,
						Lines: []*model.StockOutLineInput{{GoodsID: g, Quantity: model.MustQuantity("0.01")}}})
					if err != nil {
						b.Fatal(err)
					}
					return 1
				}
			}
			b.Run("stock-out=now", func(b *testing.B) { measurePages(b, out(nil)) })
			b.Run("stock-out=year-back", func(b *testing.B) {
				at := now.AddDate(-1, 0, 0)
				measurePages(b, out(&at))
			})
			checkBalancesSample(b, s, goods[:5])
		})
	}
}

// seedTwoYears makes 1 000 goods in 10 categories at one location, each
// with one lot of 100 000 at 1.00 received two years ago (a stock-in through
// the Store), and then writes about rows ledger entries straight into the
// table, spread over the two years up to now: purchases, consumption, damage
// and loss, a kitchen's mix, every amount exact at 1.00 a unit. The goods'
// totals, their stock per location and their lots are then set to what the
// ledger sums to, so that the Store's invariants hold and stock-outs run.
func seedTwoYears(b *testing.B, s *db.Store, rows int) []int64 {
	b.Helper()
	var cats, goods []int64
	for i := range 10 {
		c, err := s.CreateCategory(ctx, model.CategoryInput{Name: fmt.Sprintf("类 %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		cats = append(cats, c.ID)
	}
	catOf := map[int64]int64{}
	for i := range 1000 {
		g, err := s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("货品 %04d", i), CategoryID: cats[i%10]})
		if err != nil {
			b.Fatal(err)
		}
		goods = append(goods, g.ID)
		catOf[g.ID] = cats[i%10]
	}
	now := time.Now().UTC()
	begin := now.AddDate(-2, 0, 0)
	for k := 0; k < len(goods); k += 500 {
		var lines []*model.StockInLineInput
		for _, g := range goods[k:min(k+500, len(goods))] {
			lines = append(lines, &model.StockInLineInput{GoodsID: g, Quantity: model.MustQuantity("100000"), UnitCost: model.MustUnitCost("1")})
		}
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, OccurredAt: &begin, Lines: lines}); err != nil {
			b.Fatal(err)
		}
	}
	var lots []*model.Lot
	if err := s.DB().NewSelect().Model(&lots).Scan(ctx); err != nil {
		b.Fatal(err)
	}
	lotOf := map[int64]*model.Lot{}
	for _, l := range lots {
		lotOf[l.GoodsID] = l
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	span := int64(now.Sub(begin))
	batch := make([]*model.LedgerEntry, 0, 2000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := s.DB().NewInsert().Model(&batch).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for range rows - len(goods) {
		g := goods[rng.IntN(len(goods))]
		l := lotOf[g]
		q := model.Quantity(10 * (1 + rng.Int64N(300))) // 0.01 to 3, whole cents at 1.00
		e := &model.LedgerEntry{At: begin.Add(time.Duration(rng.Int64N(span))).Truncate(time.Microsecond),
			GoodsID: g, CategoryID: catOf[g], LocationID: l.LocationID, UnitCost: l.UnitCost,
			DocumentCode: "BENCH", StockInID: &l.StockInID, LotID: l.ID}
		switch r := rng.IntN(100); {
		case r < 35:
			e.Direction, e.Kind = model.DirectionIn, model.KindPurchase
		case r < 90:
			e.Direction, e.Kind, q = model.DirectionOut, model.KindConsume, -q
		case r < 95:
			e.Direction, e.Kind, q = model.DirectionOut, model.KindDamage, -q
		default:
			e.Direction, e.Kind, q = model.DirectionOut, model.KindLoss, -q
		}
		e.Quantity, e.Amount = q, model.Money(q/10)
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	for _, q := range []string{
		`UPDATE goods SET on_hand = (SELECT COALESCE(SUM(quantity), 0) FROM ledger_entries AS le WHERE le.goods_id = goods.id),
		 stock_value = (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries AS le WHERE le.goods_id = goods.id)`,
		`UPDATE stock_levels SET on_hand = (SELECT on_hand FROM goods WHERE goods.id = stock_levels.goods_id),
		 stock_value = (SELECT stock_value FROM goods WHERE goods.id = stock_levels.goods_id)`,
		`UPDATE lots SET remaining = (SELECT on_hand FROM goods WHERE goods.id = lots.goods_id)`,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	return goods
}

// checkBalancesSample checks, after the benchmark's stock-outs, that the
// running balances of a few goods are still the ledger summed.
func checkBalancesSample(b *testing.B, s *db.Store, goods []int64) {
	b.Helper()
	for _, g := range goods {
		var want, got []int64
		err := s.DB().NewRaw(`SELECT COALESCE(SUM(quantity), 0) FROM ledger_entries WHERE goods_id = ?`, g).Scan(ctx, &want)
		if err != nil {
			b.Fatal(err)
		}
		p, err := s.Valuation(ctx, model.ReportFilter{}, nil, model.PageArgs{First: ptr(200)})
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range p.Items {
			if v.GoodsID == g {
				got = append(got, int64(v.Quantity))
			}
		}
		if !slices.Equal(want, got) {
			b.Errorf("goods %d: the ledger sums to %v, the valuation says %v", g, want, got)
		}
	}
}
