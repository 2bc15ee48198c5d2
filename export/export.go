// Package export writes the lists of wms as XLSX or CSV reports: the whole
// filtered list, read in batches and written as it comes, so memory stays
// bounded whatever the row count.
package export

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"wms/db"
	"wms/media"
	"wms/model"
)

// Exporter makes reports and stores them as expiring media.
type Exporter struct {
	Store *db.Store
	Media *media.Service
	// TTL is how long a report is kept.
	TTL time.Duration
	Now func() time.Time
}

// Content types of the formats.
const (
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ContentTypeCSV  = "text/csv; charset=utf-8"
)

// Report writes the report in to a file and returns its Media.
func (e *Exporter) Report(ctx context.Context, in model.ExportInput) (*model.Media, error) {
	_, ok := columns[in.Kind]
	if !ok {
		return nil, model.Invalid("kind", "unknown report kind %q", in.Kind)
	}
	if in.Format != model.FormatXLSX && in.Format != model.FormatCSV {
		return nil, model.Invalid("format", "unknown format %q", in.Format)
	}
	locale := model.LocaleEN
	if in.Locale != nil {
		locale = *in.Locale
	}
	if locale != model.LocaleEN && locale != model.LocaleZH {
		return nil, model.Invalid("locale", "unknown locale %q", locale)
	}
	if _, _, err := model.FilterRange(in.From, in.To); err != nil {
		return nil, err
	}
	if err := checkReportTimes(in); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "wms-export-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := Write(ctx, e.Store, tmp, in, locale); err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	now := e.Now().UTC()
	ext, ctype := "xlsx", ContentTypeXLSX
	if in.Format == model.FormatCSV {
		ext, ctype = "csv", ContentTypeCSV
	}
	// Named after the business day (WMS_TIMEZONE) it was made on.
	name := fmt.Sprintf("%s-%s.%s", strings.ReplaceAll(strings.ToLower(string(in.Kind)), "_", "-"),
		now.In(e.Store.Zone()).Format("2006-01-02"), ext)
	return e.Media.SaveGenerated(ctx, name, ctype, tmp, now.Add(e.TTL))
}

// Write writes the report to w.
func Write(ctx context.Context, s *db.Store, w io.Writer, in model.ExportInput, l model.Locale) error {
	var sh sheet
	var err error
	if in.Format == model.FormatCSV {
		sh, err = newCSV(w, l)
	} else {
		sh, err = newXLSX(sheetName(in.Kind, l), l)
	}
	if err != nil {
		return err
	}
	r := &rows{s: s, sh: sh, l: l, goods: map[int64]*model.Goods{}}
	if err := r.readLocations(ctx, in); err != nil {
		return err
	}
	cols := columns[in.Kind]
	if r.locations != nil {
		cols = append(slices.Clone(cols), colLocation)
	}
	if err := sh.header(cols); err != nil {
		return err
	}
	switch in.Kind {
	case model.ExportStock:
		err = r.stock(ctx, in)
	case model.ExportLots:
		err = r.lots(ctx, in)
	case model.ExportStockIns:
		err = r.stockIns(ctx, in)
	case model.ExportStockOuts:
		err = r.stockOuts(ctx, in)
	case model.ExportLedger:
		err = r.ledger(ctx, in)
	case model.ExportExpiring:
		err = r.expiring(ctx, in)
	case model.ExportMovementSummary:
		err = r.movementSummary(ctx, in)
	case model.ExportValuation:
		err = r.valuation(ctx, in)
	}
	if err != nil {
		return err
	}
	if r.unreadable > 0 {
		zerolog.Ctx(ctx).Warn().Str("kind", string(in.Kind)).Int("cells", r.unreadable).
			Msg("report rows hold stored numbers that cannot be read exactly (a REAL or TEXT in an INTEGER column); their cells are left empty")
	}
	return sh.finish(w)
}

