package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// Stocktakes. A stocktake row is locked (FOR UPDATE on MySQL; SQLite's write
// transaction is exclusive anyway) by every change to it — a count, the
// apply, a cancel — so counts never land in a stocktake being applied, and
// it applies at most once. The apply then runs on the stock engine like any
// document: it locks every goods counted, in id order, and writes the LOSS
// stock-out (FIFO) and the SURPLUS stock-in of the differences.

const stocktakePrefix = "ST"

var (
	stocktakeOrder     = listOrder{name: "STOCKTAKE", desc: true, cols: []sortCol{{"st.started_at", kindTime}, {"st.id", kindInt}}}
	stocktakeLineOrder = listOrder{name: "STOCKTAKE_LINE", cols: []sortCol{{"stl.line", kindInt}}}
)

// StartStocktake opens a count at one location of the goods named, or of a
// category's goods, or (with neither) of every goods with stock or history
// there.
func (s *Store) StartStocktake(ctx context.Context, in model.StocktakeInput) (*model.Stocktake, error) {
	st, err := model.StartStocktake(in, s.now())
	if err != nil {
		return nil, err
	}
	if st.LocationID, err = s.documentLocation(ctx, in.LocationID, "locationId", true); err != nil {
		return nil, err
	}
	st.IdempotencyScope = model.IdempotencyScope(ctx)
	if st.IdempotencyKey != nil {
		if prev, err := s.replayStocktake(ctx, st); prev != nil || err != nil {
			return prev, err
		}
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		st.ID, st.StartedAt, st.StartedBy = 0, s.now(), model.ActorFrom(ctx)
		goods, err := stocktakeScope(ctx, tx, st, in.GoodsIDs)
		if err != nil {
			return err
		}
		if st.Code, err = s.nextCode(ctx, tx, stocktakePrefix, st.StartedAt); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(st).Exec(ctx); err != nil {
			return err
		}
		if len(goods) == 0 {
			return nil
		}
		lines := make([]*model.StocktakeLine, len(goods))
		for i, id := range goods {
			lines[i] = &model.StocktakeLine{StocktakeID: st.ID, Line: i + 1, GoodsID: id}
		}
		_, err = tx.NewInsert().Model(&lines).Exec(ctx)
		return err
	})
	if err != nil {
		return documentError(err, "stocktake", st.Code, st.IdempotencyKey, func() (*model.Stocktake, error) {
			return s.replayStocktake(ctx, st)
		})
	}
	return st, nil
}

// stocktakeScope finds the goods a stocktake counts, by name: the goods
// named (each must exist), the category's goods that are not archived, or
// every goods with stock or history at the location.
func stocktakeScope(ctx context.Context, tx bun.Tx, st *model.Stocktake, named []int64) ([]int64, error) {
	q := tx.NewSelect().Model((*model.Goods)(nil)).Column("g.id").OrderExpr("g.name_key, g.id")
	switch {
	case len(named) > 0:
		ids := slices.Clone(named)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		q = q.Where("g.id IN (?)", bun.List(ids))
		if st.CategoryID != nil {
			q = q.Where("g.category_id = ?", *st.CategoryID)
		}
		var found []int64
		if err := q.Scan(ctx, &found); err != nil {
			return nil, err
		}
		if len(found) != len(ids) {
			for i, id := range named {
				if !slices.Contains(found, id) {
					return nil, model.Invalid(fmt.Sprintf("goodsIds.%d", i), "goods %d does not exist (or is not in the category)", id)
				}
			}
		}
		return found, nil
	case st.CategoryID != nil:
		n, err := tx.NewSelect().Model((*model.Category)(nil)).Where("c.id = ?", *st.CategoryID).Count(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, model.Invalid("categoryId", "category %d does not exist", *st.CategoryID)
		}
		q = q.Where("g.category_id = ?", *st.CategoryID).Where("g.archived = FALSE")
	default:
		q = q.Where("EXISTS (SELECT 1 FROM stock_levels AS sl WHERE sl.goods_id = g.id AND sl.location_id = ?)", st.LocationID)
	}
	var ids []int64
	err := q.Scan(ctx, &ids)
	return ids, err
}

