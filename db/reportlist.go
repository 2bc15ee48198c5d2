package db

import (
	"context"
	"fmt"
	"sync"

	"wms/model"
)

// How a report over goods is paged: see reports.go.

// reportList is one report over goods: rows sums the report's rows of the
// goods given (of every goods when nil), shown says which rows it lists.
type reportList[R any] struct {
	s     *Store
	f     model.ReportFilter
	rows  func(ctx context.Context, goods []int64) (map[int64]*R, error)
	shown func(*R) bool
}

// reportGoods is a goods as the reports order it.
type reportGoods struct {
	ID      int64  `bun:"id"`
	NameKey string `bun:"name_key"`
}

func (g *reportGoods) keys() []any { return []any{g.NameKey, g.ID} }

// goods reads the report's goods after the keys last (from the start when
// nil), at most limit of them (all when 0): the goods the filter matches,
// archived ones included, that have ever moved (at the location).
func (l *reportList[R]) goods(ctx context.Context, last []any, limit int) ([]*reportGoods, error) {
	q := l.s.db.NewSelect().TableExpr("goods AS g").Column("g.id", "g.name_key")
	q = goodsWhere(q, model.GoodsFilter{Search: l.f.Search, CategoryID: l.f.CategoryID, IncludeArchived: true})
	// A goods has a stock row at a location from its first movement there
	// (stock_levels: one row per goods and location, a small table).
	if l.f.LocationID != nil {
		q = q.Where("EXISTS (SELECT 1 FROM stock_levels AS sl WHERE sl.goods_id = g.id AND sl.location_id = ?)", *l.f.LocationID)
	} else {
		q = q.Where("EXISTS (SELECT 1 FROM stock_levels AS sl WHERE sl.goods_id = g.id)")
	}
	if last != nil {
		q = after(q, reportOrder, last)
	}
	q = orderBy(q, reportOrder)
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	var gs []*reportGoods
	if err := q.Scan(ctx, &gs); err != nil {
		return nil, fmt.Errorf("read the report's goods: %w", err)
	}
	return gs, nil
}

// shownOf sums the rows of gs and keeps those shown, in gs's order, each
// with its goods.
func (l *reportList[R]) shownOf(ctx context.Context, gs []*reportGoods, every bool) ([]*R, []*reportGoods, error) {
	var ids []int64
	if !every {
		ids = make([]int64, len(gs))
		for i, g := range gs {
			ids[i] = g.ID
		}
	}
	rows, err := l.rows(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var kept []*R
	var of []*reportGoods
	for _, g := range gs {
		if r := rows[g.ID]; r != nil && l.shown(r) {
			kept = append(kept, r)
			of = append(of, g)
		}
	}
	return kept, of, nil
}

// page reads one page, and answers with it the reader of every row (for
// the count and the totals), which reads them once.
func (l *reportList[R]) page(ctx context.Context, args model.PageArgs) (*model.Page[*R], func(context.Context) ([]*R, error), error) {
	limit, err := args.Limit()
	if err != nil {
		return nil, nil, err
	}
	skip, err := args.Skip()
	if err != nil {
		return nil, nil, err
	}
	var last []any
	if args.After != nil {
		if last, err = decodeCursor(*args.After, reportOrder); err != nil {
			return nil, nil, err
		}
	}
	want := skip + limit + 1
	var items []*R
	var of []*reportGoods
	for chunk := max(want, reportChunk); limit > 0; chunk = min(2*chunk, ExportBatch) {
		gs, err := l.goods(ctx, last, chunk)
		if err != nil {
			return nil, nil, err
		}
		rows, rowGoods, err := l.shownOf(ctx, gs, false)
		if err != nil {
			return nil, nil, err
		}
		items, of = append(items, rows...), append(of, rowGoods...)
		if len(items) >= want || len(gs) < chunk {
			break
		}
		last = gs[len(gs)-1].keys()
	}
	items, of = items[min(skip, len(items)):], of[min(skip, len(of)):]
	p := &model.Page[*R]{HasPrev: args.After != nil || skip > 0}
	if len(items) > limit {
		items, of, p.HasNext = items[:limit], of[:limit], true
	}
	p.Items = items
	p.Cursor = func(i int) string { return encodeCursor(reportOrder, of[i].keys()) }
	var once sync.Once
	var all []*R
	var allErr error
	every := func(ctx context.Context) ([]*R, error) {
		once.Do(func() {
			gs, err := l.goods(ctx, nil, 0)
			if err != nil {
				allErr = err
				return
			}
			// Without a goods filter the report's goods are every goods
			// with a balance: read the sums of all, not of a list of ids.
			all, _, allErr = l.shownOf(ctx, gs, l.f.Search == "" && l.f.CategoryID == nil)
		})
		return all, allErr
	}
	p.Count = func(ctx context.Context) (int, error) {
		rows, err := every(ctx)
		return len(rows), err
	}
	return p, every, nil
}

// each reads the whole report, ExportBatch goods at a time.
func (l *reportList[R]) each(ctx context.Context, fn func([]*R) error) error {
	var last []any
	for {
		gs, err := l.goods(ctx, last, ExportBatch)
		if err != nil {
			return err
		}
		rows, _, err := l.shownOf(ctx, gs, false)
		if err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := fn(rows); err != nil {
				return err
			}
		}
		if len(gs) < ExportBatch {
			return nil
		}
		last = gs[len(gs)-1].keys()
	}
}
