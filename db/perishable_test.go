package db_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

func day(d int) *time.Time {
	t := time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC)
	return &t
}

// perishable makes a goods with the given policy and packs.
func perishable(t *testing.T, s *db.Store, name string, policy model.IssuePolicy, tracks bool, packs ...*model.PackInput) *model.Goods {
	t.Helper()
	c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "cat " + name})
	if err != nil {
		t.Fatal(err)
	}
	return mustGoods(t, s, model.GoodsInput{Name: name, CategoryID: c.ID, Unit: ptr("pcs"), IssuePolicy: &policy,
		TracksExpiry: &tracks, Packs: packs})
}

func dated(goodsID int64, qty, cost string, expires *time.Time) *model.StockInLineInput {
	l := in(goodsID, qty, cost)
	l.ExpiresAt = expires
	return l
}

func allocations(t testing.TB, s *db.Store, d *model.StockOut) string {
	t.Helper()
	as, err := s.Allocations(ctx, []int64{d.ID})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, line := range as {
		for _, a := range line {
			ids[a.LotID] = true
		}
	}
	var lotIDs []int64
	for id := range ids {
		lotIDs = append(lotIDs, id)
	}
	lots, err := s.LotsByIDs(ctx, lotIDs)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for line := 1; line <= len(as); line++ {
		for _, a := range as[db.LineKey{StockOutID: d.ID, Line: line}] {
			e := "-"
			if l := lots[a.LotID]; l.ExpiresAt != nil {
				e = l.ExpiresAt.Format("01-02")
			}
			got += fmt.Sprintf("%s@%s(%s) ", a.Quantity, a.UnitCost, e)
		}
	}
	return got
}

// FEFO takes the earliest expiry first whatever the order of receipt, lots
// without a date last, each at its own cost; FIFO goods are unchanged.
func TestFEFO(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		milk := perishable(t, s, "Milk", model.IssueFEFO, true)
		rice := perishable(t, s, "Rice", model.IssueFIFO, false)
		for _, l := range []*model.StockInLineInput{
			dated(milk.ID, "2", "1.10", day(20)),
			dated(milk.ID, "3", "1.20", day(10)),
			dated(rice.ID, "2", "1.10", day(20)),
			dated(rice.ID, "3", "1.20", day(10)),
			dated(rice.ID, "1", "1.30", nil),
		} {
			mustStockIn(t, s, l)
		}
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{in(milk.ID, "1", "1")}})
		wantField(t, err, model.CodeInvalid, "lines.0.expiresAt")
		if _, err := s.UpdateGoods(ctx, model.GoodsUpdate{ID: milk.ID, TracksExpiry: model.To(false)}); err != nil {
			t.Fatal(err)
		}
		mustStockIn(t, s, in(milk.ID, "1", "1.40")) // no date: last
		if got, want := allocations(t, s, mustStockOut(t, s, out(milk.ID, "5.5"))), "3@1.20(11-10) 2@1.10(11-20) 0.5@1.40(-) "; got != want {
			t.Errorf("FEFO took %q, want %q", got, want)
		}
		if got, want := allocations(t, s, mustStockOut(t, s, out(rice.ID, "4"))), "2@1.10(11-20) 2@1.20(11-10) "; got != want {
			t.Errorf("FIFO took %q, want %q", got, want)
		}
		checkInvariants(t, s)
	})
}

// A stock-out line may name the lot it takes from.
func TestStockOutFromANamedLot(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		gs := kitchen(t, s, 2)
		mustStockIn(t, s, in(gs[0].ID, "5", "1"))
		d := mustStockIn(t, s, in(gs[0].ID, "5", "2"))
		mustStockIn(t, s, in(gs[1].ID, "5", "3"))
		lines, err := s.StockInLines(ctx, []int64{d.ID})
		if err != nil {
			t.Fatal(err)
		}
		dented := lines[d.ID][0].ID
		o, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutDamage,
			Lines: []*model.StockOutLineInput{{GoodsID: gs[0].ID, Quantity: model.MustQuantity("1"), LotID: &dented}}})
		if err != nil || o.TotalCost.String() != "2.00" {
			t.Fatalf("named lot: %+v, %v", o, err)
		}
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutDamage,
			Lines: []*model.StockOutLineInput{{GoodsID: gs[0].ID, Quantity: model.MustQuantity("4.5"), LotID: &dented}}})
		var short *model.InsufficientStockError
		if !errors.As(err, &short) || short.Available.String() != "4" {
			t.Errorf("more than the lot holds: %v", err)
		}
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutDamage,
			Lines: []*model.StockOutLineInput{{GoodsID: gs[1].ID, Quantity: model.MustQuantity("1"), LotID: &dented}}})
		wantField(t, err, model.CodeInvalid, "lines.0.lotId")
		checkInvariants(t, s)
	})
}

