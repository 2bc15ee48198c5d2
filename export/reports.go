package export

import (
	"context"

	"wms/model"
)

// The movement summary and the valuation as reports: one row per goods, by
// name, read a batch of goods at a time (db.Store.EachMovement,
// EachValuation), and a last row with the totals of every row.

// checkReportTimes refuses a movement summary without its period.
func checkReportTimes(in model.ExportInput) error {
	if in.Kind != model.ExportMovementSummary {
		return nil
	}
	if in.From == nil {
		return model.Invalid("from", "a MOVEMENT_SUMMARY report needs from and to")
	}
	if in.To == nil {
		return model.Invalid("to", "a MOVEMENT_SUMMARY report needs from and to")
	}
	return nil
}

func reportFilter(in model.ExportInput) model.ReportFilter {
	return model.ReportFilter{LocationID: in.LocationID, CategoryID: in.CategoryID, Search: deref(in.Search)}
}

// goodsCells are the first four cells of a report row: goods, SKU,
// category, unit.
func (r *rows) goodsCells(id int64) []any {
	name, unit, cat := r.name(id)
	sku := ""
	if g := r.goods[id]; g != nil {
		sku = deref(g.SKU)
	}
	return []any{name, sku, cat, unit}
}

func (r *rows) totalCells() []any {
	return []any{totalLabel.header(r.l), "", "", ""}
}

func (r *rows) movementSummary(ctx context.Context, in model.ExportInput) error {
	if err := checkReportTimes(in); err != nil {
		return err
	}
	cells := func(head []any, m *model.Movement) []any {
		return r.placed(append(head, m.Opening.Quantity, m.Opening.Value, m.Incoming.Quantity, m.Incoming.Value,
			m.Outgoing.Quantity, m.Outgoing.Value, m.Closing.Quantity, m.Closing.Value), deref(in.LocationID))
	}
	total, err := r.s.EachMovement(ctx, reportFilter(in), *in.From, *in.To, func(ms []*model.Movement) error {
		ids := make([]int64, len(ms))
		for i, m := range ms {
			ids[i] = m.GoodsID
		}
		if err := r.loadGoods(ctx, ids); err != nil {
			return err
		}
		for _, m := range ms {
			if err := r.put(cells(r.goodsCells(m.GoodsID), m)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.put(cells(r.totalCells(), total))
}

func (r *rows) valuation(ctx context.Context, in model.ExportInput) error {
	cells := func(head []any, v *model.Valuation) []any {
		avg := v.AverageCost()
		if v.GoodsID == 0 {
			avg = nil // the totals mix units: no average
		}
		return r.placed(append(head, v.Quantity, v.Value, avg), deref(in.LocationID))
	}
	total, err := r.s.EachValuation(ctx, reportFilter(in), in.At, func(vs []*model.Valuation) error {
		ids := make([]int64, len(vs))
		for i, v := range vs {
			ids[i] = v.GoodsID
		}
		if err := r.loadGoods(ctx, ids); err != nil {
			return err
		}
		for _, v := range vs {
			if err := r.put(cells(r.goodsCells(v.GoodsID), v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.put(cells(r.totalCells(), total))
}
