package db_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// utc puts every time of goods (and of its category) in UTC, so goods read
// on two paths compare by instant.
func utc(g *model.Goods) model.Goods {
	c := *g
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if c.Category != nil {
		cat := *c.Category
		cat.CreatedAt, cat.UpdatedAt = cat.CreatedAt.UTC(), cat.UpdatedAt.UTC()
		c.Category = &cat
	}
	return c
}

// sameAsModels checks that goods read by a list are, field for field, what
// Bun's scan of the model reads for the same rows (GoodsByIDs).
func sameAsModels(t *testing.T, s *db.Store, what string, listed []*model.Goods) {
	t.Helper()
	ids := make([]int64, len(listed))
	for i, g := range listed {
		ids[i] = g.ID
	}
	models, err := s.GoodsByIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*model.Goods{}
	for _, g := range models {
		byID[g.ID] = g
	}
	for _, g := range listed {
		want, ok := byID[g.ID]
		if !ok {
			t.Errorf("%s: goods %d listed, not found by id", what, g.ID)
			continue
		}
		if got, want := utc(g), utc(want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: goods %d\nlisted %+v (category %+v)\nmodel  %+v (category %+v)", what, g.ID, got, got.Category, want, want.Category)
		}
	}
}

// The lists that scan their rows themselves (the goods list, the stock list
// and its export) read every stored row as Bun's scan of the model does:
// ordinary goods, goods with every optional field, and rows holding the
// extreme and unreadable values a database can keep.
func TestGoodsListsReadWhatTheModelsRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		s := db.NewStore(bdb)
		c := mustCategory(t, s, "Vegetables")
		img := &model.Media{Kind: model.MediaUpload, Filename: "a.png", ContentType: "image/png", Size: 1, SHA256: "x",
			Key: "k", CreatedAt: time.Now().UTC()}
		if err := s.CreateMedia(ctx, img); err != nil {
			t.Fatal(err)
		}
		full := mustGoods(t, s, model.GoodsInput{Name: "Potatoes", CategoryID: c.ID, Unit: ptr("kg"), SKU: ptr("P-1"),
			Barcode: ptr("123"), LowStockThreshold: ptr(model.MustQuantity("2.5")), Note: ptr("cellar"), ImageID: &img.ID})
		mustGoods(t, s, model.GoodsInput{Name: "Onions", CategoryID: c.ID})
		mustStockIn(t, s, in(full.ID, "3.125", "1.2345"))
		x := dbtest.WriteExtremes(t, bdb)
		dbtest.WriteUnreadable(t, bdb, x)
		dbtest.WriteUnreadableTimes(t, bdb, x)

		first := 200
		gl, err := s.GoodsList(ctx, model.GoodsFilter{IncludeArchived: true}, model.PageArgs{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		if len(gl.Items) != 6 {
			t.Fatalf("%d goods listed, want 6", len(gl.Items))
		}
		sameAsModels(t, s, "goodsList", gl.Items)
		sl, err := s.Stock(ctx, model.StockFilter{IncludeArchived: true}, model.PageArgs{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		var stock []*model.Goods
		for _, l := range sl.Items {
			stock = append(stock, l.Goods)
		}
		sameAsModels(t, s, "stock", stock)
		var exported []*model.Goods
		if err := s.EachStock(ctx, model.StockFilter{IncludeArchived: true}, func(ls []*model.StockLevel) error {
			for _, l := range ls {
				exported = append(exported, l.Goods)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sameAsModels(t, s, "stock export", exported)
	})
}

// A time column of SQLite holds any text. The goods list parses the text Bun
// writes by itself, once; every other text reads as the model reads it (the
// driver's layouts, then Bun's), and what neither reads is the zero time.
func TestGoodsListReadsEveryStoredTimeTextAsTheModelDoes(t *testing.T) {
	bdb := dbtest.Open(t, dbtest.SQLite)
	s := db.NewStore(bdb)
	c := mustCategory(t, s, "Times")
	texts := []string{
		"2026-11-24 08:30:00+00:00", "2026-11-24 08:30:00.5+00:00", "2026-11-24 08:30:00.123456+00:00",
		"2026-11-24 08:30:00.123456789+00:00", "2026-11-24 08:30:00.1234567891+00:00", "2026-11-24 08:30:00.+00:00",
		"0000-01-01 00:00:00+00:00", "0001-01-01 00:00:00+00:00", "9999-12-31 23:59:59.999999+00:00",
		"2024-02-29 12:00:00+00:00", "2023-02-29 12:00:00+00:00", "2026-04-31 00:00:00+00:00", "2026-13-01 00:00:00+00:00",
		"2026-00-10 00:00:00+00:00", "2026-01-00 00:00:00+00:00", "2026-01-01 24:00:00+00:00", "2026-01-01 23:60:00+00:00",
		"2026-01-01 23:59:60+00:00", "2026-1-01 00:00:00+00:00", " 2026-01-01 00:00:00+00:00", "2026-01-01 00:00:00+00:00 ",
		"2026-01-01 00:00:00+01:00", "2026-01-01 00:00:00-00:00", "2026-01-01 00:00:00-07:30", "2026-01-01 00:00:00+0000",
		"2026-01-01 00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.25+02:00", "2026-01-01 00:00:00",
		"2026-01-01 00:00", "2026-01-01T00:00", "2026-01-01", "2026-01-01 00:00:00.123 +0000 UTC m=+0.000000001",
		"2026-01-01 00:00:00 +0800 CST", "08:30:00", "08:30:00+01:00", "yesterday", "", "２０２６-01-01 00:00:00+00:00",
	}
	for i, text := range texts {
		g := mustGoods(t, s, model.GoodsInput{Name: fmt.Sprintf("t%02d", i), CategoryID: c.ID})
		if _, err := bdb.ExecContext(ctx, "UPDATE goods SET created_at = ?, updated_at = ? WHERE id = ?", text, text, g.ID); err != nil {
			t.Fatal(err)
		}
	}
	first := 200
	for _, ord := range []model.GoodsOrder{model.GoodsOrderNameAsc, model.GoodsOrderCreatedAtAsc} {
		p, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: ord}, model.PageArgs{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != len(texts) {
			t.Fatalf("%d goods listed, want %d", len(p.Items), len(texts))
		}
		sameAsModels(t, s, string(ord), p.Items)
		// A partial read reads the same times.
		p, err = s.GoodsList(ctx, model.GoodsFilter{OrderBy: ord, Read: model.GoodsRead{Only: true,
			Columns: model.GoodsCreatedAt | model.GoodsUpdatedAt}}, model.PageArgs{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		models, _ := s.GoodsByIDs(ctx, ids(p.Items))
		byID := map[int64]*model.Goods{}
		for _, g := range models {
			byID[g.ID] = g
		}
		for _, g := range p.Items {
			if m := byID[g.ID]; !g.CreatedAt.Equal(m.CreatedAt) || !g.UpdatedAt.Equal(m.UpdatedAt) {
				t.Errorf("%s %q: read %v and %v, the model %v", ord, m.Name, g.CreatedAt, g.UpdatedAt, m.CreatedAt)
			}
		}
	}
}
