package db_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

func mustStart(t testing.TB, s *db.Store, in model.StocktakeInput) *model.Stocktake {
	t.Helper()
	st, err := s.StartStocktake(ctx, in)
	if err != nil {
		t.Fatalf("start stocktake: %v", err)
	}
	return st
}

func count(goodsID int64, qty string) *model.CountLineInput {
	return &model.CountLineInput{GoodsID: goodsID, Counted: model.MustQuantity(qty)}
}

func mustCount(t testing.TB, s *db.Store, id int64, lines ...*model.CountLineInput) {
	t.Helper()
	if _, err := s.RecordCounts(ctx, model.CountInput{StocktakeID: id, Lines: lines}); err != nil {
		t.Fatalf("record counts: %v", err)
	}
}

func mustApply(t testing.TB, s *db.Store, id int64) *model.Stocktake {
	t.Helper()
	st, err := s.ApplyStocktake(ctx, model.ApplyInput{ID: id})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return st
}

func lines(t testing.TB, s *db.Store, id int64) map[int64]*model.StocktakeLine {
	t.Helper()
	p, err := s.StocktakeLines(ctx, id, model.StocktakeLineFilter{}, model.PageArgs{First: ptr(200)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]*model.StocktakeLine{}
	for _, l := range p.Items {
		m[l.GoodsID] = l
	}
	return m
}

// A count during traffic: 8 counted when 10 were there, then 3 go out
// before the apply. The apply takes the difference, 2, not the count: on
// hand 5, one LOSS line of 2 costed FIFO.
func TestStocktakeCountDuringTraffic(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 2)
		g := gs[0]
		mustStockIn(t, s, in(g.ID, "4", "1.50"))
		mustStockIn(t, s, in(g.ID, "6", "2.00"))
		mustStockIn(t, s, in(gs[1].ID, "5", "1"))
		st := mustStart(t, s, model.StocktakeInput{})
		if !codeStart(st.Code, "ST-") || st.Status != model.StocktakeOpen {
			t.Fatalf("stocktake %s %s", st.Code, st.Status)
		}
		if ls := lines(t, s, st.ID); len(ls) != 2 {
			t.Fatalf("%d lines, want the 2 goods with stock", len(ls))
		}
		mustCount(t, s, st.ID, count(g.ID, "8"))
		mustStockOut(t, s, out(g.ID, "3")) // after the count
		line := lines(t, s, st.ID)[g.ID]
		if line.Expected.String() != "10" || line.Difference().String() != "-2" {
			t.Errorf("line expected %s difference %s, want 10 and -2", line.Expected, line.Difference())
		}
		applied := mustApply(t, s, st.ID)
		if applied.Status != model.StocktakeApplied || applied.StockOutID == nil || applied.StockInID != nil {
			t.Fatalf("applied %+v", applied)
		}
		if lvl := level(t, s, g.ID); lvl.OnHand.String() != "5" || lvl.StockValue.String() != "10.00" {
			t.Errorf("on hand %s valued %s, want 5 valued 10.00", lvl.OnHand, lvl.StockValue)
		}
		if lvl := level(t, s, gs[1].ID); lvl.OnHand.String() != "5" {
			t.Errorf("the uncounted goods moved: %s", lvl.OnHand)
		}
		outLines, err := s.StockOutLines(ctx, []int64{*applied.StockOutID})
		if err != nil {
			t.Fatal(err)
		}
		ol := outLines[*applied.StockOutID]
		// The first stock-out took 3 of the 1.50 lot; the loss takes the last 1.50 and one 2.00.
		if len(ol) != 1 || ol[0].Quantity.String() != "2" || ol[0].Cost.String() != "3.50" {
			t.Errorf("loss lines %+v, want one of 2 costing 3.50", ol)
		}
		so, err := s.StockOut(ctx, *applied.StockOutID)
		if err != nil || so.Reason != model.StockOutLoss {
			t.Errorf("loss document %+v, %v", so, err)
		}
		p, err := s.Ledger(ctx, model.LedgerFilter{Kind: ptr(model.KindStocktakeLoss)}, model.PageArgs{})
		if err != nil || len(p.Items) != 2 || p.Items[0].StocktakeID == nil || *p.Items[0].StocktakeID != st.ID {
			t.Errorf("STOCKTAKE_LOSS entries %d, %v", len(p.Items), err)
		}
		if v := lines(t, s, st.ID)[g.ID].EstimatedValue(); v == nil || v.String() != "-3.50" {
			t.Errorf("difference value %v, want -3.50", v)
		}
		checkInvariants(t, s)
	})
}

