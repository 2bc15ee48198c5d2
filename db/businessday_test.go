package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// WMS_TIMEZONE decides the date in generated codes: at 17:30 UTC on 24
// November it is already the 25th in Shanghai, and still the 24th in UTC.
// Times stay UTC.
func TestGeneratedCodesUseTheBusinessDay(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 24, 17, 30, 0, 0, time.UTC)
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		for n, tc := range []struct {
			zone *time.Location
			day  string
		}{{nil, "20261124"}, {time.UTC, "20261124"}, {shanghai, "20261125"}} {
			name := fmt.Sprintf("veg %d", n)
			ctx := context.Background()
			s.Now = func() time.Time { return at }
			s.Timezone = tc.zone
			cat, err := s.CreateCategory(ctx, model.CategoryInput{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.CreateGoods(ctx, model.GoodsInput{Name: "leek " + name, CategoryID: cat.ID})
			if err != nil {
				t.Fatal(err)
			}
			in, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{
				{GoodsID: g.ID, Quantity: model.MustQuantity("2"), UnitCost: model.MustUnitCost("1.5")}}})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.CreateStockOut(ctx, model.StockOutInput{Reason: model.StockOutConsume, Lines: []*model.StockOutLineInput{
				{GoodsID: g.ID, Quantity: model.MustQuantity("1")}}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(in.Code, "IN-"+tc.day+"-") || !strings.HasPrefix(out.Code, "OUT-"+tc.day+"-") {
				t.Errorf("zone %v: codes %s, %s, want the day %s", tc.zone, in.Code, out.Code, tc.day)
			}
			if !in.OccurredAt.Equal(at) || in.OccurredAt.Location() != time.UTC {
				t.Errorf("occurredAt %v, want %v in UTC", in.OccurredAt, at)
			}
			start := s.BusinessDayStart(at)
			if want := map[string]string{"20261124": "2026-11-24T00:00:00Z", "20261125": "2026-11-24T16:00:00Z"}[tc.day]; start.Format(time.RFC3339) != want {
				t.Errorf("zone %v: the day starts at %v, want %s", tc.zone, start, want)
			}
		}
	})
}
