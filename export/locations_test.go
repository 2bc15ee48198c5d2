package export_test

import (
	"bytes"
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/export"
	"wms/model"
)

// With a second location every report gains a Location column, its last (in
// each language), and takes a locationId; a shop with one location gets the
// columns it always had unless it names its location.
func TestReportsByLocation(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		veg, tea, _ := shop(t, s)
		report := func(in model.ExportInput, l model.Locale) [][]string {
			t.Helper()
			in.Format = model.FormatCSV
			var b bytes.Buffer
			if err := export.Write(ctx, s, &b, in, l); err != nil {
				t.Fatal(err)
			}
			return readBack(t, model.FormatCSV, b.Bytes())
		}
		last := func(row []string) string { return row[len(row)-1] }
		for _, k := range []model.ExportKind{model.ExportStock, model.ExportLots, model.ExportStockIns, model.ExportStockOuts, model.ExportLedger} {
			if h := last(report(model.ExportInput{Kind: k}, model.LocaleEN)[0]); h == "Location" {
				t.Errorf("%s: a Location column with one location", k)
			}
		}
		ls, err := s.AllLocations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		main := ls[0]
		if h := last(report(model.ExportInput{Kind: model.ExportStock, LocationID: &main.ID}, model.LocaleEN)[0]); h != "Location" {
			t.Errorf("stock of a named location: last header %q", h)
		}
		cold, err := s.CreateLocation(ctx, model.LocationInput{Name: "Cold room"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateTransfer(ctx, model.TransferInput{FromLocationID: main.ID, ToLocationID: cold.ID,
			Lines: []*model.TransferLineInput{{GoodsID: veg.ID, Quantity: model.MustQuantity("2")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, LocationID: &cold.ID,
			Lines: []*model.StockInLineInput{{GoodsID: tea.ID, Quantity: model.MustQuantity("1"), UnitCost: model.MustUnitCost("3")}}}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []model.ExportKind{model.ExportStock, model.ExportLots, model.ExportStockIns, model.ExportStockOuts, model.ExportLedger} {
			en, zh := report(model.ExportInput{Kind: k}, model.LocaleEN), report(model.ExportInput{Kind: k}, model.LocaleZH)
			if last(en[0]) != "Location" || last(zh[0]) != "库位" || len(en[0]) != len(en[1]) {
				t.Errorf("%s: headers %q / %q", k, en[0], zh[0])
			}
		}
		// The stock report of one location, and the lots and ledger there.
		rows := report(model.ExportInput{Kind: model.ExportStock, LocationID: &cold.ID}, model.LocaleEN)
		got := ""
		for _, r := range rows[1:] {
			got += r[0] + " " + r[4] + " " + r[5] + " " + last(r) + "; "
		}
		if want := "Green Tea 1 3.00 Cold room; 土豆 2 4.67 Cold room; "; got != want {
			t.Errorf("stock at the cold room %q, want %q", got, want)
		}
		rows = report(model.ExportInput{Kind: model.ExportLedger, LocationID: &cold.ID}, model.LocaleEN)
		if len(rows) != 3 || last(rows[1]) != "Cold room" || last(rows[2]) != "Cold room" {
			t.Errorf("ledger at the cold room %q", rows)
		}
		rows = report(model.ExportInput{Kind: model.ExportLedger, LedgerKind: ptr(model.KindTransferOut)}, model.LocaleEN)
		if len(rows) != 2 || last(rows[1]) != main.Name || !strings.HasPrefix(rows[1][1], "TR-") {
			t.Errorf("transfer-out entries %q", rows)
		}
		rows = report(model.ExportInput{Kind: model.ExportLots, LocationID: &cold.ID}, model.LocaleEN)
		if len(rows) != 3 {
			t.Errorf("lots at the cold room %q", rows)
		}
		rows = report(model.ExportInput{Kind: model.ExportStockIns, LocationID: &cold.ID}, model.LocaleEN)
		if len(rows) != 2 || last(rows[1]) != "Cold room" {
			t.Errorf("stock-ins at the cold room %q", rows)
		}
	})
}