func codeStart(code, prefix string) bool {
	return len(code) > len(prefix) && code[:len(prefix)] == prefix
}

// A surplus is valued at the line's unit cost when given, else at the
// average cost at the location, else at the goods' last lot's cost, else 0.
func TestStocktakeSurplusCosts(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 4)
		mustStockIn(t, s, in(gs[0].ID, "2", "1.00"), in(gs[0].ID, "2", "2.00")) // average 1.50
		mustStockIn(t, s, in(gs[1].ID, "1", "9.00"))
		mustStockIn(t, s, in(gs[2].ID, "3", "4.00"))
		mustStockOut(t, s, out(gs[2].ID, "3")) // none left: its last lot's cost
		ids := []int64{gs[0].ID, gs[1].ID, gs[2].ID, gs[3].ID}
		st := mustStart(t, s, model.StocktakeInput{GoodsIDs: ids})
		given := model.MustUnitCost("7.25")
		mustCount(t, s, st.ID, count(gs[0].ID, "5"), &model.CountLineInput{GoodsID: gs[1].ID, Counted: model.MustQuantity("3"), UnitCost: &given},
			count(gs[2].ID, "1"), count(gs[3].ID, "2"))
		applied := mustApply(t, s, st.ID)
		lots, err := s.StockInLines(ctx, []int64{*applied.StockInID})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, l := range lots[*applied.StockInID] {
			got += fmt.Sprintf("%s@%s=%s ", l.ReceivedQuantity, l.UnitCost, l.Amount)
		}
		if want := "1@1.50=1.50 2@7.25=14.50 1@4.00=4.00 2@0.00=0.00 "; got != want {
			t.Errorf("surplus lines %q, want %q", got, want)
		}
		d, err := s.StockIn(ctx, *applied.StockInID)
		if err != nil || d.Type != model.StockInSurplus || d.TotalAmount.String() != "20.00" {
			t.Errorf("surplus document %+v, %v", d, err)
		}
		checkInvariants(t, s)
	})
}

