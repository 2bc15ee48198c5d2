package db_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// kitchen makes a category and n goods in it.
func kitchen(t *testing.T, s *db.Store, n int) []*model.Goods {
	t.Helper()
	c := mustCategory(t, s, "蔬菜")
	gs := make([]*model.Goods, n)
	for i := range gs {
		gs[i] = mustGoods(t, s, model.GoodsInput{Name: fmt.Sprintf("土豆 %d", i+1), CategoryID: c.ID, Unit: ptr("kg")})
	}
	return gs
}

func in(goodsID int64, qty, cost string) *model.StockInLineInput {
	return &model.StockInLineInput{GoodsID: goodsID, Quantity: model.MustQuantity(qty), UnitCost: model.MustUnitCost(cost)}
}

func out(goodsID int64, qty string) *model.StockOutLineInput {
	return &model.StockOutLineInput{GoodsID: goodsID, Quantity: model.MustQuantity(qty)}
}

func mustStockIn(t testing.TB, s *db.Store, lines ...*model.StockInLineInput) *model.StockIn {
	t.Helper()
	d, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: lines})
	if err != nil {
		t.Fatalf("stock in: %v", err)
	}
	return d
}

func mustStockOut(t testing.TB, s *db.Store, lines ...*model.StockOutLineInput) *model.StockOut {
	t.Helper()
	d, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: lines})
	if err != nil {
		t.Fatalf("stock out: %v", err)
	}
	return d
}

func level(t testing.TB, s *db.Store, id int64) *model.Goods {
	t.Helper()
	g, err := s.Goods(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestFIFOWorkedExample(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		mustStockIn(t, s, in(g.ID, "10", "2.50"))
		mustStockIn(t, s, in(g.ID, "5.5", "3.10"))
		d := mustStockOut(t, s, out(g.ID, "12"))
		if d.TotalCost.String() != "31.20" {
			t.Errorf("stock-out 12 cost %s, want 31.20", d.TotalCost)
		}
		allocs, err := s.Allocations(ctx, []int64{d.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, a := range allocs[db.LineKey{StockOutID: d.ID, Line: 1}] {
			got += fmt.Sprintf("%s@%s=%s ", a.Quantity, a.UnitCost, a.Amount)
		}
		if want := "10@2.50=25.00 2@3.10=6.20 "; got != want {
			t.Errorf("allocations %q, want %q", got, want)
		}
		lvl := model.StockLevel{Goods: level(t, s, g.ID)}
		if lvl.OnHand().String() != "3.5" || lvl.Value().String() != "10.85" {
			t.Errorf("on hand %s valued %s, want 3.5 valued 10.85", lvl.OnHand(), lvl.Value())
		}
		if c := lvl.AverageCost(); c == nil || c.String() != "3.10" {
			t.Errorf("average cost %v, want 3.10", c)
		}
		checkInvariants(t, s)
	})
}

func TestAmountsRoundHalfUpToCents(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		// 2.125 × 1.1 = 2.3375 → 2.34; 0.005 × 1 = 0.005 → 0.01
		d := mustStockIn(t, s, in(g.ID, "2.125", "1.1"), in(g.ID, "0.005", "1"))
		lines, err := s.StockInLines(ctx, []int64{d.ID})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := lines[d.ID][0].Amount.String(), lines[d.ID][1].Amount.String(); a != "2.34" || b != "0.01" {
			t.Errorf("amounts %s, %s; want 2.34, 0.01", a, b)
		}
		if d.TotalAmount.String() != "2.35" {
			t.Errorf("total %s, want 2.35", d.TotalAmount)
		}
		// A lot at 0.3333 taken one unit at a time: each amount is within a
		// cent of 1 × 0.3333 and the three add up to the lot's 1.00, so the
		// emptied goods is worth exactly 0.
		h := mustGoods(t, s, model.GoodsInput{Name: "盐", CategoryID: g.CategoryID})
		mustStockIn(t, s, in(h.ID, "3", "0.3333"))
		var sum model.Money
		for range 3 {
			o := mustStockOut(t, s, out(h.ID, "1"))
			if o.TotalCost < model.MustMoney("0.33") || o.TotalCost > model.MustMoney("0.34") {
				t.Errorf("one unit cost %s, want 0.33 or 0.34", o.TotalCost)
			}
			sum += o.TotalCost
		}
		if sum.String() != "1.00" {
			t.Errorf("three units cost %s, want the lot's 1.00", sum)
		}
		if v := level(t, s, h.ID).StockValue; v != 0 {
			t.Errorf("empty goods valued %s, want 0", v)
		}
		checkInvariants(t, s)
	})
}

