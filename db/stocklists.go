package db

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"wms/model"
)

// The stock lists and the batch reads behind their nested fields. Documents
// and ledger entries list newest first by (time, id); lots list in FIFO order.

var (
	stockInOrder  = listOrder{name: "STOCK_IN", desc: true, cols: []sortCol{{"si.occurred_at", kindTime}, {"si.id", kindInt}}}
	stockOutOrder = listOrder{name: "STOCK_OUT", desc: true, cols: []sortCol{{"so.occurred_at", kindTime}, {"so.id", kindInt}}}
	ledgerOrder   = listOrder{name: "LEDGER", desc: true, cols: []sortCol{{"le.at", kindTime}, {"le.id", kindInt}}}
	lotOrder      = listOrder{name: "FIFO", cols: []sortCol{{"l.received_at", kindTime}, {"l.id", kindInt}}}
)

// voidedFilter keeps only voided documents (true) or only the others
// (false); nil keeps both.
func voidedFilter(q *bun.SelectQuery, alias string, voided *bool) *bun.SelectQuery {
	switch {
	case voided == nil:
		return q
	case *voided:
		return q.Where(alias + ".voided_at IS NOT NULL")
	}
	return q.Where(alias + ".voided_at IS NULL")
}

// timeRange restricts col to [from, to): from inclusive, to exclusive, so
// consecutive ranges neither overlap nor leave gaps.
func timeRange(q *bun.SelectQuery, col string, from, to *time.Time) *bun.SelectQuery {
	if from != nil {
		q = q.Where(col+" >= ?", from.UTC())
	}
	if to != nil {
		q = q.Where(col+" < ?", to.UTC())
	}
	return q
}

var stockOrder = goodsOrders[model.GoodsOrderNameAsc]

// stockList is the goods of the stock list, by name.
func (s *Store) stockList(f model.StockFilter) list[model.Goods] {
	return s.goodsList(stockOrder, f.Read, func(q *bun.SelectQuery) *bun.SelectQuery {
		q = goodsWhere(q, model.GoodsFilter{Search: f.Search, CategoryID: f.CategoryID, IncludeArchived: f.IncludeArchived})
		switch {
		case f.LowOnly && f.LocationID != nil:
			q = q.Where(`g.low_stock_threshold IS NOT NULL AND COALESCE((SELECT sl.on_hand FROM stock_levels AS sl
				WHERE sl.goods_id = g.id AND sl.location_id = ?), 0) <= g.low_stock_threshold`, *f.LocationID)
		case f.LowOnly:
			q = q.Where("g.low_stock_threshold IS NOT NULL AND g.on_hand <= g.low_stock_threshold")
		}
		return q
	})
}

// Stock lists the stock level of goods, by goods name: their totals over
// every location, or with f.LocationID their stock at that location (one
// more query for the page). It reads what f.Read asks for.
func (s *Store) Stock(ctx context.Context, f model.StockFilter, p model.PageArgs) (*model.Page[*model.StockLevel], error) {
	if f.LocationID != nil {
		f.Read.Columns |= model.GoodsLowStockThreshold
	}
	gp, err := s.stockList(f).page(ctx, p)
	if err != nil {
		return nil, err
	}
	levels, err := s.levels(ctx, gp.Items, f.LocationID)
	if err != nil {
		return nil, err
	}
	return &model.Page[*model.StockLevel]{Items: levels, Cursor: gp.Cursor,
		HasNext: gp.HasNext, HasPrev: gp.HasPrev, Count: gp.Count}, nil
}

// levels makes the stock levels of goods: their totals, or with a location
// their stock there, read in one query.
func (s *Store) levels(ctx context.Context, gs []*model.Goods, location *int64) ([]*model.StockLevel, error) {
	levels := make([]*model.StockLevel, len(gs))
	held := make([]model.StockLevel, len(gs))
	for i, g := range gs {
		held[i].Goods = g
		held[i].LocationID = location
		levels[i] = &held[i]
	}
	if location == nil || len(gs) == 0 {
		return levels, nil
	}
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	var at []*model.LocationStock
	err := s.db.NewSelect().Model(&at).Where("sl.location_id = ?", *location).
		Where("sl.goods_id IN (?)", bun.List(ids)).Scan(ctx)
	if err != nil {
		return nil, err
	}
	byGoods := byID(at, func(l *model.LocationStock) int64 { return l.GoodsID })
	for i := range held {
		held[i].At = byGoods[held[i].Goods.ID]
	}
	return levels, nil
}

// Lots lists the lots of one goods oldest first (the order stock leaves
// in), at every location or one; emptied lots only when asked.
func (s *Store) Lots(ctx context.Context, f model.LotFilter, p model.PageArgs) (*model.Page[*model.Lot], error) {
	return page(ctx, s.lotsBase(f), p, lotOrder, lotKeys)
}

func lotKeys(l *model.Lot) []any { return []any{l.ReceivedAt, l.ID} }