// Bad counts and applies: each its code and field, nothing written.
func TestStocktakeRules(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 3)
		mustStockIn(t, s, in(gs[0].ID, "10", "1"))
		st := mustStart(t, s, model.StocktakeInput{GoodsIDs: []int64{gs[0].ID, gs[1].ID}})
		_, err := s.RecordCounts(ctx, model.CountInput{StocktakeID: st.ID, Lines: []*model.CountLineInput{count(gs[2].ID, "1")}})
		wantField(t, err, model.CodeInvalid, "lines.0.goodsId")
		_, err = s.RecordCounts(ctx, model.CountInput{StocktakeID: st.ID, Lines: []*model.CountLineInput{count(gs[0].ID, "-1")}})
		wantField(t, err, model.CodeInvalid, "lines.0.counted")
		_, err = s.RecordCounts(ctx, model.CountInput{StocktakeID: st.ID})
		wantField(t, err, model.CodeInvalid, "lines")
		_, err = s.RecordCounts(ctx, model.CountInput{StocktakeID: 999, Lines: []*model.CountLineInput{count(gs[0].ID, "1")}})
		wantCode(t, err, model.CodeNotFound)
		_, err = s.StartStocktake(ctx, model.StocktakeInput{GoodsIDs: []int64{gs[0].ID, 4242}})
		wantField(t, err, model.CodeInvalid, "goodsIds.1")
		_, err = s.StartStocktake(ctx, model.StocktakeInput{CategoryID: ptr(int64(4242))})
		wantField(t, err, model.CodeInvalid, "categoryId")

		// A goods counted again takes the later count.
		mustCount(t, s, st.ID, count(gs[0].ID, "12"))
		mustCount(t, s, st.ID, count(gs[0].ID, "11"))
		if l := lines(t, s, st.ID)[gs[0].ID]; l.Counted.String() != "11" {
			t.Errorf("counted %s, want the later 11", l.Counted)
		}
		// Idempotent apply; a second apply without the key is a CONFLICT.
		key := "apply-1"
		a1, err := s.ApplyStocktake(ctx, model.ApplyInput{ID: st.ID, IdempotencyKey: &key})
		if err != nil {
			t.Fatal(err)
		}
		a2, err := s.ApplyStocktake(ctx, model.ApplyInput{ID: st.ID, IdempotencyKey: &key})
		if err != nil || *a2.StockInID != *a1.StockInID {
			t.Errorf("the same apply again: %+v, %v", a2, err)
		}
		_, err = s.ApplyStocktake(ctx, model.ApplyInput{ID: st.ID})
		wantCode(t, err, model.CodeConflict)
		_, err = s.RecordCounts(ctx, model.CountInput{StocktakeID: st.ID, Lines: []*model.CountLineInput{count(gs[0].ID, "1")}})
		wantField(t, err, model.CodeConflict, "stocktakeId")
		if lvl := level(t, s, gs[0].ID); lvl.OnHand.String() != "11" {
			t.Errorf("on hand %s after one apply, want 11", lvl.OnHand)
		}
		// A cancelled stocktake neither counts nor applies.
		other := mustStart(t, s, model.StocktakeInput{})
		if _, err := s.CancelStocktake(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.ApplyStocktake(ctx, model.ApplyInput{ID: other.ID})
		wantCode(t, err, model.CodeConflict)
		_, err = s.CancelStocktake(ctx, other.ID)
		wantCode(t, err, model.CodeConflict)
		// A loss larger than what is on hand now changes nothing.
		third := mustStart(t, s, model.StocktakeInput{GoodsIDs: []int64{gs[0].ID}})
		mustCount(t, s, third.ID, count(gs[0].ID, "1")) // 10 to lose
		mustStockOut(t, s, out(gs[0].ID, "5"))
		_, err = s.ApplyStocktake(ctx, model.ApplyInput{ID: third.ID})
		wantCode(t, err, model.CodeInsufficientStock)
		if got, _ := s.Stocktake(ctx, third.ID); got.Status != model.StocktakeOpen {
			t.Errorf("status %s after a refused apply", got.Status)
		}
		if lvl := level(t, s, gs[0].ID); lvl.OnHand.String() != "6" {
			t.Errorf("on hand %s after a refused apply, want 6", lvl.OnHand)
		}
		p, err := s.Stocktakes(ctx, model.StocktakeFilter{Status: ptr(model.StocktakeApplied)}, model.PageArgs{})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != st.ID {
			t.Errorf("applied stocktakes %v, %v", p, err)
		}
		checkInvariants(t, s)
	})
}