func TestStockOutIsAllOrNothing(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 2)
		mustStockIn(t, s, in(gs[0].ID, "10", "1"), in(gs[1].ID, "3", "2"))
		_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{
			out(gs[0].ID, "4"), out(gs[1].ID, "2"), out(gs[1].ID, "1.5"),
		}})
		var short *model.InsufficientStockError
		if !errors.As(err, &short) {
			t.Fatalf("got %v, want INSUFFICIENT_STOCK", err)
		}
		// The third line asks 1.5 of goods 2, of which the second line left 1.
		if short.GoodsID != gs[1].ID || short.Requested.String() != "1.5" || short.Available.String() != "1" || short.Field != "lines.2.quantity" {
			t.Errorf("got %+v, want goods %d requested 1.5 available 1 at lines.2.quantity", short, gs[1].ID)
		}
		if g := level(t, s, gs[0].ID); g.OnHand.String() != "10" {
			t.Errorf("goods 1 on hand %s after the failed document, want 10", g.OnHand)
		}
		p, err := s.StockOuts(ctx, model.StockOutFilter{}, model.PageArgs{})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("failed document left %d stock-outs (%v)", len(p.Items), err)
		}
		lp, _ := s.Ledger(ctx, model.LedgerFilter{Direction: ptr(model.DirectionOut)}, model.PageArgs{})
		if len(lp.Items) != 0 {
			t.Errorf("failed document left %d ledger entries", len(lp.Items))
		}
		// Goods with nothing at all: available 0.
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutLoss, Lines: []*model.StockOutLineInput{out(gs[0].ID, "1"), out(gs[1].ID, "3.001")}})
		if !errors.As(err, &short) || short.Available.String() != "3" || short.Requested.String() != "3.001" || short.Field != "lines.1.quantity" {
			t.Errorf("got %v, want requested 3.001 available 3 on line 1", err)
		}
		// A multi-line stock-in with one unknown goods brings nothing in.
		_, err = s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInGift, Lines: []*model.StockInLineInput{in(gs[0].ID, "1", "1"), in(9999, "1", "1")}})
		wantField(t, err, model.CodeInvalid, "lines.1.goodsId")
		if g := level(t, s, gs[0].ID); g.OnHand.String() != "10" {
			t.Errorf("on hand %s after a refused stock-in, want 10", g.OnHand)
		}
		checkInvariants(t, s)
	})
}

func TestStockDocumentInputRules(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		for _, tc := range []struct {
			name  string
			in    model.StockInInput
			field string
		}{
			{"no lines", model.StockInInput{Type: model.StockInPurchase}, "lines"},
			{"bad type", model.StockInInput{Type: "STOLEN", Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}}, "type"},
			{"zero quantity", model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(g.ID, "0", "1")}}, "lines.0.quantity"},
			{"negative cost", model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(g.ID, "1", "1"), in(g.ID, "1", "-1")}}, "lines.1.unitCost"},
			{"reserved code", model.StockInInput{Type: model.StockInPurchase, Code: ptr("IN-20260101-0001"), Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}}, "code"},
		} {
			_, err := s.CreateStockIn(ctx, tc.in)
			if e := (*model.Error)(nil); !errors.As(err, &e) || e.Code != model.CodeInvalid || e.Field != tc.field {
				t.Errorf("%s: got %v, want BAD_USER_INPUT on %s", tc.name, err, tc.field)
			}
		}
		_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(g.ID, "-1")}})
		wantField(t, err, model.CodeInvalid, "lines.0.quantity")
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: "EATEN", Lines: []*model.StockOutLineInput{out(g.ID, "1")}})
		wantField(t, err, model.CodeInvalid, "reason")
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(404, "1")}})
		wantField(t, err, model.CodeInvalid, "lines.0.goodsId")
	})
}

