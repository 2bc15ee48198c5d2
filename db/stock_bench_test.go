package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// Stock-out throughput on one hot goods: every stock-out takes 1 unit of the
// same goods, alone (c1) and from 32 goroutines at once (c32). The Bare
// benchmark is the floor to compare with: a hand-written transaction doing
// just the FIFO update (lock the oldest lot, lower it, write one ledger row).
//
//	go test ./db -run '^$' -bench 'StockOut' -benchtime 3s
//
// with WMS_TEST_MYSQL_DSN set for the MariaDB half.

func hotGoods(b *testing.B, name string) (*db.Store, *model.Goods) {
	b.Helper()
	s := db.NewStore(dbtest.Open(b, name))
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	g, err := s.CreateGoods(ctx, model.GoodsInput{Name: "hot", CategoryID: c.ID})
	if err != nil {
		b.Fatal(err)
	}
	for _, cost := range []string{"1.25", "1.5"} {
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase,
			Lines: []*model.StockInLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("100000000"), UnitCost: model.MustUnitCost(cost)}}}); err != nil {
			b.Fatal(err)
		}
	}
	return s, g
}

func concurrently(b *testing.B, workers int, f func() error) {
	start := time.Now()
	if workers == 1 {
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism((workers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := f(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

func BenchmarkStockOut(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, workers := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/c%d", name, workers), func(b *testing.B) {
				s, g := hotGoods(b, name)
				in := model.StockOutInput{Reason: model.StockOutConsume,
					Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}}
				concurrently(b, workers, func() error {
					_, err := s.CreateStockOut(ctx, in)
					return err
				})
			})
		}
	}
}

func BenchmarkStockOutBare(b *testing.B) {
	for _, name := range []string{dbtest.SQLite, dbtest.MySQL} {
		for _, workers := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/c%d", name, workers), func(b *testing.B) {
				s, g := hotGoods(b, name)
				sqldb := s.DB().DB
				lock := ""
				if name == dbtest.MySQL {
					lock = " FOR UPDATE"
				}
				concurrently(b, workers, func() error {
					return bareFIFO(ctx, sqldb, g.ID, lock)
				})
			})
		}
	}
}

// bareFIFO is the least a FIFO stock-out of 1 unit must do, in plain SQL.
func bareFIFO(ctx context.Context, sqldb *sql.DB, goodsID int64, lock string) error {
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
		VALUES (?, ?, (SELECT category_id FROM goods WHERE id = ?), 'OUT', -1000, ?, ?, 'BARE', ?)`, time.Now().UTC(), goodsID, goodsID, cost, -cost/100, lot); err != nil {
		return err
	}
	return tx.Commit()
}