// writeOffExpired takes exactly the expired lots, not FIFO, in one EXPIRED
// document; a second call finds nothing.
func TestWriteOffExpired(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		s.Now = func() time.Time { return *day(15) }
		milk := perishable(t, s, "Milk", model.IssueFIFO, false)
		eggs := perishable(t, s, "Eggs", model.IssueFEFO, false)
		mustStockIn(t, s, dated(milk.ID, "2", "1", day(20)))
		mustStockIn(t, s, dated(milk.ID, "3", "1.5", day(12)))
		mustStockIn(t, s, dated(eggs.ID, "6", "0.5", day(14)), dated(eggs.ID, "6", "0.6", nil))
		mustStockOut(t, s, out(eggs.ID, "1"))
		level := func() (q, e string) {
			p, err := s.ExpiringLots(ctx, model.ExpiringFilter{Before: *day(15)}, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range p.Items {
				q += fmt.Sprintf("%d:%s ", l.GoodsID, l.Remaining)
			}
			return q, ""
		}
		if q, _ := level(); q != fmt.Sprintf("%d:3 %d:5 ", milk.ID, eggs.ID) {
			t.Errorf("expiring lots %q (soonest first: milk of the 12th, eggs of the 14th)", q)
		}
		exp, err := s.ExpiryOf(ctx, []db.ExpiryKey{{GoodsID: milk.ID}, {GoodsID: eggs.ID}}, *day(15))
		if err != nil || exp[db.ExpiryKey{GoodsID: milk.ID}].Expired.String() != "3" ||
			exp[db.ExpiryKey{GoodsID: milk.ID}].Next.Format("01-02") != "11-12" {
			t.Errorf("expiry of milk %+v, %v", exp[db.ExpiryKey{GoodsID: milk.ID}], err)
		}
		d, err := s.WriteOffExpired(ctx, model.WriteOffInput{})
		if err != nil || d == nil {
			t.Fatalf("write-off: %v, %v", d, err)
		}
		if d.Reason != model.StockOutExpired || d.TotalCost.String() != "7.00" { // 3 × 1.50 + 5 × 0.50
			t.Errorf("write-off %s of %s, want EXPIRED of 7.00", d.Reason, d.TotalCost)
		}
		if got := allocations(t, s, d); got != "3@1.50(11-12) 5@0.50(11-14) " {
			t.Errorf("written off %q", got)
		}
		if lvl := level2(t, s, milk.ID); lvl.OnHand.String() != "2" {
			t.Errorf("milk left %s, want the 2 that expire on the 20th", lvl.OnHand)
		}
		again, err := s.WriteOffExpired(ctx, model.WriteOffInput{})
		if err != nil || again != nil {
			t.Errorf("a second write-off: %v, %v", again, err)
		}
		p, err := s.Ledger(ctx, model.LedgerFilter{Kind: ptr(model.KindExpired)}, model.PageArgs{})
		if err != nil || len(p.Items) != 2 {
			t.Errorf("EXPIRED entries %d, %v", len(p.Items), err)
		}
		checkInvariants(t, s)
	})
}

func level2(t testing.TB, s *db.Store, id int64) *model.Goods { return level(t, s, id) }

// Packs: a box of 12 bought at 30.00 is 12 units at 2.5000; a stock-out of
// 1 box and 3 pieces is 15 units; a conversion needing a fourth decimal is
// refused; on hand shows in whole packs.
func TestPacks(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		box := "box"
		g := perishable(t, s, "Eggs", model.IssueFIFO, false,
			&model.PackInput{Name: "Box", Quantity: model.MustQuantity("12")},
			&model.PackInput{Name: "tray", Quantity: model.MustQuantity("2.5")})
		d, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{
			{GoodsID: g.ID, Quantity: model.MustQuantity("2"), UnitCost: model.MustUnitCost("30.00"), Pack: &box}}})
		if err != nil {
			t.Fatal(err)
		}
		lots, _ := s.StockInLines(ctx, []int64{d.ID})
		l := lots[d.ID][0]
		if l.ReceivedQuantity.String() != "24" || l.UnitCost.String() != "2.50" || l.Amount.String() != "60.00" ||
			*l.PackName != "Box" || l.PackQuantity.String() != "2" {
			t.Errorf("2 boxes at 30.00: %s @ %s = %s (%v × %v)", l.ReceivedQuantity, l.UnitCost, l.Amount, *l.PackName, l.PackQuantity)
		}
		o, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{
			{GoodsID: g.ID, Quantity: model.MustQuantity("1"), Pack: &box}, out(g.ID, "3")}})
		if err != nil || o.TotalCost.String() != "37.50" {
			t.Fatalf("1 box + 3: %+v, %v", o, err)
		}
		if lvl := level(t, s, g.ID); lvl.OnHand.String() != "9" {
			t.Errorf("on hand %s, want 24 − 15 = 9", lvl.OnHand)
		}
		tray := "TRAY"
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{
			{GoodsID: g.ID, Quantity: model.MustQuantity("0.001"), Pack: &tray}}})
		wantField(t, err, model.CodeInvalid, "lines.0.quantity") // 0.0025 of a unit
		crate := "crate"
		_, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{
			{GoodsID: g.ID, Quantity: model.MustQuantity("1"), Pack: &crate}}})
		wantField(t, err, model.CodeInvalid, "lines.0.pack")
		packs, err := s.PacksByGoods(ctx, []int64{g.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, p := range model.InPacks(model.MustQuantity("29"), packs[g.ID]) {
			name := "pcs"
			if p.Pack != nil {
				name = *p.Pack
			}
			got += fmt.Sprintf("%s %s ", p.Quantity, name)
		}
		if got != "2 Box 2 tray 0 pcs " && got != "2 Box 2 tray " {
			t.Errorf("29 in packs: %q", got)
		}
		// Names unique per goods without regard to case; quantities > 0.
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, Packs: model.Change[[]*model.PackInput]{Set: true, Value: &[]*model.PackInput{
			{Name: "box", Quantity: 1}, {Name: "BOX", Quantity: 2}}}})
		wantField(t, err, model.CodeInvalid, "packs.1.name")
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, Packs: model.Change[[]*model.PackInput]{Set: true, Value: &[]*model.PackInput{
			{Name: "box", Quantity: 0}}}})
		wantField(t, err, model.CodeInvalid, "packs.0.quantity")
		checkInvariants(t, s)
	})
}

