package db_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// mainLocation is the location every database starts with.
func mainLocation(t testing.TB, s *db.Store) *model.Location {
	t.Helper()
	ls, err := s.AllLocations(ctx)
	if err != nil || len(ls) == 0 {
		t.Fatalf("locations: %v, %v", ls, err)
	}
	return ls[0]
}

func mustLocation(t testing.TB, s *db.Store, name string) *model.Location {
	t.Helper()
	l, err := s.CreateLocation(ctx, model.LocationInput{Name: name})
	if err != nil {
		t.Fatalf("create location %q: %v", name, err)
	}
	return l
}

func stockInAt(t testing.TB, s *db.Store, loc int64, lines ...*model.StockInLineInput) *model.StockIn {
	t.Helper()
	d, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &loc, Lines: lines})
	if err != nil {
		t.Fatalf("stock in at %d: %v", loc, err)
	}
	return d
}

func stockOutAt(t testing.TB, s *db.Store, loc int64, lines ...*model.StockOutLineInput) *model.StockOut {
	t.Helper()
	d, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &loc, Lines: lines})
	if err != nil {
		t.Fatalf("stock out at %d: %v", loc, err)
	}
	return d
}

func transfer(from, to int64, lines ...*model.TransferLineInput) model.TransferInput {
	return model.TransferInput{FromLocationID: from, ToLocationID: to, Lines: lines}
}

func move(goodsID int64, qty string) *model.TransferLineInput {
	return &model.TransferLineInput{GoodsID: goodsID, Quantity: model.MustQuantity(qty)}
}

func mustTransfer(t testing.TB, s *db.Store, in model.TransferInput) *model.Transfer {
	t.Helper()
	d, err := s.CreateTransfer(ctx, in)
	if err != nil {
		t.Fatalf("transfer: %v", err)
	}
	return d
}

// at is the stock of one goods at one location.
func at(t testing.TB, s *db.Store, goodsID, loc int64) (model.Quantity, model.Money) {
	t.Helper()
	p, err := s.Stock(ctx, model.StockFilter{LocationID: &loc, IncludeArchived: true}, model.PageArgs{First: ptr(500)})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Items {
		if l.Goods.ID == goodsID {
			return l.OnHand(), l.Value()
		}
	}
	t.Fatalf("goods %d not in the stock list", goodsID)
	return 0, 0
}

func TestLocations(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		main := mainLocation(t, s)
		if main.Name != db.DefaultLocationName || main.Archived {
			t.Errorf("first location %+v, want %q", main, db.DefaultLocationName)
		}
		cold := mustLocation(t, s, " Cold room ")
		if cold.Name != "Cold room" {
			t.Errorf("name %q, want it trimmed", cold.Name)
		}
		_, err := s.CreateLocation(ctx, model.LocationInput{Name: "COLD ROOM"})
		wantField(t, err, model.CodeConflict, "name")
		_, err = s.CreateLocation(ctx, model.LocationInput{Name: ""})
		wantField(t, err, model.CodeInvalid, "name")
		_, err = s.CreateLocation(ctx, model.LocationInput{Name: string(make([]rune, 51))})
		wantField(t, err, model.CodeInvalid, "name")
		line := mustLocation(t, s, "Kitchen line")
		_, err = s.UpdateLocation(ctx, model.LocationUpdate{ID: line.ID, Name: ptr("cold ROOM")})
		wantField(t, err, model.CodeConflict, "name")
		upd, err := s.UpdateLocation(ctx, model.LocationUpdate{ID: line.ID, Note: ptr("by the stove")})
		if err != nil || upd.Name != "Kitchen line" || upd.Note == nil || *upd.Note != "by the stove" {
			t.Fatalf("note only: %+v, %v", upd, err)
		}
		_, err = s.UpdateLocation(ctx, model.LocationUpdate{ID: 9999, Name: ptr("x")})
		wantCode(t, err, model.CodeNotFound)

		// Names list in order, archived ones only when asked; search by name.
		names := func(f model.LocationFilter) string {
			p, err := s.Locations(ctx, f, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			out := ""
			for _, l := range p.Items {
				out += l.Name + ";"
			}
			return out
		}
		if got := names(model.LocationFilter{}); got != "Cold room;Kitchen line;Main;" {
			t.Errorf("locations %q", got)
		}
		if _, err := s.ArchiveLocation(ctx, line.ID, true); err != nil {
			t.Fatal(err)
		}
		if got := names(model.LocationFilter{}); got != "Cold room;Main;" {
			t.Errorf("without archived %q", got)
		}
		if got := names(model.LocationFilter{IncludeArchived: true, Search: "LINE"}); got != "Kitchen line;" {
			t.Errorf("search %q", got)
		}

		// A location with history cannot be deleted; one without can.
		g := kitchen(t, s, 1)[0]
		stockInAt(t, s, cold.ID, in(g.ID, "1", "1"))
		wantCode(t, s.DeleteLocation(ctx, cold.ID), model.CodeConflict)
		if err := s.DeleteLocation(ctx, line.ID); err != nil {
			t.Fatalf("delete an unused location: %v", err)
		}
		wantCode(t, s.DeleteLocation(ctx, line.ID), model.CodeNotFound)
		checkInvariants(t, s)
	})
}