func TestDocumentCodes(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		s.Now = func() time.Time { return time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC) }
		g := kitchen(t, s, 1)[0]
		a := mustStockIn(t, s, in(g.ID, "5", "1"))
		b := mustStockIn(t, s, in(g.ID, "5", "1"))
		if a.Code != "IN-20261124-0001" || b.Code != "IN-20261124-0002" {
			t.Errorf("codes %s, %s; want IN-20261124-0001, -0002", a.Code, b.Code)
		}
		o := mustStockOut(t, s, out(g.ID, "1"))
		if o.Code != "OUT-20261124-0001" {
			t.Errorf("stock-out code %s, want OUT-20261124-0001", o.Code)
		}
		s.Now = func() time.Time { return time.Date(2026, 11, 25, 0, 0, 1, 0, time.UTC) }
		if c := mustStockIn(t, s, in(g.ID, "1", "1")).Code; c != "IN-20261125-0001" {
			t.Errorf("next day's first code %s, want IN-20261125-0001", c)
		}
		// A client's own code, unique.
		d, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInSurplus, Code: ptr("盘点-11月"), Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}})
		if err != nil || d.Code != "盘点-11月" {
			t.Fatalf("client code: %v, %v", d, err)
		}
		_, err = s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInSurplus, Code: ptr("盘点-11月"), Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}})
		wantField(t, err, model.CodeConflict, "code")
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutLoss, Code: ptr("X-1"), Lines: []*model.StockOutLineInput{out(g.ID, "1")}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutLoss, Code: ptr("X-1"), Lines: []*model.StockOutLineInput{out(g.ID, "1")}})
		wantField(t, err, model.CodeConflict, "code")
		checkInvariants(t, s)
	})
}

func TestIdempotencyKey(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		key := ptr("receipt-42")
		input := model.StockInInput{Type: model.StockInPurchase, IdempotencyKey: key, Lines: []*model.StockInLineInput{in(g.ID, "10", "2")}}
		first, err := s.CreateStockIn(ctx, input)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.CreateStockIn(ctx, input)
		if err != nil || again.ID != first.ID || again.Code != first.Code {
			t.Fatalf("same key and input: got %+v, %v; want the first document %d", again, err, first.ID)
		}
		if on := level(t, s, g.ID).OnHand.String(); on != "10" {
			t.Errorf("on hand %s after a replay, want 10", on)
		}
		changed := input
		changed.Lines = []*model.StockInLineInput{in(g.ID, "11", "2")}
		_, err = s.CreateStockIn(ctx, changed)
		wantField(t, err, model.CodeConflict, "idempotencyKey")

		oin := model.StockOutInput{Reason: model.StockOutConsume, IdempotencyKey: ptr("sale-7"), Lines: []*model.StockOutLineInput{out(g.ID, "4")}}
		o1, err := s.CreateStockOut(ctx, oin)
		if err != nil {
			t.Fatal(err)
		}
		// Keys survive a restart: a new Store over the same database.
		s2 := db.NewStore(s.DB())
		o2, err := s2.CreateStockOut(ctx, oin)
		if err != nil || o2.ID != o1.ID {
			t.Fatalf("replay after restart: %+v, %v", o2, err)
		}
		if on := level(t, s, g.ID).OnHand.String(); on != "6" {
			t.Errorf("on hand %s after a replayed stock-out, want 6", on)
		}
		oin.Reason = model.StockOutDamage
		_, err = s.CreateStockOut(ctx, oin)
		wantField(t, err, model.CodeConflict, "idempotencyKey")
		checkInvariants(t, s)
	})
}

func TestGoodsWithHistoryCannotBeDeleted(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 2)
		mustStockIn(t, s, in(gs[0].ID, "1", "1"))
		wantCode(t, s.DeleteGoods(ctx, gs[0].ID), model.CodeConflict)
		if _, err := s.ArchiveGoods(ctx, gs[0].ID, true); err != nil {
			t.Fatalf("archive goods with history: %v", err)
		}
		if err := s.DeleteGoods(ctx, gs[1].ID); err != nil {
			t.Fatalf("delete goods without history: %v", err)
		}
	})
}

