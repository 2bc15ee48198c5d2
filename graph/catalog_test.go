package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
)

const createCategory = `mutation($name: String!) { createCategory(input: {name: $name}) { id name } }`

type categoryOut struct {
	CreateCategory struct{ ID, Name string }
}

func TestCategoryAndGoodsThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		var cat categoryOut
		c.ok(createCategory, map[string]any{"name": "蔬菜 🥬"}, &cat)
		if cat.CreateCategory.Name != "蔬菜 🥬" || cat.CreateCategory.ID == "" {
			t.Fatalf("created %+v", cat)
		}
		var goods struct {
			CreateGoods struct {
				ID, Name, Unit    string
				LowStockThreshold string
				Category          struct{ ID, Name string }
			}
		}
		c.ok(`mutation($c: ID!) { createGoods(input: {name: "土豆", categoryId: $c, unit: "kg", lowStockThreshold: 2.5}) {
			id name unit lowStockThreshold category { id name } } }`, map[string]any{"c": cat.CreateCategory.ID}, &goods)
		if goods.CreateGoods.LowStockThreshold != "2.5" || goods.CreateGoods.Category.Name != "蔬菜 🥬" {
			t.Fatalf("created %+v", goods)
		}
		var list struct {
			GoodsList struct {
				TotalCount int
				Nodes      []struct{ Name string }
				Edges      []struct{ Cursor string }
				PageInfo   struct {
					HasNextPage, HasPreviousPage bool
					EndCursor                    string
				}
			}
		}
		c.ok(`{ goodsList(search: "土") { totalCount nodes { name } edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, nil, &list)
		l := list.GoodsList
		if l.TotalCount != 1 || len(l.Nodes) != 1 || l.Nodes[0].Name != "土豆" || l.PageInfo.HasNextPage ||
			l.PageInfo.HasPreviousPage || l.PageInfo.EndCursor != l.Edges[0].Cursor {
			t.Fatalf("goodsList %+v", l)
		}
		var cats struct {
			Categories struct {
				Nodes []struct {
					Name       string
					GoodsCount int
				}
			}
		}
		c.ok(`{ categories { nodes { name goodsCount } } }`, nil, &cats)
		if len(cats.Categories.Nodes) != 1 || cats.Categories.Nodes[0].GoodsCount != 1 {
			t.Fatalf("categories %+v", cats)
		}
	})
}

func TestMutationErrorsCarryCodesAndFields(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		var cat categoryOut
		c.ok(createCategory, map[string]any{"name": "Drinks"}, &cat)
		id := cat.CreateCategory.ID

		e := c.fail(createCategory, map[string]any{"name": "DRINKS"}, "CONFLICT")
		if e.Extensions["field"] != "name" {
			t.Errorf("duplicate name: %+v", e)
		}
		e = c.fail(createCategory, map[string]any{"name": strings.Repeat("x", 51)}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "name" {
			t.Errorf("long name: %+v", e)
		}
		// A Decimal with too many decimals, as a literal, a JSON number and a string.
		for _, q := range []struct {
			doc  string
			vars map[string]any
		}{
			{`mutation($c: ID!) { createGoods(input: {name: "a", categoryId: $c, lowStockThreshold: 1.2345}) { id } }`, map[string]any{"c": id}},
			{`mutation($c: ID!, $t: Decimal) { createGoods(input: {name: "a", categoryId: $c, lowStockThreshold: $t}) { id } }`, map[string]any{"c": id, "t": 1.2345}},
			{`mutation($c: ID!, $t: Decimal) { createGoods(input: {name: "a", categoryId: $c, lowStockThreshold: $t}) { id } }`, map[string]any{"c": id, "t": "1.2345"}},
			{`mutation($c: ID!, $t: Decimal) { createGoods(input: {name: "a", categoryId: $c, lowStockThreshold: $t}) { id } }`, map[string]any{"c": id, "t": "12abc"}},
			{`mutation($c: ID!, $t: Decimal) { createGoods(input: {name: "a", categoryId: $c, lowStockThreshold: $t}) { id } }`, map[string]any{"c": id, "t": true}},
		} {
			e = c.fail(q.doc, q.vars, "BAD_USER_INPUT")
			if e.Extensions["field"] != "lowStockThreshold" {
				t.Errorf("%v: field %v", q.vars, e.Extensions["field"])
			}
		}
		e = c.fail(`mutation { createGoods(input: {name: "a", categoryId: "abc"}) { id } }`, nil, "BAD_USER_INPUT")
		if e.Extensions["field"] != "categoryId" {
			t.Errorf("bad id: %+v", e)
		}
		e = c.fail(`mutation { createGoods(input: {name: "a", categoryId: "9999"}) { id } }`, nil, "BAD_USER_INPUT")
		if e.Extensions["field"] != "categoryId" {
			t.Errorf("missing category: %+v", e)
		}
		c.fail(`mutation { updateCategory(input: {id: "9999", name: "x"}) { id } }`, nil, "NOT_FOUND")
		c.fail(`mutation { deleteGoods(id: "9999") }`, nil, "NOT_FOUND")
		e = c.fail(`{ goodsList(after: "garbage") { totalCount } }`, nil, "BAD_USER_INPUT")
		if e.Extensions["field"] != "after" {
			t.Errorf("bad cursor: %+v", e)
		}
		e = c.fail(`{ goodsList(first: -5) { totalCount } }`, nil, "BAD_USER_INPUT")
		if e.Extensions["field"] != "first" {
			t.Errorf("negative first: %+v", e)
		}
		e = c.fail(`query($f: Int) { goodsList(first: $f) { totalCount } }`, map[string]any{"f": "ten"}, "GRAPHQL_VALIDATION_FAILED")
		_ = e
		// A missing single object is null, not an error.
		var one struct{ Goods, Category *struct{ ID string } }
		c.ok(`{ goods(id: "4242") { id } category(id: "4242") { id } }`, nil, &one)
		if one.Goods != nil || one.Category != nil {
			t.Fatalf("missing objects: %+v", one)
		}
	})
}

func TestUpdateGoodsTellsLeftOutFromNull(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		var cat categoryOut
		c.ok(createCategory, map[string]any{"name": "Dairy"}, &cat)
		var g struct{ CreateGoods struct{ ID string } }
		c.ok(`mutation($c: ID!) { createGoods(input: {name: "Milk", categoryId: $c, sku: "M1", note: "cold"}) { id } }`,
			map[string]any{"c": cat.CreateCategory.ID}, &g)
		var out struct {
			UpdateGoods struct {
				Name string
				SKU  *string
				Note *string
			}
		}
		c.ok(`mutation($id: ID!) { updateGoods(input: {id: $id, name: "Whole milk", sku: null}) { name sku note } }`,
			map[string]any{"id": g.CreateGoods.ID}, &out)
		u := out.UpdateGoods
		if u.Name != "Whole milk" || u.SKU != nil || u.Note == nil || *u.Note != "cold" {
			t.Fatalf("after update: %+v", u)
		}
		var arch struct{ ArchiveGoods struct{ Archived bool } }
		c.ok(`mutation($id: ID!) { archiveGoods(id: $id) { archived } }`, map[string]any{"id": g.CreateGoods.ID}, &arch)
		if !arch.ArchiveGoods.Archived {
			t.Fatal("not archived")
		}
		var list struct{ GoodsList struct{ TotalCount int } }
		c.ok(`{ goodsList { totalCount } }`, nil, &list)
		if list.GoodsList.TotalCount != 0 {
			t.Fatal("archived goods listed")
		}
		c.ok(`{ goodsList(includeArchived: true) { totalCount } }`, nil, &list)
		if list.GoodsList.TotalCount != 1 {
			t.Fatal("archived goods not listed on request")
		}
	})
}

func TestNestedFieldsCostTheSameStatementsForOneOrManyRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		counter := &statementCounter{}
		s := db.NewStore(bdb.WithQueryHook(counter))
		c := newClient(t, s)
		pages := []string{
			`{ goodsList(first: 200) { totalCount nodes { name category { name goodsCount } } } }`,
			`{ goodsList(first: 200) { nodes { name category { name goodsCount } } }
			   categories(first: 200) { nodes { name goodsCount } } }`,
		}
		statements := func() (n []int64) {
			for _, p := range pages {
				counter.n.Store(0)
				c.ok(p, nil, nil)
				n = append(n, counter.n.Load())
			}
			return n
		}
		var cat categoryOut
		c.ok(createCategory, map[string]any{"name": "c0"}, &cat)
		c.ok(`mutation($c: ID!) { createGoods(input: {name: "g", categoryId: $c}) { id } }`, map[string]any{"c": cat.CreateCategory.ID}, nil)
		one := statements()
		for i := 1; i < 50; i++ {
			c.ok(createCategory, map[string]any{"name": fmt.Sprintf("c%d", i)}, &cat)
			for j := 0; j < 2; j++ {
				c.ok(`mutation($c: ID!) { createGoods(input: {name: "g", categoryId: $c}) { id } }`, map[string]any{"c": cat.CreateCategory.ID}, nil)
			}
		}
		many := statements()
		for i := range pages {
			if one[i] != many[i] {
				t.Fatalf("%s\n1 goods: %d statements; 99 goods in 50 categories: %d", pages[i], one[i], many[i])
			}
		}
		// the caller's token, goods with their categories (one join), their
		// count, the categories' goods counts.
		if one[0] != 4 {
			t.Fatalf("%d statements for a goods page", one[0])
		}
	})
}