func (s *Store) lotsBase(f model.LotFilter) func() *bun.SelectQuery {
	return func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.Lot)(nil))
		if f.GoodsID != nil {
			q = q.Where("l.goods_id = ?", *f.GoodsID)
		}
		if f.LocationID != nil {
			q = q.Where("l.location_id = ?", *f.LocationID)
		}
		if !f.IncludeEmpty {
			q = q.Where("l.depleted = FALSE")
		}
		return q
	}
}

// LotsByIDs returns the lots with these ids.
func (s *Store) LotsByIDs(ctx context.Context, ids []int64) (map[int64]*model.Lot, error) {
	var ls []*model.Lot
	err := s.db.NewSelect().Model(&ls).Where("l.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ls, func(l *model.Lot) int64 { return l.ID }), err
}

// StockInLines returns the lines (lots) of these stock-ins, in line order.
func (s *Store) StockInLines(ctx context.Context, stockInIDs []int64) (map[int64][]*model.Lot, error) {
	var ls []*model.Lot
	err := s.db.NewSelect().Model(&ls).Where("l.stock_in_id IN (?)", bun.List(stockInIDs)).
		Where("l.transfer_id IS NULL").OrderExpr("l.stock_in_id, l.line").Scan(ctx)
	m := make(map[int64][]*model.Lot, len(stockInIDs))
	for _, l := range ls {
		m[l.StockInID] = append(m[l.StockInID], l)
	}
	return m, err
}

// StockIn returns one stock-in, or NOT_FOUND.
func (s *Store) StockIn(ctx context.Context, id int64) (*model.StockIn, error) {
	d := new(model.StockIn)
	if err := s.db.NewSelect().Model(d).Where("si.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("stock-in", id))
	}
	return d, nil
}

// StockInsByIDs returns the stock-ins with these ids.
func (s *Store) StockInsByIDs(ctx context.Context, ids []int64) (map[int64]*model.StockIn, error) {
	var ds []*model.StockIn
	err := s.db.NewSelect().Model(&ds).Where("si.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ds, func(d *model.StockIn) int64 { return d.ID }), err
}

// StockIns lists stock-ins, newest first. search matches the code or the
// name, SKU or barcode of any goods on the document.
func (s *Store) StockIns(ctx context.Context, f model.StockInFilter, p model.PageArgs) (*model.Page[*model.StockIn], error) {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return nil, err
	}
	return page(ctx, s.stockInsBase(f), p, stockInOrder, stockInKeys)
}

func stockInKeys(d *model.StockIn) []any { return []any{d.OccurredAt, d.ID} }

func (s *Store) stockInsBase(f model.StockInFilter) func() *bun.SelectQuery {
	return func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.StockIn)(nil))
		if f.Type != nil {
			q = q.Where("si.type = ?", *f.Type)
		}
		if f.LocationID != nil {
			q = q.Where("si.location_id = ?", *f.LocationID)
		}
		q = voidedFilter(q, "si", f.Voided)
		if f.GoodsID != nil {
			q = q.Where("EXISTS (SELECT 1 FROM lots AS fl WHERE fl.stock_in_id = si.id AND fl.goods_id = ?)", *f.GoodsID)
		}
		if f.Search != "" {
			like := likeContains(f.Search)
			q = q.Where(`(LOWER(si.code) LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM lots AS fl
				JOIN goods AS fg ON fg.id = fl.goods_id
				WHERE fl.stock_in_id = si.id AND fg.search_text LIKE ? ESCAPE '!'))`, like, like)
		}
		return timeRange(q, "si.occurred_at", f.From, f.To)
	}
}

// StockOut returns one stock-out, or NOT_FOUND.
func (s *Store) StockOut(ctx context.Context, id int64) (*model.StockOut, error) {
	d := new(model.StockOut)
	if err := s.db.NewSelect().Model(d).Where("so.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, model.NotFound("stock-out", id))
	}
	return d, nil
}

// StockOutsByIDs returns the stock-outs with these ids.
func (s *Store) StockOutsByIDs(ctx context.Context, ids []int64) (map[int64]*model.StockOut, error) {
	var ds []*model.StockOut
	err := s.db.NewSelect().Model(&ds).Where("so.id IN (?)", bun.List(ids)).Scan(ctx)
	return byID(ds, func(d *model.StockOut) int64 { return d.ID }), err
}

// StockOuts lists stock-outs, newest first; search as for StockIns.
func (s *Store) StockOuts(ctx context.Context, f model.StockOutFilter, p model.PageArgs) (*model.Page[*model.StockOut], error) {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return nil, err
	}
	return page(ctx, s.stockOutsBase(f), p, stockOutOrder, stockOutKeys)
}

func stockOutKeys(d *model.StockOut) []any { return []any{d.OccurredAt, d.ID} }

