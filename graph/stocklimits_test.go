package graph_test

import (
	"testing"

	"wms/db"
	"wms/db/dbtest"
)

// The running totals of one goods (on hand, stock value) stay within what
// one goods may hold: the line that would take them past it is
// BAD_USER_INPUT naming it, and nothing is written. Before, about 93
// stock-ins of 100 000 000 at 9 999 999.9999 made SQLite's stock_value a
// REAL (every stock list then failed) and MySQL answer INTERNAL.
func TestRunningTotalsPastTheLimitAreRefusedNamingTheLine(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "黄金", "金条")
		h := goodsFor(c, "杂货", "沙子")
		big := map[string]any{"goodsId": g, "quantity": "100000000", "unitCost": "9999999.9999"}
		var refused *gqlError
		for i := 0; i < 100 && refused == nil; i++ {
			r := c.post(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "lines": []any{big}}})
			if len(r.Errors) > 0 {
				refused = &r.Errors[0]
			}
		}
		if refused == nil || refused.Extensions["code"] != "BAD_USER_INPUT" || refused.Extensions["field"] != "lines.0.quantity" {
			t.Fatalf("100 stock-ins of 100000000 × 9999999.9999: refused with %+v", refused)
		}
		before := counts(c, g)
		if before != "1 in, 0 out, 1 entries, 100000000 worth 999999999990000.00" {
			t.Errorf("after the refusal: %s", before)
		}
		// In a document of several lines the one past the limit is named,
		// and the lines before it are not written either.
		e := c.fail(stockInMutation, map[string]any{"in": map[string]any{"type": "GIFT", "lines": []any{
			map[string]any{"goodsId": h, "quantity": "5", "unitCost": "1"},
			map[string]any{"goodsId": g, "quantity": "1", "unitCost": "1"},
			map[string]any{"goodsId": g, "quantity": "1", "unitCost": "9999999"},
		}}}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "lines.2.quantity" {
			t.Errorf("third line past the value limit: field %v (%s)", e.Extensions["field"], e.Message)
		}
		// On hand has its limit too: 999 999 999.999 per goods.
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "SURPLUS", "lines": []any{
			map[string]any{"goodsId": h, "quantity": "999999999.999", "unitCost": "0"}}}}, nil)
		e = c.fail(stockInMutation, map[string]any{"in": map[string]any{"type": "SURPLUS", "lines": []any{
			map[string]any{"goodsId": h, "quantity": "0.001", "unitCost": "0"}}}}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "lines.0.quantity" {
			t.Errorf("on hand past the limit: field %v", e.Extensions["field"])
		}
		if after := counts(c, g); after != "2 in, 0 out, 2 entries, 100000000 worth 999999999990000.00" {
			t.Errorf("refused documents changed the stock: %s", after)
		}
		// Everything that reads the totals still answers, and a stock-out
		// of all of it empties the goods exactly.
		c.ok(`{ goodsList { nodes { stock { onHand value averageCost } } } stock { nodes { onHand value averageCost } } }`, nil, nil)
		var so struct{ StockOut struct{ TotalCost string } }
		c.ok(`mutation($in: StockOutInput!) { stockOut(input: $in) { totalCost } }`, map[string]any{"in": map[string]any{
			"reason": "CONSUME", "lines": []any{map[string]any{"goodsId": g, "quantity": "100000000"}}}}, &so)
		if so.StockOut.TotalCost != "999999999990000.00" {
			t.Errorf("stock-out of everything cost %s", so.StockOut.TotalCost)
		}
	})
}
