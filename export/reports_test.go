package export_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

// The movement summary and valuation reports hold every goods shown — more
// than one batch of them — in the order of the query, and end with a totals
// row that is the sum of the rows and the query's totals; with a locationId
// they have the Location column, its last; without their period or with a
// bad one they are BAD_USER_INPUT.
func TestReportExportsStreamEveryGoodsWithTotals(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c, err := s.CreateCategory(ctx, model.CategoryInput{Name: "干货"})
		if err != nil {
			t.Fatal(err)
		}
		n := db.ExportBatch + 5
		var lines []*model.StockInLineInput
		for i := range n {
			g, err := s.CreateGoods(ctx, model.GoodsInput{Name: fmt.Sprintf("g%05d", i), CategoryID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, &model.StockInLineInput{GoodsID: g.ID, Quantity: model.Quantity(1000 + i), UnitCost: model.UnitCost(10_000 + i)})
		}
		at := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
		for len(lines) > 0 {
			k := min(len(lines), 500)
			if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, OccurredAt: &at, Lines: lines[:k]}); err != nil {
				t.Fatal(err)
			}
			lines = lines[k:]
		}
		from, to := at.Add(-time.Hour), at.Add(time.Hour)
		f := model.ReportFilter{}
		mp, err := s.MovementSummary(ctx, f, from, to, model.PageArgs{First: ptr(1)})
		if err != nil {
			t.Fatal(err)
		}
		mt, err := mp.Totals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vp, err := s.Valuation(ctx, f, &to, model.PageArgs{First: ptr(1)})
		if err != nil {
			t.Fatal(err)
		}
		vt, err := vp.Totals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc := mainLocationID(t, s)
		for _, tt := range []struct {
			in        model.ExportInput
			totals    []string
			qty, val  int // the columns summed
			locations bool
		}{
			{in: model.ExportInput{Kind: model.ExportMovementSummary, From: &from, To: &to},
				totals: []string{"Total", "", "", "", "0", "0.00", mt.Incoming.Quantity.String(), mt.Incoming.Value.String(), "0", "0.00",
					mt.Closing.Quantity.String(), mt.Closing.Value.String()}, qty: 10, val: 11},
			{in: model.ExportInput{Kind: model.ExportValuation, At: &to, LocationID: &loc},
				totals: []string{"Total", "", "", "", vt.Quantity.String(), vt.Value.String(), "", "Main"}, qty: 4, val: 5, locations: true},
		} {
			for _, format := range []model.ExportFormat{model.FormatCSV, model.FormatXLSX} {
				tt.in.Format = format
				var b bytes.Buffer
				if err := export.Write(ctx, s, &b, tt.in, model.LocaleEN); err != nil {
					t.Fatal(err)
				}
				rows := readBack(t, format, b.Bytes())
				if len(rows) != n+2 {
					t.Fatalf("%s %s: %d rows, want header, %d goods and the totals", tt.in.Kind, format, len(rows), n)
				}
				if got := rows[1][0]; got != "g00000" || rows[n][0] != fmt.Sprintf("g%05d", n-1) {
					t.Errorf("%s %s: rows from %q to %q", tt.in.Kind, format, got, rows[n][0])
				}
				if last := rows[0][len(rows[0])-1]; (last == "Location") != tt.locations {
					t.Errorf("%s %s: last header %q", tt.in.Kind, format, last)
				}
				var qty model.Quantity
				var val model.Money
				for _, r := range rows[1 : n+1] {
					qty += model.MustQuantity(r[tt.qty])
					val += model.MustMoney(r[tt.val])
				}
				total := rows[n+1]
				if format == model.FormatCSV && fmt.Sprint(total) != fmt.Sprint(tt.totals) {
					t.Errorf("%s totals row %q, want %q", tt.in.Kind, total, tt.totals)
				}
				if model.MustQuantity(total[tt.qty]) != qty || model.MustMoney(total[tt.val]) != val {
					t.Errorf("%s %s: totals %s %s, the rows sum to %s %s", tt.in.Kind, format, total[tt.qty], total[tt.val], qty, val)
				}
			}
		}
		for _, tt := range []struct {
			in    model.ExportInput
			field string
		}{
			{model.ExportInput{Kind: model.ExportMovementSummary, To: &to}, "from"},
			{model.ExportInput{Kind: model.ExportMovementSummary, From: &from}, "to"},
			{model.ExportInput{Kind: model.ExportMovementSummary, From: &to, To: &from}, "to"},
			{model.ExportInput{Kind: model.ExportValuation, CategoryID: ptr(int64(999))}, "categoryId"},
		} {
			tt.in.Format = model.FormatCSV
			err := export.Write(ctx, s, &bytes.Buffer{}, tt.in, model.LocaleEN)
			if e, ok := err.(*model.Error); !ok || e.Code != model.CodeInvalid || e.Field != tt.field {
				t.Errorf("%+v: %v, want BAD_USER_INPUT on %s", tt.in, err, tt.field)
			}
		}
	})
}

func mainLocationID(t *testing.T, s *db.Store) int64 {
	t.Helper()
	ls, err := s.AllLocations(ctx)
	if err != nil || len(ls) == 0 {
		t.Fatal(ls, err)
	}
	return ls[0].ID
}
