package export_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

// Every report kind, in both formats, is written over rows stored straight
// into the tables with extreme values (dbtest.WriteExtremes): no report
// fails, each has every row, and what cannot be shown is an empty cell.
func TestReportsOverExtremeRows(t *testing.T) {
	for _, damaged := range []bool{false, true} {
		t.Run(fmt.Sprintf("unreadable=%v", damaged), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
				s := db.NewStore(bdb)
				x := dbtest.WriteExtremes(t, bdb)
				if damaged {
					dbtest.WriteUnreadable(t, bdb, x)
					dbtest.WriteUnreadableTimes(t, bdb, x)
				}
				for _, format := range []model.ExportFormat{model.FormatXLSX, model.FormatCSV} {
					for _, locale := range []model.Locale{model.LocaleEN, model.LocaleZH} {
						for _, tt := range []struct {
							in   model.ExportInput
							rows int
						}{
							{model.ExportInput{Kind: model.ExportStock, IncludeArchived: ptr(true)}, 4},
							{model.ExportInput{Kind: model.ExportStock, LowOnly: ptr(true)}, 3},
							{model.ExportInput{Kind: model.ExportLots, IncludeEmpty: ptr(true)}, 3},
							{model.ExportInput{Kind: model.ExportStockIns}, 3},
							{model.ExportInput{Kind: model.ExportStockOuts}, 3},
							{model.ExportInput{Kind: model.ExportLedger}, 6},
							{model.ExportInput{Kind: model.ExportLedger, GoodsID: &x.Goods[0]}, 2},
						} {
							tt.in.Format, tt.in.Locale = format, &locale
							var b bytes.Buffer
							if err := export.Write(ctx, s, &b, tt.in, locale); err != nil {
								t.Fatalf("%s %s %s: %v", tt.in.Kind, format, locale, err)
							}
							rows := readBack(t, format, b.Bytes())
							if len(rows)-1 != tt.rows && !(damaged && tt.in.LowOnly != nil) { // a damaged on-hand is not "low"
								t.Errorf("%s %s: %d rows, want %d", tt.in.Kind, format, len(rows)-1, tt.rows)
							}
							if format != model.FormatCSV || locale != model.LocaleEN {
								continue
							}
							var cells []string
							for _, r := range rows[1:] {
								cells = append(cells, r...)
							}
							switch tt.in.Kind {
							case model.ExportStockIns:
								for _, want := range []string{"NO_SUCH_TYPE", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"} {
									if !slices.Contains(cells, want) {
										t.Errorf("STOCK_INS has no cell %q: %q", want, rows)
									}
								}
							case model.ExportStock:
								if !damaged && !slices.Contains(cells, "92233720368547758.07") {
									t.Errorf("STOCK shows no largest value: %q", rows)
								}
							case model.ExportLedger:
								empty := 0
								for _, r := range rows[1:] {
									if r[8] == "" {
										empty++
									}
								}
								if want := map[bool]int{false: 0, true: 2}[damaged]; tt.in.GoodsID == nil && empty != want {
									t.Errorf("LEDGER has %d empty amounts, want %d: %q", empty, want, rows)
								}
							}
						}
					}
				}
			})
		})
	}
}