func (s *Store) stockOutsBase(f model.StockOutFilter) func() *bun.SelectQuery {
	return func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.StockOut)(nil))
		if f.Reason != nil {
			q = q.Where("so.reason = ?", *f.Reason)
		}
		if f.LocationID != nil {
			q = q.Where("so.location_id = ?", *f.LocationID)
		}
		q = voidedFilter(q, "so", f.Voided)
		if f.GoodsID != nil {
			q = q.Where("EXISTS (SELECT 1 FROM stock_out_lines AS fl WHERE fl.stock_out_id = so.id AND fl.goods_id = ?)", *f.GoodsID)
		}
		if f.Search != "" {
			like := likeContains(f.Search)
			q = q.Where(`(LOWER(so.code) LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM stock_out_lines AS fl
				JOIN goods AS fg ON fg.id = fl.goods_id
				WHERE fl.stock_out_id = so.id AND fg.search_text LIKE ? ESCAPE '!'))`, like, like)
		}
		return timeRange(q, "so.occurred_at", f.From, f.To)
	}
}

// StockOutLines returns the lines of these stock-outs, in line order.
func (s *Store) StockOutLines(ctx context.Context, stockOutIDs []int64) (map[int64][]*model.StockOutLine, error) {
	var ls []*model.StockOutLine
	err := s.db.NewSelect().Model(&ls).Where("sol.stock_out_id IN (?)", bun.List(stockOutIDs)).
		OrderExpr("sol.stock_out_id, sol.line").Scan(ctx)
	m := make(map[int64][]*model.StockOutLine, len(stockOutIDs))
	for _, l := range ls {
		m[l.StockOutID] = append(m[l.StockOutID], l)
	}
	return m, err
}

// LineKey names one stock-out line.
type LineKey struct {
	StockOutID int64
	Line       int
}

// Allocations returns what each line of these stock-outs took from which
// lot, read from their OUT ledger entries, in FIFO order.
func (s *Store) Allocations(ctx context.Context, stockOutIDs []int64) (map[LineKey][]*model.Allocation, error) {
	var es []*model.LedgerEntry
	err := s.db.NewSelect().Model(&es).Where("le.stock_out_id IN (?)", bun.List(stockOutIDs)).
		Where("le.direction = ?", model.DirectionOut).Where("le.kind <> ?", model.KindVoid).
		OrderExpr("le.stock_out_id, le.stock_out_line, le.id").Scan(ctx)
	m := map[LineKey][]*model.Allocation{}
	for _, e := range es {
		if e.StockOutLine == nil {
			continue
		}
		k := LineKey{*e.StockOutID, *e.StockOutLine}
		m[k] = append(m[k], &model.Allocation{LotID: e.LotID, Quantity: -e.Quantity, UnitCost: e.UnitCost, Amount: -e.Amount})
	}
	return m, err
}

// Ledger lists ledger entries, newest first.
func (s *Store) Ledger(ctx context.Context, f model.LedgerFilter, p model.PageArgs) (*model.Page[*model.LedgerEntry], error) {
	var err error
	if f.From, f.To, err = model.FilterRange(f.From, f.To); err != nil {
		return nil, err
	}
	if f.Direction != nil && !f.Direction.Valid() {
		return nil, model.Invalid("direction", "unknown direction %q", *f.Direction)
	}
	if f.Kind != nil && !f.Kind.Valid() {
		return nil, model.Invalid("kind", "unknown ledger kind %q", *f.Kind)
	}
	base, err := s.ledgerBase(ctx, f)
	if err != nil {
		return nil, err
	}
	return page(ctx, base, p, ledgerOrder, ledgerKeys)
}

func ledgerKeys(e *model.LedgerEntry) []any { return []any{e.At, e.ID} }

// ledgerBase builds the filtered ledger query. A search is first turned into
// the ids of the goods it matches (one small query), so that the ledger is
// read through an index whatever the database's planner would make of a
// subquery: one goods is a range of (goods_id, at, id).
func (s *Store) ledgerBase(ctx context.Context, f model.LedgerFilter) (func() *bun.SelectQuery, error) {
	var searched []int64
	if f.Search != "" {
		err := s.db.NewSelect().Model((*model.Goods)(nil)).Column("g.id").
			Where("g.search_text LIKE ? ESCAPE '!'", likeContains(f.Search)).Scan(ctx, &searched)
		if err != nil {
			return nil, err
		}
	}
	return func() *bun.SelectQuery {
		q := s.db.NewSelect().Model((*model.LedgerEntry)(nil))
		if f.GoodsID != nil {
			q = q.Where("le.goods_id = ?", *f.GoodsID)
		}
		if f.CategoryID != nil {
			q = q.Where("le.category_id = ?", *f.CategoryID)
		}
		if f.LocationID != nil {
			q = q.Where("le.location_id = ?", *f.LocationID)
		}
		if f.Kind != nil {
			q = q.Where("le.kind = ?", *f.Kind)
		}
		switch {
		case f.Search == "":
		case len(searched) == 0:
			q = q.Where("1 = 0")
		case len(searched) == 1:
			q = q.Where("le.goods_id = ?", searched[0])
		default:
			q = q.Where("le.goods_id IN (?)", bun.List(searched))
		}
		if f.Direction != nil {
			q = q.Where("le.direction = ?", *f.Direction)
		}
		return timeRange(q, "le.at", f.From, f.To)
	}, nil
}