func TestStockListsAndFilters(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 3)
		other := mustCategory(t, s, "饮料")
		tea := mustGoods(t, s, model.GoodsInput{Name: "Green Tea", CategoryID: other.ID, SKU: ptr("TEA-1"), LowStockThreshold: ptr(model.MustQuantity("5"))})
		day := func(d int) *time.Time { v := time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC); return &v }
		si := func(ty model.StockInType, at *time.Time, lines ...*model.StockInLineInput) *model.StockIn {
			d, err := s.CreateStockIn(ctx, model.StockInInput{Type: ty, OccurredAt: at, Lines: lines})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		so := func(r model.StockOutReason, at *time.Time, lines ...*model.StockOutLineInput) *model.StockOut {
			d, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: r, OccurredAt: at, Lines: lines})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		in1 := si(model.StockInPurchase, day(1), in(gs[0].ID, "10", "1"), in(tea.ID, "8", "3"))
		in2 := si(model.StockInGift, day(2), in(gs[1].ID, "5", "2"))
		in3 := si(model.StockInSurplus, day(3), in(gs[0].ID, "1", "1.5"))
		out1 := so(model.StockOutConsume, day(4), out(gs[0].ID, "10.5"))
		out2 := so(model.StockOutDamage, day(5), out(tea.ID, "4"))

		ids := func(n int, id func(i int) int64) []int64 {
			r := make([]int64, n)
			for i := range r {
				r[i] = id(i)
			}
			return r
		}
		ins := func(f model.StockInFilter) []int64 {
			p, err := s.StockIns(ctx, f, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			return ids(len(p.Items), func(i int) int64 { return p.Items[i].ID })
		}
		outs := func(f model.StockOutFilter) []int64 {
			p, err := s.StockOuts(ctx, f, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			return ids(len(p.Items), func(i int) int64 { return p.Items[i].ID })
		}
		eq(t, "stockIns newest first", ins(model.StockInFilter{}), in3.ID, in2.ID, in1.ID)
		eq(t, "stockIns type", ins(model.StockInFilter{Type: ptr(model.StockInGift)}), in2.ID)
		eq(t, "stockIns goodsId", ins(model.StockInFilter{GoodsID: &gs[0].ID}), in3.ID, in1.ID)
		eq(t, "stockIns from/to", ins(model.StockInFilter{From: day(2), To: day(3)}), in2.ID)
		eq(t, "stockIns search goods sku", ins(model.StockInFilter{Search: "tea-1"}), in1.ID)
		eq(t, "stockIns search code", ins(model.StockInFilter{Search: in2.Code}), in2.ID)
		eq(t, "stockOuts newest first", outs(model.StockOutFilter{}), out2.ID, out1.ID)
		eq(t, "stockOuts reason", outs(model.StockOutFilter{Reason: ptr(model.StockOutConsume)}), out1.ID)
		eq(t, "stockOuts goodsId", outs(model.StockOutFilter{GoodsID: &tea.ID}), out2.ID)
		eq(t, "stockOuts from", outs(model.StockOutFilter{From: day(5)}), out2.ID)
		eq(t, "stockOuts search", outs(model.StockOutFilter{Search: "GREEN"}), out2.ID)

		ledger := func(f model.LedgerFilter) []string {
			p, err := s.Ledger(ctx, f, model.PageArgs{First: ptr(200)})
			if err != nil {
				t.Fatal(err)
			}
			var r []string
			for _, e := range p.Items {
				r = append(r, fmt.Sprintf("%s %s %s", e.DocumentCode, e.Quantity, e.Amount))
			}
			return r
		}
		eqs(t, "ledger all", ledger(model.LedgerFilter{}),
			out2.Code+" -4 -12.00", out1.Code+" -0.5 -0.75", out1.Code+" -10 -10.00", in3.Code+" 1 1.50",
			in2.Code+" 5 10.00", in1.Code+" 8 24.00", in1.Code+" 10 10.00")
		eqs(t, "ledger goodsId", ledger(model.LedgerFilter{GoodsID: &gs[1].ID}), in2.Code+" 5 10.00")
		eqs(t, "ledger categoryId", ledger(model.LedgerFilter{CategoryID: &other.ID}), out2.Code+" -4 -12.00", in1.Code+" 8 24.00")
		eqs(t, "ledger direction", ledger(model.LedgerFilter{Direction: ptr(model.DirectionOut), To: day(5)}), out1.Code+" -0.5 -0.75", out1.Code+" -10 -10.00")
		eqs(t, "ledger search", ledger(model.LedgerFilter{Search: "tea"}), out2.Code+" -4 -12.00", in1.Code+" 8 24.00")
		eqs(t, "ledger from", ledger(model.LedgerFilter{From: day(3), Direction: ptr(model.DirectionIn)}), in3.Code+" 1 1.50")
		_, err := s.Ledger(ctx, model.LedgerFilter{From: day(3), To: day(2)}, model.PageArgs{})
		wantField(t, err, model.CodeInvalid, "to")

		stock := func(f model.StockFilter) []string {
			p, err := s.Stock(ctx, f, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			var r []string
			for _, l := range p.Items {
				r = append(r, fmt.Sprintf("%s %s %s %v", l.Goods.Name, l.OnHand(), l.Value(), l.Low()))
			}
			return r
		}
		eqs(t, "stock", stock(model.StockFilter{}), "Green Tea 4 12.00 true", "土豆 1 0.5 0.75 false", "土豆 2 5 10.00 false", "土豆 3 0 0.00 false")
		eqs(t, "stock lowOnly", stock(model.StockFilter{LowOnly: true}), "Green Tea 4 12.00 true")
		eqs(t, "stock categoryId", stock(model.StockFilter{CategoryID: &gs[0].CategoryID, Search: "2"}), "土豆 2 5 10.00 false")

		lots := func(id int64, all bool) []string {
			p, err := s.Lots(ctx, model.LotFilter{GoodsID: &id, IncludeEmpty: all}, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			var r []string
			for _, l := range p.Items {
				r = append(r, fmt.Sprintf("%s/%s@%s", l.Remaining, l.ReceivedQuantity, l.UnitCost))
			}
			return r
		}
		eqs(t, "lots", lots(gs[0].ID, false), "0.5/1@1.50")
		eqs(t, "lots includeEmpty", lots(gs[0].ID, true), "0/10@1.00", "0.5/1@1.50")
		// Goods moved to another category take their ledger with them.
		if _, err := s.UpdateGoods(ctx, model.GoodsUpdate{ID: tea.ID, CategoryID: model.To(gs[0].CategoryID)}); err != nil {
			t.Fatal(err)
		}
		eqs(t, "ledger of the emptied category", ledger(model.LedgerFilter{CategoryID: &other.ID}))
		eqs(t, "ledger of the category moved to", ledger(model.LedgerFilter{CategoryID: &gs[0].CategoryID, GoodsID: &tea.ID}), out2.Code+" -4 -12.00", in1.Code+" 8 24.00")
		checkInvariants(t, s)
	})
}

func eq(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func eqs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

var codeForm = regexp.MustCompile(`^(IN|OUT|TR)-[0-9]{8}-[0-9]{4,}$`)

// checkInvariants checks every invariant of SPEC §1 over the whole database.
func checkInvariants(t testing.TB, s *db.Store) {
	t.Helper()
	bdb := s.DB()
	count := func(what, q string) {
		t.Helper()
		var n int
		if err := bdb.NewRaw(q).Scan(ctx, &n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Errorf("invariant broken: %s (%d rows)", what, n)
		}
	}
	count("ledger entry in another category than its goods",
		`SELECT COUNT(*) FROM ledger_entries le JOIN goods g ON g.id = le.goods_id WHERE le.category_id <> g.category_id`)
	count("lot remaining < 0 or > received, or depleted wrong",
		`SELECT COUNT(*) FROM lots WHERE remaining < 0 OR remaining > received_quantity OR depleted <> (remaining = 0)`)
	count("on hand ≠ Σ ledger quantity, or value ≠ Σ ledger amount",
		`SELECT COUNT(*) FROM goods g LEFT JOIN (SELECT goods_id, SUM(quantity) q, SUM(amount) a FROM ledger_entries GROUP BY goods_id) le
		 ON le.goods_id = g.id WHERE g.on_hand <> COALESCE(le.q, 0) OR g.stock_value <> COALESCE(le.a, 0)`)
	count("on hand ≠ Σ lot remaining",
		`SELECT COUNT(*) FROM goods g LEFT JOIN (SELECT goods_id, SUM(remaining) r FROM lots GROUP BY goods_id) l
		 ON l.goods_id = g.id WHERE g.on_hand <> COALESCE(l.r, 0)`)
	count("stock-out line cost ≠ Σ its allocations' amounts, or quantity ≠ Σ allocated",
		`SELECT COUNT(*) FROM stock_out_lines sol LEFT JOIN (SELECT stock_out_id, stock_out_line, SUM(amount) a, SUM(quantity) q
		 FROM ledger_entries WHERE direction = 'OUT' AND kind <> 'VOID' GROUP BY stock_out_id, stock_out_line) le
		 ON le.stock_out_id = sol.stock_out_id AND le.stock_out_line = sol.line WHERE sol.cost <> -COALESCE(le.a, 0) OR sol.quantity <> -COALESCE(le.q, 0)`)
	count("stock-out total ≠ Σ line cost",
		`SELECT COUNT(*) FROM stock_outs so JOIN (SELECT stock_out_id, SUM(cost) c FROM stock_out_lines GROUP BY stock_out_id) l
		 ON l.stock_out_id = so.id WHERE so.total_cost <> l.c`)
	count("lot remaining ≠ Σ its ledger entries' quantity (its receipt, what was taken, what voids put back)",
		`SELECT COUNT(*) FROM lots l LEFT JOIN (SELECT lot_id, SUM(quantity) q FROM ledger_entries GROUP BY lot_id) le
		 ON le.lot_id = l.id WHERE l.remaining <> COALESCE(le.q, 0)`)
	count("lot received − remaining ≠ Σ its OUT entries less what voids put back",
		`SELECT COUNT(*) FROM lots l LEFT JOIN (SELECT lot_id, SUM(quantity) q FROM ledger_entries
		 WHERE direction = 'OUT' OR kind = 'VOID' GROUP BY lot_id) le
		 ON le.lot_id = l.id WHERE l.received_quantity - l.remaining <> -COALESCE(le.q, 0)`)
	// Per location: the running totals of each (goods, location) are its
	// ledger's sums and its lots' remaining, and every entry is where its lot is.
	count("stock at a location ≠ Σ its ledger quantity or amount, or ledger entries without stock row",
		`SELECT COUNT(*) FROM (SELECT goods_id, location_id, SUM(quantity) q, SUM(amount) a FROM ledger_entries
		 GROUP BY goods_id, location_id) le LEFT JOIN stock_levels sl ON sl.goods_id = le.goods_id AND sl.location_id = le.location_id
		 WHERE sl.goods_id IS NULL OR sl.on_hand <> le.q OR sl.stock_value <> le.a`)
	count("stock row without ledger entries that is not zero",
		`SELECT COUNT(*) FROM stock_levels sl WHERE (sl.on_hand <> 0 OR sl.stock_value <> 0) AND NOT EXISTS
		 (SELECT 1 FROM ledger_entries le WHERE le.goods_id = sl.goods_id AND le.location_id = sl.location_id)`)
	count("stock at a location ≠ Σ its lots' remaining",
		`SELECT COUNT(*) FROM stock_levels sl LEFT JOIN (SELECT goods_id, location_id, SUM(remaining) r FROM lots
		 GROUP BY goods_id, location_id) l ON l.goods_id = sl.goods_id AND l.location_id = sl.location_id
		 WHERE sl.on_hand <> COALESCE(l.r, 0)`)
	count("ledger entry at another location or of another goods than its lot",
		`SELECT COUNT(*) FROM ledger_entries le JOIN lots l ON l.id = le.lot_id
		 WHERE le.location_id <> l.location_id OR le.goods_id <> l.goods_id`)
	count("lot made by a transfer without exactly one IN entry of its whole quantity and amount",
		`SELECT COUNT(*) FROM lots l WHERE l.transfer_id IS NOT NULL AND 1 <> (SELECT COUNT(*) FROM ledger_entries le
		 WHERE le.lot_id = l.id AND le.direction = 'IN' AND le.kind <> 'VOID' AND le.transfer_id = l.transfer_id
		 AND le.quantity = l.received_quantity AND le.amount = l.amount)`)
	count("transfer whose OUT and IN entries differ, or whose total ≠ Σ line amount ≠ Σ OUT amount",
		`SELECT COUNT(*) FROM transfers tr
		 LEFT JOIN (SELECT transfer_id, SUM(amount) a, SUM(quantity) q FROM transfer_lines GROUP BY transfer_id) tl ON tl.transfer_id = tr.id
		 LEFT JOIN (SELECT transfer_id, SUM(CASE WHEN direction = 'OUT' THEN -amount ELSE 0 END) oa,
		   SUM(CASE WHEN direction = 'IN' THEN amount ELSE 0 END) ia,
		   SUM(CASE WHEN direction = 'OUT' THEN -quantity ELSE 0 END) oq,
		   SUM(CASE WHEN direction = 'IN' THEN quantity ELSE 0 END) iq,
		   SUM(CASE WHEN direction = 'OUT' AND location_id <> tr2.from_location_id THEN 1
		            WHEN direction = 'IN' AND location_id <> tr2.to_location_id THEN 1 ELSE 0 END) wrong
		   FROM ledger_entries JOIN transfers tr2 ON tr2.id = transfer_id WHERE kind <> 'VOID' GROUP BY transfer_id) le ON le.transfer_id = tr.id
		 WHERE tr.total_amount <> COALESCE(tl.a, 0) OR COALESCE(tl.a, 0) <> COALESCE(le.oa, 0) OR COALESCE(le.oa, 0) <> COALESCE(le.ia, 0)
		 OR COALESCE(tl.q, 0) <> COALESCE(le.oq, 0) OR COALESCE(le.oq, 0) <> COALESCE(le.iq, 0) OR COALESCE(le.wrong, 0) <> 0`)
	count("transfer line amount ≠ Σ its OUT entries",
		`SELECT COUNT(*) FROM transfer_lines tl LEFT JOIN (SELECT transfer_id, transfer_line, SUM(amount) a, SUM(quantity) q
		 FROM ledger_entries WHERE direction = 'OUT' AND kind <> 'VOID' AND transfer_id IS NOT NULL GROUP BY transfer_id, transfer_line) le
		 ON le.transfer_id = tl.transfer_id AND le.transfer_line = tl.line WHERE tl.amount <> -COALESCE(le.a, 0) OR tl.quantity <> -COALESCE(le.q, 0)`)
	// Voids: a voided document's entries and its VOID entries net to zero
	// (per location, for a transfer); a document not voided has no VOID entry.
	for _, d := range []struct{ table, col string }{{"stock_ins", "stock_in_id"}, {"stock_outs", "stock_out_id"}, {"transfers", "transfer_id"}} {
		count("voided "+d.table+" whose entries do not net to zero, or VOID entries of one not voided",
			`SELECT COUNT(*) FROM `+d.table+` doc JOIN (SELECT `+d.col+` id, location_id, SUM(quantity) q,
			 SUM(CASE WHEN kind = 'VOID' THEN 1 ELSE 0 END) v FROM ledger_entries WHERE `+d.col+` IS NOT NULL
			 GROUP BY `+d.col+`, location_id) le ON le.id = doc.id
			 WHERE (doc.voided_at IS NULL AND le.v <> 0) OR (doc.voided_at IS NOT NULL AND le.q <> 0)`)
	}
	// An applied stocktake moved each counted goods by its difference.
	count("applied stocktake line whose difference ≠ what its documents moved",
		`SELECT COUNT(*) FROM stocktake_lines stl JOIN stocktakes st ON st.id = stl.stocktake_id
		 LEFT JOIN (SELECT stocktake_id, goods_id, SUM(quantity) q, SUM(amount) a FROM ledger_entries
		  WHERE stocktake_id IS NOT NULL AND kind <> 'VOID' GROUP BY stocktake_id, goods_id) le
		  ON le.stocktake_id = stl.stocktake_id AND le.goods_id = stl.goods_id
		 WHERE st.status = 'APPLIED' AND stl.counted IS NOT NULL
		 AND (COALESCE(le.q, 0) <> stl.counted - stl.expected OR COALESCE(le.a, 0) <> COALESCE(stl.difference_value, 0))`)
	// Value = Σ value of what is left of each lot (model.Lot.Value:
	// round(remaining × unit cost) for a stock-in's lot), per goods and per
	// (goods, location), computed in Go from exact integers.
	var lots []*model.Lot
	if err := bdb.NewSelect().Model(&lots).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	value := map[int64]model.Money{}
	placeValue := map[[2]int64]model.Money{}
	for _, l := range lots {
		v, ok := l.RemainingValue()
		if !ok {
			t.Errorf("lot %d holds numbers wms never writes", l.ID)
		}
		value[l.GoodsID] += v
		placeValue[[2]int64{l.GoodsID, l.LocationID}] += v
	}
	var places []*model.LocationStock
	if err := bdb.NewSelect().Model(&places).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	// The outbox: the last STOCK_CHANGED of each (goods, location) says
	// what is there now.
	var evs []*model.Event
	if err := bdb.NewSelect().Model(&evs).Where("ev.type = ?", model.EventStockChanged).OrderExpr("ev.id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	lastChange := map[[2]int64]*model.StockChangeEvent{}
	for _, e := range evs {
		c, ok := model.ReadStockChange(e)
		if !ok || c.LocationID == nil {
			t.Errorf("STOCK_CHANGED event %d unreadable: %s", e.ID, e.Payload)
			continue
		}
		lastChange[[2]int64{c.GoodsID, *c.LocationID}] = c
	}
	for _, p := range places {
		if c := lastChange[[2]int64{p.GoodsID, p.LocationID}]; c != nil && (c.OnHand != p.OnHand || c.Value != p.StockValue) {
			t.Errorf("invariant broken: goods %d at %d holds %s/%s, its last STOCK_CHANGED says %s/%s", p.GoodsID, p.LocationID,
				p.OnHand, p.StockValue, c.OnHand, c.Value)
		}
	}
	for _, p := range places {
		if p.StockValue != placeValue[[2]int64{p.GoodsID, p.LocationID}] {
			t.Errorf("invariant broken: goods %d at location %d value %s ≠ Σ lot value %s", p.GoodsID, p.LocationID,
				p.StockValue, placeValue[[2]int64{p.GoodsID, p.LocationID}])
		}
	}
	var gs []*model.Goods
	if err := bdb.NewSelect().Model(&gs).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.StockValue != value[g.ID] {
			t.Errorf("invariant broken: goods %d value %s ≠ Σ remaining × unit cost %s", g.ID, g.StockValue, value[g.ID])
		}
	}
	checkBalances(t, s)
	var codes []string
	if err := bdb.NewRaw(`SELECT code FROM stock_ins UNION ALL SELECT code FROM stock_outs UNION ALL SELECT code FROM transfers`).Scan(ctx, &codes); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("document code %s used twice", c)
		}
		seen[c] = true
	}
}

