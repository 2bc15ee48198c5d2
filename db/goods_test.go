package db_test

import (
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

func TestGoodsNeedsAnExistingCategory(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		_, err := s.CreateGoods(ctx, model.GoodsInput{Name: "Orphan", CategoryID: 404})
		wantField(t, err, model.CodeInvalid, "categoryId")
		c := mustCategory(t, s, "Fruit")
		g := mustGoods(t, s, model.GoodsInput{Name: "Apple", CategoryID: c.ID})
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, CategoryID: model.To(int64(404))})
		wantField(t, err, model.CodeInvalid, "categoryId")
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, CategoryID: model.Change[int64]{Set: true}})
		wantField(t, err, model.CodeInvalid, "categoryId")
	})
}

func TestGoodsNameIsRequiredAndAtMost100Characters(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := mustCategory(t, s, "Fruit")
		_, err := s.CreateGoods(ctx, model.GoodsInput{Name: "", CategoryID: c.ID})
		wantField(t, err, model.CodeInvalid, "name")
		long := make([]rune, 101)
		for i := range long {
			long[i] = '豆'
		}
		_, err = s.CreateGoods(ctx, model.GoodsInput{Name: string(long), CategoryID: c.ID})
		wantField(t, err, model.CodeInvalid, "name")
		g := mustGoods(t, s, model.GoodsInput{Name: string(long[:100]), CategoryID: c.ID})
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, Name: model.Change[string]{Set: true}})
		wantField(t, err, model.CodeInvalid, "name")
	})
}

func TestGoodsSKUIsUniqueWhenSet(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := mustCategory(t, s, "Drinks")
		a := mustGoods(t, s, model.GoodsInput{Name: "Cola", CategoryID: c.ID, SKU: ptr("COLA-330")})
		_, err := s.CreateGoods(ctx, model.GoodsInput{Name: "Cola copy", CategoryID: c.ID, SKU: ptr("COLA-330")})
		wantField(t, err, model.CodeConflict, "sku")
		// Goods without a SKU (absent or blank) are any number.
		for i := 0; i < 3; i++ {
			mustGoods(t, s, model.GoodsInput{Name: "No SKU", CategoryID: c.ID})
			mustGoods(t, s, model.GoodsInput{Name: "Blank SKU", CategoryID: c.ID, SKU: ptr(" ")})
		}
		b := mustGoods(t, s, model.GoodsInput{Name: "Water", CategoryID: c.ID, SKU: ptr("WATER")})
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: b.ID, SKU: model.To("COLA-330")})
		wantField(t, err, model.CodeConflict, "sku")
		// Once cleared, the SKU is free again.
		if _, err := s.UpdateGoods(ctx, model.GoodsUpdate{ID: a.ID, SKU: model.Change[string]{Set: true}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateGoods(ctx, model.GoodsUpdate{ID: b.ID, SKU: model.To("COLA-330")}); err != nil {
			t.Fatalf("a freed SKU could not be reused: %v", err)
		}
	})
}

func TestGoodsUpdateChangesOnlyWhatIsSet(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := mustCategory(t, s, "Dry goods")
		d := mustCategory(t, s, "Grains")
		g := mustGoods(t, s, model.GoodsInput{Name: "Rice", CategoryID: c.ID, Unit: ptr("kg"), SKU: ptr("RICE"),
			Barcode: ptr("123"), LowStockThreshold: ptr(model.MustQuantity("5")), Note: ptr("dry place")})
		got, err := s.UpdateGoods(ctx, model.GoodsUpdate{ID: g.ID, Name: model.To("Jasmine rice"),
			CategoryID: model.To(d.ID), Note: model.Change[string]{Set: true}})
		if err != nil {
			t.Fatal(err)
		}
		got, err = s.Goods(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Jasmine rice" || got.CategoryID != d.ID || got.Note != nil ||
			got.Unit != "kg" || *got.SKU != "RICE" || *got.Barcode != "123" || *got.LowStockThreshold != model.MustQuantity("5") {
			t.Fatalf("after update: %+v", got)
		}
		if !got.UpdatedAt.After(g.UpdatedAt) && !got.UpdatedAt.Equal(g.UpdatedAt) {
			t.Fatalf("updatedAt went back: %v < %v", got.UpdatedAt, g.UpdatedAt)
		}
		_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: 777, Name: model.To("x")})
		wantCode(t, err, model.CodeNotFound)
	})
}

