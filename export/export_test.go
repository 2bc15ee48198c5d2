package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// shop fills a store with two categories, goods, stock-ins and stock-outs.
func shop(t *testing.T, s *db.Store) (veg, tea *model.Goods, cat int64) {
	t.Helper()
	c1, _ := s.CreateCategory(ctx, model.CategoryInput{Name: "蔬菜"})
	c2, _ := s.CreateCategory(ctx, model.CategoryInput{Name: "饮料"})
	veg, err := s.CreateGoods(ctx, model.GoodsInput{Name: "土豆", CategoryID: c1.ID, Unit: ptr("kg"), LowStockThreshold: ptr(model.MustQuantity("20"))})
	if err != nil {
		t.Fatal(err)
	}
	tea, _ = s.CreateGoods(ctx, model.GoodsInput{Name: "Green Tea", CategoryID: c2.ID, SKU: ptr("TEA-1")})
	day := func(d int) *time.Time { v := time.Date(2026, 11, d, 9, 30, 15, 0, time.UTC); return &v }
	for i, ty := range []model.StockInType{model.StockInPurchase, model.StockInGift, model.StockInSurplus} {
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: ty, OccurredAt: day(1 + i), Note: ptr(fmt.Sprintf("批 %d, \"quoted\"", i)),
			Lines: []*model.StockInLineInput{
				{GoodsID: veg.ID, Quantity: model.MustQuantity("10.125"), UnitCost: model.MustUnitCost("2.3333")},
				{GoodsID: tea.ID, Quantity: model.MustQuantity("4"), UnitCost: model.MustUnitCost("12.5")},
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range []model.StockOutReason{model.StockOutConsume, model.StockOutDamage} {
		if _, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: r, OccurredAt: day(5 + i),
			Lines: []*model.StockOutLineInput{{GoodsID: veg.ID, Quantity: model.MustQuantity("11")}, {GoodsID: tea.ID, Quantity: model.MustQuantity("1.5")}}}); err != nil {
			t.Fatal(err)
		}
	}
	return veg, tea, c1.ID
}

// readBack reads a report as rows of strings: the header, then the data.
// XLSX cells are read raw: numbers and dates as the numbers they are.
func readBack(t *testing.T, format model.ExportFormat, b []byte) [][]string {
	t.Helper()
	if format == model.FormatCSV {
		if !bytes.HasPrefix(b, []byte("\uFEFF")) {
			t.Fatal("CSV without a byte order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	// The sheet's dimension covers what was written (readers such as
	// openpyxl in read-only mode read only that range).
	if len(rows) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(rows[0]), len(rows))
		if dim, err := f.GetSheetDimension(f.GetSheetName(0)); err != nil || dim != "A1:"+last {
			t.Errorf("sheet dimension %q (%v), want A1:%s for %d rows of %d columns", dim, err, last, len(rows), len(rows[0]))
		}
	}
	panes, _ := f.GetPanes(f.GetSheetName(0))
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v", panes)
	}
	return rows
}

// same compares a cell read back with what the list query says, by kind:
// decimals and times by value, text exactly.
func same(format model.ExportFormat, got string, want any) bool {
	switch w := want.(type) {
	case model.Quantity, model.UnitCost, model.Money:
		if format == model.FormatCSV {
			return got == fmt.Sprint(w)
		}
		f, err := strconv.ParseFloat(got, 64)
		var exact int64
		var scale float64
		switch w := w.(type) {
		case model.Quantity:
			exact, scale = int64(w), 1e3
		case model.UnitCost:
			exact, scale = int64(w), 1e4
		case model.Money:
			exact, scale = int64(w), 1e2
		}
		return err == nil && int64(math.Round(f*scale)) == exact && strconv.FormatFloat(float64(exact)/scale, 'f', -1, 64) == got
	case *model.UnitCost:
		if w == nil {
			return got == ""
		}
		return same(format, got, *w)
	case time.Time:
		if format == model.FormatCSV {
			return got == w.UTC().Format(time.RFC3339)
		}
		f, err := strconv.ParseFloat(got, 64)
		if err != nil {
			return false
		}
		tm, err := excelize.ExcelDateToTime(f, false)
		return err == nil && tm.Sub(w.UTC()).Abs() < time.Second
	case int64:
		return got == strconv.FormatInt(w, 10)
	default:
		return got == fmt.Sprint(w)
	}
}

