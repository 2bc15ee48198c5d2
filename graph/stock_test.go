package graph_test

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
)

const stockInMutation = `mutation($in: StockInInput!) { stockIn(input: $in) { id code totalAmount
	lines { goods { name } quantity unitCost amount lot { id remaining } } } }`

const stockOutMutation = `mutation($in: StockOutInput!) { stockOut(input: $in) { id code totalCost
	lines { goods { name } quantity cost allocations { quantity unitCost amount lot { id unitCost stockIn { code } } } } } }`

// goodsFor creates a category and goods and returns the goods' id.
func goodsFor(c *client, category, name string) string {
	var cat categoryOut
	c.ok(createCategory, map[string]any{"name": category}, &cat)
	var g struct{ CreateGoods struct{ ID string } }
	c.ok(`mutation($c: ID!, $n: String!) { createGoods(input: {name: $n, categoryId: $c, unit: "kg", lowStockThreshold: 4}) { id } }`,
		map[string]any{"c": cat.CreateCategory.ID, "n": name}, &g)
	return g.CreateGoods.ID
}

func TestFIFOWorkedExampleThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "蔬菜 🥬", "土豆")
		var si struct {
			StockIn struct {
				Code, TotalAmount string
				Lines             []struct{ Quantity, UnitCost, Amount string }
			}
		}
		// Decimals as strings and as JSON numbers.
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": 10, "unitCost": "2.5"}}}}, &si)
		if si.StockIn.TotalAmount != "25.00" || si.StockIn.Lines[0].UnitCost != "2.50" || si.StockIn.Lines[0].Quantity != "10" {
			t.Fatalf("stock-in answered %+v", si.StockIn)
		}
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "GIFT",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "5.5", "unitCost": 3.10}}}}, nil)
		var so struct {
			StockOut struct {
				Code, TotalCost string
				Lines           []struct {
					Cost        string
					Allocations []struct {
						Quantity, UnitCost, Amount string
						Lot                        struct{ StockIn struct{ Code string } }
					}
				}
			}
		}
		c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "12"}}}}, &so)
		if so.StockOut.TotalCost != "31.20" || so.StockOut.Lines[0].Cost != "31.20" {
			t.Errorf("stock-out 12 cost %s, want 31.20", so.StockOut.TotalCost)
		}
		got := ""
		for _, a := range so.StockOut.Lines[0].Allocations {
			got += fmt.Sprintf("%s@%s=%s ", a.Quantity, a.UnitCost, a.Amount)
		}
		if got != "10@2.50=25.00 2@3.10=6.20 " {
			t.Errorf("allocations %q", got)
		}
		var st struct {
			Goods struct {
				Stock struct {
					OnHand, Value string
					AverageCost   *string
					Low           bool
				}
			}
		}
		c.ok(`query($id: ID!) { goods(id: $id) { stock { onHand value averageCost low } } }`, map[string]any{"id": g}, &st)
		if s := st.Goods.Stock; s.OnHand != "3.5" || s.Value != "10.85" || s.AverageCost == nil || *s.AverageCost != "3.10" || !s.Low {
			t.Errorf("stock %+v, want 3.5 valued 10.85 at 3.10, low (threshold 4)", s)
		}
		var led struct {
			Ledger struct {
				TotalCount int
				Nodes      []struct {
					Direction, Quantity, Amount, DocumentCode string
					StockOut                                  *struct{ Code string }
					StockIn                                   *struct{ Code string }
				}
			}
		}
		c.ok(`query($g: ID!) { ledger(goodsId: $g, direction: OUT) { totalCount nodes { direction quantity amount documentCode stockOut { code } stockIn { code } } } }`,
			map[string]any{"g": g}, &led)
		if led.Ledger.TotalCount != 2 || led.Ledger.Nodes[0].Quantity != "-2" || led.Ledger.Nodes[0].Amount != "-6.20" ||
			led.Ledger.Nodes[0].StockOut == nil || led.Ledger.Nodes[0].StockOut.Code != so.StockOut.Code || led.Ledger.Nodes[0].StockIn != nil {
			t.Errorf("ledger %+v", led.Ledger)
		}
	})
}

func TestInsufficientStockThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "饮料", "茶")
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "2.5", "unitCost": "1"}}}}, nil)
		e := c.fail(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}, map[string]any{"goodsId": g, "quantity": "2"}}}}, "INSUFFICIENT_STOCK")
		if e.Extensions["goodsId"] != g || e.Extensions["requested"] != "2" || e.Extensions["available"] != "1.5" || e.Extensions["field"] != "lines.1.quantity" {
			t.Errorf("extensions %v", e.Extensions)
		}
		e = c.fail(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1.0001"}}}}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "lines.0.quantity" {
			t.Errorf("too many decimals: field %v", e.Extensions["field"])
		}
		e = c.fail(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "-1"}}}}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "lines.0.unitCost" {
			t.Errorf("negative cost: field %v", e.Extensions["field"])
		}
		key := map[string]any{"reason": "LOSS", "idempotencyKey": "count-1", "lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}
		var a, b struct{ StockOut struct{ ID string } }
		c.ok(stockOutMutation, map[string]any{"in": key}, &a)
		c.ok(stockOutMutation, map[string]any{"in": key}, &b)
		if a.StockOut.ID != b.StockOut.ID {
			t.Errorf("replay made a new stock-out %s (first %s)", b.StockOut.ID, a.StockOut.ID)
		}
		key["reason"] = "DAMAGE"
		c.fail(stockOutMutation, map[string]any{"in": key}, "CONFLICT")
		c.fail(`mutation($id: ID!) { deleteGoods(id: $id) }`, map[string]any{"id": g}, "CONFLICT")
	})
}

// A page of stock documents with lines, goods, categories, lots and
// allocations costs the same statements for 1 document as for 100.
func TestStockPagesCostTheSameStatementsForOneOrManyRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		counter := &statementCounter{}
		s := db.NewStore(bdb.WithQueryHook(counter))
		c := newClient(t, s)
		pages := []string{
			`{ stockIns(first: 100) { totalCount nodes { code lines { quantity amount goods { name category { name } } lot { remaining stockIn { code } } } } } }`,
			`{ stockOuts(first: 100) { nodes { code lines { cost goods { name } allocations { amount lot { unitCost goods { name } stockIn { code } } } } } } }`,
			`{ ledger(first: 100) { nodes { amount goods { name category { name } } stockIn { code } stockOut { code } } } }`,
			`{ stock(first: 100) { nodes { onHand value low goods { name category { name } } } } }`,
		}
		statements := func() (n []int64) {
			for _, p := range pages {
				counter.n.Store(0)
				c.ok(p, nil, nil)
				n = append(n, counter.n.Load())
			}
			return n
		}
		// k goods pairs, each with stockIns stock-ins and one stock-out.
		docs := func(k, stockIns int) {
			for i := range k {
				g := goodsFor(c, fmt.Sprintf("c%d-%d-%d", k, stockIns, i), "g")
				h := goodsFor(c, fmt.Sprintf("d%d-%d-%d", k, stockIns, i), "h")
				for range stockIns {
					c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "lines": []any{
						map[string]any{"goodsId": g, "quantity": "2", "unitCost": "1"},
						map[string]any{"goodsId": h, "quantity": "2", "unitCost": "3"}}}}, nil)
				}
				c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME", "lines": []any{
					map[string]any{"goodsId": g, "quantity": "1.5"}, map[string]any{"goodsId": h, "quantity": "1"}}}}, nil)
			}
		}
		docs(1, 1) // one stock-in, one stock-out
		one := statements()
		docs(99, 1) // 100 of each
		many := statements()
		for i := range pages {
			if one[i] != many[i] {
				t.Errorf("%s\n1 document: %d statements; 100 documents: %d", pages[i], one[i], many[i])
			}
		}
		t.Logf("statements per page: %v", one)
	})
}