func (s *Store) replayStocktake(ctx context.Context, st *model.Stocktake) (*model.Stocktake, error) {
	return replay(ctx, s, "st", st.IdempotencyScope, *st.IdempotencyKey, st.RequestHash,
		func(d *model.Stocktake) string { return d.RequestHash })
}

// lockStocktake reads a stocktake for a change, locked until the transaction
// ends.
func lockStocktake(ctx context.Context, tx bun.Tx, id int64) (*model.Stocktake, error) {
	st := new(model.Stocktake)
	if err := forUpdate(tx.NewSelect().Model(st).Where("st.id = ?", id)).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("stocktake", id))
	}
	return st, nil
}

func notOpen(st *model.Stocktake) error {
	return &model.Error{Code: model.CodeConflict, Field: "stocktakeId",
		Message: fmt.Sprintf("stocktake %s is %s; counts go into an open one", st.Code, st.Status)}
}

// RecordCounts records counts in an open stocktake; a goods counted again
// takes the later count. Each count remembers what was on hand at the
// location at that moment: what the apply compares it with.
func (s *Store) RecordCounts(ctx context.Context, in model.CountInput) (*model.Stocktake, error) {
	if err := model.CheckCounts(in); err != nil {
		return nil, err
	}
	packs, err := s.unpackCounts(ctx, &in)
	if err != nil {
		return nil, err
	}
	if err := s.checkStocktakeLocation(ctx, in.StocktakeID, "stocktakeId"); err != nil {
		return nil, err
	}
	var st *model.Stocktake
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if st, err = lockStocktake(ctx, tx, in.StocktakeID); err != nil {
			return err
		}
		if st.Status != model.StocktakeOpen {
			return notOpen(st)
		}
		ids := make([]int64, len(in.Lines))
		for i, l := range in.Lines {
			ids[i] = l.GoodsID
		}
		var lines []*model.StocktakeLine
		err = tx.NewSelect().Model(&lines).Where("stl.stocktake_id = ?", st.ID).Where("stl.goods_id IN (?)", bun.List(ids)).Scan(ctx)
		if err != nil {
			return err
		}
		byGoods := byID(lines, func(l *model.StocktakeLine) int64 { return l.GoodsID })
		for i, l := range in.Lines {
			if byGoods[l.GoodsID] == nil {
				return model.Invalid(lineField(i, "goodsId"), "goods %d is not counted in stocktake %s", l.GoodsID, st.Code)
			}
		}
		// What is on hand now, read under the goods locks so that no
		// document is half-way between the read and this count.
		if _, err := lockGoods(ctx, tx, ids); err != nil {
			return err
		}
		var levels []*model.LocationStock
		err = tx.NewSelect().Model(&levels).Where("sl.location_id = ?", st.LocationID).
			Where("sl.goods_id IN (?)", bun.List(ids)).Scan(ctx)
		if err != nil {
			return err
		}
		onHand := byID(levels, func(l *model.LocationStock) int64 { return l.GoodsID })
		now, by := s.now(), model.ActorFrom(ctx)
		for i, l := range in.Lines {
			line := byGoods[l.GoodsID]
			line.PackName, line.PackQuantity = packs[i].name, packs[i].count
			var expected model.Quantity
			var value model.Money
			if lv := onHand[l.GoodsID]; lv != nil {
				expected, value = lv.OnHand, lv.StockValue
			}
			counted := l.Counted
			line.Counted, line.UnitCost, line.CountedAt, line.CountedBy = &counted, l.UnitCost, &now, by
			line.Expected, line.ExpectedValue = &expected, &value
			_, err := tx.NewUpdate().Model(line).
				Column("counted", "unit_cost", "counted_at", "counted_by", "expected", "expected_value", "pack_name", "pack_quantity").
				WherePK().Exec(ctx)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, stocktakeError(err, in.StocktakeID)
	}
	return st, nil
}

