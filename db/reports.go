package db

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// The movement summary and the valuation, read from the running balances
// (balances.go): the sums of every series of the ledger before an instant
// are one row per series plus at most one day of ledger entries, so a report
// costs the same for a period a year back as for last week, and does not
// grow with the ledger.
//
// Rows are goods, by name, that have ever moved (at the location, when one
// is given); a goods without stock at the start and without movement in the
// period (or without stock at the instant, for the valuation) is left out.
// A page reads the goods after its cursor a chunk at a time, sums the chunk,
// and keeps those shown until the page is full: when nearly every goods moves,
// one chunk. The totals and the count read every goods, once per request.

// reportOrder is the order of both reports: the goods' name, then id.
var reportOrder = listOrder{name: "REPORT_GOODS", cols: []sortCol{{"g.name_key", kindString}, {"g.id", kindInt}}}

// reportChunk is the fewest goods a page reads at a time.
const reportChunk = 64

// maxInList is the most goods ids one query names. MariaDB turns an IN list
// of 1 000 values or more (in_predicate_conversion_threshold) into a join
// with a table of values, which loses the index's group-by scan.
const maxInList = 500

// MovementPage is a page of the movement summary, with the totals of the
// whole summary (every row, not only the page's).
type MovementPage struct {
	*model.Page[*model.Movement]
	// Totals sums the whole summary; it reads every goods, so only when asked.
	Totals func(context.Context) (*model.Movement, error)
}

// ValuationPage is a page of the valuation, with its totals.
type ValuationPage struct {
	*model.Page[*model.Valuation]
	// Totals sums the whole valuation; it reads every goods, so only when asked.
	Totals func(context.Context) (*model.StockAmount, error)
}

// MovementSummary is, per goods, its stock at from, what came in and went
// out until to (by kind), and its stock at to: from inclusive, to exclusive,
// by the entries' occurredAt.
func (s *Store) MovementSummary(ctx context.Context, f model.ReportFilter, from, to time.Time, p model.PageArgs) (*MovementPage, error) {
	l, err := s.movementList(ctx, f, from, to)
	if err != nil {
		return nil, err
	}
	page, all, err := l.page(ctx, p)
	if err != nil {
		return nil, err
	}
	return &MovementPage{Page: page, Totals: func(ctx context.Context) (*model.Movement, error) {
		rows, err := all(ctx)
		if err != nil {
			return nil, err
		}
		return movementTotals(f, rows), nil
	}}, nil
}

// Valuation is, per goods, its stock and value at the instant at (by the
// entries' occurredAt); nil, or an instant after now, is now, which is the
// stock list's figures (future-dated entries included).
func (s *Store) Valuation(ctx context.Context, f model.ReportFilter, at *time.Time, p model.PageArgs) (*ValuationPage, error) {
	l, err := s.valuationList(ctx, f, at)
	if err != nil {
		return nil, err
	}
	page, all, err := l.page(ctx, p)
	if err != nil {
		return nil, err
	}
	return &ValuationPage{Page: page, Totals: func(ctx context.Context) (*model.StockAmount, error) {
		rows, err := all(ctx)
		if err != nil {
			return nil, err
		}
		return &valuationTotals(f, rows).StockAmount, nil
	}}, nil
}

// EachMovement reads the whole movement summary, by goods name, in batches
// of ExportBatch goods, and answers its totals.
func (s *Store) EachMovement(ctx context.Context, f model.ReportFilter, from, to time.Time, fn func([]*model.Movement) error) (*model.Movement, error) {
	l, err := s.movementList(ctx, f, from, to)
	if err != nil {
		return nil, err
	}
	total := movementTotals(f, nil)
	err = l.each(ctx, func(rows []*model.Movement) error {
		for _, r := range rows {
			total.Add(r)
		}
		return fn(rows)
	})
	return total, err
}

// EachValuation reads the whole valuation, by goods name, in batches of
// ExportBatch goods, and answers its totals.
func (s *Store) EachValuation(ctx context.Context, f model.ReportFilter, at *time.Time, fn func([]*model.Valuation) error) (*model.Valuation, error) {
	l, err := s.valuationList(ctx, f, at)
	if err != nil {
		return nil, err
	}
	total := valuationTotals(f, nil)
	err = l.each(ctx, func(rows []*model.Valuation) error {
		for _, r := range rows {
			total.StockAmount = total.StockAmount.Plus(r.StockAmount)
		}
		return fn(rows)
	})
	return total, err
}

func movementTotals(f model.ReportFilter, rows []*model.Movement) *model.Movement {
	t := &model.Movement{LocationID: f.LocationID, ByKind: []model.KindTotal{}}
	for _, r := range rows {
		t.Add(r)
	}
	return t
}

func valuationTotals(f model.ReportFilter, rows []*model.Valuation) *model.Valuation {
	t := &model.Valuation{LocationID: f.LocationID}
	for _, r := range rows {
		t.StockAmount = t.StockAmount.Plus(r.StockAmount)
	}
	return t
}

func (s *Store) movementList(ctx context.Context, f model.ReportFilter, from, to time.Time) (*reportList[model.Movement], error) {
	from, to, err := model.ReportPeriod(from, to)
	if err != nil {
		return nil, err
	}
	if err := s.checkReportFilter(ctx, f); err != nil {
		return nil, err
	}
	return &reportList[model.Movement]{s: s, f: f,
		rows: func(ctx context.Context, goods []int64) (map[int64]*model.Movement, error) {
			// The two ends are read at once, on two connections.
			var opening map[int64]model.KindSums
			var openErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				opening, openErr = s.kindSumsAt(ctx, f.LocationID, goods, &from)
			}()
			closing, err := s.kindSumsAt(ctx, f.LocationID, goods, &to)
			<-done
			if err = cmp.Or(err, openErr); err != nil {
				return nil, err
			}
			rows := make(map[int64]*model.Movement, len(closing))
			for id, c := range closing {
				rows[id] = model.NewMovement(id, f.LocationID, opening[id], c)
			}
			return rows, nil
		},
		shown: (*model.Movement).Shown,
	}, nil
}