// The last location is never deleted, even unused: stock needs somewhere to be.
func TestTheLastLocationStays(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		main := mainLocation(t, s)
		spare := mustLocation(t, s, "Spare")
		if err := s.DeleteLocation(ctx, main.ID); err != nil {
			t.Fatalf("delete one of two unused locations: %v", err)
		}
		wantCode(t, s.DeleteLocation(ctx, spare.ID), model.CodeConflict)
		g := kitchen(t, s, 1)[0]
		if d := mustStockIn(t, s, in(g.ID, "1", "1")); d.LocationID != spare.ID {
			t.Errorf("stock-in at %d, want the one location left %d", d.LocationID, spare.ID)
		}
	})
}

// While there is one location a document may leave it out; with two it
// must name one, and it must be one that exists and, to receive stock, is
// not archived. Each refusal writes nothing.
func TestDocumentsNameTheirLocation(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		main := mainLocation(t, s)
		d := mustStockIn(t, s, in(g.ID, "5", "2"))
		if d.LocationID != main.ID {
			t.Errorf("stock-in at %d, want the only location %d", d.LocationID, main.ID)
		}
		if o := mustStockOut(t, s, out(g.ID, "1")); o.LocationID != main.ID {
			t.Errorf("stock-out at %d, want %d", o.LocationID, main.ID)
		}
		cold := mustLocation(t, s, "Cold room")
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}})
		wantField(t, err, model.CodeInvalid, "locationId")
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{out(g.ID, "1")}})
		wantField(t, err, model.CodeInvalid, "locationId")
		_, err = s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: ptr(int64(999)), Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}})
		wantField(t, err, model.CodeInvalid, "locationId")

		// An archived location takes no new stock, but what it holds may leave.
		stockInAt(t, s, cold.ID, in(g.ID, "3", "1"))
		if _, err := s.ArchiveLocation(ctx, cold.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &cold.ID, Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}})
		wantField(t, err, model.CodeInvalid, "locationId")
		_, err = s.CreateTransfer(ctx, transfer(main.ID, cold.ID, move(g.ID, "1")))
		wantField(t, err, model.CodeInvalid, "toLocationId")
		stockOutAt(t, s, cold.ID, out(g.ID, "1"))
		mustTransfer(t, s, transfer(cold.ID, main.ID, move(g.ID, "1")))
		if q, _ := at(t, s, g.ID, cold.ID); q.String() != "1" {
			t.Errorf("cold room holds %s, want 1", q)
		}
		if lvl := level(t, s, g.ID); lvl.OnHand.String() != "6" {
			t.Errorf("on hand %s, want 6 (5 − 1 + 3 − 1)", lvl.OnHand)
		}
		checkInvariants(t, s)
	})
}