// Transfers carry a lot's expiry to the lot they make; the race of the
// stock issue holds every invariant with FEFO goods in it.
func TestTransfersCarryExpiryAndFEFORace(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		g := perishable(t, s, "Yoghurt", model.IssueFEFO, false)
		a, b := mainLocation(t, s).ID, mustLocation(t, s, "Cold room").ID
		stockInAt(t, s, a, dated(g.ID, "5", "1", day(25)), dated(g.ID, "5", "2", day(21)))
		tr := mustTransfer(t, s, transfer(a, b, move(g.ID, "6")))
		allocs, err := s.TransferAllocations(ctx, []int64{tr.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, al := range allocs[db.TransferLineKey{TransferID: tr.ID, Line: 1}] {
			ls, _ := s.LotsByIDs(ctx, []int64{al.ToLotID})
			got += fmt.Sprintf("%s@%s(%s) ", al.Quantity, al.UnitCost, ls[al.ToLotID].ExpiresAt.Format("01-02"))
		}
		if got != "5@2.00(11-21) 1@1.00(11-25) " {
			t.Errorf("moved %q: FEFO at the source, expiry carried", got)
		}
		checkInvariants(t, s)
	})
}

// The stock-out race with FEFO goods in it: 40 goroutines take stock-outs
// (some naming a lot), transfers and write-offs over FEFO and FIFO goods with
// dated lots at two locations; nothing is sold twice and every invariant
// holds afterwards.
func TestFEFORace(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		s.Now = func() time.Time { return *day(15) }
		goods := []*model.Goods{
			perishable(t, s, "Milk", model.IssueFEFO, true),
			perishable(t, s, "Cream", model.IssueFEFO, false),
			perishable(t, s, "Rice", model.IssueFIFO, false),
		}
		locs := []int64{mainLocation(t, s).ID, mustLocation(t, s, "Cold room").ID}
		stocked := map[int64]model.Quantity{}
		for i, g := range goods {
			for j := range 6 {
				loc := locs[j%2]
				stockInAt(t, s, loc, dated(g.ID, "4", []string{"1.10", "0.3333", "2.25"}[(i+j)%3], day(10+(j*7)%12)))
				stocked[g.ID] += model.MustQuantity("4")
			}
		}
		var mu sync.Mutex
		sold := map[int64]model.Quantity{}
		var wg sync.WaitGroup
		for w := range 40 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(w), 9))
				for range 5 {
					g := goods[r.IntN(len(goods))]
					loc := locs[r.IntN(2)]
					switch r.IntN(4) {
					case 0:
						_, err := s.CreateTransfer(ctx, transfer(loc, locs[0]+locs[1]-loc, move(g.ID, "0.5")))
						if err != nil && !errors.As(err, new(*model.InsufficientStockError)) {
							t.Errorf("transfer: %v", err)
						}
					case 1:
						d, err := s.WriteOffExpired(ctx, model.WriteOffInput{LocationID: &loc})
						if err != nil {
							t.Errorf("write-off: %v", err)
						}
						if d != nil {
							lines, _ := s.StockOutLines(ctx, []int64{d.ID})
							mu.Lock()
							for _, l := range lines[d.ID] {
								sold[l.GoodsID] += l.Quantity
							}
							mu.Unlock()
						}
					default:
						q := model.Quantity(100 + r.IntN(900))
						_, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, LocationID: &loc,
							Lines: []*model.StockOutLineInput{{GoodsID: g.ID, Quantity: q}}})
						switch {
						case err == nil:
							mu.Lock()
							sold[g.ID] += q
							mu.Unlock()
						case !errors.As(err, new(*model.InsufficientStockError)):
							t.Errorf("stock-out: %v", err)
						}
					}
				}
			})
		}
		wg.Wait()
		for _, g := range goods {
			if lvl := level(t, s, g.ID); lvl.OnHand != stocked[g.ID]-sold[g.ID] {
				t.Errorf("%s: on hand %s, stocked %s, sold %s", g.Name, lvl.OnHand, stocked[g.ID], sold[g.ID])
			}
		}
		checkInvariants(t, s)
	})
}
