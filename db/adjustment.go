package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"wms/model"
)

// SetStock sets one goods' on hand at a location to a figure by writing the
// SURPLUS stock-in or LOSS stock-out (FIFO) of the difference, in one
// transaction under the goods' lock. With CompareQuantity, the on hand must
// still be that figure — otherwise CONFLICT with extensions.current, so that
// a scanner app never overwrites a movement it has not seen.
func (s *Store) SetStock(ctx context.Context, in model.SetStockInput) (*model.StockAdjustment, error) {
	adj, err := model.SetStock(in, s.now())
	if err != nil {
		return nil, err
	}
	loc, err := s.locationFor(ctx, in.LocationID, "locationId", false)
	if err != nil {
		return nil, err
	}
	adj.LocationID = loc.ID
	adj.IdempotencyScope = model.IdempotencyScope(ctx)
	if adj.IdempotencyKey != nil {
		if prev, err := s.replayAdjustment(ctx, adj); prev != nil || err != nil {
			return prev, err
		}
	}
	err = s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		adj.ID, adj.StockInID, adj.StockOutID, adj.CreatedAt, adj.CreatedBy = 0, nil, nil, s.now(), model.ActorFrom(ctx)
		run, err := s.startRun(ctx, tx, []int64{adj.GoodsID})
		if err != nil {
			return renameField(err, lineField(0, "goodsId"), "goodsId")
		}
		var levels []*model.LocationStock
		err = tx.NewSelect().Model(&levels).Where("sl.goods_id = ?", adj.GoodsID).Where("sl.location_id = ?", adj.LocationID).Scan(ctx)
		if err != nil {
			return err
		}
		adj.QuantityBefore = 0
		if len(levels) > 0 {
			adj.QuantityBefore = levels[0].OnHand
		}
		if in.CompareQuantity != nil && *in.CompareQuantity != adj.QuantityBefore {
			return &model.Error{Code: model.CodeConflict, Field: "compareQuantity",
				Message: fmt.Sprintf("the on hand is %s, not %s: it changed since you read it", adj.QuantityBefore, *in.CompareQuantity),
				Details: map[string]any{"current": adj.QuantityBefore.String()}}
		}
		diff := adj.Difference()
		if diff > 0 && loc.Archived {
			return archivedLocation("locationId", loc)
		}
		if _, err := tx.NewInsert().Model(adj).Exec(ctx); err != nil {
			return err
		}
		if diff == 0 {
			return nil
		}
		tag := entryTag{adjustment: &adj.ID}
		note := "setStock"
		if adj.Note != nil {
			note = *adj.Note
		}
		switch {
		case diff < 0:
			doc := &model.StockOut{Reason: model.StockOutLoss, LocationID: adj.LocationID, OccurredAt: adj.CreatedAt, Note: &note,
				RequestHash: adj.RequestHash, CreatedAt: adj.CreatedAt, CreatedBy: adj.CreatedBy}
			lines := []*model.StockOutLine{{Line: 1, GoodsID: adj.GoodsID, Quantity: -diff}}
			if err := run.stockOut(ctx, doc, lines, model.KindAdjustmentLoss, tag); err != nil {
				return renameField(err, lineField(0, "quantity"), "quantity")
			}
			adj.StockOutID = &doc.ID
		default:
			costs, err := surplusCosts(ctx, tx, adj.LocationID, []*model.StocktakeLine{{GoodsID: adj.GoodsID, UnitCost: in.UnitCost}})
			if err != nil {
				return err
			}
			amount := model.Amount(diff, costs[0])
			doc := &model.StockIn{Type: model.StockInSurplus, LocationID: adj.LocationID, OccurredAt: adj.CreatedAt, Note: &note,
				TotalAmount: amount, RequestHash: adj.RequestHash, CreatedAt: adj.CreatedAt, CreatedBy: adj.CreatedBy}
			lots := []*model.Lot{{Line: 1, GoodsID: adj.GoodsID, ReceivedQuantity: diff, Remaining: diff, UnitCost: costs[0],
				Amount: amount, ReceivedAt: adj.CreatedAt}}
			if err := run.stockIn(ctx, doc, lots, model.KindAdjustmentGain, tag, nil); err != nil {
				return renameField(err, lineField(0, "quantity"), "quantity")
			}
			adj.StockInID = &doc.ID
		}
		if _, err := tx.NewUpdate().Model(adj).Column("stock_in_id", "stock_out_id").WherePK().Exec(ctx); err != nil {
			return err
		}
		return run.finish(ctx)
	})
	if err != nil {
		return documentError(err, "stock adjustment", "", adj.IdempotencyKey, func() (*model.StockAdjustment, error) {
			return s.replayAdjustment(ctx, adj)
		})
	}
	return adj, nil
}

func (s *Store) replayAdjustment(ctx context.Context, adj *model.StockAdjustment) (*model.StockAdjustment, error) {
	return replay(ctx, s, "adj", adj.IdempotencyScope, *adj.IdempotencyKey, adj.RequestHash,
		func(d *model.StockAdjustment) string { return d.RequestHash })
}

// AdjustmentsByIDs returns the stock adjustments with these ids.
func (s *Store) AdjustmentsByIDs(ctx context.Context, ids []int64) (map[int64]*model.StockAdjustment, error) {
	var ds []*model.StockAdjustment
	err := s.db.NewSelect().Model(&ds).Where("adj.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ds, func(d *model.StockAdjustment) int64 { return d.ID }), err
}

// renameField gives a domain error about field from the field to instead:
// the engine names document lines, a single-goods mutation its own fields.
func renameField(err error, from, to string) error {
	var me *model.Error
	var short *model.InsufficientStockError
	switch {
	case errors.As(err, &me) && me.Field == from:
		me.Field = to
	case errors.As(err, &short) && short.Field == from:
		short.Field = to
	}
	return err
}