// FIFO is per goods per location: the stock issue's worked example run at
// two locations at once, interleaved, gives its figures at each.
func TestFIFOPerLocation(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		a, b := mainLocation(t, s).ID, mustLocation(t, s, "Branch").ID
		stockInAt(t, s, a, in(g.ID, "10", "2.50"))
		stockInAt(t, s, b, in(g.ID, "10", "2.50"))
		stockInAt(t, s, a, in(g.ID, "5.5", "3.10"))
		stockInAt(t, s, b, in(g.ID, "5.5", "3.10"))
		for _, loc := range []int64{a, b} {
			d := stockOutAt(t, s, loc, out(g.ID, "12"))
			if d.TotalCost.String() != "31.20" {
				t.Errorf("stock-out 12 at %d cost %s, want 31.20", loc, d.TotalCost)
			}
			allocs, err := s.Allocations(ctx, []int64{d.ID})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, al := range allocs[db.LineKey{StockOutID: d.ID, Line: 1}] {
				got += fmt.Sprintf("%s@%s=%s ", al.Quantity, al.UnitCost, al.Amount)
			}
			if want := "10@2.50=25.00 2@3.10=6.20 "; got != want {
				t.Errorf("allocations at %d %q, want %q", loc, got, want)
			}
			if q, v := at(t, s, g.ID, loc); q.String() != "3.5" || v.String() != "10.85" {
				t.Errorf("at %d: %s valued %s, want 3.5 valued 10.85", loc, q, v)
			}
		}
		if lvl := level(t, s, g.ID); lvl.OnHand.String() != "7" || lvl.StockValue.String() != "21.70" {
			t.Errorf("totals %s / %s, want 7 / 21.70", lvl.OnHand, lvl.StockValue)
		}
		// More than one location holds is refused even when the goods has
		// enough in total.
		_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &a,
			Lines: []*model.StockOutLineInput{out(g.ID, "4")}})
		var short *model.InsufficientStockError
		if !errors.As(err, &short) || short.Available.String() != "3.5" || short.Field != "lines.0.quantity" {
			t.Errorf("4 at one location: %v, want INSUFFICIENT_STOCK with 3.5 available", err)
		}
		checkInvariants(t, s)
	})
}

