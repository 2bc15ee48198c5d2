package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"wms/model"
)

// The engine every stock document runs on. A stock-in, a stock-out and a
// transfer differ only in which lots they create or draw on; the engine
// locks, reads the lots, asks model.Allocate for the FIFO plan, and persists
// what the document did: lot changes, ledger entries and the running totals
// per goods and per (goods, location).
//
// The lock order: the goods rows first, in ascending id order, whatever
// locations a document touches. A goods' lots and its (goods, location)
// totals are only ever changed under its goods lock, so the (goods,
// location) rows need no lock order of their own: two documents on the same
// goods queue on its row (a transfer A→B and one B→A of the same goods
// included), documents on different goods do not wait for each other.

// stockKey names the stock of one goods at one location.
type stockKey struct {
	goods, location int64
}

// stockDelta is how much one document moves one stock.
type stockDelta struct {
	qty   model.Quantity
	value model.Money
}

// lotChange is a lot's remaining before and after one document.
type lotChange struct {
	lot    *model.Lot
	before model.Quantity
}

// stockRun is one document's work inside its transaction.
type stockRun struct {
	s     *Store
	tx    bun.Tx
	goods map[int64]*model.Goods
	// What the document moves, per goods (the goods row's totals) and per
	// (goods, location) (stock_levels).
	byGoods map[int64]*stockDelta
	byPlace map[stockKey]*stockDelta
	// The lots with something left read for the document, in FIFO order,
	// and those it changed, in the order it first took from them.
	fifo    map[stockKey][]*model.Lot
	read    map[int64]bool // locations whose lots are in fifo
	changed map[int64]*lotChange
	order   []*lotChange
	entries []*model.LedgerEntry
	// created marks the stocks the run made lots at: their totals are read
	// back for the events rather than summed from the lots read.
	created map[stockKey]bool
	// doc is the document the run writes (set by the document), and events
	// what it reports besides the stock changes finish works out.
	doc    *model.DocumentRef
	events []*model.Event
}

// startRun locks the goods rows of ids (see lockGoods) and answers the run.
// A goods id that does not exist is BAD_USER_INPUT on lines.N.goodsId, N the
// first line naming it (lineGoods gives each line's goods).
func (s *Store) startRun(ctx context.Context, tx bun.Tx, lineGoods []int64) (*stockRun, error) {
	goods, err := lockGoods(ctx, tx, lineGoods)
	if err != nil {
		return nil, err
	}
	for i, id := range lineGoods {
		if goods[id] == nil {
			return nil, model.Invalid(lineField(i, "goodsId"), "goods %d does not exist", id)
		}
	}
	return &stockRun{s: s, tx: tx, goods: goods, byGoods: map[int64]*stockDelta{}, byPlace: map[stockKey]*stockDelta{},
		fifo: map[stockKey][]*model.Lot{}, read: map[int64]bool{}, changed: map[int64]*lotChange{},
		created: map[stockKey]bool{}}, nil
}

// lockGoods locks the goods rows with these ids, in id order, and returns them
// by id. Ids that do not exist are missing from the map.
func lockGoods(ctx context.Context, tx bun.Tx, ids []int64) (map[int64]*model.Goods, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var gs []*model.Goods
	q := tx.NewSelect().Model(&gs).Column("id", "category_id", "on_hand", "stock_value", "tracks_expiry", "issue_policy",
		"low_stock_threshold").
		Where("g.id IN (?)", bun.List(ids)).OrderExpr("g.id")
	if err := forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("lock goods: %w", err)
	}
	return byID(gs, func(g *model.Goods) int64 { return g.ID }), nil
}

