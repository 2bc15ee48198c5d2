package graph

import (
	"context"

	"wms/db"
	"wms/model"
)

// The loaders of the stock fields, and what each announces for the level
// below it: a page of stock-ins expects its lines, lines expect their goods,
// goods their categories — so a page with everything nested costs one query
// per level, whatever its size.

func (l *Loaders) newStockLoaders(s *db.Store) {
	l.Lot = NewLoader(func(ctx context.Context, ids []int64) (map[int64]*model.Lot, error) {
		m, err := s.LotsByIDs(ctx, ids)
		for _, lot := range m {
			l.expectLot(lot)
		}
		return m, err
	})
	l.StockIn = NewLoader(func(ctx context.Context, ids []int64) (map[int64]*model.StockIn, error) {
		m, err := s.StockInsByIDs(ctx, ids)
		for _, d := range m {
			l.expectStockIn(d)
		}
		return m, err
	})
	l.StockOut = NewLoader(func(ctx context.Context, ids []int64) (map[int64]*model.StockOut, error) {
		m, err := s.StockOutsByIDs(ctx, ids)
		for _, d := range m {
			l.expectStockOut(d)
		}
		return m, err
	})
	l.StockInLines = NewLoader(func(ctx context.Context, ids []int64) (map[int64][]*model.Lot, error) {
		m, err := s.StockInLines(ctx, ids)
		for _, lots := range m {
			for _, lot := range lots {
				l.Goods.Expect(lot.GoodsID)
			}
		}
		return m, err
	})
	l.StockOutLines = NewLoader(func(ctx context.Context, ids []int64) (map[int64][]*model.StockOutLine, error) {
		m, err := s.StockOutLines(ctx, ids)
		for id, lines := range m {
			l.Allocations.Expect(id)
			for _, line := range lines {
				l.Goods.Expect(line.GoodsID)
			}
		}
		return m, err
	})
	l.Allocations = NewLoader(func(ctx context.Context, ids []int64) (map[int64]map[int][]*model.Allocation, error) {
		byLine, err := s.Allocations(ctx, ids)
		m := make(map[int64]map[int][]*model.Allocation, len(ids))
		for k, as := range byLine {
			if m[k.StockOutID] == nil {
				m[k.StockOutID] = map[int][]*model.Allocation{}
			}
			m[k.StockOutID][k.Line] = as
			for _, a := range as {
				l.Lot.Expect(a.LotID)
			}
		}
		return m, err
	})
}

// expectLot announces what the fields of a lot will load.
func (l *Loaders) expectLot(lot *model.Lot) {
	l.Goods.Expect(lot.GoodsID)
	l.StockIn.Expect(lot.StockInID)
	l.Location.Expect(lot.LocationID)
	if lot.TransferID != nil {
		l.Transfer.Expect(*lot.TransferID)
	}
}

// expectLots announces the goods and stock-ins of a page of lots.
func (l *Loaders) expectLots(lots []*model.Lot) {
	for _, lot := range lots {
		l.expectLot(lot)
	}
}

// expectStockIn announces what the fields of a stock-in will load.
func (l *Loaders) expectStockIn(d *model.StockIn) {
	l.StockInLines.Expect(d.ID)
	l.Attachments.Expect(d.ID)
	l.Location.Expect(d.LocationID)
}

// expectStockOut announces what the fields of a stock-out will load.
func (l *Loaders) expectStockOut(d *model.StockOut) {
	l.StockOutLines.Expect(d.ID)
	l.Location.Expect(d.LocationID)
}

// expectStockIns announces the lines of a page of stock-ins.
func (l *Loaders) expectStockIns(docs []*model.StockIn) {
	for _, d := range docs {
		l.expectStockIn(d)
	}
	l.StockIn.Prime(byID(docs, func(d *model.StockIn) int64 { return d.ID }))
}

// expectStockOuts announces the lines of a page of stock-outs.
func (l *Loaders) expectStockOuts(docs []*model.StockOut) {
	for _, d := range docs {
		l.expectStockOut(d)
	}
	l.StockOut.Prime(byID(docs, func(d *model.StockOut) int64 { return d.ID }))
}

// expectLedger announces the goods and documents of a page of ledger entries.
func (l *Loaders) expectLedger(es []*model.LedgerEntry) {
	for _, e := range es {
		l.Goods.Expect(e.GoodsID)
		l.Location.Expect(e.LocationID)
		if e.TransferID != nil {
			l.Transfer.Expect(*e.TransferID)
		}
		if e.StocktakeID != nil {
			l.Stocktake.Expect(*e.StocktakeID)
		}
		if e.AdjustmentID != nil {
			l.Adjustment.Expect(*e.AdjustmentID)
		}
		if e.StockInID != nil {
			l.StockIn.Expect(*e.StockInID)
		}
		if e.StockOutID != nil {
			l.StockOut.Expect(*e.StockOutID)
		}
	}
}

// expectStock announces the categories of a page of stock levels.
func (l *Loaders) expectStock(levels []*model.StockLevel) {
	gs := make([]*model.Goods, len(levels))
	for i, s := range levels {
		gs[i] = s.Goods
		l.ByLocation.Expect(s.Goods.ID)
		l.Packs.Expect(s.Goods.ID)
		l.Expiry.Expect(expiryKey(s))
		if s.LocationID != nil {
			l.Location.Expect(*s.LocationID)
		}
	}
	l.expectGoods(gs)
}

// optional loads an optional reference.
func optional[V any](ctx context.Context, ld *Loader[int64, V], id *int64) (V, error) {
	if id == nil {
		var zero V
		return zero, nil
	}
	return ld.Load(ctx, *id)
}