// A transfer of 12 from the worked example's lots moves 10 @ 2.50 and
// 2 @ 3.10 with their receivedAt; the destination's next stock-out takes
// them oldest first; no total changes.
func TestTransferWorkedExample(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		store, cold := mainLocation(t, s).ID, mustLocation(t, s, "Cold room").ID
		first := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		second := first.Add(24 * time.Hour)
		for _, l := range []struct {
			when      time.Time
			qty, cost string
		}{{first, "10", "2.50"}, {second, "5.5", "3.10"}} {
			_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &store,
				OccurredAt: &l.when, Lines: []*model.StockInLineInput{in(g.ID, l.qty, l.cost)}})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Something already at the destination, received between the two.
		between := first.Add(12 * time.Hour)
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &cold,
			OccurredAt: &between, Lines: []*model.StockInLineInput{in(g.ID, "1", "9")}})
		if err != nil {
			t.Fatal(err)
		}
		before := level(t, s, g.ID)
		tr := mustTransfer(t, s, transfer(store, cold, move(g.ID, "12")))
		if !codeForm.MatchString(tr.Code) || tr.Code[:3] != "TR-" || tr.TotalAmount.String() != "31.20" {
			t.Errorf("transfer %s total %s, want a TR- code and 31.20", tr.Code, tr.TotalAmount)
		}
		allocs, err := s.TransferAllocations(ctx, []int64{tr.ID})
		if err != nil {
			t.Fatal(err)
		}
		as := allocs[db.TransferLineKey{TransferID: tr.ID, Line: 1}]
		var ids []int64
		for _, a := range as {
			ids = append(ids, a.ToLotID)
		}
		made, err := s.LotsByIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, a := range as {
			l := made[a.ToLotID]
			got += fmt.Sprintf("%s@%s=%s %s at %d; ", a.Quantity, a.UnitCost, a.Amount, l.ReceivedAt.Format("01-02"), l.LocationID)
		}
		if want := fmt.Sprintf("10@2.50=25.00 03-01 at %d; 2@3.10=6.20 03-02 at %d; ", cold, cold); got != want {
			t.Errorf("moved %q, want %q", got, want)
		}
		if after := level(t, s, g.ID); after.OnHand != before.OnHand || after.StockValue != before.StockValue {
			t.Errorf("totals %s/%s became %s/%s", before.OnHand, before.StockValue, after.OnHand, after.StockValue)
		}
		if q, v := at(t, s, g.ID, store); q.String() != "3.5" || v.String() != "10.85" {
			t.Errorf("left at the store %s valued %s, want 3.5 valued 10.85", q, v)
		}
		if q, v := at(t, s, g.ID, cold); q.String() != "13" || v.String() != "40.20" {
			t.Errorf("in the cold room %s valued %s, want 13 valued 40.20", q, v)
		}
		// Oldest first at the destination: the moved 2.50s (received 03-01),
		// then the cold room's own 9.00 (03-01 12:00), then the moved 3.10s.
		o := stockOutAt(t, s, cold, out(g.ID, "11.5"))
		if o.TotalCost.String() != "35.55" { // 10 × 2.50 + 1 × 9 + 0.5 × 3.10
			t.Errorf("stock-out at the destination cost %s, want 35.55", o.TotalCost)
		}
		p, err := s.Ledger(ctx, model.LedgerFilter{LocationID: &cold, Kind: ptr(model.KindTransferIn)}, model.PageArgs{})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("TRANSFER_IN entries at the cold room: %d, %v", len(p.Items), err)
		}
		p, err = s.Ledger(ctx, model.LedgerFilter{LocationID: &store, Kind: ptr(model.KindTransferOut)}, model.PageArgs{})
		if err != nil || len(p.Items) != 2 || p.Items[0].Amount+p.Items[1].Amount != -tr.TotalAmount {
			t.Fatalf("TRANSFER_OUT entries at the store: %d, %v", len(p.Items), err)
		}
		checkInvariants(t, s)
	})
}

// A lot split by transfers at unit costs with four decimals: every move is
// exactly the value taken, so no cent appears or vanishes anywhere, and an
// emptied lot is worth exactly 0 wherever its pieces went.
func TestTransfersKeepEveryCent(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		a, b, c := mainLocation(t, s).ID, mustLocation(t, s, "B").ID, mustLocation(t, s, "C").ID
		stockInAt(t, s, a, in(g.ID, "3", "0.3333"), in(g.ID, "2.125", "1.1"))
		total := level(t, s, g.ID).StockValue
		mustTransfer(t, s, transfer(a, b, move(g.ID, "1")))
		mustTransfer(t, s, transfer(a, b, move(g.ID, "1.001")))
		mustTransfer(t, s, transfer(b, c, move(g.ID, "0.5"), move(g.ID, "0.499")))
		mustTransfer(t, s, transfer(c, a, move(g.ID, "0.333")))
		if v := level(t, s, g.ID).StockValue; v != total {
			t.Errorf("value %s after transfers, want %s", v, total)
		}
		checkInvariants(t, s)
		for _, loc := range []int64{a, b, c} {
			if q, _ := at(t, s, g.ID, loc); q > 0 {
				stockOutAt(t, s, loc, out(g.ID, q.String()))
			}
		}
		if lvl := level(t, s, g.ID); lvl.OnHand != 0 || lvl.StockValue != 0 {
			t.Errorf("emptied everywhere: %s valued %s, want 0 and 0", lvl.OnHand, lvl.StockValue)
		}
		checkInvariants(t, s)
	})
}