func stocktakeError(err error, id int64) error {
	var short *model.InsufficientStockError
	var me *model.Error
	if errors.As(err, &me) || errors.As(err, &short) {
		return err
	}
	return fmt.Errorf("stocktake %d: %w", id, err)
}

// checkStocktakeLocation refuses with FORBIDDEN a user limited to other
// locations than the stocktake's (CheckLocations); NOT_FOUND when there is
// no such stocktake. A stocktake's location never changes, so this is read
// before its transaction.
func (s *Store) checkStocktakeLocation(ctx context.Context, id int64, field string) error {
	if model.ActorFrom(ctx) == nil {
		return nil
	}
	var loc []*model.Location
	err := s.db.NewSelect().Model(&loc).Column("loc.id", "loc.name").
		Where("loc.id = (SELECT st.location_id FROM stocktakes AS st WHERE st.id = ?)", id).Scan(ctx)
	if err != nil {
		return err
	}
	if len(loc) == 0 {
		return model.NotFound("stocktake", id)
	}
	return s.CheckLocations(ctx, field, loc[0])
}

// CancelStocktake closes an open stocktake without changing stock.
func (s *Store) CancelStocktake(ctx context.Context, id int64) (*model.Stocktake, error) {
	if err := s.checkStocktakeLocation(ctx, id, "id"); err != nil {
		return nil, err
	}
	var st *model.Stocktake
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if st, err = lockStocktake(ctx, tx, id); err != nil {
			return err
		}
		if st.Status != model.StocktakeOpen {
			return &model.Error{Code: model.CodeConflict, Field: "id",
				Message: fmt.Sprintf("stocktake %s is %s already", st.Code, st.Status)}
		}
		now := s.now()
		st.Status, st.CancelledAt = model.StocktakeCancelled, &now
		_, err = tx.NewUpdate().Model(st).Column("status", "cancelled_at").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, stocktakeError(err, id)
	}
	return st, nil
}

// ApplyStocktake writes, in one transaction, a SURPLUS stock-in of the
// goods counted above what was on hand when they were counted and a LOSS
// stock-out (FIFO) of those below, each line the difference. Uncounted goods
// stay as they are. A loss larger than what is on hand now is
// INSUFFICIENT_STOCK and nothing changes. A stocktake applies once: again
// with the same idempotency key answers it, otherwise it is a CONFLICT.
func (s *Store) ApplyStocktake(ctx context.Context, in model.ApplyInput) (*model.Stocktake, error) {
	key, err := model.OptionalText("idempotencyKey", in.IdempotencyKey, model.IdempotencyKeyMax)
	if err != nil {
		return nil, err
	}
	if err := s.checkStocktakeLocation(ctx, in.ID, "id"); err != nil {
		return nil, err
	}
	var st *model.Stocktake
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if st, err = lockStocktake(ctx, tx, in.ID); err != nil {
			return err
		}
		switch {
		case st.Status == model.StocktakeApplied && key != nil && st.ApplyKey != nil && *st.ApplyKey == *key:
			return nil // a retry of the apply that happened
		case st.Status != model.StocktakeOpen:
			return &model.Error{Code: model.CodeConflict, Field: "id",
				Message: fmt.Sprintf("stocktake %s is %s; only an open stocktake applies", st.Code, st.Status)}
		}
		var lines []*model.StocktakeLine
		err := tx.NewSelect().Model(&lines).Where("stl.stocktake_id = ?", st.ID).Where("stl.counted IS NOT NULL").
			OrderExpr("stl.line").Scan(ctx)
		if err != nil {
			return err
		}
		now, by := s.now(), model.ActorFrom(ctx)
		if err := s.applyDifferences(ctx, tx, st, lines, now); err != nil {
			return err
		}
		st.Status, st.AppliedAt, st.AppliedBy, st.ApplyKey = model.StocktakeApplied, &now, by, key
		_, err = tx.NewUpdate().Model(st).Column("status", "applied_at", "applied_by", "apply_key", "stock_in_id", "stock_out_id").
			WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, stocktakeError(err, in.ID)
	}
	return st, nil
}

