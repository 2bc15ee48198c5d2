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

// TestTransferRace extends the stock-out race with locations: 40 goroutines
// transfer goods A→B and B→A (the same goods in both directions at once,
// several lines, the goods in either order), while others take stock-outs at
// both locations and bring stock in. No transfer may deadlock for good (a
// deadlock is retried), lose or double a quantity: afterwards every
// location holds exactly what came in there, moved in and out and was sold
// there, every total equals what came in less what was sold, and every
// invariant holds per location and in total.
func TestTransferRace(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 3)
		locs := []int64{mainLocation(t, s).ID, mustLocation(t, s, "B").ID}
		type place struct{ goods, loc int64 }
		held := map[place]model.Quantity{}
		for i, g := range gs {
			for j, loc := range locs {
				for k := range 4 {
					stockInAt(t, s, loc, in(g.ID, "5", []string{"1.10", "2.25", "0.3333"}[(i+j+k)%3]))
					held[place{g.ID, loc}] += model.MustQuantity("5")
				}
			}
		}
		const workers, perWorker = 40, 5
		var mu sync.Mutex
		var moved, sold, refused int
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 11))
				for range perWorker {
					from := r.IntN(2)
					to := 1 - from
					var err error
					var done func()
					switch w % 4 {
					case 0, 1: // transfers, both directions
						var lines []*model.TransferLineInput
						for _, k := range r.Perm(len(gs))[:1+r.IntN(len(gs))] {
							lines = append(lines, &model.TransferLineInput{GoodsID: gs[k].ID, Quantity: model.Quantity(100 + r.IntN(2500))})
						}
						_, err = s.CreateTransfer(ctx, transfer(locs[from], locs[to], lines...))
						done = func() {
							moved++
							for _, l := range lines {
								held[place{l.GoodsID, locs[from]}] -= l.Quantity
								held[place{l.GoodsID, locs[to]}] += l.Quantity
							}
						}
					case 2: // stock-outs at either location
						lines := []*model.StockOutLineInput{{GoodsID: gs[r.IntN(len(gs))].ID, Quantity: model.Quantity(100 + r.IntN(1500))}}
						_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &locs[from], Lines: lines})
						done = func() {
							sold++
							held[place{lines[0].GoodsID, locs[from]}] -= lines[0].Quantity
						}
					default: // stock coming in
						line := in(gs[r.IntN(len(gs))].ID, "0.5", "3.3333")
						_, err = s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &locs[from],
							Lines: []*model.StockInLineInput{line}})
						done = func() { held[place{line.GoodsID, locs[from]}] += line.Quantity }
					}
					mu.Lock()
					switch {
					case err == nil:
						done()
					case errors.As(err, new(*model.InsufficientStockError)):
						refused++
					default:
						t.Errorf("worker %d: %v", w, err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if moved == 0 || sold == 0 {
			t.Errorf("moved %d, sold %d: the race should do both", moved, sold)
		}
		for _, g := range gs {
			var total model.Quantity
			for _, loc := range locs {
				q, _ := at(t, s, g.ID, loc)
				if q != held[place{g.ID, loc}] || q < 0 {
					t.Errorf("goods %d at %d: %s, want %s", g.ID, loc, q, held[place{g.ID, loc}])
				}
				total += q
			}
			if lvl := level(t, s, g.ID); lvl.OnHand != total {
				t.Errorf("goods %d: total %s ≠ Σ by location %s", g.ID, lvl.OnHand, total)
			}
		}
		checkInvariants(t, s)
		t.Logf("%d transfers, %d stock-outs served, %d refused for lack of stock", moved, sold, refused)
	})
}
