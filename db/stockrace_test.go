package db_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// TestStockOutRace: 50 goroutines take stock-outs of one and several lines,
// over goods they share, against less stock than they ask for. Nothing may be
// sold twice: what was sold is exactly what left the lots, every refused
// document changed nothing, and every invariant holds afterwards.
func TestStockOutRace(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 4)
		stocked := map[int64]model.Quantity{}
		for i, g := range gs {
			// Several lots per goods, so allocations cross lot boundaries.
			for j := range 8 {
				mustStockIn(t, s, in(g.ID, "6", []string{"1.10", "2.25", "0.3333"}[(i+j)%3]))
				stocked[g.ID] += model.MustQuantity("6")
			}
		}
		const workers, perWorker = 50, 4
		var mu sync.Mutex
		sold := map[int64]model.Quantity{}
		var refused, served int
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for range perWorker {
					var lines []*model.StockOutLineInput
					for _, k := range r.Perm(len(gs))[:1+r.IntN(3)] {
						lines = append(lines, &model.StockOutLineInput{GoodsID: gs[k].ID, Quantity: model.Quantity(250 + r.IntN(1500))})
					}
					_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: lines})
					mu.Lock()
					switch {
					case err == nil:
						served++
						for _, l := range lines {
							sold[l.GoodsID] += l.Quantity
						}
					case errors.As(err, new(*model.InsufficientStockError)):
						refused++
					default:
						t.Errorf("stock out: %v", err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if served == 0 || refused == 0 {
			t.Errorf("served %d, refused %d: the race should both serve and run out", served, refused)
		}
		for _, g := range gs {
			lvl := level(t, s, g.ID)
			if lvl.OnHand != stocked[g.ID]-sold[g.ID] {
				t.Errorf("goods %d: on hand %s, but stocked %s and sold %s", g.ID, lvl.OnHand, stocked[g.ID], sold[g.ID])
			}
			if lvl.OnHand < 0 {
				t.Errorf("goods %d oversold: on hand %s", g.ID, lvl.OnHand)
			}
		}
		checkInvariants(t, s)
		t.Logf("%d stock-outs served, %d refused for lack of stock", served, refused)
	})
}

// TestStockOutNoOversell is the old service's failure raced: 40 buyers of
// one unit each over 20 units must sell exactly 20.
func TestStockOutNoOversell(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		mustStockIn(t, s, in(g.ID, "20", "1"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		sold := 0
		for range 40 {
			wg.Go(func() {
				_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(g.ID, "1")}})
				if err == nil {
					mu.Lock()
					sold++
					mu.Unlock()
				} else if !errors.As(err, new(*model.InsufficientStockError)) {
					t.Errorf("stock out: %v", err)
				}
			})
		}
		wg.Wait()
		if sold != 20 {
			t.Errorf("sold %d of 20 units to 40 buyers", sold)
		}
		if on := level(t, s, g.ID).OnHand; on != 0 {
			t.Errorf("on hand %s, want 0", on)
		}
		checkInvariants(t, s)
	})
}