// Paging the ledger with cursors while new movements are written: the pages
// still to come hold exactly the entries that were there, none repeated and
// none lost, because a cursor is a position in (time, id), not an offset.
func TestLedgerCursorsAreStableUnderInserts(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		for range 7 {
			mustStockIn(t, s, in(g.ID, "3", "1"))
		}
		all, err := s.Ledger(ctx, model.LedgerFilter{}, model.PageArgs{First: ptr(200)})
		if err != nil {
			t.Fatal(err)
		}
		var seen []int64
		var after *string
		for {
			p, err := s.Ledger(ctx, model.LedgerFilter{}, model.PageArgs{First: ptr(3), After: after})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Items {
				seen = append(seen, e.ID)
			}
			// New stock movements between pages.
			mustStockIn(t, s, in(g.ID, "1", "1"))
			mustStockOut(t, s, out(g.ID, "1"))
			if !p.HasNext {
				break
			}
			after = p.EndCursor()
		}
		var want []int64
		for _, e := range all.Items {
			want = append(want, e.ID)
		}
		eq(t, "entries seen across pages", seen, want...)
		_, err = s.Ledger(ctx, model.LedgerFilter{}, model.PageArgs{After: ptr("bm90IGEgY3Vyc29y")})
		wantField(t, err, model.CodeInvalid, "after")
		p, err := s.StockIns(ctx, model.StockInFilter{}, model.PageArgs{First: ptr(2), Offset: ptr(5)})
		if err != nil || len(p.Items) != 2 || !p.HasPrev {
			t.Errorf("offset page: %d items, hasPrev %v, %v", len(p.Items), p != nil && p.HasPrev, err)
		}
	})
}

