package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
	"wms/model"
)

// schemaType is a type of the schema as introspection describes it.
type schemaType struct {
	Name   string
	Fields []struct {
		Name string
		Type typeRef
	}
}

// namedType unwraps NON_NULL and LIST down to the named type.
func namedType(r typeRef) typeRef {
	for r.OfType != nil {
		r = *r.OfType
	}
	return r
}

// schemaTypes reads every type of the served schema by introspection.
func schemaTypes(c *client) map[string]schemaType {
	c.t.Helper()
	ref := "kind name"
	for range 4 {
		ref = "kind name ofType { " + ref + " }"
	}
	var out struct{ Schema struct{ Types []schemaType } }
	c.ok(`{ schema: __schema { types { name fields { name type { `+ref+` } } } } }`, nil, &out)
	types := map[string]schemaType{}
	for _, t := range out.Schema.Types {
		types[t.Name] = t
	}
	return types
}

// leafPaths are the paths from typeName down to every scalar field, to a
// depth of depth objects: ["name"], ["category", "name"], ["stock",
// "goods", "unit"], ….
func leafPaths(types map[string]schemaType, typeName string, depth int) [][]string {
	var paths [][]string
	for _, f := range types[typeName].Fields {
		t := namedType(f.Type)
		if t.Kind != "OBJECT" {
			paths = append(paths, []string{f.Name})
			continue
		}
		if depth == 1 {
			continue
		}
		for _, p := range leafPaths(types, *t.Name, depth-1) {
			paths = append(paths, append([]string{f.Name}, p...))
		}
	}
	return paths
}

// selection writes paths as one GraphQL selection set; GraphQL merges the
// fields the paths share.
func selection(paths ...[]string) string {
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(strings.Join(p, " { "))
		b.WriteString(strings.Repeat(" }", len(p)-1))
		b.WriteByte(' ')
	}
	return b.String()
}

// at is the value at path in a node; nil when an object on the way is null.
func at(node map[string]any, path []string) any {
	var v any = node
	for _, name := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[name]
	}
	return v
}

// A goods or stock page that reads only the columns its query selects
// answers every field as it is answered when every field is selected, and
// that answer is the one a single read of the whole goods gives
// (goods(id), which reads every column): walked over every scalar field of
// Goods and StockLevel, through nested objects, alone (with the node's id),
// under nodes and under edges.
func TestPagesAnswerEachFieldAsAFullReadDoes(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		seedEveryGoodsField(t, s)
		types := schemaTypes(c)
		goodsPaths := leafPaths(types, "Goods", 3)
		stockPaths := leafPaths(types, "StockLevel", 3)
		if len(goodsPaths) < 20 || len(stockPaths) < 20 {
			t.Fatalf("the walk found %d goods and %d stock level fields", len(goodsPaths), len(stockPaths))
		}
		t.Logf("%d fields of Goods and %d of StockLevel, down to a depth of 3", len(goodsPaths), len(stockPaths))

		for _, l := range []struct {
			list, args string
			id         []string
			paths      [][]string
			// single is the read of one goods, by id, with the same fields.
			single func(id any) string
		}{
			{"goodsList", "includeArchived: true", []string{"id"}, goodsPaths, func(id any) string {
				return fmt.Sprintf(`{ list: goods(id: %q) { %s } }`, id, selection(goodsPaths...))
			}},
			{"goodsList", "orderBy: CREATED_AT_DESC, includeArchived: true", []string{"id"}, goodsPaths, nil},
			{"stock", "includeArchived: true", []string{"goods", "id"}, stockPaths, func(id any) string {
				return fmt.Sprintf(`{ list: goods(id: %q) { stock { %s } } }`, id, selection(stockPaths...))
			}},
		} {
			name := l.list + "(" + l.args + ")"
			page := func(nodes string) (list struct {
				Nodes []map[string]any
				Edges []struct {
					Cursor string
					Node   map[string]any
				}
			}) {
				t.Helper()
				query := fmt.Sprintf(`{ list: %s(first: 50, %s) { %s } }`, l.list, l.args, nodes)
				r := c.post(query, nil)
				if len(r.Errors) > 0 {
					t.Fatalf("%s\n→ %s", query, r.Raw)
				}
				var data struct {
					List struct {
						Nodes []map[string]any
						Edges []struct {
							Cursor string
							Node   map[string]any
						}
					}
				}
				if err := json.Unmarshal(r.Data, &data); err != nil {
					t.Fatal(err)
				}
				return data.List
			}
			all := append([][]string{l.id}, l.paths...)
			full := page("nodes { " + selection(all...) + " } edges { cursor }")
			if len(full.Nodes) < 5 {
				t.Fatalf("%s: %d nodes", name, len(full.Nodes))
			}
			for _, n := range full.Nodes {
				if l.single == nil {
					break
				}
				var one struct{ List map[string]any }
				c.ok(l.single(at(n, l.id)), nil, &one)
				want := one.List
				if l.list == "stock" {
					want, _ = one.List["stock"].(map[string]any)
				}
				if !reflect.DeepEqual(n, want) {
					t.Errorf("%s: a page with every field answers\n%v\nreading the goods alone answers\n%v", name, n, want)
				}
			}

			// Each field alone, under nodes and under edges.
			for _, p := range l.paths {
				sel := selection(l.id, p)
				alone := page("nodes { " + sel + " } edges { node { " + sel + " } }")
				if len(alone.Nodes) != len(full.Nodes) || len(alone.Edges) != len(full.Nodes) {
					t.Fatalf("%s { %s }: %d nodes and %d edges, want %d", name, sel, len(alone.Nodes), len(alone.Edges), len(full.Nodes))
				}
				for i, want := range full.Nodes {
					for _, got := range []map[string]any{alone.Nodes[i], alone.Edges[i].Node} {
						if !reflect.DeepEqual(at(got, l.id), at(want, l.id)) || !reflect.DeepEqual(at(got, p), at(want, p)) {
							t.Errorf("%s { %s }: node %v has %s = %#v, want %#v", name, sel, at(want, l.id),
								strings.Join(p, "."), at(got, p), at(want, p))
						}
					}
				}
			}
			// The cursors alone are those of the full page, and lead on.
			cursors := page("edges { cursor }")
			for i, e := range cursors.Edges {
				if e.Cursor != full.Edges[i].Cursor {
					t.Errorf("%s: cursor %d is %s alone, %s with every field", name, i, e.Cursor, full.Edges[i].Cursor)
				}
			}
		}
	})
}