func (s *Store) valuationList(ctx context.Context, f model.ReportFilter, at *time.Time) (*reportList[model.Valuation], error) {
	if err := s.checkReportFilter(ctx, f); err != nil {
		return nil, err
	}
	if at != nil && at.After(s.now()) {
		at = nil
	}
	return &reportList[model.Valuation]{s: s, f: f,
		rows: func(ctx context.Context, goods []int64) (map[int64]*model.Valuation, error) {
			sums, err := s.kindSumsAt(ctx, f.LocationID, goods, at)
			if err != nil {
				return nil, err
			}
			rows := make(map[int64]*model.Valuation, len(sums))
			for id, k := range sums {
				rows[id] = &model.Valuation{GoodsID: id, LocationID: f.LocationID, StockAmount: k.Balance()}
			}
			return rows, nil
		},
		shown: func(v *model.Valuation) bool { return !v.IsZero() },
	}, nil
}

// checkReportFilter answers BAD_USER_INPUT for a location or category that
// does not exist.
func (s *Store) checkReportFilter(ctx context.Context, f model.ReportFilter) error {
	if f.LocationID != nil {
		ok, err := s.db.NewSelect().Model((*model.Location)(nil)).Where("loc.id = ?", *f.LocationID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return model.Invalid("locationId", "location %d does not exist", *f.LocationID)
		}
	}
	if f.CategoryID != nil {
		ok, err := s.db.NewSelect().Model((*model.Category)(nil)).Where("c.id = ?", *f.CategoryID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return model.Invalid("categoryId", "category %d does not exist", *f.CategoryID)
		}
	}
	return nil
}

// kindSum is the sum of one goods' entries of one kind and direction.
type kindSum struct {
	GoodsID   int64            `bun:"goods_id"`
	Kind      model.LedgerKind `bun:"kind"`
	Direction model.Direction  `bun:"direction"`
	Quantity  model.Quantity   `bun:"quantity"`
	Amount    model.Money      `bun:"amount"`
}

// kindSumsAt sums, per goods, the ledger entries before the instant t (all
// of them when t is nil), per kind and direction: at one location, or over
// all when location is nil; of the goods given, or of every goods when goods
// is nil. The days before t's are the running balances' rows; t's own day
// before t is read from the ledger.
func (s *Store) kindSumsAt(ctx context.Context, location *int64, goods []int64, t *time.Time) (map[int64]model.KindSums, error) {
	if len(goods) > maxInList {
		out := map[int64]model.KindSums{}
		for len(goods) > 0 {
			part, err := s.kindSumsAt(ctx, location, goods[:min(len(goods), maxInList)], t)
			if err != nil {
				return nil, err
			}
			maps.Copy(out, part)
			goods = goods[min(len(goods), maxInList):]
		}
		return out, nil
	}
	out := map[int64]model.KindSums{}
	if goods != nil && len(goods) == 0 {
		return out, nil
	}
	if t != nil && !t.After(model.EarliestStorable) {
		return out, nil // nothing is stored before the year 1
	}
	if t != nil && t.After(model.LatestStorable) {
		t = nil // everything is stored before the year 10000
	}
	add := func(rows []kindSum) {
		for _, r := range rows {
			k := out[r.GoodsID]
			if k == nil {
				k = model.KindSums{}
				out[r.GoodsID] = k
			}
			k.Add(model.KindKey{Kind: r.Kind, Direction: r.Direction}, model.StockAmount{Quantity: r.Quantity, Value: r.Amount})
		}
	}
	// The last row of each series before t's day: the series' sums up to
	// the end of that row's day, which is where t's day starts.
	last := s.db.NewSelect().TableExpr("ledger_balances").
		Column("goods_id", "location_id", "kind", "direction").ColumnExpr("MAX(day) AS day").
		Group("goods_id", "location_id", "kind", "direction")
	if t != nil {
		last = last.Where("day < ?", dayOf(*t))
	}
	if location != nil {
		last = last.Where("location_id = ?", *location)
	}
	if goods != nil {
		last = last.Where("goods_id IN (?)", bun.List(goods))
	}
	var rows []kindSum
	err := s.db.NewSelect().TableExpr("(?) AS m", last).
		Join(`JOIN ledger_balances AS lb ON lb.goods_id = m.goods_id AND lb.location_id = m.location_id
			AND lb.kind = m.kind AND lb.direction = m.direction AND lb.day = m.day`).
		ColumnExpr("lb.goods_id, lb.kind, lb.direction, lb.quantity, lb.amount").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read running balances: %w", err)
	}
	add(rows)
	if t == nil {
		return out, nil
	}
	start := dayStart(dayOf(*t))
	if !t.After(start) {
		return out, nil
	}
	q := s.db.NewSelect().TableExpr("ledger_entries AS le").
		ColumnExpr("le.goods_id, le.kind, le.direction, SUM(le.quantity) AS quantity, SUM(le.amount) AS amount").
		Where("le.at >= ?", start).Where("le.at < ?", t.UTC()).
		Group("le.goods_id", "le.kind", "le.direction")
	if location != nil {
		q = q.Where("le.location_id = ?", *location)
	}
	if goods != nil {
		q = q.Where("le.goods_id IN (?)", bun.List(goods))
	}
	rows = rows[:0]
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read the ledger of %s: %w", start.Format(time.DateOnly), err)
	}
	add(rows)
	return out, nil
}
