package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// Stock-out throughput on one hot goods: every stock-out takes 1 unit of the
// same goods, alone (c1) and from 32 goroutines at once (c32), three ways:
//
//   - StockOut: Store.CreateStockOut, what the API runs;
//   - StockOutHandWritten: the same logical work as one hand-written
//     database/sql transaction (lock the goods, read its lots, allocate FIFO,
//     take a document code, write the document, its line, the lot, the
//     ledger entry and the goods' totals; on MySQL the code is taken before
//     the transaction, as the Store takes it): the ceiling the Store is
//     measured against (ratio = StockOut ops/s ÷ StockOutHandWritten ops/s);
//   - StockOutFloor: the least any FIFO stock-out does (lower the oldest lot,
//     write one ledger row; no document, code or totals), for scale only.
//
// StockOutSpread is the other end: 32 workers, each taking 1 unit of a goods
// of its own (32 goods), through the Store and by hand. Nothing in the work
// itself is shared, so what one document waits for of another's is the
// engine's doing.
//
//	go test ./db -run '^$' -bench 'StockOut' -benchtime 3s
//
// with WMS_TEST_MYSQL_DSN set for the MariaDB half.

// hotGoods is a goods with two lots of 100 000 000 units, and a pool for
// hand-written SQL on its database (see seedHotGoods).
func hotGoods(b *testing.B, name string) (*db.Store, *model.Goods, *sql.DB) {
	b.Helper()
	return seedHotGoods(b, name, "100000000")
}

// concurrently runs f b.N times from workers goroutines and reports the
// rate; the database's creation and seeding before it is not timed. f is
// told which goroutine calls it, numbered from 0.
func concurrently(b *testing.B, workers int, f func(worker int) error) {
	b.ResetTimer()
	if workers == 1 {
		for b.Loop() {
			if err := f(0); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		var next atomic.Int64
		b.SetParallelism((workers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			worker := int(next.Add(1) - 1)
			for pb.Next() {
				if err := f(worker); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkStockOut(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, workers := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/c%d", name, workers), func(b *testing.B) {
				s, g, _ := hotGoods(b, name)
				in := model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}}
				concurrently(b, workers, func(int) error {
					_, err := s.CreateStockOut(ctx, in)
					return err
				})
				checkInvariants(b, s)
			})
		}
	}
}

func BenchmarkStockOutHandWritten(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, workers := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/c%d", name, workers), func(b *testing.B) {
				s, g, sqldb := hotGoods(b, name)
				out := newHandStockOut(sqldb, name)
				concurrently(b, workers, func(int) error {
					return out.run(ctx, g.ID, 1000)
				})
				checkInvariants(b, s)
			})
		}
	}
}

func BenchmarkStockOutFloor(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, workers := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/c%d", name, workers), func(b *testing.B) {
				_, g, sqldb := hotGoods(b, name)
				lock := ""
				if name == dbtest.MySQL {
					lock = " FOR UPDATE"
				}
				concurrently(b, workers, func(int) error {
					return floorFIFO(ctx, sqldb, g.ID, lock)
				})
			})
		}
	}
}

func BenchmarkStockOutSpread(b *testing.B) {
	const workers = 32
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		b.Run(fmt.Sprintf("%s/c%d/Store", name, workers), func(b *testing.B) {
			s, gs, _ := seedStockedGoods(b, name, workers, "100000000")
			ins := make([]model.StockOutInput, len(gs))
			for i, g := range gs {
				ins[i] = model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}}
			}
			concurrently(b, workers, func(w int) error {
				_, err := s.CreateStockOut(ctx, ins[w%len(ins)])
				return err
			})
			checkInvariants(b, s)
		})
		b.Run(fmt.Sprintf("%s/c%d/HandWritten", name, workers), func(b *testing.B) {
			s, gs, sqldb := seedStockedGoods(b, name, workers, "100000000")
			out := newHandStockOut(sqldb, name)
			concurrently(b, workers, func(w int) error {
				return out.run(ctx, gs[w%len(gs)].ID, 1000)
			})
			checkInvariants(b, s)
		})
	}
}

// floorFIFO is less than a FIFO stock-out of 1 unit must do, in plain SQL:
// no goods lock, document, code, line or totals.
func floorFIFO(ctx context.Context, sqldb *sql.DB, goodsID int64, lock string) error {
	tx, err := sqldb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var lot, cost int64
	err = tx.QueryRowContext(ctx, `SELECT id, unit_cost FROM lots WHERE goods_id = ? AND depleted = FALSE
		ORDER BY received_at, id LIMIT 1`+lock, goodsID).Scan(&lot, &cost)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lots SET remaining = remaining - 1000 WHERE id = ?`, lot); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries (at, goods_id, category_id, direction, quantity, unit_cost, amount, document_code, lot_id)
		VALUES (?, ?, (SELECT category_id FROM goods WHERE id = ?), 'OUT', -1000, ?, ?, 'FLOOR', ?)`, time.Now().UTC(), goodsID, goodsID, cost, -cost/100, lot); err != nil {
		return err
	}
	return tx.Commit()
}

// BenchmarkStockOutOutbox is the hot stock-out with and without its outbox
// events (DOCUMENT_CREATED and STOCK_CHANGED, one more statement): what the
// outbox costs a document.
//
//	go test ./db -run '^$' -bench StockOutOutbox -benchtime 3s
func BenchmarkStockOutOutbox(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, outbox := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/c32/outbox=%v", name, outbox), func(b *testing.B) {
				s, g, _ := hotGoods(b, name)
				if !outbox {
					db.WithoutEvents(s)
				}
				in := model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}}
				concurrently(b, 32, func(int) error {
					_, err := s.CreateStockOut(ctx, in)
					return err
				})
			})
		}
	}
}