// seedEveryGoodsField writes goods in which every field of Goods, of its
// category, image and stock level takes more than one value, each optional
// field both set and null, and no two time fields agree.
func seedEveryGoodsField(t *testing.T, s *db.Store) {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { clock = clock.Add(time.Minute + 1234*time.Microsecond); return clock }
	defer func() { s.Now = time.Now }()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	veg, err := s.CreateCategory(ctx, model.CategoryInput{Name: "蔬菜"})
	must(err)
	drinks, err := s.CreateCategory(ctx, model.CategoryInput{Name: "Drinks"})
	must(err)
	_, err = s.UpdateCategory(ctx, model.CategoryUpdate{ID: drinks.ID, Name: "Drinks & tea"})
	must(err)
	photo := &model.Media{Kind: model.MediaUpload, Filename: "potato.png", ContentType: "image/png", Size: 321,
		SHA256: "ab", Key: "ab/cd", CreatedAt: s.Now()}
	must(s.CreateMedia(ctx, photo))
	q := func(s string) *model.Quantity { v := model.MustQuantity(s); return &v }
	ptr := func(s string) *string { return &s }
	goods := []model.GoodsInput{
		{Name: "Potatoes", CategoryID: veg.ID, Unit: ptr("kg"), SKU: ptr("VEG-1"), Barcode: ptr("6901234"),
			LowStockThreshold: q("5"), Note: ptr("cellar"), ImageID: &photo.ID},
		{Name: "Onions", CategoryID: veg.ID, LowStockThreshold: q("0.5")},
		{Name: "Green tea", CategoryID: drinks.ID, Unit: ptr("box"), Barcode: ptr("42"), Note: ptr("")},
		{Name: "Cola", CategoryID: drinks.ID, SKU: ptr("DR-2"), LowStockThreshold: q("1")},
		{Name: "Old soda", CategoryID: drinks.ID},
	}
	ids := make([]int64, len(goods))
	for i, in := range goods {
		g, err := s.CreateGoods(ctx, in)
		must(err)
		ids[i] = g.ID
	}
	_, err = s.UpdateGoods(ctx, model.GoodsUpdate{ID: ids[1], Unit: model.To("bag")})
	must(err)
	_, err = s.ArchiveGoods(ctx, ids[4], true)
	must(err)
	// Potatoes low (3 ≤ 5), onions plenty, tea with no threshold, cola
	// with nothing on hand (no average cost).
	for _, l := range []*model.StockInLineInput{
		{GoodsID: ids[0], Quantity: model.MustQuantity("3"), UnitCost: model.MustUnitCost("1.25")},
		{GoodsID: ids[1], Quantity: model.MustQuantity("12.5"), UnitCost: model.MustUnitCost("0.3333")},
		{GoodsID: ids[2], Quantity: model.MustQuantity("2"), UnitCost: model.MustUnitCost("7")},
	} {
		_, err := s.CreateStockIn(ctx, model.StockInInput{Type: model.StockInPurchase, Lines: []*model.StockInLineInput{l}})
		must(err)
	}
}
