package db

import (
	"context"

	"github.com/uptrace/bun"

	"wms/model"
)

// The Each methods read a whole filtered list, in the order and with the
// filters of the matching list query, in keyset batches: memory holds one
// batch at a time, however long the list. Exports are built on them.

// ExportBatch is how many rows the Each methods read at a time.
const ExportBatch = 1000

// each reads the whole list of models base selects, in order ord.
func each[T any](ctx context.Context, base func() *bun.SelectQuery, ord listOrder, keys func(*T) []any,
	fn func([]*T) error,
) error {
	return list[T]{base: base, rows: scanModels[T], ord: ord, keys: keys}.each(ctx, fn)
}

// each reads the whole of l, ExportBatch rows at a time.
func (l list[T]) each(ctx context.Context, fn func([]*T) error) error {
	var last []any
	for {
		q := l.base()
		if last != nil {
			q = after(q, l.ord, last)
		}
		items, err := l.rows(ctx, orderBy(q, l.ord).Limit(ExportBatch), ExportBatch)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := fn(items); err != nil {
			return err
		}
		if len(items) < ExportBatch {
			return nil
		}
		last = l.keys(items[len(items)-1])
	}
}

// EachStock reads the stock list (goods with their stock, at f.LocationID
// when set), by name.
func (s *Store) EachStock(ctx context.Context, f model.StockFilter, fn func([]*model.StockLevel) error) error {
	return s.stockList(f).each(ctx, func(gs []*model.Goods) error {
		levels, err := s.levels(ctx, gs, f.LocationID)
		if err != nil {
			return err
		}
		return fn(levels)
	})
}

// EachLot reads lots oldest first, of one goods or of all.
func (s *Store) EachLot(ctx context.Context, f model.LotFilter, fn func([]*model.Lot) error) error {
	return each(ctx, s.lotsBase(f), lotOrder, lotKeys, fn)
}

// EachStockIn reads stock-ins, newest first.
func (s *Store) EachStockIn(ctx context.Context, f model.StockInFilter, fn func([]*model.StockIn) error) error {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return err
	}
	return each(ctx, s.stockInsBase(f), stockInOrder, stockInKeys, fn)
}

// EachStockOut reads stock-outs, newest first.
func (s *Store) EachStockOut(ctx context.Context, f model.StockOutFilter, fn func([]*model.StockOut) error) error {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return err
	}
	return each(ctx, s.stockOutsBase(f), stockOutOrder, stockOutKeys, fn)
}

// EachLedger reads ledger entries, newest first.
func (s *Store) EachLedger(ctx context.Context, f model.LedgerFilter, fn func([]*model.LedgerEntry) error) error {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return err
	}
	if f.Direction != nil && !f.Direction.Valid() {
		return model.Invalid("direction", "unknown direction %q", *f.Direction)
	}
	if f.Kind != nil && !f.Kind.Valid() {
		return model.Invalid("kind", "unknown ledger kind %q", *f.Kind)
	}
	base, err := s.ledgerBase(ctx, f)
	if err != nil {
		return err
	}
	return each(ctx, base, ledgerOrder, ledgerKeys, fn)
}
