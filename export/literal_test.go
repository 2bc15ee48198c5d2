package export_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

// A small history on a fixed clock, and each report of it written out by
// hand below: what a person opening the file sees, worked out from the
// history alone, not from the store's queries or the export's tables.
//
//	5 March 2026, 08:00 UTC (the clock: codes are numbered on it)
//	IN-20260305-0001 PURCHASE at 2026-03-01 09:30:00, note `first, "quoted"`:
//	    土豆 (蔬菜, kg, SKU P-1, low below 5)  10 × 2.3333 = 23.333 → 23.33
//	    Green Tea (饮料, box)                   4 × 12.5   = 50.00
//	IN-20260305-0002 GIFT at 2026-03-02 10:00:00: 土豆 2.5 × 0 = 0.00
//	OUT-20260305-0001 CONSUME at 2026-03-03 12:15:30:
//	    土豆 11: all 10 of the first lot (its value, 23.33) and 1 of the gift (0.00)
//	    Green Tea 1.5: 4 × 12.5 = 50.00 before, 2.5 × 12.5 = 31.25 after: 18.75
//	Left: 土豆 1.5 worth 0.00 (low), Green Tea 2.5 worth 31.25 (12.50 each).
func literalHistory(t *testing.T, s *db.Store) (potato int64) {
	t.Helper()
	s.Now = func() time.Time { return time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC) }
	at := func(day, h, m, sec int) *time.Time { v := time.Date(2026, 3, day, h, m, sec, 0, time.UTC); return &v }
	veg, err := s.CreateCategory(ctx, model.CategoryInput{Name: "蔬菜"})
	if err != nil {
		t.Fatal(err)
	}
	drinks, err := s.CreateCategory(ctx, model.CategoryInput{Name: "饮料"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateGoods(ctx, model.GoodsInput{Name: "土豆", CategoryID: veg.ID, Unit: ptr("kg"), SKU: ptr("P-1"), LowStockThreshold: ptr(model.MustQuantity("5"))})
	if err != nil {
		t.Fatal(err)
	}
	tea, err := s.CreateGoods(ctx, model.GoodsInput{Name: "Green Tea", CategoryID: drinks.ID, Unit: ptr("box")})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []model.StockInInput{
		{Type: model.StockInPurchase, OccurredAt: at(1, 9, 30, 0), Note: ptr(`first, "quoted"`), Lines: []*model.StockInLineInput{
			{GoodsID: p.ID, Quantity: model.MustQuantity("10"), UnitCost: model.MustUnitCost("2.3333")},
			{GoodsID: tea.ID, Quantity: model.MustQuantity("4"), UnitCost: model.MustUnitCost("12.5")},
		}},
		{Type: model.StockInGift, OccurredAt: at(2, 10, 0, 0), Lines: []*model.StockInLineInput{
			{GoodsID: p.ID, Quantity: model.MustQuantity("2.5"), UnitCost: model.MustUnitCost("0")},
		}},
	} {
		if _, err := s.CreateStockIn(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, OccurredAt: at(3, 12, 15, 30),
		Lines: []*model.StockOutLineInput{{GoodsID: p.ID, Quantity: model.MustQuantity("11")}, {GoodsID: tea.ID, Quantity: model.MustQuantity("1.5")}}}); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// literalReport is one report of the history: its CSV as the bytes of the
// file (after the byte order mark), and its XLSX as the sheet's name and its
// cells as a spreadsheet shows them.
type literalReport struct {
	in    model.ExportInput
	csv   string
	sheet string
	xlsx  [][]string
}

func literalReports(potato int64) map[model.Locale][]literalReport {
	return map[model.Locale][]literalReport{
		model.LocaleEN: {
			{in: model.ExportInput{Kind: model.ExportStock},
				csv: `Goods,SKU,Category,Unit,On hand,Value,Average cost,Low,Issue policy,Next expiry
Green Tea,,饮料,box,2.5,31.25,12.50,no,FIFO,
土豆,P-1,蔬菜,kg,1.5,0.00,0.00,yes,FIFO,
`,
				sheet: "stock",
				xlsx: [][]string{
					{"Goods", "SKU", "Category", "Unit", "On hand", "Value", "Average cost", "Low", "Issue policy", "Next expiry"},
					{"Green Tea", "", "饮料", "box", "2.5", "31.25", "12.50", "no", "FIFO"},
					{"土豆", "P-1", "蔬菜", "kg", "1.5", "0.00", "0.00", "yes", "FIFO"},
				}},
			{in: model.ExportInput{Kind: model.ExportLots, GoodsID: &potato, IncludeEmpty: ptr(true)},
				csv: `Lot,Goods,Unit,Received at,Stock-in,Received,Remaining,Unit cost,Remaining value,Expires at
1,土豆,kg,2026-03-01T09:30:00Z,IN-20260305-0001,10,0,2.3333,0.00,
3,土豆,kg,2026-03-02T10:00:00Z,IN-20260305-0002,2.5,1.5,0.00,0.00,
`,
				sheet: "lots",
				xlsx: [][]string{
					{"Lot", "Goods", "Unit", "Received at", "Stock-in", "Received", "Remaining", "Unit cost", "Remaining value", "Expires at"},
					{"1", "土豆", "kg", "2026-03-01 09:30:00", "IN-20260305-0001", "10", "0", "2.3333", "0.00"},
					{"3", "土豆", "kg", "2026-03-02 10:00:00", "IN-20260305-0002", "2.5", "1.5", "0.00", "0.00"},
				}},
			{in: model.ExportInput{Kind: model.ExportStockIns},
				csv: `Code,Type,Time,Goods,Unit,Quantity,Unit cost,Amount,Note
IN-20260305-0002,GIFT,2026-03-02T10:00:00Z,土豆,kg,2.5,0.00,0.00,
IN-20260305-0001,PURCHASE,2026-03-01T09:30:00Z,土豆,kg,10,2.3333,23.33,"first, ""quoted"""
IN-20260305-0001,PURCHASE,2026-03-01T09:30:00Z,Green Tea,box,4,12.50,50.00,"first, ""quoted"""
`,
				sheet: "stock ins",
				xlsx: [][]string{
					{"Code", "Type", "Time", "Goods", "Unit", "Quantity", "Unit cost", "Amount", "Note"},
					{"IN-20260305-0002", "GIFT", "2026-03-02 10:00:00", "土豆", "kg", "2.5", "0.00", "0.00", ""},
					{"IN-20260305-0001", "PURCHASE", "2026-03-01 09:30:00", "土豆", "kg", "10", "2.3333", "23.33", `first, "quoted"`},
					{"IN-20260305-0001", "PURCHASE", "2026-03-01 09:30:00", "Green Tea", "box", "4", "12.50", "50.00", `first, "quoted"`},
				}},
			{in: model.ExportInput{Kind: model.ExportStockOuts},
				csv: `Code,Reason,Time,Goods,Unit,Quantity,Cost,Note
OUT-20260305-0001,CONSUME,2026-03-03T12:15:30Z,土豆,kg,11,23.33,
OUT-20260305-0001,CONSUME,2026-03-03T12:15:30Z,Green Tea,box,1.5,18.75,
`,
				sheet: "stock outs",
				xlsx: [][]string{
					{"Code", "Reason", "Time", "Goods", "Unit", "Quantity", "Cost", "Note"},
					{"OUT-20260305-0001", "CONSUME", "2026-03-03 12:15:30", "土豆", "kg", "11", "23.33", ""},
					{"OUT-20260305-0001", "CONSUME", "2026-03-03 12:15:30", "Green Tea", "box", "1.5", "18.75", ""},
				}},
			{in: model.ExportInput{Kind: model.ExportLedger},
				csv: `Time,Code,Direction,Kind,Goods,Category,Unit,Quantity,Unit cost,Amount
2026-03-03T12:15:30Z,OUT-20260305-0001,OUT,CONSUME,Green Tea,饮料,box,-1.5,12.50,-18.75
2026-03-03T12:15:30Z,OUT-20260305-0001,OUT,CONSUME,土豆,蔬菜,kg,-1,0.00,0.00
2026-03-03T12:15:30Z,OUT-20260305-0001,OUT,CONSUME,土豆,蔬菜,kg,-10,2.3333,-23.33
2026-03-02T10:00:00Z,IN-20260305-0002,IN,GIFT,土豆,蔬菜,kg,2.5,0.00,0.00
2026-03-01T09:30:00Z,IN-20260305-0001,IN,PURCHASE,Green Tea,饮料,box,4,12.50,50.00
2026-03-01T09:30:00Z,IN-20260305-0001,IN,PURCHASE,土豆,蔬菜,kg,10,2.3333,23.33
`,
				sheet: "ledger",
				xlsx: [][]string{
					{"Time", "Code", "Direction", "Kind", "Goods", "Category", "Unit", "Quantity", "Unit cost", "Amount"},
					{"2026-03-03 12:15:30", "OUT-20260305-0001", "OUT", "CONSUME", "Green Tea", "饮料", "box", "-1.5", "12.50", "-18.75"},
					{"2026-03-03 12:15:30", "OUT-20260305-0001", "OUT", "CONSUME", "土豆", "蔬菜", "kg", "-1", "0.00", "0.00"},
					{"2026-03-03 12:15:30", "OUT-20260305-0001", "OUT", "CONSUME", "土豆", "蔬菜", "kg", "-10", "2.3333", "-23.33"},
					{"2026-03-02 10:00:00", "IN-20260305-0002", "IN", "GIFT", "土豆", "蔬菜", "kg", "2.5", "0.00", "0.00"},
					{"2026-03-01 09:30:00", "IN-20260305-0001", "IN", "PURCHASE", "Green Tea", "饮料", "box", "4", "12.50", "50.00"},
					{"2026-03-01 09:30:00", "IN-20260305-0001", "IN", "PURCHASE", "土豆", "蔬菜", "kg", "10", "2.3333", "23.33"},
				}},
			{in: model.ExportInput{Kind: model.ExportMovementSummary, From: ptr(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)),
				To: ptr(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))},
				csv: `Goods,SKU,Category,Unit,Opening quantity,Opening value,In quantity,In value,Out quantity,Out value,Closing quantity,Closing value
Green Tea,,饮料,box,4,50.00,0,0.00,1.5,18.75,2.5,31.25
土豆,P-1,蔬菜,kg,10,23.33,2.5,0.00,11,23.33,1.5,0.00
Total,,,,14,73.33,2.5,0.00,12.5,42.08,4,31.25
`,
				sheet: "movement summary",
				xlsx: [][]string{
					{"Goods", "SKU", "Category", "Unit", "Opening quantity", "Opening value", "In quantity", "In value", "Out quantity",
						"Out value", "Closing quantity", "Closing value"},
					{"Green Tea", "", "饮料", "box", "4", "50.00", "0", "0.00", "1.5", "18.75", "2.5", "31.25"},
					{"土豆", "P-1", "蔬菜", "kg", "10", "23.33", "2.5", "0.00", "11", "23.33", "1.5", "0.00"},
					{"Total", "", "", "", "14", "73.33", "2.5", "0.00", "12.5", "42.08", "4", "31.25"},
				}},
			{in: model.ExportInput{Kind: model.ExportValuation, At: ptr(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))},
				csv: `Goods,SKU,Category,Unit,Quantity,Value,Average cost
Green Tea,,饮料,box,4,50.00,12.50
土豆,P-1,蔬菜,kg,12.5,23.33,1.8664
Total,,,,16.5,73.33,
`,
				sheet: "valuation",
				xlsx: [][]string{
					{"Goods", "SKU", "Category", "Unit", "Quantity", "Value", "Average cost"},
					{"Green Tea", "", "饮料", "box", "4", "50.00", "12.50"},
					{"土豆", "P-1", "蔬菜", "kg", "12.5", "23.33", "1.8664"},
					{"Total", "", "", "", "16.5", "73.33", ""},
				}},
		},
		model.LocaleZH: {
			{in: model.ExportInput{Kind: model.ExportStock},
				csv: `商品,SKU,分类,单位,库存数量,库存金额,平均单价,低库存,出库规则,最近到期
Green Tea,,饮料,box,2.5,31.25,12.50,否,先进先出,
土豆,P-1,蔬菜,kg,1.5,0.00,0.00,是,先进先出,
`,
				sheet: "库存",
				xlsx: [][]string{
					{"商品", "SKU", "分类", "单位", "库存数量", "库存金额", "平均单价", "低库存", "出库规则", "最近到期"},
					{"Green Tea", "", "饮料", "box", "2.5", "31.25", "12.50", "否", "先进先出"},
					{"土豆", "P-1", "蔬菜", "kg", "1.5", "0.00", "0.00", "是", "先进先出"},
				}},
			{in: model.ExportInput{Kind: model.ExportLots, GoodsID: &potato, IncludeEmpty: ptr(true)},
				csv: `批次,商品,单位,入库时间,入库单号,入库数量,剩余数量,单价,剩余金额,到期时间
1,土豆,kg,2026-03-01T09:30:00Z,IN-20260305-0001,10,0,2.3333,0.00,
3,土豆,kg,2026-03-02T10:00:00Z,IN-20260305-0002,2.5,1.5,0.00,0.00,
`,
				sheet: "批次",
				xlsx: [][]string{
					{"批次", "商品", "单位", "入库时间", "入库单号", "入库数量", "剩余数量", "单价", "剩余金额", "到期时间"},
					{"1", "土豆", "kg", "2026-03-01 09:30:00", "IN-20260305-0001", "10", "0", "2.3333", "0.00"},
					{"3", "土豆", "kg", "2026-03-02 10:00:00", "IN-20260305-0002", "2.5", "1.5", "0.00", "0.00"},
				}},
			{in: model.ExportInput{Kind: model.ExportStockIns},
				csv: `单号,类型,时间,商品,单位,数量,单价,金额,备注
IN-20260305-0002,赠送,2026-03-02T10:00:00Z,土豆,kg,2.5,0.00,0.00,
IN-20260305-0001,采购,2026-03-01T09:30:00Z,土豆,kg,10,2.3333,23.33,"first, ""quoted"""
IN-20260305-0001,采购,2026-03-01T09:30:00Z,Green Tea,box,4,12.50,50.00,"first, ""quoted"""
`,
				sheet: "入库",
				xlsx: [][]string{
					{"单号", "类型", "时间", "商品", "单位", "数量", "单价", "金额", "备注"},
					{"IN-20260305-0002", "赠送", "2026-03-02 10:00:00", "土豆", "kg", "2.5", "0.00", "0.00", ""},
					{"IN-20260305-0001", "采购", "2026-03-01 09:30:00", "土豆", "kg", "10", "2.3333", "23.33", `first, "quoted"`},
					{"IN-20260305-0001", "采购", "2026-03-01 09:30:00", "Green Tea", "box", "4", "12.50", "50.00", `first, "quoted"`},
				}},
			{in: model.ExportInput{Kind: model.ExportStockOuts},
				csv: `单号,原因,时间,商品,单位,数量,成本,备注
OUT-20260305-0001,消耗,2026-03-03T12:15:30Z,土豆,kg,11,23.33,
OUT-20260305-0001,消耗,2026-03-03T12:15:30Z,Green Tea,box,1.5,18.75,
`,
				sheet: "出库",
				xlsx: [][]string{
					{"单号", "原因", "时间", "商品", "单位", "数量", "成本", "备注"},
					{"OUT-20260305-0001", "消耗", "2026-03-03 12:15:30", "土豆", "kg", "11", "23.33", ""},
					{"OUT-20260305-0001", "消耗", "2026-03-03 12:15:30", "Green Tea", "box", "1.5", "18.75", ""},
				}},
			{in: model.ExportInput{Kind: model.ExportLedger},
				csv: `时间,单号,方向,类别,商品,分类,单位,数量,单价,金额
2026-03-03T12:15:30Z,OUT-20260305-0001,出库,消耗,Green Tea,饮料,box,-1.5,12.50,-18.75
2026-03-03T12:15:30Z,OUT-20260305-0001,出库,消耗,土豆,蔬菜,kg,-1,0.00,0.00
2026-03-03T12:15:30Z,OUT-20260305-0001,出库,消耗,土豆,蔬菜,kg,-10,2.3333,-23.33
2026-03-02T10:00:00Z,IN-20260305-0002,入库,赠送,土豆,蔬菜,kg,2.5,0.00,0.00
2026-03-01T09:30:00Z,IN-20260305-0001,入库,采购,Green Tea,饮料,box,4,12.50,50.00
2026-03-01T09:30:00Z,IN-20260305-0001,入库,采购,土豆,蔬菜,kg,10,2.3333,23.33
`,
				sheet: "明细",
				xlsx: [][]string{
					{"时间", "单号", "方向", "类别", "商品", "分类", "单位", "数量", "单价", "金额"},
					{"2026-03-03 12:15:30", "OUT-20260305-0001", "出库", "消耗", "Green Tea", "饮料", "box", "-1.5", "12.50", "-18.75"},
					{"2026-03-03 12:15:30", "OUT-20260305-0001", "出库", "消耗", "土豆", "蔬菜", "kg", "-1", "0.00", "0.00"},
					{"2026-03-03 12:15:30", "OUT-20260305-0001", "出库", "消耗", "土豆", "蔬菜", "kg", "-10", "2.3333", "-23.33"},
					{"2026-03-02 10:00:00", "IN-20260305-0002", "入库", "赠送", "土豆", "蔬菜", "kg", "2.5", "0.00", "0.00"},
					{"2026-03-01 09:30:00", "IN-20260305-0001", "入库", "采购", "Green Tea", "饮料", "box", "4", "12.50", "50.00"},
					{"2026-03-01 09:30:00", "IN-20260305-0001", "入库", "采购", "土豆", "蔬菜", "kg", "10", "2.3333", "23.33"},
				}},
			{in: model.ExportInput{Kind: model.ExportMovementSummary, From: ptr(time.Date(2026, 3, 3, 12, 15, 30, 0, time.UTC)),
				To: ptr(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC))},
				csv: `商品,SKU,分类,单位,期初数量,期初金额,入库数量,入库金额,出库数量,出库金额,期末数量,期末金额
Green Tea,,饮料,box,4,50.00,0,0.00,1.5,18.75,2.5,31.25
土豆,P-1,蔬菜,kg,12.5,23.33,0,0.00,11,23.33,1.5,0.00
合计,,,,16.5,73.33,0,0.00,12.5,42.08,4,31.25
`,
				sheet: "进销存",
				xlsx: [][]string{
					{"商品", "SKU", "分类", "单位", "期初数量", "期初金额", "入库数量", "入库金额", "出库数量", "出库金额", "期末数量", "期末金额"},
					{"Green Tea", "", "饮料", "box", "4", "50.00", "0", "0.00", "1.5", "18.75", "2.5", "31.25"},
					{"土豆", "P-1", "蔬菜", "kg", "12.5", "23.33", "0", "0.00", "11", "23.33", "1.5", "0.00"},
					{"合计", "", "", "", "16.5", "73.33", "0", "0.00", "12.5", "42.08", "4", "31.25"},
				}},
			{in: model.ExportInput{Kind: model.ExportValuation},
				csv: `商品,SKU,分类,单位,数量,金额,平均单价
Green Tea,,饮料,box,2.5,31.25,12.50
土豆,P-1,蔬菜,kg,1.5,0.00,0.00
合计,,,,4,31.25,
`,
				sheet: "库存估值",
				xlsx: [][]string{
					{"商品", "SKU", "分类", "单位", "数量", "金额", "平均单价"},
					{"Green Tea", "", "饮料", "box", "2.5", "31.25", "12.50"},
					{"土豆", "P-1", "蔬菜", "kg", "1.5", "0.00", "0.00"},
					{"合计", "", "", "", "4", "31.25", ""},
				}},
		},
	}
}