// setStock with compare-and-set.
func TestSetStock(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		mustStockIn(t, s, in(g.ID, "10", "2"))
		_, err := s.SetStock(ctx, model.SetStockInput{GoodsID: g.ID, Quantity: model.MustQuantity("7"), CompareQuantity: ptr(model.MustQuantity("9"))})
		var e *model.Error
		if !errors.As(err, &e) || e.Code != model.CodeConflict || e.Details["current"] != "10" || e.Field != "compareQuantity" {
			t.Fatalf("stale compare: %#v", err)
		}
		adj, err := s.SetStock(ctx, model.SetStockInput{GoodsID: g.ID, Quantity: model.MustQuantity("7"), CompareQuantity: ptr(model.MustQuantity("10"))})
		if err != nil || adj.QuantityBefore.String() != "10" || adj.StockOutID == nil || adj.StockInID != nil {
			t.Fatalf("set to 7: %+v, %v", adj, err)
		}
		up, err := s.SetStock(ctx, model.SetStockInput{GoodsID: g.ID, Quantity: model.MustQuantity("9"), UnitCost: ptr(model.MustUnitCost("3"))})
		if err != nil || up.StockInID == nil {
			t.Fatalf("set to 9: %+v, %v", up, err)
		}
		same, err := s.SetStock(ctx, model.SetStockInput{GoodsID: g.ID, Quantity: model.MustQuantity("9")})
		if err != nil || same.StockInID != nil || same.StockOutID != nil {
			t.Errorf("set to what it is: %+v, %v", same, err)
		}
		if lvl := level(t, s, g.ID); lvl.OnHand.String() != "9" || lvl.StockValue.String() != "20.00" {
			t.Errorf("%s valued %s, want 9 valued 20.00 (7 × 2 + 2 × 3)", lvl.OnHand, lvl.StockValue)
		}
		for kind, n := range map[model.LedgerKind]int{model.KindAdjustmentLoss: 1, model.KindAdjustmentGain: 1} {
			p, err := s.Ledger(ctx, model.LedgerFilter{Kind: &kind}, model.PageArgs{})
			if err != nil || len(p.Items) != n || p.Items[0].AdjustmentID == nil {
				t.Errorf("%s entries: %d, %v", kind, len(p.Items), err)
			}
		}
		_, err = s.SetStock(ctx, model.SetStockInput{GoodsID: g.ID, Quantity: -1})
		wantField(t, err, model.CodeInvalid, "quantity")
		_, err = s.SetStock(ctx, model.SetStockInput{GoodsID: 4242, Quantity: 1})
		wantField(t, err, model.CodeInvalid, "goodsId")
		key := model.SetStockInput{GoodsID: g.ID, Quantity: model.MustQuantity("1"), IdempotencyKey: ptr("scan-1")}
		a, _ := s.SetStock(ctx, key)
		b, err := s.SetStock(ctx, key)
		if err != nil || a.ID != b.ID {
			t.Errorf("a retried setStock made another: %v", err)
		}
		checkInvariants(t, s)
	})
}

// Voiding a stock-out puts each allocation back into the very lot it came
// from: remaining and value as before, to the cent.
func TestVoidStockOutRestoresEachLot(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		mustStockIn(t, s, in(g.ID, "3", "0.3333"))
		mustStockIn(t, s, in(g.ID, "2.125", "1.1"))
		before, err := s.Lots(ctx, model.LotFilter{GoodsID: &g.ID, IncludeEmpty: true}, model.PageArgs{})
		if err != nil {
			t.Fatal(err)
		}
		lvl := level(t, s, g.ID)
		d := mustStockOut(t, s, out(g.ID, "1"), out(g.ID, "2.5"))
		_, err = s.VoidStockOut(ctx, model.VoidInput{ID: d.ID, Reason: ""})
		wantField(t, err, model.CodeInvalid, "reason")
		voided, err := s.VoidStockOut(model.WithActor(ctx, 5), model.VoidInput{ID: d.ID, Reason: "typed 1 for 10"})
		if err != nil || voided.VoidedAt == nil || *voided.VoidReason != "typed 1 for 10" || *voided.VoidedBy != 5 {
			t.Fatalf("void: %+v, %v", voided, err)
		}
		after, err := s.Lots(ctx, model.LotFilter{GoodsID: &g.ID, IncludeEmpty: true}, model.PageArgs{})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range after.Items {
			b := before.Items[i]
			bv, _ := b.RemainingValue()
			av, _ := l.RemainingValue()
			if l.Remaining != b.Remaining || av != bv || l.Depleted {
				t.Errorf("lot %d: %s worth %s, was %s worth %s", l.ID, l.Remaining, av, b.Remaining, bv)
			}
		}
		if now := level(t, s, g.ID); now.OnHand != lvl.OnHand || now.StockValue != lvl.StockValue {
			t.Errorf("stock %s/%s, was %s/%s", now.OnHand, now.StockValue, lvl.OnHand, lvl.StockValue)
		}
		_, err = s.VoidStockOut(ctx, model.VoidInput{ID: d.ID, Reason: "again"})
		wantCode(t, err, model.CodeConflict)
		p, err := s.StockOuts(ctx, model.StockOutFilter{Voided: ptr(true)}, model.PageArgs{})
		if err != nil || len(p.Items) != 1 {
			t.Errorf("voided stock-outs %d, %v", len(p.Items), err)
		}
		p, err = s.StockOuts(ctx, model.StockOutFilter{Voided: ptr(false)}, model.PageArgs{})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("stock-outs not voided %d, %v", len(p.Items), err)
		}
		// The voided document keeps its lines and allocations.
		allocs, err := s.Allocations(ctx, []int64{d.ID})
		if err != nil || len(allocs[db.LineKey{StockOutID: d.ID, Line: 2}]) != 2 {
			t.Errorf("allocations of the voided stock-out: %v, %v", allocs, err)
		}
		checkInvariants(t, s)
	})
}