// readLots reads the lots with something left of the run's goods at one
// location, oldest first: (received_at, id), so that lots received at the
// same instant leave in the order they came. They are read under the goods
// locks, so they are the lots every earlier document left.
func (r *stockRun) readLots(ctx context.Context, location int64) error {
	if r.read[location] {
		return nil
	}
	r.read[location] = true
	ids := make([]int64, 0, len(r.goods))
	for id := range r.goods {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var lots []*model.Lot
	q := r.tx.NewSelect().Model(&lots).
		Where("l.goods_id IN (?)", bun.List(ids)).Where("l.location_id = ?", location).Where("l.depleted = FALSE").
		OrderExpr("l.goods_id, l.received_at, l.id")
	if err := forUpdate(q).Scan(ctx); err != nil {
		return fmt.Errorf("read lots: %w", err)
	}
	for _, l := range lots {
		k := stockKey{l.GoodsID, location}
		r.fifo[k] = append(r.fifo[k], l)
	}
	// Read oldest first; a FEFO goods' lots then leave earliest expiry first.
	for id, g := range r.goods {
		model.IssueOrder(g.IssuePolicy, r.fifo[stockKey{id, location}])
	}
	return nil
}

// move adds qty and value (negative to take away) to the stock of line i's
// goods at location, checking the goods' running totals against what one
// goods may hold (model.MoveStock) so that the line that would take them
// past it is the one named (lines.N.quantity) before anything is written.
func (r *stockRun) move(i int, goodsID, location int64, qty model.Quantity, value model.Money) error {
	d := r.byGoods[goodsID]
	if d == nil {
		d = &stockDelta{}
		r.byGoods[goodsID] = d
	}
	g := r.goods[goodsID]
	if _, _, err := model.MoveStock(g.OnHand, g.StockValue, d.qty+qty, d.value+value); err != nil {
		return fmt.Errorf("goods %d: %w", goodsID, model.WithField(err, lineField(i, "quantity")))
	}
	d.qty += qty
	d.value += value
	k := stockKey{goodsID, location}
	p := r.byPlace[k]
	if p == nil {
		p = &stockDelta{}
		r.byPlace[k] = p
	}
	p.qty += qty
	p.value += value
	return nil
}

// take allocates qty of line i's goods from its lots at location in the
// order they leave in (oldest first, or for a FEFO goods earliest expiry
// first; model.Allocate), and moves the stock there down by what it took.
// Not enough there is INSUFFICIENT_STOCK on lines.N.quantity.
func (r *stockRun) take(i int, goodsID, location int64, qty model.Quantity) ([]model.Allocation, []*model.Lot, model.Money, error) {
	return r.takeFrom(i, goodsID, location, r.fifo[stockKey{goodsID, location}], qty)
}

// takeLot is take from one named lot alone (the dented can): it must be a
// lot of the goods at the location (BAD_USER_INPUT on lines.N.lotId
// otherwise); more than it holds is INSUFFICIENT_STOCK.
func (r *stockRun) takeLot(ctx context.Context, i int, goodsID, location, lotID int64, qty model.Quantity) (
	[]model.Allocation, []*model.Lot, model.Money, error,
) {
	for _, l := range r.fifo[stockKey{goodsID, location}] {
		if l.ID == lotID {
			return r.takeFrom(i, goodsID, location, []*model.Lot{l}, qty)
		}
	}
	// Not among the lots with something left there: emptied, or not of
	// this goods and location.
	var lots []*model.Lot
	err := r.tx.NewSelect().Model(&lots).Column("l.id").Where("l.id = ?", lotID).Where("l.goods_id = ?", goodsID).
		Where("l.location_id = ?", location).Scan(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	if len(lots) == 0 {
		return nil, nil, 0, model.Invalid(lineField(i, "lotId"), "lot %d is not a lot of goods %d at this location", lotID, goodsID)
	}
	return nil, nil, 0, &model.InsufficientStockError{GoodsID: goodsID, Requested: qty, Field: lineField(i, "quantity")}
}

func (r *stockRun) takeFrom(i int, goodsID, location int64, lots []*model.Lot, qty model.Quantity) (
	[]model.Allocation, []*model.Lot, model.Money, error,
) {
	for _, l := range lots {
		if r.changed[l.ID] == nil && l.Remaining > 0 {
			// Note the remaining before any line of this document takes from it.
			c := &lotChange{lot: l, before: l.Remaining}
			r.changed[l.ID] = c
			r.order = append(r.order, c)
		}
	}
	allocs, err := model.Allocate(goodsID, lots, qty)
	if err != nil {
		var short *model.InsufficientStockError
		if errors.As(err, &short) {
			short.Field = lineField(i, "quantity")
		}
		return nil, nil, 0, err
	}
	var cost model.Money
	from := make([]*model.Lot, len(allocs))
	for j, a := range allocs {
		cost += a.Amount
		from[j] = r.changed[a.LotID].lot
	}
	if err := r.move(i, goodsID, location, -qty, -cost); err != nil {
		return nil, nil, 0, err
	}
	return allocs, from, cost, nil
}

// lotsByID reads these lots (under the goods locks the run holds, which the
// caller has taken for their goods) so that the run may change them: set a
// lot's Remaining and finish writes it.
func (r *stockRun) lotsByID(ctx context.Context, ids []int64) (map[int64]*model.Lot, error) {
	var lots []*model.Lot
	q := r.tx.NewSelect().Model(&lots).Where("l.id IN (?)", bun.List(ids)).OrderExpr("l.id")
	if err := forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read lots: %w", err)
	}
	m := make(map[int64]*model.Lot, len(lots))
	for _, l := range lots {
		if c := r.changed[l.ID]; c != nil {
			l = c.lot
		} else {
			c := &lotChange{lot: l, before: l.Remaining}
			r.changed[l.ID] = c
			r.order = append(r.order, c)
		}
		m[l.ID] = l
	}
	return m, nil
}

// entry adds a ledger entry to write when the run finishes.
func (r *stockRun) entry(e *model.LedgerEntry) {
	e.CategoryID = r.goods[e.GoodsID].CategoryID
	r.entries = append(r.entries, e)
}

// finish writes what the run did: the lots it took from, its ledger
// entries, and the running totals of every goods and (goods, location).
func (r *stockRun) finish(ctx context.Context) error {
	for _, c := range r.order {
		if c.lot.Remaining == c.before {
			continue
		}
		if c.lot.Remaining < 0 || c.lot.Remaining > c.lot.ReceivedQuantity {
			return fmt.Errorf("lot %d would hold %s of %s", c.lot.ID, c.lot.Remaining, c.lot.ReceivedQuantity)
		}
		// Compare-and-set on the remaining read under the goods lock: it
		// cannot have moved, and if it ever did this fails loudly instead
		// of allocating the same quantity twice.
		res, err := r.tx.NewUpdate().Model((*model.Lot)(nil)).
			Set("remaining = ?", c.lot.Remaining).Set("depleted = ?", c.lot.Remaining == 0).
			Where("id = ?", c.lot.ID).Where("remaining = ?", c.before).Exec(ctx)
		if err != nil {
			return fmt.Errorf("update lot %d: %w", c.lot.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("lot %d changed under its goods lock", c.lot.ID)
		}
	}
	if len(r.entries) > 0 {
		if _, err := r.tx.NewInsert().Model(&r.entries).Exec(ctx); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
	}
	if err := keepBalances(ctx, r.tx, r.entries); err != nil {
		return err
	}
	ids := make([]int64, 0, len(r.byGoods))
	for id, d := range r.byGoods {
		if d.qty != 0 || d.value != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		d := r.byGoods[id]
		// "on_hand + ?" with spaces: a negative argument next to a minus
		// sign would otherwise read as an SQL comment ("--").
		_, err := r.tx.NewUpdate().Model((*model.Goods)(nil)).
			Set("on_hand = on_hand + ?", d.qty).
			Set("stock_value = stock_value + ?", d.value).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("move stock of goods %d: %w", id, err)
		}
	}
	places := make([]*model.LocationStock, 0, len(r.byPlace))
	for k, d := range r.byPlace {
		places = append(places, &model.LocationStock{GoodsID: k.goods, LocationID: k.location, OnHand: d.qty, StockValue: d.value})
	}
	slices.SortFunc(places, func(a, b *model.LocationStock) int {
		return cmp.Or(cmp.Compare(a.GoodsID, b.GoodsID), cmp.Compare(a.LocationID, b.LocationID))
	})
	if err := addToStockLevels(ctx, r.tx, places); err != nil {
		return fmt.Errorf("move stock by location: %w", err)
	}
	return r.writeEvents(ctx, places)
}

func lineField(i int, name string) string { return fmt.Sprintf("lines.%d.%s", i, name) }