func sheetName(k model.ExportKind, l model.Locale) string {
	zh := map[model.ExportKind]string{model.ExportStock: "库存", model.ExportLots: "批次", model.ExportStockIns: "入库",
		model.ExportStockOuts: "出库", model.ExportLedger: "明细", model.ExportExpiring: "临期",
		model.ExportMovementSummary: "进销存", model.ExportValuation: "库存估值"}
	if l == model.LocaleZH {
		return zh[k]
	}
	return strings.ReplaceAll(strings.ToLower(string(k)), "_", " ")
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// rows turns batches of the lists into report rows, looking up the goods
// they name a batch at a time (and keeping what it looked up).
type rows struct {
	s     *db.Store
	sh    sheet
	l     model.Locale
	goods map[int64]*model.Goods
	// locations names every location by id when the report has a location
	// column (see readLocations); nil otherwise.
	locations map[int64]string
	// unreadable counts the cells left empty by put.
	unreadable int
}

// readLocations reads the names of the locations when the report has a
// location column, its last: when the export names a location or the
// database has more than one. A shop with one location gets the same
// columns as before locations existed, and a column added at the end moves
// no other column for a script that reads them by position.
func (r *rows) readLocations(ctx context.Context, in model.ExportInput) error {
	ls, err := r.s.AllLocations(ctx)
	if err != nil {
		return err
	}
	if in.LocationID == nil && len(ls) < 2 {
		return nil
	}
	r.locations = make(map[int64]string, len(ls))
	for _, l := range ls {
		r.locations[l.ID] = l.Name
	}
	return nil
}

// placed adds the location column to a row when the report has one; an
// empty cell for a row of every location together (id 0).
func (r *rows) placed(vals []any, location int64) []any {
	if r.locations == nil {
		return vals
	}
	return append(vals, r.locations[location])
}

// put writes one report row. A stored number that cannot be read exactly
// (see model.ErrUnreadable) is left as an empty cell and counted, so that one
// damaged row neither fails the report nor shows a made-up number.
func (r *rows) put(vals []any) error {
	for i, v := range vals {
		ok := true
		switch v := v.(type) {
		case model.Quantity:
			ok = v.Readable()
		case model.UnitCost:
			ok = v.Readable()
		case *model.UnitCost:
			ok = v == nil || v.Readable()
		case model.Money:
			ok = v.Readable()
		}
		if !ok {
			vals[i] = nil
			r.unreadable++
		}
	}
	return r.sh.row(vals)
}

func (r *rows) loadGoods(ctx context.Context, ids []int64) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := r.goods[id]; !ok {
			missing = append(missing, id)
			r.goods[id] = nil
		}
	}
	if len(missing) == 0 {
		return nil
	}
	gs, err := r.s.GoodsByIDs(ctx, missing)
	for _, g := range gs {
		r.goods[g.ID] = g
	}
	return err
}

func (r *rows) name(id int64) (name, unit, category string) {
	g := r.goods[id]
	if g == nil {
		return "", "", ""
	}
	if g.Category != nil {
		category = g.Category.Name
	}
	return g.Name, g.Unit, category
}