func compare(t *testing.T, name string, format model.ExportFormat, got [][]string, header []string, want [][]any) {
	t.Helper()
	if len(got) == 0 || strings.Join(got[0], "|") != strings.Join(header, "|") {
		t.Fatalf("%s header %q, want %q", name, got[0], header)
	}
	if len(got)-1 != len(want) {
		t.Fatalf("%s: %d rows, the list query has %d", name, len(got)-1, len(want))
	}
	for i, row := range want {
		for j, cell := range row {
			g := ""
			if j < len(got[i+1]) {
				g = got[i+1][j]
			}
			if !same(format, g, cell) {
				t.Errorf("%s row %d column %d (%s): got %q, want %v", name, i+1, j+1, header[j], g, cell)
			}
		}
	}
}

// all pages through a list query the way a client does.
func all[T any](t *testing.T, list func(model.PageArgs) (*model.Page[T], error)) []T {
	t.Helper()
	var out []T
	args := model.PageArgs{First: ptr(2)}
	for {
		p, err := list(args)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Items...)
		if !p.HasNext {
			return out
		}
		args.After = p.EndCursor()
	}
}

func TestReportsMatchTheListQueries(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		veg, tea, vegCat := shop(t, s)
		goods := map[int64]*model.Goods{}
		for _, g := range all(t, func(p model.PageArgs) (*model.Page[*model.Goods], error) {
			return s.GoodsList(ctx, model.GoodsFilter{IncludeArchived: true}, p)
		}) {
			goods[g.ID] = g
		}
		from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		for _, format := range []model.ExportFormat{model.FormatXLSX, model.FormatCSV} {
			for _, locale := range []model.Locale{model.LocaleEN, model.LocaleZH} {
				run := func(in model.ExportInput) [][]string {
					in.Format, in.Locale = format, &locale
					var b bytes.Buffer
					if err := export.Write(ctx, s, &b, in, locale); err != nil {
						t.Fatal(err)
					}
					return readBack(t, format, b.Bytes())
				}
				tag := fmt.Sprintf("%s/%s", format, locale)
				zh := locale == model.LocaleZH
				header := func(en, cn string) []string {
					if zh {
						return strings.Split(cn, ",")
					}
					return strings.Split(en, ",")
				}

				// STOCK, low only.
				var want [][]any
				for _, lvl := range all(t, func(p model.PageArgs) (*model.Page[*model.StockLevel], error) {
					return s.Stock(ctx, model.StockFilter{LowOnly: true}, p)
				}) {
					g := lvl.Goods
					want = append(want, []any{g.Name, deref(g.SKU), g.Category.Name, g.Unit, lvl.OnHand(), lvl.Value(), lvl.AverageCost(), export.Flag(locale, lvl.Low()),
						export.Word(locale, string(g.IssuePolicy)), ""})
				}
				if len(want) != 1 {
					t.Fatalf("expected one low goods, got %d", len(want))
				}
				compare(t, tag+" STOCK", format, run(model.ExportInput{Kind: model.ExportStock, LowOnly: ptr(true)}),
					header("Goods,SKU,Category,Unit,On hand,Value,Average cost,Low,Issue policy,Next expiry", "商品,SKU,分类,单位,库存数量,库存金额,平均单价,低库存,出库规则,最近到期"), want)

				// LOTS of one goods, emptied ones too.
				want = nil
				for _, l := range all(t, func(p model.PageArgs) (*model.Page[*model.Lot], error) {
					return s.Lots(ctx, model.LotFilter{GoodsID: &veg.ID, IncludeEmpty: true}, p)
				}) {
					d, _ := s.StockIn(ctx, l.StockInID)
					want = append(want, []any{l.ID, veg.Name, veg.Unit, l.ReceivedAt, d.Code, l.ReceivedQuantity, l.Remaining, l.UnitCost, model.Amount(l.Remaining, l.UnitCost), ""})
				}
				compare(t, tag+" LOTS", format, run(model.ExportInput{Kind: model.ExportLots, GoodsID: &veg.ID, IncludeEmpty: ptr(true)}),
					header("Lot,Goods,Unit,Received at,Stock-in,Received,Remaining,Unit cost,Remaining value,Expires at", "批次,商品,单位,入库时间,入库单号,入库数量,剩余数量,单价,剩余金额,到期时间"), want)

				// STOCK_INS from a date, one row per line.
				want = nil
				for _, d := range all(t, func(p model.PageArgs) (*model.Page[*model.StockIn], error) {
					return s.StockIns(ctx, model.StockInFilter{From: &from}, p)
				}) {
					lines, _ := s.StockInLines(ctx, []int64{d.ID})
					for _, l := range lines[d.ID] {
						want = append(want, []any{d.Code, export.Word(locale, string(d.Type)), d.OccurredAt, goods[l.GoodsID].Name, goods[l.GoodsID].Unit, l.ReceivedQuantity, l.UnitCost, l.Amount, deref(d.Note)})
					}
				}
				compare(t, tag+" STOCK_INS", format, run(model.ExportInput{Kind: model.ExportStockIns, From: &from}),
					header("Code,Type,Time,Goods,Unit,Quantity,Unit cost,Amount,Note", "单号,类型,时间,商品,单位,数量,单价,金额,备注"), want)

				// STOCK_OUTS of a reason.
				want = nil
				for _, d := range all(t, func(p model.PageArgs) (*model.Page[*model.StockOut], error) {
					return s.StockOuts(ctx, model.StockOutFilter{Reason: ptr(model.StockOutDamage)}, p)
				}) {
					lines, _ := s.StockOutLines(ctx, []int64{d.ID})
					for _, l := range lines[d.ID] {
						want = append(want, []any{d.Code, export.Word(locale, string(d.Reason)), d.OccurredAt, goods[l.GoodsID].Name, goods[l.GoodsID].Unit, l.Quantity, l.Cost, deref(d.Note)})
					}
				}
				compare(t, tag+" STOCK_OUTS", format, run(model.ExportInput{Kind: model.ExportStockOuts, Reason: ptr(model.StockOutDamage)}),
					header("Code,Reason,Time,Goods,Unit,Quantity,Cost,Note", "单号,原因,时间,商品,单位,数量,成本,备注"), want)

				// LEDGER of a category, and of a direction.
				for _, f := range []model.LedgerFilter{{CategoryID: &vegCat}, {Direction: ptr(model.DirectionOut), GoodsID: &tea.ID}} {
					want = nil
					for _, e := range all(t, func(p model.PageArgs) (*model.Page[*model.LedgerEntry], error) { return s.Ledger(ctx, f, p) }) {
						g := goods[e.GoodsID]
						want = append(want, []any{e.At, e.DocumentCode, export.Word(locale, string(e.Direction)), export.KindWord(locale, e.Kind),
							g.Name, g.Category.Name, g.Unit, e.Quantity, e.UnitCost, e.Amount})
					}
					if len(want) == 0 {
						t.Fatal("empty ledger selection")
					}
					compare(t, tag+" LEDGER", format, run(model.ExportInput{Kind: model.ExportLedger, CategoryID: f.CategoryID, Direction: f.Direction, GoodsID: f.GoodsID}),
						header("Time,Code,Direction,Kind,Goods,Category,Unit,Quantity,Unit cost,Amount", "时间,单号,方向,类别,商品,分类,单位,数量,单价,金额"), want)
				}
			}
		}
	})
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
