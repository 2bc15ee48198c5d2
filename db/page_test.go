package db_test

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// seedGoods makes n goods with names in shuffled order and distinct times.
func seedGoods(t *testing.T, s *db.Store, n int) (*model.Category, []*model.Goods) {
	t.Helper()
	c := mustCategory(t, s, "Paging")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var gs []*model.Goods
	for i := 0; i < n; i++ {
		at := base.Add(time.Duration(i) * time.Second)
		s.Now = func() time.Time { return at }
		// Names repeat (ties are broken by id) and are not in id order.
		name := fmt.Sprintf("item %02d", (i*7)%(n/2+1))
		gs = append(gs, mustGoods(t, s, model.GoodsInput{Name: name, CategoryID: c.ID}))
	}
	s.Now = time.Now
	return c, gs
}

// walk reads a whole list page by page with cursors.
func walk(t *testing.T, s *db.Store, f model.GoodsFilter, first int) []int64 {
	t.Helper()
	var out []int64
	var after *string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		p, err := s.GoodsList(ctx, f, model.PageArgs{First: &first, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > first {
			t.Fatalf("page of %d items for first=%d", len(p.Items), first)
		}
		if pages > 0 && !p.HasPrev {
			t.Fatal("a page after a cursor says it has no previous page")
		}
		out = append(out, ids(p.Items)...)
		if !p.HasNext {
			return out
		}
		after = p.EndCursor()
	}
}

func TestKeysetPagesCoverTheListOnceInOrder(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		_, gs := seedGoods(t, s, 45)
		byName := append([]*model.Goods(nil), gs...)
		sort.SliceStable(byName, func(i, j int) bool {
			if byName[i].NameKey != byName[j].NameKey {
				return byName[i].NameKey < byName[j].NameKey
			}
			return byName[i].ID < byName[j].ID
		})
		want := map[model.GoodsOrder][]int64{
			model.GoodsOrderNameAsc:       ids(byName),
			model.GoodsOrderNameDesc:      reverse(ids(byName)),
			model.GoodsOrderCreatedAtAsc:  ids(gs),
			model.GoodsOrderCreatedAtDesc: reverse(ids(gs)),
		}
		for order, w := range want {
			for _, first := range []int{1, 7, 45, 200} {
				got := walk(t, s, model.GoodsFilter{OrderBy: order}, first)
				if !equal(got, w) {
					t.Fatalf("%s first=%d:\n got %v\nwant %v", order, first, got, w)
				}
			}
		}
	})
}

func TestOffsetPages(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		_, gs := seedGoods(t, s, 25)
		all := ids(gs)
		first, offset := 10, 20
		p, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderCreatedAtAsc}, model.PageArgs{First: &first, Offset: &offset})
		if err != nil {
			t.Fatal(err)
		}
		if !equal(ids(p.Items), all[20:]) || p.HasNext || !p.HasPrev {
			t.Fatalf("offset page: %v next=%v prev=%v", ids(p.Items), p.HasNext, p.HasPrev)
		}
		if n, _ := p.Count(ctx); n != 25 {
			t.Fatalf("totalCount %d", n)
		}
		// A cursor from an offset page continues the list.
		p2, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderCreatedAtAsc}, model.PageArgs{First: &first, After: ptr(p.Cursor(0))})
		if err != nil || !equal(ids(p2.Items), all[21:]) {
			t.Fatalf("after an offset page's cursor: %v %v", ids(p2.Items), err)
		}
	})
}