func TestReportsOfAHandWrittenHistory(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		potato := literalHistory(t, s)
		for locale, reports := range literalReports(potato) {
			for _, r := range reports {
				name := fmt.Sprintf("%s/%s", r.in.Kind, locale)
				in := r.in
				in.Locale = &locale

				in.Format = model.FormatCSV
				var b bytes.Buffer
				if err := export.Write(ctx, s, &b, in, locale); err != nil {
					t.Fatal(err)
				}
				if got, ok := strings.CutPrefix(b.String(), "\uFEFF"); !ok || got != r.csv {
					t.Errorf("%s CSV:\n%s\nwant:\n%s", name, b.String(), r.csv)
				}

				in.Format = model.FormatXLSX
				b.Reset()
				if err := export.Write(ctx, s, &b, in, locale); err != nil {
					t.Fatal(err)
				}
				checkSheet(t, name, b.Bytes(), r)
			}
		}
	})
}

// checkSheet compares a workbook's only sheet with the report: its name, its
// cells as a spreadsheet displays them (number formats applied), and the
// types under them: numbers and dates are numbers, the rest text.
func checkSheet(t *testing.T, name string, b []byte, r literalReport) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != r.sheet {
		t.Errorf("%s XLSX sheets %q, want [%q]", name, sheets, r.sheet)
		return
	}
	rows, err := f.GetRows(r.sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.xlsx) {
		t.Errorf("%s XLSX: %d rows, want %d: %q", name, len(rows), len(r.xlsx), rows)
		return
	}
	for i, want := range r.xlsx {
		for j, cell := range want {
			got := ""
			if j < len(rows[i]) {
				got = rows[i][j]
			}
			if got != cell {
				t.Errorf("%s XLSX row %d column %d: %q, want %q", name, i+1, j+1, got, cell)
			}
			if i == 0 || cell == "" {
				continue
			}
			at, _ := excelize.CoordinatesToCellName(j+1, i+1)
			typ, err := f.GetCellType(r.sheet, at)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := f.GetCellValue(r.sheet, at, excelize.Options{RawCellValue: true})
			number := isNumberColumn(r.xlsx[0][j])
			if number && (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber || raw == cell && strings.Contains(cell, ":")) {
				t.Errorf("%s XLSX %s %q is stored as %v %q, not a number", name, at, cell, typ, raw)
			}
			if !number && typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
				t.Errorf("%s XLSX %s %q is stored as %v, not text", name, at, cell, typ)
			}
		}
	}
}

// isNumberColumn says which headers, in either language, head numbers or
// dates.
func isNumberColumn(header string) bool {
	switch header {
	case "Lot", "Received at", "Received", "Remaining", "Unit cost", "Remaining value", "On hand", "Value", "Average cost",
		"Time", "Quantity", "Amount", "Cost", "Opening quantity", "Opening value", "In quantity", "In value", "Out quantity",
		"Out value", "Closing quantity", "Closing value",
		"期初数量", "期初金额", "入库金额", "出库数量", "出库金额", "期末数量", "期末金额",
		"批次", "入库时间", "入库数量", "剩余数量", "单价", "剩余金额", "库存数量", "库存金额", "平均单价", "时间", "数量", "金额", "成本":
		return true
	}
	return false
}
