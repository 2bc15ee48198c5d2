package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// The outbox. A document's events are written by its own transaction, last,
// in one statement (stockRun.writeEvents), so an event exists if and only if
// what it reports committed. Server processes read them by id (EventsAfter).

func idText(id int64) string { return strconv.FormatInt(id, 10) }

// document sets the document the run writes, for its events.
func (r *stockRun) document(kind string, id int64, code string) {
	r.doc = &model.DocumentRef{Kind: kind, ID: idText(id), Code: code}
}

// writeEvents writes the run's events: DOCUMENT_CREATED or _VOIDED as the
// document added them, then for each (goods, location) it moved a
// STOCK_CHANGED with the new figures, and LOW_STOCK / BACK_IN_STOCK where
// the on hand at the location, or in total, crossed the goods' threshold.
// The new figures at a location are the lots read under the goods' locks
// (what a stock-out reads anyway), or read back where the run made lots or
// read none.
func (r *stockRun) writeEvents(ctx context.Context, places []*model.LocationStock) error {
	if r.s.noEvents {
		return nil
	}
	now := r.s.now()
	after, err := r.placesAfter(ctx, places)
	if err != nil {
		return err
	}
	events := r.events
	for _, p := range places {
		k := stockKey{p.GoodsID, p.LocationID}
		a := after[k]
		loc := idText(p.LocationID)
		ch := &model.StockChange{GoodsID: idText(p.GoodsID), LocationID: &loc, OnHand: a.qty, Value: a.value, Document: r.doc}
		events = append(events, model.NewEvent(model.EventStockChanged, now, ch))
		events = appendCrossing(events, now, r.goods[p.GoodsID].LowStockThreshold, a.qty-p.OnHand, a.qty, ch)
	}
	ids := make([]int64, 0, len(r.byGoods))
	for id, d := range r.byGoods {
		if d.qty != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		g, d := r.goods[id], r.byGoods[id]
		ch := &model.StockChange{GoodsID: idText(id), OnHand: g.OnHand + d.qty, Value: g.StockValue + d.value, Document: r.doc}
		events = appendCrossing(events, now, g.LowStockThreshold, g.OnHand, g.OnHand+d.qty, ch)
	}
	if len(events) == 0 {
		return nil
	}
	if _, err := r.tx.NewInsert().Model(&events).Exec(ctx); err != nil {
		return fmt.Errorf("write events: %w", err)
	}
	return nil
}

// appendCrossing adds LOW_STOCK when on hand went from above threshold to
// at or below it, BACK_IN_STOCK the other way.
func appendCrossing(events []*model.Event, now time.Time, threshold *model.Quantity, before, after model.Quantity,
	ch *model.StockChange,
) []*model.Event {
	if threshold == nil || !threshold.Readable() {
		return events
	}
	c := *ch
	c.Threshold = threshold
	switch t := *threshold; {
	case before > t && after <= t:
		return append(events, model.NewEvent(model.EventLowStock, now, &c))
	case before <= t && after > t:
		return append(events, model.NewEvent(model.EventBackInStock, now, &c))
	}
	return events
}

// placesAfter is the stock of each (goods, location) the run moved, after
// it.
func (r *stockRun) placesAfter(ctx context.Context, places []*model.LocationStock) (map[stockKey]stockDelta, error) {
	out := make(map[stockKey]stockDelta, len(places))
	var read []*model.LocationStock
	for _, p := range places {
		k := stockKey{p.GoodsID, p.LocationID}
		if !r.read[p.LocationID] || r.created[k] {
			read = append(read, p)
			continue
		}
		var d stockDelta
		for _, l := range r.fifo[k] {
			d.qty += l.Remaining
			d.value += l.Value(l.Remaining)
		}
		out[k] = d
	}
	if len(read) == 0 {
		return out, nil
	}
	q := r.tx.NewSelect().Model((*model.LocationStock)(nil))
	q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, p := range read {
			q = q.WhereOr("(sl.goods_id = ? AND sl.location_id = ?)", p.GoodsID, p.LocationID)
		}
		return q
	})
	var levels []*model.LocationStock
	if err := q.Scan(ctx, &levels); err != nil {
		return nil, fmt.Errorf("read stock after: %w", err)
	}
	for _, l := range levels {
		out[stockKey{l.GoodsID, l.LocationID}] = stockDelta{l.OnHand, l.StockValue}
	}
	return out, nil
}