// A document on goods whose stored stock or lots hold numbers wms never
// writes (a damaged row) is refused whole, without panicking and without
// writing anything over them: nothing is computed from such numbers.
func TestDocumentsOnDamagedStockAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		s := db.NewStore(bdb)
		x := dbtest.WriteExtremes(t, bdb)
		for _, id := range x.Goods[:3] {
			before := level(t, s, id)
			_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(id, "1", "1")}})
			wantCode(t, err, model.CodeInternal)
			_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(id, "0.001")}})
			if c := model.ErrorCode(err); c != model.CodeInternal && c != model.CodeInsufficientStock {
				t.Errorf("stock-out of goods %d: %v", id, err)
			}
			if after := level(t, s, id); after.OnHand != before.OnHand || after.StockValue != before.StockValue {
				t.Errorf("goods %d went from %s/%s to %s/%s", id, before.OnHand, before.StockValue, after.OnHand, after.StockValue)
			}
		}
		dbtest.WriteUnreadable(t, bdb, x)
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(x.Goods[0], "1", "1")}})
		wantCode(t, err, model.CodeInternal)
		var n int
		if err := bdb.NewSelect().Model((*model.StockIn)(nil)).ColumnExpr("COUNT(*)").Scan(ctx, &n); err != nil || n != 3 {
			t.Errorf("%d stock-ins after refusals (%v), want the 3 written", n, err)
		}
	})
}
