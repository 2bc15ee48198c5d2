package db_test

import (
	"strings"
	"testing"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

func TestCategoryNameIsRequiredAndAtMost50Characters(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		_, err := s.CreateCategory(ctx, model.CategoryInput{Name: "  "})
		wantField(t, err, model.CodeInvalid, "name")
		_, err = s.CreateCategory(ctx, model.CategoryInput{Name: strings.Repeat("菜", 51)})
		wantField(t, err, model.CodeInvalid, "name")
		c := mustCategory(t, s, strings.Repeat("菜", 50))
		got, err := s.Category(ctx, c.ID)
		if err != nil || got.Name != strings.Repeat("菜", 50) {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
}

func TestCategoryNameRoundTripsUTF8MB4(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		for _, name := range []string{"蔬菜 🥬", "🍺🍷", "Getränke", "𠮷野家"} {
			c := mustCategory(t, s, name)
			got, err := s.Category(ctx, c.ID)
			if err != nil || got.Name != name {
				t.Fatalf("%q came back as %q (%v)", name, got.Name, err)
			}
		}
	})
}

func TestCategoryNameIsUniqueIgnoringCase(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		mustCategory(t, s, "Vegetables")
		mustCategory(t, s, "Äpfel")
		for _, dup := range []string{"vegetables", "VEGETABLES", " Vegetables ", "äPFEL"} {
			_, err := s.CreateCategory(ctx, model.CategoryInput{Name: dup})
			wantField(t, err, model.CodeConflict, "name")
		}
		// Different words stay different on both databases (MySQL's own
		// collation would call these equal; the folded key does not).
		mustCategory(t, s, "Apfel")
		mustCategory(t, s, "Vegetables 2")
	})
}

func TestCategoryRenameChecksUniqueness(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		a := mustCategory(t, s, "Drinks")
		mustCategory(t, s, "Snacks")
		_, err := s.UpdateCategory(ctx, model.CategoryUpdate{ID: a.ID, Name: "SNACKS"})
		wantField(t, err, model.CodeConflict, "name")
		// Changing only the case of its own name is allowed.
		got, err := s.UpdateCategory(ctx, model.CategoryUpdate{ID: a.ID, Name: "DRINKS"})
		if err != nil || got.Name != "DRINKS" {
			t.Fatalf("got %+v, %v", got, err)
		}
		_, err = s.UpdateCategory(ctx, model.CategoryUpdate{ID: 9999, Name: "x"})
		wantCode(t, err, model.CodeNotFound)
		_, err = s.UpdateCategory(ctx, model.CategoryUpdate{ID: a.ID, Name: ""})
		wantField(t, err, model.CodeInvalid, "name")
	})
}

func TestCategoryWithGoodsCannotBeDeleted(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := mustCategory(t, s, "Dairy")
		g := mustGoods(t, s, model.GoodsInput{Name: "Milk", CategoryID: c.ID})
		if _, err := s.ArchiveGoods(ctx, g.ID, true); err != nil {
			t.Fatal(err)
		}
		// Archived goods still belong to the category.
		err := s.DeleteCategory(ctx, c.ID)
		wantCode(t, err, model.CodeConflict)
		if !strings.Contains(err.Error(), "1 goods") {
			t.Errorf("message %q does not say how many goods", err)
		}
		if _, err := s.Category(ctx, c.ID); err != nil {
			t.Fatalf("the category is gone: %v", err)
		}
		if err := s.DeleteGoods(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCategory(ctx, c.ID); err != nil {
			t.Fatalf("an empty category could not be deleted: %v", err)
		}
		_, err = s.Category(ctx, c.ID)
		wantCode(t, err, model.CodeNotFound)
		wantCode(t, s.DeleteCategory(ctx, c.ID), model.CodeNotFound)
	})
}

func TestGoodsCountsPerCategory(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		a, b, empty := mustCategory(t, s, "A"), mustCategory(t, s, "B"), mustCategory(t, s, "C")
		for i := 0; i < 3; i++ {
			mustGoods(t, s, model.GoodsInput{Name: "a", CategoryID: a.ID})
		}
		mustGoods(t, s, model.GoodsInput{Name: "b", CategoryID: b.ID})
		counts, err := s.GoodsCounts(ctx, []int64{a.ID, b.ID, empty.ID})
		if err != nil {
			t.Fatal(err)
		}
		if counts[a.ID] != 3 || counts[b.ID] != 1 || counts[empty.ID] != 0 {
			t.Fatalf("counts %v", counts)
		}
	})
}
