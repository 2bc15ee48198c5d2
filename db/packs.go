package db

import (
	"context"
	"fmt"
	"slices"

	"wms/model"
)

// Document lines may be given in packs (2 boxes): their quantity, and a
// stock-in's unit cost, are then per pack. The store turns them into the
// goods' unit before anything else looks at them, exactly
// (model.Pack.InPacks, model.Pack.UnitCost), and keeps the pack and count
// given on the line for its answer.

// packed is one line given in a pack: what to convert, and where the line
// keeps the pack and count it was given in.
type packed struct {
	field    string // "lines.N"
	qtyField string // the quantity's name in the line: "quantity" unless said
	goodsID  int64
	pack     *string
	quantity *model.Quantity
	cost     *model.UnitCost // nil when the line has no cost
}

// given is the pack and count a line was given in.
type given struct {
	name  *string
	count *model.Quantity
}

// unpack converts the lines given in packs, in place, and answers what each
// was given in (zero for a line in the goods' unit). An unknown pack is
// BAD_USER_INPUT on lines.N.pack; a conversion that needs more than 3
// decimals on lines.N.quantity.
func (s *Store) unpack(ctx context.Context, lines []packed) ([]given, error) {
	out := make([]given, len(lines))
	var ids []int64
	for _, l := range lines {
		if l.pack != nil {
			ids = append(ids, l.goodsID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	packs, err := packsOf(ctx, s.db, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	for i, l := range lines {
		if l.pack == nil {
			continue
		}
		p := model.FindPack(packs[l.goodsID], *l.pack)
		if p == nil {
			return nil, model.Invalid(l.field+".pack", "goods %d has no pack %q", l.goodsID, *l.pack)
		}
		count := *l.quantity
		name := l.qtyField
		if name == "" {
			name = "quantity"
		}
		base, err := p.InPacks(count, l.field+"."+name)
		if err != nil {
			return nil, err
		}
		*l.quantity = base
		if l.cost != nil {
			c, ok := p.UnitCost(*l.cost)
			if !ok {
				return nil, model.Invalid(l.field+".unitCost", "a unit cost of %s per %s is too large", *l.cost, p.Name)
			}
			*l.cost = c
		}
		out[i] = given{name: &p.Name, count: &count}
	}
	return out, nil
}

func lineAt(i int) string { return fmt.Sprintf("lines.%d", i) }

// unpackLines converts lines given in packs: each line is copied (never the
// caller's is changed) and mk says what of the copy to convert.
func unpackLines[L any](ctx context.Context, s *Store, lines []*L, mk func(i int, l *L) packed) ([]given, error) {
	ps := make([]packed, len(lines))
	for i, l := range lines {
		if l == nil {
			continue
		}
		c := *l
		lines[i] = &c
		ps[i] = mk(i, &c)
	}
	return s.unpack(ctx, ps)
}

// unpackStockIn converts a stock-in's lines given in packs.
func (s *Store) unpackStockIn(ctx context.Context, in *model.StockInInput) ([]given, error) {
	return unpackLines(ctx, s, in.Lines, func(i int, l *model.StockInLineInput) packed {
		return packed{field: lineAt(i), goodsID: l.GoodsID, pack: l.Pack, quantity: &l.Quantity, cost: &l.UnitCost}
	})
}

// unpackStockOut converts a stock-out's lines given in packs.
func (s *Store) unpackStockOut(ctx context.Context, in *model.StockOutInput) ([]given, error) {
	return unpackLines(ctx, s, in.Lines, func(i int, l *model.StockOutLineInput) packed {
		return packed{field: lineAt(i), goodsID: l.GoodsID, pack: l.Pack, quantity: &l.Quantity}
	})
}

// unpackTransfer converts a transfer's lines given in packs.
func (s *Store) unpackTransfer(ctx context.Context, in *model.TransferInput) ([]given, error) {
	return unpackLines(ctx, s, in.Lines, func(i int, l *model.TransferLineInput) packed {
		return packed{field: lineAt(i), goodsID: l.GoodsID, pack: l.Pack, quantity: &l.Quantity}
	})
}

// unpackCounts converts counts given in packs (and their unit costs).
func (s *Store) unpackCounts(ctx context.Context, in *model.CountInput) ([]given, error) {
	return unpackLines(ctx, s, in.Lines, func(i int, l *model.CountLineInput) packed {
		p := packed{field: lineAt(i), qtyField: "counted", goodsID: l.GoodsID, pack: l.Pack, quantity: &l.Counted}
		if l.UnitCost != nil {
			cost := *l.UnitCost
			l.UnitCost = &cost
			p.cost = l.UnitCost
		}
		return p
	})
}