// A stock-in drawn on cannot be voided: the CONFLICT names the lot and the
// documents that drew on it; voided first, they let it go.
func TestVoidStockInNeedsItsLotsWhole(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		a, b := mainLocation(t, s).ID, mustLocation(t, s, "B").ID
		d := stockInAt(t, s, a, in(g.ID, "10", "2"))
		o := stockOutAt(t, s, a, out(g.ID, "3"))
		tr := mustTransfer(t, s, transfer(a, b, move(g.ID, "2")))
		_, err := s.VoidStockIn(ctx, model.VoidInput{ID: d.ID, Reason: "wrong supplier"})
		var e *model.Error
		if !errors.As(err, &e) || e.Code != model.CodeConflict || fmt.Sprint(e.Details["documents"]) != fmt.Sprintf("[%s %s]", o.Code, tr.Code) {
			t.Fatalf("void of a drawn-on stock-in: %#v", err)
		}
		if _, err := s.VoidTransfer(ctx, model.VoidInput{ID: tr.ID, Reason: "not moved"}); err != nil {
			t.Fatal(err)
		}
		_, err = s.VoidStockIn(ctx, model.VoidInput{ID: d.ID, Reason: "wrong supplier"})
		if !errors.As(err, &e) || fmt.Sprint(e.Details["documents"]) != fmt.Sprintf("[%s]", o.Code) {
			t.Fatalf("after voiding the transfer: %#v", err)
		}
		if _, err := s.VoidStockOut(ctx, model.VoidInput{ID: o.ID, Reason: "never sold"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VoidStockIn(ctx, model.VoidInput{ID: d.ID, Reason: "wrong supplier"}); err != nil {
			t.Fatalf("void of a whole stock-in: %v", err)
		}
		if lvl := level(t, s, g.ID); lvl.OnHand != 0 || lvl.StockValue != 0 {
			t.Errorf("after every void: %s valued %s", lvl.OnHand, lvl.StockValue)
		}
		checkInvariants(t, s)
	})
}

// A transfer whose destination lots were drawn on cannot be voided.
func TestVoidTransferNeedsItsLotsWhole(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		a, b := mainLocation(t, s).ID, mustLocation(t, s, "B").ID
		stockInAt(t, s, a, in(g.ID, "10", "0.3333"))
		tr := mustTransfer(t, s, transfer(a, b, move(g.ID, "4")))
		stockOutAt(t, s, b, out(g.ID, "1"))
		_, err := s.VoidTransfer(ctx, model.VoidInput{ID: tr.ID, Reason: "oops"})
		wantCode(t, err, model.CodeConflict)
		tr2 := mustTransfer(t, s, transfer(a, b, move(g.ID, "1.5")))
		stockOutAt(t, s, a, out(g.ID, "1")) // the source lot moves meanwhile
		if _, err := s.VoidTransfer(ctx, model.VoidInput{ID: tr2.ID, Reason: "oops"}); err != nil {
			t.Fatal(err)
		}
		if q, _ := at(t, s, g.ID, a); q.String() != "5" {
			t.Errorf("source holds %s, want 5", q)
		}
		if q, _ := at(t, s, g.ID, b); q.String() != "3" {
			t.Errorf("destination holds %s, want 3", q)
		}
		p, err := s.Transfers(ctx, model.TransferFilter{Voided: ptr(true)}, model.PageArgs{})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != tr2.ID {
			t.Errorf("voided transfers %v, %v", p, err)
		}
		checkInvariants(t, s)
	})
}