// Bad transfers: each a clear error with its field, and nothing written.
func TestTransferBadInput(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 2)
		a, b := mainLocation(t, s).ID, mustLocation(t, s, "B").ID
		stockInAt(t, s, a, in(gs[0].ID, "5", "2"))
		for _, tt := range []struct {
			name  string
			in    model.TransferInput
			code  model.Code
			field string
		}{
			{"same location twice", transfer(a, a, move(gs[0].ID, "1")), model.CodeInvalid, "toLocationId"},
			{"unknown source", transfer(999, b, move(gs[0].ID, "1")), model.CodeInvalid, "fromLocationId"},
			{"unknown destination", transfer(a, 999, move(gs[0].ID, "1")), model.CodeInvalid, "toLocationId"},
			{"unknown goods", transfer(a, b, move(gs[0].ID, "1"), move(4242, "1")), model.CodeInvalid, "lines.1.goodsId"},
			{"no lines", transfer(a, b), model.CodeInvalid, "lines"},
			{"zero quantity", transfer(a, b, move(gs[0].ID, "0")), model.CodeInvalid, "lines.0.quantity"},
			{"reserved code", model.TransferInput{FromLocationID: a, ToLocationID: b, Code: ptr("TR-20260101-0001"),
				Lines: []*model.TransferLineInput{move(gs[0].ID, "1")}}, model.CodeInvalid, "code"},
			{"nothing at the source", transfer(a, b, move(gs[0].ID, "1"), move(gs[1].ID, "1")), model.CodeInsufficientStock, ""},
			{"more than the source holds", transfer(a, b, move(gs[0].ID, "3"), move(gs[0].ID, "2.001")), model.CodeInsufficientStock, ""},
		} {
			_, err := s.CreateTransfer(ctx, tt.in)
			if tt.field != "" {
				wantField(t, err, tt.code, tt.field)
			} else {
				wantCode(t, err, tt.code)
			}
		}
		_, err := s.CreateTransfer(ctx, transfer(a, b, move(gs[0].ID, "1"), move(gs[1].ID, "1")))
		var short *model.InsufficientStockError
		if !errors.As(err, &short) || short.GoodsID != gs[1].ID || short.Available != 0 || short.Requested.String() != "1" ||
			short.Field != "lines.1.quantity" {
			t.Errorf("nothing at the source: %#v", err)
		}
		p, err := s.Transfers(ctx, model.TransferFilter{}, model.PageArgs{})
		if err != nil || len(p.Items) != 0 {
			t.Errorf("%d transfers written by refused requests (%v)", len(p.Items), err)
		}
		if q, _ := at(t, s, gs[0].ID, a); q.String() != "5" {
			t.Errorf("source holds %s after refusals, want 5", q)
		}
		checkInvariants(t, s)
	})
}

// Transfers share the stock documents' rules for codes and idempotency keys.
func TestTransferCodesAndIdempotency(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		a, b := mainLocation(t, s).ID, mustLocation(t, s, "B").ID
		stockInAt(t, s, a, in(g.ID, "10", "1"))
		key := transfer(a, b, move(g.ID, "1"))
		key.IdempotencyKey = ptr("move-1")
		first := mustTransfer(t, s, key)
		again := mustTransfer(t, s, key)
		if again.ID != first.ID || again.Code != first.Code {
			t.Errorf("a retry made transfer %d (%s), want %d (%s)", again.ID, again.Code, first.ID, first.Code)
		}
		other := key
		other.Lines = []*model.TransferLineInput{move(g.ID, "2")}
		_, err := s.CreateTransfer(ctx, other)
		wantField(t, err, model.CodeConflict, "idempotencyKey")
		// Another user's same key is theirs.
		theirs, err := s.CreateTransfer(model.WithActor(ctx, 77), key)
		if err != nil || theirs.ID == first.ID {
			t.Errorf("another user's key: %v, %v", theirs, err)
		}
		named := transfer(a, b, move(g.ID, "1"))
		named.Code = ptr("MOVE-7")
		mustTransfer(t, s, named)
		_, err = s.CreateTransfer(ctx, named)
		wantField(t, err, model.CodeConflict, "code")
		if q, _ := at(t, s, g.ID, b); q.String() != "3" {
			t.Errorf("destination holds %s, want 3 (one retried transfer counted once)", q)
		}
		checkInvariants(t, s)
	})
}