func TestPageSizeDefaultsTo20AndIsCappedAt200(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		seedGoods(t, s, 210)
		p, err := s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{})
		if err != nil || len(p.Items) != 20 || !p.HasNext {
			t.Fatalf("default page: %d items, next=%v, %v", len(p.Items), p.HasNext, err)
		}
		big := 5000
		p, err = s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{First: &big})
		if err != nil || len(p.Items) != 200 || !p.HasNext {
			t.Fatalf("capped page: %d items, next=%v, %v", len(p.Items), p.HasNext, err)
		}
		zero := 0
		p, err = s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{First: &zero})
		if err != nil || len(p.Items) != 0 {
			t.Fatalf("first 0: %d items, %v", len(p.Items), err)
		}
		if n, _ := p.Count(ctx); n != 210 {
			t.Fatalf("count %d", n)
		}
		neg := -1
		_, err = s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{First: &neg})
		wantField(t, err, model.CodeInvalid, "first")
		_, err = s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{Offset: &neg})
		wantField(t, err, model.CodeInvalid, "offset")
	})
}

func TestBadCursorsAreBadUserInput(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		seedGoods(t, s, 3)
		p, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderNameAsc}, model.PageArgs{})
		if err != nil {
			t.Fatal(err)
		}
		nameCursor := p.Cursor(0)
		enc := base64.RawURLEncoding.EncodeToString
		bad := []string{
			"", "not-base64!!", enc([]byte("not json")), enc([]byte(`{"o":"NAME_ASC","k":["a"]}`)),
			enc([]byte(`{"o":"NAME_ASC","k":[1,2]}`)), enc([]byte(`{"o":"NAME_ASC","k":["a","b"]}`)),
			enc([]byte(`{"o":"CREATED_AT_ASC","k":["yesterday",1]}`)), enc([]byte(`{"o":"NAME_ASC","k":["a",1.5]}`)),
			// Times no stored row has: the years −1 and 10000 in UTC.
			enc([]byte(`{"o":"CREATED_AT_ASC","k":["0000-01-01T00:00:00+01:00",1]}`)),
			enc([]byte(`{"o":"CREATED_AT_ASC","k":["9999-12-31T23:00:00-05:00",1]}`)),
			"'; DROP TABLE goods; --",
		}
		for _, c := range bad {
			c := c
			_, err := s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderNameAsc}, model.PageArgs{After: &c})
			if strings.Contains(string(must64(c)), "CREATED_AT_ASC") {
				_, err = s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderCreatedAtAsc}, model.PageArgs{After: &c})
			}
			wantField(t, err, model.CodeInvalid, "after")
		}
		// A cursor is tied to the order it was made for.
		_, err = s.GoodsList(ctx, model.GoodsFilter{OrderBy: model.GoodsOrderCreatedAtDesc}, model.PageArgs{After: &nameCursor})
		wantField(t, err, model.CodeInvalid, "after")
		one := 1
		_, err = s.GoodsList(ctx, model.GoodsFilter{}, model.PageArgs{After: &nameCursor, Offset: &one})
		wantField(t, err, model.CodeInvalid, "offset")
	})
}

func TestKeysetPagesAreStableUnderInserts(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c, gs := seedGoods(t, s, 10)
		first := 4
		f := model.GoodsFilter{OrderBy: model.GoodsOrderCreatedAtDesc}
		p1, err := s.GoodsList(ctx, f, model.PageArgs{First: &first})
		if err != nil {
			t.Fatal(err)
		}
		// Newer goods arrive between page 1 and page 2 (newest first): they
		// belong before page 1 and must not push page 1's items onto page 2.
		for i := 0; i < 3; i++ {
			mustGoods(t, s, model.GoodsInput{Name: "late", CategoryID: c.ID})
		}
		p2, err := s.GoodsList(ctx, f, model.PageArgs{First: &first, After: p1.EndCursor()})
		if err != nil {
			t.Fatal(err)
		}
		all := reverse(ids(gs))
		if !equal(ids(p1.Items), all[:4]) || !equal(ids(p2.Items), all[4:8]) {
			t.Fatalf("page 1 %v, page 2 %v, want %v then %v", ids(p1.Items), ids(p2.Items), all[:4], all[4:8])
		}
	})
}

func reverse(in []int64) []int64 {
	out := make([]int64, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}

// must64 decodes a cursor's base64, or gives nothing.
func must64(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}