// A race of 50 goroutines mixing counts, applies, setStock, voids, stock-ins,
// stock-outs and transfers over a few goods at two locations: every
// invariant holds afterwards, per location and in total.
func TestStocktakeAndVoidRace(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 4)
		locs := []int64{mainLocation(t, s).ID, mustLocation(t, s, "B").ID}
		for _, g := range gs {
			for _, loc := range locs {
				stockInAt(t, s, loc, in(g.ID, "20", "1.1111"))
			}
		}
		var mu sync.Mutex
		var ins []int64
		var outs, trs, sts []int64
		done := map[string]int{}
		var wg sync.WaitGroup
		for w := range 50 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 3))
				for range 6 {
					g := gs[r.IntN(len(gs))].ID
					loc := locs[r.IntN(2)]
					// pick reads the slice under the lock: the other workers append to it.
					pick := func(list *[]int64) int64 {
						mu.Lock()
						defer mu.Unlock()
						ids := *list
						if len(ids) == 0 {
							return 0
						}
						return ids[r.IntN(len(ids))]
					}
					var err error
					op := []string{"in", "out", "move", "start", "count", "apply", "set", "void-in", "void-out", "void-move"}[r.IntN(10)]
					switch op {
					case "in":
						var d *model.StockIn
						if d, err = s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &loc,
							Lines: []*model.StockInLineInput{in(g, "1.5", "2.2222")}}); err == nil {
							mu.Lock()
							ins = append(ins, d.ID)
							mu.Unlock()
						}
					case "out":
						var d *model.StockOut
						if d, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &loc,
							Lines: []*model.StockOutLineInput{out(g, "0.75")}}); err == nil {
							mu.Lock()
							outs = append(outs, d.ID)
							mu.Unlock()
						}
					case "move":
						var d *model.Transfer
						if d, err = s.CreateTransfer(ctx, transfer(loc, locs[0]+locs[1]-loc, move(g, "0.5"))); err == nil {
							mu.Lock()
							trs = append(trs, d.ID)
							mu.Unlock()
						}
					case "start":
						var st *model.Stocktake
						if st, err = s.StartStocktake(ctx, model.StocktakeInput{LocationID: &loc}); err == nil {
							mu.Lock()
							sts = append(sts, st.ID)
							mu.Unlock()
						}
					case "count":
						if id := pick(&sts); id != 0 {
							_, err = s.RecordCounts(ctx, model.CountInput{StocktakeID: id,
								Lines: []*model.CountLineInput{count(g, fmt.Sprint(15+r.IntN(10)))}})
						}
					case "apply":
						if id := pick(&sts); id != 0 {
							_, err = s.ApplyStocktake(ctx, model.ApplyInput{ID: id})
						}
					case "set":
						_, err = s.SetStock(ctx, model.SetStockInput{GoodsID: g, LocationID: &loc, Quantity: model.Quantity(15000 + r.IntN(10000))})
					case "void-in":
						if id := pick(&ins); id != 0 {
							_, err = s.VoidStockIn(ctx, model.VoidInput{ID: id, Reason: "race"})
						}
					case "void-out":
						if id := pick(&outs); id != 0 {
							_, err = s.VoidStockOut(ctx, model.VoidInput{ID: id, Reason: "race"})
						}
					case "void-move":
						if id := pick(&trs); id != 0 {
							_, err = s.VoidTransfer(ctx, model.VoidInput{ID: id, Reason: "race"})
						}
					}
					var me *model.Error
					switch {
					case err == nil:
						mu.Lock()
						done[op]++
						mu.Unlock()
					case errors.As(err, new(*model.InsufficientStockError)):
					case errors.As(err, &me) && (me.Code == model.CodeConflict || me.Field == "lines.0.goodsId"):
						// voided already, drawn on, not open any more, not in scope
					default:
						t.Errorf("%s: %v", op, err)
					}
				}
			})
		}
		wg.Wait()
		t.Logf("done: %v", done)
		for _, op := range []string{"out", "count", "set"} {
			if done[op] == 0 {
				t.Errorf("no %s succeeded in the race", op)
			}
		}
		checkInvariants(t, s)
	})
}