// documentEvent adds the DOCUMENT_CREATED or DOCUMENT_VOIDED of the run's
// document.
func (r *stockRun) documentEvent(t model.EventType, reason *string, locations ...int64) {
	ev := &model.DocumentEvent{DocumentRef: *r.doc, Reason: reason}
	for _, l := range locations {
		ev.LocationIDs = append(ev.LocationIDs, idText(l))
	}
	r.events = append(r.events, model.NewEvent(t, r.s.now(), ev))
}

// EventsAfter reads up to limit events with ids above after, in id order.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]*model.Event, error) {
	var es []*model.Event
	err := s.db.NewSelect().Model(&es).Where("ev.id > ?", after).OrderExpr("ev.id").Limit(int64(limit)).Scan(ctx)
	return es, err
}

// LastEventID is the id of the newest event, or 0.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id *int64
	err := s.db.NewSelect().Model((*model.Event)(nil)).ColumnExpr("MAX(ev.id)").Scan(ctx, &id)
	if err != nil || id == nil {
		return 0, err
	}
	return *id, nil
}

// PruneEvents removes events older than before, a batch at a time; it
// answers how many it removed.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var ids []int64
		// Oldest first by id, which grows with time: the scan stops at the
		// first thousand, all at the start of the table.
		err := s.db.NewSelect().Model((*model.Event)(nil)).Column("ev.id").Where("ev.at < ?", before.UTC()).
			OrderExpr("ev.id").Limit(1000).Scan(ctx, &ids)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		res, err := s.db.NewDelete().Model((*model.Event)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
}

// writeEvent writes one event in tx (for changes outside the stock engine).
func writeEvent(ctx context.Context, tx bun.IDB, e *model.Event) error {
	_, err := tx.NewInsert().Model(e).Exec(ctx)
	return err
}

// ScanExpiring writes, once a day (the shop's business day) whichever
// replica gets there first, one LOTS_EXPIRING event per location with lots
// that have something left and expire within `within` of now. It answers
// how many events it wrote (0 when the day's scan was done already).
func (s *Store) ScanExpiring(ctx context.Context, now time.Time, within time.Duration) (int, error) {
	day := s.BusinessDate(now)
	var wrote int
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		wrote = 0
		// The day's mark: a second replica's insert of it fails.
		_, err := tx.NewRaw("INSERT INTO settings (name, value, created_at) VALUES (?, ?, ?)",
			"expiry-scan-"+day, day, now.UTC()).Exec(ctx)
		if isUniqueViolation(err) {
			return nil
		}
		if err != nil {
			return err
		}
		before := now.Add(within).UTC()
		var lots []*model.Lot
		err = tx.NewSelect().Model(&lots).Column("l.id", "l.goods_id", "l.location_id", "l.expires_at", "l.remaining").
			Where("l.depleted = FALSE").Where("l.expires_at IS NOT NULL").Where("l.expires_at < ?", before).
			OrderExpr("l.location_id, l.expires_at, l.id").Limit(5000).Scan(ctx)
		if err != nil {
			return err
		}
		byLoc := map[int64]*model.LotsExpiring{}
		var order []int64
		for _, l := range lots {
			e := byLoc[l.LocationID]
			if e == nil {
				e = &model.LotsExpiring{LocationID: idText(l.LocationID), Before: before}
				byLoc[l.LocationID] = e
				order = append(order, l.LocationID)
			}
			e.Lots = append(e.Lots, &model.ExpiringLot{LotID: idText(l.ID), GoodsID: idText(l.GoodsID), ExpiresAt: *l.ExpiresAt,
				Remaining: l.Remaining})
		}
		if len(order) == 0 {
			return nil
		}
		events := make([]*model.Event, len(order))
		for i, loc := range order {
			events[i] = model.NewEvent(model.EventLotsExpiring, now.UTC(), byLoc[loc])
		}
		wrote = len(events)
		_, err = tx.NewInsert().Model(&events).Exec(ctx)
		return err
	})
	return wrote, err
}
