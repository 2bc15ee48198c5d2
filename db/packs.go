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

// unpackStockIn converts a stock-in's lines given in packs; it copies the
// lines it changes, never the caller's.
func (s *Store) unpackStockIn(ctx context.Context, in *model.StockInInput) ([]given, error) {
	lines := make([]packed, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			continue
		}
		c := *l
		in.Lines[i] = &c
		lines[i] = packed{field: lineAt(i), goodsID: c.GoodsID, pack: c.Pack, quantity: &c.Quantity, cost: &c.UnitCost}
	}
	return s.unpack(ctx, lines)
}

// unpackStockOut converts a stock-out's lines given in packs.
func (s *Store) unpackStockOut(ctx context.Context, in *model.StockOutInput) ([]given, error) {
	lines := make([]packed, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			continue
		}
		c := *l
		in.Lines[i] = &c
		lines[i] = packed{field: lineAt(i), goodsID: c.GoodsID, pack: c.Pack, quantity: &c.Quantity}
	}
	return s.unpack(ctx, lines)
}

// unpackTransfer converts a transfer's lines given in packs.
func (s *Store) unpackTransfer(ctx context.Context, in *model.TransferInput) ([]given, error) {
	lines := make([]packed, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			continue
		}
		c := *l
		in.Lines[i] = &c
		lines[i] = packed{field: lineAt(i), goodsID: c.GoodsID, pack: c.Pack, quantity: &c.Quantity}
	}
	return s.unpack(ctx, lines)
}

// unpackCounts converts counts given in packs.
func (s *Store) unpackCounts(ctx context.Context, in *model.CountInput) ([]given, error) {
	lines := make([]packed, len(in.Lines))
	for i, l := range in.Lines {
		if l == nil {
			continue
		}
		c := *l
		in.Lines[i] = &c
		lines[i] = packed{field: lineAt(i), qtyField: "counted", goodsID: c.GoodsID, pack: c.Pack, quantity: &c.Counted}
		if c.UnitCost != nil {
			cost := *c.UnitCost
			c.UnitCost = &cost
			lines[i].cost = c.UnitCost
		}
	}
	return s.unpack(ctx, lines)
}