func (r *rows) stock(ctx context.Context, in model.ExportInput) error {
	f := model.StockFilter{Search: deref(in.Search), CategoryID: in.CategoryID, LocationID: in.LocationID,
		LowOnly: deref(in.LowOnly), IncludeArchived: deref(in.IncludeArchived)}
	return r.s.EachStock(ctx, f, func(levels []*model.StockLevel) error {
		keys := make([]db.ExpiryKey, len(levels))
		for i, lvl := range levels {
			keys[i] = db.ExpiryKey{GoodsID: lvl.Goods.ID, LocationID: deref(in.LocationID)}
		}
		expiry, err := r.s.ExpiryOf(ctx, keys, r.s.Now())
		if err != nil {
			return err
		}
		for i, lvl := range levels {
			g := lvl.Goods
			cat := ""
			if g.Category != nil {
				cat = g.Category.Name
			}
			var next any // empty without a dated lot
			if e := expiry[keys[i]]; e != nil && e.Next != nil {
				next = *e.Next
			}
			row := []any{g.Name, deref(g.SKU), cat, g.Unit, lvl.OnHand(), lvl.Value(), lvl.AverageCost(), Flag(r.l, lvl.Low()),
				Word(r.l, string(g.IssuePolicy)), next}
			if err := r.put(r.placed(row, deref(in.LocationID))); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *rows) lots(ctx context.Context, in model.ExportInput) error {
	f := model.LotFilter{GoodsID: in.GoodsID, LocationID: in.LocationID, IncludeEmpty: deref(in.IncludeEmpty)}
	return r.s.EachLot(ctx, f, func(ls []*model.Lot) error {
		goodsIDs := make([]int64, len(ls))
		docIDs := make([]int64, len(ls))
		for i, l := range ls {
			goodsIDs[i], docIDs[i] = l.GoodsID, l.StockInID
		}
		if err := r.loadGoods(ctx, goodsIDs); err != nil {
			return err
		}
		docs, err := r.s.StockInsByIDs(ctx, docIDs)
		if err != nil {
			return err
		}
		for _, l := range ls {
			name, unit, _ := r.name(l.GoodsID)
			code := ""
			if d := docs[l.StockInID]; d != nil {
				code = d.Code
			}
			var value any // empty when the stored numbers give no amount
			if v, ok := l.RemainingValue(); ok {
				value = v
			}
			if err := r.put(r.placed([]any{l.ID, name, unit, l.ReceivedAt, code, l.ReceivedQuantity, l.Remaining, l.UnitCost,
				value, expires(l)}, l.LocationID)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *rows) stockIns(ctx context.Context, in model.ExportInput) error {
	f := model.StockInFilter{Search: deref(in.Search), LocationID: in.LocationID, Type: in.Type, GoodsID: in.GoodsID, From: in.From, To: in.To}
	return documentLines(ctx, r,
		func(fn func([]*model.StockIn) error) error { return r.s.EachStockIn(ctx, f, fn) },
		func(d *model.StockIn) int64 { return d.ID }, r.s.StockInLines,
		func(l *model.Lot) int64 { return l.GoodsID },
		func(d *model.StockIn, l *model.Lot, name, unit string) []any {
			return r.placed([]any{d.Code, Word(r.l, string(d.Type)), d.OccurredAt, name, unit, l.ReceivedQuantity, l.UnitCost, l.Amount,
				deref(d.Note)}, d.LocationID)
		})
}

func (r *rows) stockOuts(ctx context.Context, in model.ExportInput) error {
	f := model.StockOutFilter{Search: deref(in.Search), LocationID: in.LocationID, Reason: in.Reason, GoodsID: in.GoodsID, From: in.From, To: in.To}
	return documentLines(ctx, r,
		func(fn func([]*model.StockOut) error) error { return r.s.EachStockOut(ctx, f, fn) },
		func(d *model.StockOut) int64 { return d.ID }, r.s.StockOutLines,
		func(l *model.StockOutLine) int64 { return l.GoodsID },
		func(d *model.StockOut, l *model.StockOutLine, name, unit string) []any {
			return r.placed([]any{d.Code, Word(r.l, string(d.Reason)), d.OccurredAt, name, unit, l.Quantity, l.Cost, deref(d.Note)},
				d.LocationID)
		})
}

// documentLines writes one row per line of each document, reading the lines
// and their goods a batch of documents at a time.
func documentLines[D, L any](ctx context.Context, r *rows, each func(func([]*D) error) error, id func(*D) int64,
	linesOf func(context.Context, []int64) (map[int64][]*L, error), goodsOf func(*L) int64,
	row func(d *D, l *L, name, unit string) []any,
) error {
	return each(func(docs []*D) error {
		ids := make([]int64, len(docs))
		for i, d := range docs {
			ids[i] = id(d)
		}
		lines, err := linesOf(ctx, ids)
		if err != nil {
			return err
		}
		var goodsIDs []int64
		for _, ls := range lines {
			for _, l := range ls {
				goodsIDs = append(goodsIDs, goodsOf(l))
			}
		}
		if err := r.loadGoods(ctx, goodsIDs); err != nil {
			return err
		}
		for _, d := range docs {
			for _, l := range lines[id(d)] {
				name, unit, _ := r.name(goodsOf(l))
				if err := r.put(row(d, l, name, unit)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (r *rows) ledger(ctx context.Context, in model.ExportInput) error {
	f := model.LedgerFilter{GoodsID: in.GoodsID, CategoryID: in.CategoryID, LocationID: in.LocationID, Search: deref(in.Search),
		Direction: in.Direction, Kind: in.LedgerKind, From: in.From, To: in.To}
	return r.s.EachLedger(ctx, f, func(es []*model.LedgerEntry) error {
		ids := make([]int64, len(es))
		for i, e := range es {
			ids[i] = e.GoodsID
		}
		if err := r.loadGoods(ctx, ids); err != nil {
			return err
		}
		for _, e := range es {
			name, unit, cat := r.name(e.GoodsID)
			if err := r.put(r.placed([]any{e.At, e.DocumentCode, Word(r.l, string(e.Direction)), KindWord(r.l, e.Kind), name, cat, unit,
				e.Quantity, e.UnitCost, e.Amount}, e.LocationID)); err != nil {
				return err
			}
		}
		return nil
	})
}

// expires is a lot's expiry as a cell: empty without one.
func expires(l *model.Lot) any {
	if l.ExpiresAt == nil {
		return nil
	}
	return *l.ExpiresAt
}

// expiring writes the lots with something left that expire before `to`
// (default a week from now), soonest first.
func (r *rows) expiring(ctx context.Context, in model.ExportInput) error {
	before := r.s.Now().UTC().Add(7 * 24 * time.Hour)
	if in.To != nil {
		before = *in.To
	}
	f := model.ExpiringFilter{Before: before, LocationID: in.LocationID, CategoryID: in.CategoryID}
	return r.s.EachExpiringLot(ctx, f, func(ls []*model.Lot) error {
		ids := make([]int64, len(ls))
		for i, l := range ls {
			ids[i] = l.GoodsID
		}
		if err := r.loadGoods(ctx, ids); err != nil {
			return err
		}
		for _, l := range ls {
			name, unit, _ := r.name(l.GoodsID)
			var value any
			if v, ok := l.RemainingValue(); ok {
				value = v
			}
			if err := r.put(r.placed([]any{l.ID, name, unit, expires(l), l.ReceivedAt, l.Remaining, l.UnitCost, value},
				l.LocationID)); err != nil {
				return err
			}
		}
		return nil
	})
}