func TestArchivedGoodsAreHiddenFromListsByDefault(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := mustCategory(t, s, "Bakery")
		keep := mustGoods(t, s, model.GoodsInput{Name: "Bread", CategoryID: c.ID})
		old := mustGoods(t, s, model.GoodsInput{Name: "Bagel", CategoryID: c.ID})
		a, err := s.ArchiveGoods(ctx, old.ID, true)
		if err != nil || !a.Archived {
			t.Fatalf("archive: %+v, %v", a, err)
		}
		p, err := s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].ID != keep.ID {
			t.Fatalf("default list: %v", ids(p.Items))
		}
		if n, _ := p.Count(ctx); n != 1 {
			t.Fatalf("default count %d", n)
		}
		p, _ = s.GoodsList(ctx, model.GoodsFilter{IncludeArchived: true}, model.PageArgs{})
		if len(p.Items) != 2 {
			t.Fatalf("with archived: %v", ids(p.Items))
		}
		// Still readable by id, and can come back.
		if g, err := s.Goods(ctx, old.ID); err != nil || !g.Archived {
			t.Fatalf("archived goods by id: %+v, %v", g, err)
		}
		if g, err := s.ArchiveGoods(ctx, old.ID, false); err != nil || g.Archived {
			t.Fatalf("unarchive: %+v, %v", g, err)
		}
		_, err = s.ArchiveGoods(ctx, 999, true)
		wantCode(t, err, model.CodeNotFound)
	})
}

func TestGoodsWithoutHistoryCanBeDeleted(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := mustCategory(t, s, "Misc")
		g := mustGoods(t, s, model.GoodsInput{Name: "Mistake", CategoryID: c.ID})
		if err := s.DeleteGoods(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.Goods(ctx, g.ID)
		wantCode(t, err, model.CodeNotFound)
		wantCode(t, s.DeleteGoods(ctx, g.ID), model.CodeNotFound)
	})
}

func TestGoodsSearchMatchesNameSKUAndBarcode(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		veg := mustCategory(t, s, "蔬菜 🥬")
		drinks := mustCategory(t, s, "Drinks")
		potato := mustGoods(t, s, model.GoodsInput{Name: "土豆", CategoryID: veg.ID, Unit: ptr("kg")})
		sweet := mustGoods(t, s, model.GoodsInput{Name: "红薯 (sweet potato)", CategoryID: veg.ID})
		cola := mustGoods(t, s, model.GoodsInput{Name: "Cola", CategoryID: drinks.ID, SKU: ptr("CL-330"), Barcode: ptr("6901234567892")})
		pct := mustGoods(t, s, model.GoodsInput{Name: "100% juice_box", CategoryID: drinks.ID})
		tests := []struct {
			search   string
			category *int64
			want     []int64
		}{
			{"土", nil, []int64{potato.ID}},
			{"POTATO", nil, []int64{sweet.ID}},
			{"cl-3", nil, []int64{cola.ID}},
			{"4567892", nil, []int64{cola.ID}},
			{"%", nil, []int64{pct.ID}}, // LIKE wildcards are literal
			{"_", nil, []int64{pct.ID}},
			{"!", nil, nil},
			{"", &veg.ID, []int64{sweet.ID, potato.ID}},
			{"o", &drinks.ID, []int64{pct.ID, cola.ID}},
			{"nothing like this", nil, nil},
		}
		for _, tt := range tests {
			p, err := s.GoodsList(ctx, model.GoodsFilter{Search: tt.search, CategoryID: tt.category, OrderBy: model.GoodsOrderCreatedAtDesc}, model.PageArgs{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Items); !equal(got, tt.want) {
				t.Errorf("search %q category %v: got %v, want %v", tt.search, tt.category, got, tt.want)
			}
		}
	})
}

func ids(gs []*model.Goods) []int64 {
	var out []int64
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
