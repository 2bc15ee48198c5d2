package db_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// history is a random shop history written through the Store: stock-ins of
// every type, stock-outs of every reason and transfers both ways, at two
// locations, most of them backdated up to 400 days at any time of day; and,
// now, voids of any of them, setStock adjustments and applied stocktakes.
type history struct {
	now       time.Time
	goods     []int64
	cats      []int64
	locations []int64
}

func randomHistory(t *testing.T, s *db.Store, seed uint64, docs int) history {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 20))
	h := history{now: time.Date(2026, 6, 30, 15, 30, 0, 0, time.UTC)}
	s.Now = func() time.Time { return h.now }
	for i := range 2 {
		h.cats = append(h.cats, mustCategory(t, s, fmt.Sprintf("类 %d-%d", seed, i)).ID)
	}
	for i := range 5 {
		h.goods = append(h.goods, mustGoods(t, s, model.GoodsInput{Name: fmt.Sprintf("货品 %d-%d", seed, i), CategoryID: h.cats[i%2]}).ID)
	}
	h.locations = []int64{mainLocation(t, s).ID, mustLocation(t, s, fmt.Sprintf("冷库 %d", seed)).ID}
	when := func() *time.Time {
		at := h.now.Add(-time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
		if rng.IntN(5) == 0 {
			at = h.now.Add(-time.Duration(rng.Int64N(int64(36 * time.Hour))))
		}
		at = at.Truncate(time.Second)
		return &at
	}
	types := []model.StockInType{model.StockInPurchase, model.StockInSurplus, model.StockInGift}
	reasons := []model.StockOutReason{model.StockOutConsume, model.StockOutLoss, model.StockOutDamage, model.StockOutReturn}
	written := 0
	var ins, outs, transfers []int64
	for range docs * 3 {
		if written == docs {
			break
		}
		loc := h.locations[rng.IntN(2)]
		g := h.goods[rng.IntN(len(h.goods))]
		qty := model.Quantity(1 + rng.Int64N(9_000))
		var err error
		switch rng.IntN(8) {
		case 0, 1:
			var d *model.StockIn
			d, err = s.CreateStockIn(ctx, model.StockInInput{Type: types[rng.IntN(3)], LocationID: &loc, OccurredAt: when(),
				Lines: []*model.StockInLineInput{
					{GoodsID: g, Quantity: qty, UnitCost: model.UnitCost(rng.Int64N(200_000))},
					{GoodsID: h.goods[rng.IntN(len(h.goods))], Quantity: qty / 3, UnitCost: model.UnitCost(3333)},
				}})
			if err == nil {
				ins = append(ins, d.ID)
			}
		case 2, 3:
			var d *model.StockOut
			d, err = s.CreateStockOut(ctx, model.StockOutInput{Reason: reasons[rng.IntN(4)], LocationID: &loc, OccurredAt: when(),
				Lines: []*model.StockOutLineInput{{GoodsID: g, Quantity: qty / 2}}})
			if err == nil {
				outs = append(outs, d.ID)
			}
		case 4:
			other := h.locations[0]
			if other == loc {
				other = h.locations[1]
			}
			var d *model.Transfer
			d, err = s.CreateTransfer(ctx, model.TransferInput{FromLocationID: loc, ToLocationID: other, OccurredAt: when(),
				Lines: []*model.TransferLineInput{{GoodsID: g, Quantity: qty / 2}}})
			if err == nil {
				transfers = append(transfers, d.ID)
			}
		case 5:
			// A void of an earlier document: reversing entries of kind VOID.
			in := model.VoidInput{Reason: "a mistake"}
			switch {
			case rng.IntN(3) == 0 && len(outs) > 0:
				in.ID = outs[rng.IntN(len(outs))]
				_, err = s.VoidStockOut(ctx, in)
			case rng.IntN(2) == 0 && len(transfers) > 0:
				in.ID = transfers[rng.IntN(len(transfers))]
				_, err = s.VoidTransfer(ctx, in)
			case len(ins) > 0:
				in.ID = ins[rng.IntN(len(ins))]
				_, err = s.VoidStockIn(ctx, in)
			default:
				continue
			}
			if c := model.ErrorCode(err); c == model.CodeConflict || c == model.CodeInvalid {
				continue // voided already, or drawn on
			}
		case 6:
			_, err = s.SetStock(ctx, model.SetStockInput{GoodsID: g, LocationID: &loc, Quantity: qty, UnitCost: ptr(model.UnitCost(15_000))})
		case 7:
			var st *model.Stocktake
			if st, err = s.StartStocktake(ctx, model.StocktakeInput{LocationID: &loc, GoodsIDs: []int64{g}}); err != nil {
				t.Fatal(err)
			}
			if _, err = s.RecordCounts(ctx, model.CountInput{StocktakeID: st.ID,
				Lines: []*model.CountLineInput{{GoodsID: g, Counted: qty, UnitCost: ptr(model.UnitCost(12_000))}}}); err != nil {
				t.Fatal(err)
			}
			_, err = s.ApplyStocktake(ctx, model.ApplyInput{ID: st.ID})
		}
		if model.ErrorCode(err) == model.CodeInsufficientStock {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		written++
	}
	if _, err := s.ArchiveGoods(ctx, h.goods[4], true); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	if err := s.DB().NewRaw("SELECT DISTINCT kind FROM ledger_entries").Scan(ctx, &kinds); err != nil {
		t.Fatal(err)
	}
	for _, k := range []model.LedgerKind{model.KindVoid, model.KindTransferIn, model.KindStocktakeGain, model.KindStocktakeLoss,
		model.KindAdjustmentGain, model.KindAdjustmentLoss} {
		if !slices.Contains(kinds, string(k)) {
			t.Errorf("seed %d: the history has no %s entry: %v", seed, k, kinds)
		}
	}
	return h
}

// bruteMovement sums the whole ledger, entry by entry, into the movement
// summary of [from, to) at a location (or all) — rows keyed by goods id —
// and the valuation at to.
func bruteMovement(t *testing.T, s *db.Store, f model.ReportFilter, from, to time.Time) (map[int64]*model.Movement, map[int64]model.StockAmount) {
	t.Helper()
	var es []*model.LedgerEntry
	if err := s.DB().NewSelect().Model(&es).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var gs []*model.Goods
	if err := s.DB().NewSelect().Model(&gs).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	goods := map[int64]*model.Goods{}
	for _, g := range gs {
		goods[g.ID] = g
	}
	rows := map[int64]*model.Movement{}
	at := map[int64]model.StockAmount{}
	for _, e := range es {
		g := goods[e.GoodsID]
		if f.LocationID != nil && e.LocationID != *f.LocationID || f.CategoryID != nil && g.CategoryID != *f.CategoryID {
			continue
		}
		r := rows[e.GoodsID]
		if r == nil {
			r = &model.Movement{GoodsID: e.GoodsID}
			rows[e.GoodsID] = r
		}
		a := model.StockAmount{Quantity: e.Quantity, Value: e.Amount}
		if e.At.Before(to) {
			r.Closing = r.Closing.Plus(a)
			at[e.GoodsID] = at[e.GoodsID].Plus(a)
		}
		if e.At.Before(from) {
			r.Opening = r.Opening.Plus(a)
			continue
		}
		if !e.At.Before(to) {
			continue
		}
		if e.Direction == model.DirectionOut {
			a = model.StockAmount{Quantity: -a.Quantity, Value: -a.Value}
			r.Outgoing = r.Outgoing.Plus(a)
		} else {
			r.Incoming = r.Incoming.Plus(a)
		}
		i := slices.IndexFunc(r.ByKind, func(k model.KindTotal) bool { return k.Kind == e.Kind && k.Direction == e.Direction })
		if i < 0 {
			r.ByKind = append(r.ByKind, model.KindTotal{Kind: e.Kind, Direction: e.Direction})
			i = len(r.ByKind) - 1
		}
		r.ByKind[i].Quantity += a.Quantity
		r.ByKind[i].Value += a.Value
	}
	for id, r := range rows {
		if r.Opening.IsZero() && len(r.ByKind) == 0 {
			delete(rows, id)
		}
	}
	for id, v := range at {
		if v.IsZero() {
			delete(at, id)
		}
	}
	return rows, at
}

// movementText is a row as text, its kinds in any order.
func movementText(r *model.Movement) string {
	kinds := make([]string, len(r.ByKind))
	for i, k := range r.ByKind {
		kinds[i] = fmt.Sprintf("%s %s %s %s", k.Kind, k.Direction, k.Quantity, k.Value)
	}
	slices.Sort(kinds)
	return fmt.Sprintf("goods %d: opening %v in %v out %v closing %v kinds %v", r.GoodsID, r.Opening, r.Incoming, r.Outgoing, r.Closing, kinds)
}

// readAll reads a report page by page, two rows a page, and checks the
// pages against totalCount.
func readAll[R any](t *testing.T, page func(args model.PageArgs) (*model.Page[*R], error)) []*R {
	t.Helper()
	var all []*R
	args := model.PageArgs{First: ptr(2)}
	for range 100 {
		p, err := page(args)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		if !p.HasNext {
			n, err := p.Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(all) {
				t.Errorf("totalCount %d, %d rows read page by page", n, len(all))
			}
			return all
		}
		args.After = p.EndCursor()
	}
	t.Fatal("the pages do not end")
	return nil
}

// On random histories with backdated documents and transfers, the movement
// summary of any period — from and to at any instant, midnight or not, at a
// location or over all, of a category — is exactly the brute-force sum over
// the ledger, row by row, kind by kind and in its totals; closing = opening
// + incoming − outgoing; one period's closing is the next one's opening; the
// valuation at to is the summary's closing; the valuation now is the stock.
func TestMovementSummaryIsTheLedgerSummed(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		for seed := range uint64(2) {
			s := db.NewStore(s.DB())
			h := randomHistory(t, s, seed, 90)
			checkInvariants(t, s)
			rng := rand.New(rand.NewPCG(seed, 7))
			instant := func() time.Time {
				at := h.now.Add(-time.Duration(rng.Int64N(int64(420 * 24 * time.Hour))))
				if rng.IntN(2) == 0 {
					at = at.Truncate(24 * time.Hour) // a UTC midnight
				}
				return at.Truncate(time.Microsecond)
			}
			filters := []model.ReportFilter{{}, {LocationID: &h.locations[0]}, {LocationID: &h.locations[1]}, {CategoryID: &h.cats[1]}}
			for round := range 6 {
				from, mid, to := instant(), instant(), instant()
				ts := []time.Time{from, mid, to}
				slices.SortFunc(ts, time.Time.Compare)
				from, mid, to = ts[0], ts[1], ts[2]
				if round == 0 {
					to = h.now.Add(time.Hour) // up to now: the closing is the stock
				}
				for _, f := range filters {
					name := fmt.Sprintf("seed %d round %d location %v category %v [%s, %s)", seed, round, deref(f.LocationID), deref(f.CategoryID),
						from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
					want, wantAt := bruteMovement(t, s, f, from, to)
					rows := readAll(t, func(args model.PageArgs) (*model.Page[*model.Movement], error) {
						p, err := s.MovementSummary(ctx, f, from, to, args)
						if err != nil {
							return nil, err
						}
						return p.Page, nil
					})
					if len(rows) != len(want) {
						t.Errorf("%s: %d rows, the ledger has %d", name, len(rows), len(want))
					}
					var total model.Movement
					for _, r := range rows {
						w := want[r.GoodsID]
						if w == nil {
							t.Errorf("%s: goods %d listed without stock or movement", name, r.GoodsID)
							continue
						}
						if got, exp := movementText(r), movementText(w); got != exp {
							t.Errorf("%s:\n got %s\nwant %s", name, got, exp)
						}
						if c := r.Opening.Plus(r.Incoming).Plus(model.StockAmount{Quantity: -r.Outgoing.Quantity, Value: -r.Outgoing.Value}); c != r.Closing {
							t.Errorf("%s: goods %d closing %v ≠ opening + in − out %v", name, r.GoodsID, r.Closing, c)
						}
						total.Add(r)
					}
					p, err := s.MovementSummary(ctx, f, from, to, model.PageArgs{First: ptr(1)})
					if err != nil {
						t.Fatal(err)
					}
					totals, err := p.Totals(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if got, exp := movementText(totals), movementText(&total); got != exp {
						t.Errorf("%s: totals\n got %s\nwant %s", name, got, exp)
					}
					// The next period opens with this one's closing.
					next, err := s.MovementSummary(ctx, f, to, to.Add(time.Duration(rng.Int64N(int64(90*24*time.Hour)))), model.PageArgs{First: ptr(200)})
					if err != nil {
						t.Fatal(err)
					}
					opens := map[int64]model.StockAmount{}
					for _, r := range next.Items {
						opens[r.GoodsID] = r.Opening
					}
					for _, r := range rows {
						if opens[r.GoodsID] != r.Closing {
							t.Errorf("%s: goods %d closes at %v, the next period opens at %v", name, r.GoodsID, r.Closing, opens[r.GoodsID])
						}
					}
					// Split at mid, the two periods add up to the whole.
					first, err := s.MovementSummary(ctx, f, from, mid, model.PageArgs{})
					if err != nil {
						t.Fatal(err)
					}
					second, err := s.MovementSummary(ctx, f, mid, to, model.PageArgs{})
					if err != nil {
						t.Fatal(err)
					}
					t1, _ := first.Totals(ctx)
					t2, _ := second.Totals(ctx)
					if t1.Closing != t2.Opening || t1.Opening != totals.Opening || t2.Closing != totals.Closing ||
						t1.Incoming.Plus(t2.Incoming) != totals.Incoming || t1.Outgoing.Plus(t2.Outgoing) != totals.Outgoing {
						t.Errorf("%s: split at %s: %s and %s, whole %s", name, mid, movementText(t1), movementText(t2), movementText(totals))
					}
					// The valuation at to is the closing.
					vals := readAll(t, func(args model.PageArgs) (*model.Page[*model.Valuation], error) {
						p, err := s.Valuation(ctx, f, &to, args)
						if err != nil {
							return nil, err
						}
						return p.Page, nil
					})
					if len(vals) != len(wantAt) {
						t.Errorf("%s: valuation has %d rows, the ledger %d", name, len(vals), len(wantAt))
					}
					for _, v := range vals {
						if v.StockAmount != wantAt[v.GoodsID] {
							t.Errorf("%s: goods %d valued %v, the ledger sums to %v", name, v.GoodsID, v.StockAmount, wantAt[v.GoodsID])
						}
					}
				}
			}
			// The valuation now is the stock list.
			for _, f := range filters[:3] {
				p, err := s.Valuation(ctx, f, nil, model.PageArgs{First: ptr(200)})
				if err != nil {
					t.Fatal(err)
				}
				stock, err := s.Stock(ctx, model.StockFilter{LocationID: f.LocationID, IncludeArchived: true}, model.PageArgs{First: ptr(200)})
				if err != nil {
					t.Fatal(err)
				}
				want := map[int64]model.StockAmount{}
				for _, l := range stock.Items {
					if a := (model.StockAmount{Quantity: l.OnHand(), Value: l.Value()}); !a.IsZero() {
						want[l.Goods.ID] = a
					}
				}
				got := map[int64]model.StockAmount{}
				for _, v := range p.Items {
					got[v.GoodsID] = v.StockAmount
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("seed %d location %v: valuation now %v, stock %v", seed, deref(f.LocationID), got, want)
				}
			}
		}
	})
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