// applyDifferences writes the stocktake's documents and each counted line's
// difference value.
func (s *Store) applyDifferences(ctx context.Context, tx bun.Tx, st *model.Stocktake, lines []*model.StocktakeLine, now time.Time) error {
	var gains, losses []*model.StocktakeLine
	for _, l := range lines {
		switch d := *l.Difference(); {
		case d > 0:
			gains = append(gains, l)
		case d < 0:
			losses = append(losses, l)
		}
	}
	if len(gains)+len(losses) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(gains)+len(losses))
	for _, l := range append(slices.Clone(losses), gains...) {
		ids = append(ids, l.GoodsID)
	}
	run, err := s.startRun(ctx, tx, ids)
	if err != nil {
		return err
	}
	tag := entryTag{stocktake: &st.ID}
	note := fmt.Sprintf("stocktake %s", st.Code)
	by := model.ActorFrom(ctx)
	if len(losses) > 0 {
		doc := &model.StockOut{Reason: model.StockOutLoss, LocationID: st.LocationID, OccurredAt: now, Note: &note,
			RequestHash: "stocktake " + st.Code, CreatedAt: now, CreatedBy: by}
		out := make([]*model.StockOutLine, len(losses))
		for i, l := range losses {
			out[i] = &model.StockOutLine{Line: i + 1, GoodsID: l.GoodsID, Quantity: -*l.Difference()}
		}
		if err := run.stockOut(ctx, doc, out, model.KindStocktakeLoss, tag); err != nil {
			return err
		}
		for i, l := range losses {
			v := -out[i].Cost
			l.DifferenceValue = &v
		}
		st.StockOutID = &doc.ID
	}
	if len(gains) > 0 {
		costs, err := surplusCosts(ctx, tx, st.LocationID, gains)
		if err != nil {
			return err
		}
		doc := &model.StockIn{Type: model.StockInSurplus, LocationID: st.LocationID, OccurredAt: now, Note: &note,
			RequestHash: "stocktake " + st.Code, CreatedAt: now, CreatedBy: by}
		lots := make([]*model.Lot, len(gains))
		for i, l := range gains {
			q := *l.Difference()
			amount := model.Amount(q, costs[i])
			if doc.TotalAmount, err = model.AddMoney(doc.TotalAmount, amount); err != nil {
				return err
			}
			lots[i] = &model.Lot{Line: i + 1, GoodsID: l.GoodsID, ReceivedQuantity: q, Remaining: q, UnitCost: costs[i],
				Amount: amount, ReceivedAt: now}
			l.DifferenceValue = &lots[i].Amount
		}
		if err := run.stockIn(ctx, doc, lots, model.KindStocktakeGain, tag, nil); err != nil {
			return err
		}
		st.StockInID = &doc.ID
	}
	for _, l := range append(losses, gains...) {
		if _, err := tx.NewUpdate().Model(l).Column("difference_value").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	run.document("STOCKTAKE", st.ID, st.Code)
	return run.finish(ctx)
}

// surplusCosts is the unit cost of each surplus line: the line's own when
// given, else the goods' average cost at the location now, else its latest
// lot's cost anywhere, else 0. The caller holds the goods' locks.
func surplusCosts(ctx context.Context, tx bun.Tx, location int64, lines []*model.StocktakeLine) ([]model.UnitCost, error) {
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.GoodsID
	}
	var levels []*model.LocationStock
	if err := tx.NewSelect().Model(&levels).Where("sl.location_id = ?", location).Where("sl.goods_id IN (?)", bun.List(ids)).
		Scan(ctx); err != nil {
		return nil, err
	}
	here := byID(levels, func(l *model.LocationStock) int64 { return l.GoodsID })
	var latest []*model.Lot
	err := tx.NewSelect().Model(&latest).Column("l.goods_id", "l.unit_cost").
		Where("l.goods_id IN (?)", bun.List(ids)).
		Where(`NOT EXISTS (SELECT 1 FROM lots AS later WHERE later.goods_id = l.goods_id
			AND (later.received_at > l.received_at OR (later.received_at = l.received_at AND later.id > l.id)))`).Scan(ctx)
	if err != nil {
		return nil, err
	}
	last := byID(latest, func(l *model.Lot) int64 { return l.GoodsID })
	costs := make([]model.UnitCost, len(lines))
	for i, l := range lines {
		if l.UnitCost != nil {
			costs[i] = *l.UnitCost
			continue
		}
		if lv := here[l.GoodsID]; lv != nil && lv.OnHand > 0 {
			if c, ok := model.AverageCost(lv.StockValue, lv.OnHand); ok {
				costs[i] = c
				continue
			}
		}
		if lot := last[l.GoodsID]; lot != nil {
			costs[i] = lot.UnitCost
		}
	}
	return costs, nil
}