// A user limited to some locations writes documents only there: a transfer
// needs both ends. FORBIDDEN names the location; nothing is written.
func TestLocationLimits(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := kitchen(t, s, 1)[0]
		a, b, c := mainLocation(t, s), mustLocation(t, s, "Branch"), mustLocation(t, s, "Cold room")
		clerk := &model.User{Username: "limited", UsernameKey: "limited", PasswordHash: "x", Role: model.RoleClerk, CreatedAt: time.Now().UTC()}
		if err := s.CreateUser(ctx, clerk); err != nil {
			t.Fatal(err)
		}
		stockInAt(t, s, a.ID, in(g.ID, "10", "1"))
		if err := s.UpdateUser(ctx, clerk, []int64{b.ID, c.ID}); err != nil {
			t.Fatal(err)
		}
		as := model.WithActor(ctx, clerk.ID)
		forbidden := func(err error, name string) {
			t.Helper()
			var e *model.Error
			if !errors.As(err, &e) || e.Code != model.CodeForbidden || !contains(e.Message, name) {
				t.Errorf("got %v, want FORBIDDEN naming %q", err, name)
			}
		}
		_, err := s.CreateStockIn(as, model.StockInInput{Type: model.StockInPurchase, LocationID: &a.ID, Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}})
		forbidden(err, a.Name)
		_, err = s.CreateStockOut(as, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &a.ID, Lines: []*model.StockOutLineInput{out(g.ID, "1")}})
		forbidden(err, a.Name)
		_, err = s.CreateTransfer(as, transfer(a.ID, b.ID, move(g.ID, "1")))
		forbidden(err, a.Name)
		mustTransfer(t, s, transfer(a.ID, b.ID, move(g.ID, "4")))
		if _, err := s.CreateTransfer(as, transfer(b.ID, c.ID, move(g.ID, "1"))); err != nil {
			t.Errorf("transfer within the clerk's locations: %v", err)
		}
		if _, err := s.CreateStockIn(as, model.StockInInput{Type: model.StockInPurchase, LocationID: &c.ID, Lines: []*model.StockInLineInput{in(g.ID, "1", "1")}}); err != nil {
			t.Errorf("stock-in at the clerk's location: %v", err)
		}
		// An unknown location in the limit is refused; [] lifts the limit.
		err = s.UpdateUser(ctx, clerk, []int64{b.ID, 999})
		wantField(t, err, model.CodeInvalid, "locationIds")
		if ids, _ := s.UserLocationIDs(ctx, []int64{clerk.ID}); len(ids[clerk.ID]) != 2 {
			t.Errorf("a refused update changed the limits to %v", ids[clerk.ID])
		}
		if err := s.UpdateUser(ctx, clerk, []int64{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateStockOut(as, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &a.ID,
			Lines: []*model.StockOutLineInput{out(g.ID, "1")}}); err != nil {
			t.Errorf("after lifting the limit: %v", err)
		}
		checkInvariants(t, s)
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Every list takes a location: stock, lots, stock-ins, stock-outs,
// transfers (either end) and the ledger (with its kind).
func TestListsByLocation(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		cat := mustCategory(t, s, "Dry goods")
		gs := []*model.Goods{
			mustGoods(t, s, model.GoodsInput{Name: "Rice", CategoryID: cat.ID, LowStockThreshold: ptr(model.MustQuantity("2"))}),
			mustGoods(t, s, model.GoodsInput{Name: "Salt", CategoryID: cat.ID}),
		}
		a, b, c := mainLocation(t, s).ID, mustLocation(t, s, "B").ID, mustLocation(t, s, "C").ID
		stockInAt(t, s, a, in(gs[0].ID, "10", "1"), in(gs[1].ID, "4", "2"))
		stockInAt(t, s, b, in(gs[1].ID, "1", "3"))
		stockOutAt(t, s, a, out(gs[1].ID, "1"))
		mustTransfer(t, s, transfer(a, b, move(gs[0].ID, "9")))
		mustTransfer(t, s, transfer(b, c, move(gs[0].ID, "1")))

		n := func(what string, got, want int, err error) {
			t.Helper()
			if err != nil || got != want {
				t.Errorf("%s: %d (%v), want %d", what, got, err, want)
			}
		}
		p, err := s.Stock(ctx, model.StockFilter{LocationID: &b, LowOnly: true}, model.PageArgs{})
		n("low stock at B", len(p.Items), 0, err) // 8 of goods 1 at B, threshold 2
		p, err = s.Stock(ctx, model.StockFilter{LocationID: &a, LowOnly: true}, model.PageArgs{})
		n("low stock at A", len(p.Items), 1, err) // 1 left at A
		p, err = s.Stock(ctx, model.StockFilter{LowOnly: true}, model.PageArgs{})
		n("low stock in total", len(p.Items), 0, err)
		lots, err := s.Lots(ctx, model.LotFilter{GoodsID: &gs[0].ID, LocationID: &b}, model.PageArgs{})
		n("lots of goods 1 at B", len(lots.Items), 1, err)
		lots, err = s.Lots(ctx, model.LotFilter{GoodsID: &gs[0].ID, IncludeEmpty: true}, model.PageArgs{})
		n("lots of goods 1 anywhere", len(lots.Items), 3, err)
		ins, err := s.StockIns(ctx, model.StockInFilter{LocationID: &b}, model.PageArgs{})
		n("stock-ins at B", len(ins.Items), 1, err)
		outs, err := s.StockOuts(ctx, model.StockOutFilter{LocationID: &b}, model.PageArgs{})
		n("stock-outs at B", len(outs.Items), 0, err)
		outs, err = s.StockOuts(ctx, model.StockOutFilter{LocationID: &a}, model.PageArgs{})
		n("stock-outs at A", len(outs.Items), 1, err)
		trs, err := s.Transfers(ctx, model.TransferFilter{LocationID: &b}, model.PageArgs{})
		n("transfers from or to B", len(trs.Items), 2, err)
		trs, err = s.Transfers(ctx, model.TransferFilter{LocationID: &c}, model.PageArgs{})
		n("transfers from or to C", len(trs.Items), 1, err)
		trs, err = s.Transfers(ctx, model.TransferFilter{GoodsID: &gs[1].ID}, model.PageArgs{})
		n("transfers of goods 2", len(trs.Items), 0, err)
		trs, err = s.Transfers(ctx, model.TransferFilter{Search: "TR-"}, model.PageArgs{})
		n("transfers by code", len(trs.Items), 2, err)
		le, err := s.Ledger(ctx, model.LedgerFilter{LocationID: &b}, model.PageArgs{})
		n("ledger at B", len(le.Items), 3, err) // purchase, transfer in, transfer out
		le, err = s.Ledger(ctx, model.LedgerFilter{Kind: ptr(model.KindPurchase)}, model.PageArgs{})
		n("purchases", len(le.Items), 3, err)
		_, err = s.Ledger(ctx, model.LedgerFilter{Kind: ptr(model.LedgerKind("BOUGHT"))}, model.PageArgs{})
		wantField(t, err, model.CodeInvalid, "kind")
		byLoc, err := s.StockByLocation(ctx, []int64{gs[0].ID, gs[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, id := range []int64{gs[0].ID, gs[1].ID} {
			for _, l := range byLoc[id] {
				got += fmt.Sprintf("%d@%d:%s/%s ", id, l.LocationID, l.OnHand, l.StockValue)
			}
		}
		want := fmt.Sprintf("%d@%d:1/1.00 %d@%d:8/8.00 %d@%d:1/1.00 %d@%d:3/6.00 %d@%d:1/3.00 ",
			gs[0].ID, a, gs[0].ID, b, gs[0].ID, c, gs[1].ID, a, gs[1].ID, b)
		if got != want {
			t.Errorf("by location %q, want %q", got, want)
		}
		checkInvariants(t, s)
	})
}