// Stocktake returns one stocktake, or NOT_FOUND.
func (s *Store) Stocktake(ctx context.Context, id int64) (*model.Stocktake, error) {
	st := new(model.Stocktake)
	if err := s.db.NewSelect().Model(st).Where("st.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("stocktake", id))
	}
	return st, nil
}

// StocktakesByIDs returns the stocktakes with these ids.
func (s *Store) StocktakesByIDs(ctx context.Context, ids []int64) (map[int64]*model.Stocktake, error) {
	var ds []*model.Stocktake
	err := s.db.NewSelect().Model(&ds).Where("st.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ds, func(d *model.Stocktake) int64 { return d.ID }), err
}

// Stocktakes lists stocktakes, newest first.
func (s *Store) Stocktakes(ctx context.Context, f model.StocktakeFilter, p model.PageArgs) (*model.Page[*model.Stocktake], error) {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return nil, err
	}
	if f.Status != nil && !f.Status.Valid() {
		return nil, model.Invalid("status", "unknown status %q", *f.Status)
	}
	base := func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.Stocktake)(nil))
		if f.Status != nil {
			q = q.Where("st.status = ?", *f.Status)
		}
		if f.LocationID != nil {
			q = q.Where("st.location_id = ?", *f.LocationID)
		}
		return timeRange(q, "st.started_at", f.From, f.To)
	}
	return page(ctx, base, p, stocktakeOrder, func(d *model.Stocktake) []any { return []any{d.StartedAt, d.ID} })
}

// StocktakeLines lists the lines of one stocktake in line order, counted
// ones or uncounted ones only when asked.
func (s *Store) StocktakeLines(ctx context.Context, id int64, f model.StocktakeLineFilter, p model.PageArgs) (*model.Page[*model.StocktakeLine], error) {
	base := func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.StocktakeLine)(nil)).Where("stl.stocktake_id = ?", id)
		switch {
		case f.Counted == nil:
		case *f.Counted:
			q = q.Where("stl.counted IS NOT NULL")
		default:
			q = q.Where("stl.counted IS NULL")
		}
		return q
	}
	return page(ctx, base, p, stocktakeLineOrder, func(l *model.StocktakeLine) []any { return []any{l.Line} })
}

// StocktakeCounts counts the counted and uncounted lines of each stocktake.
func (s *Store) StocktakeCounts(ctx context.Context, ids []int64) (map[int64][2]int, error) {
	var rows []struct {
		StocktakeID int64 `bun:"stocktake_id"`
		Counted     int   `bun:"counted"`
		All         int   `bun:"all_lines"`
	}
	err := s.db.NewSelect().Model((*model.StocktakeLine)(nil)).
		ColumnExpr("stl.stocktake_id, COUNT(stl.counted) AS counted, COUNT(*) AS all_lines").
		Where("stl.stocktake_id IN (?)", bun.List(ids)).Group("stl.stocktake_id").Scan(ctx, &rows)
	m := make(map[int64][2]int, len(ids))
	for _, r := range rows {
		m[r.StocktakeID] = [2]int{r.Counted, r.All - r.Counted}
	}
	return m, err
}
