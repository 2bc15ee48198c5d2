package graph_test

import (
	"fmt"
	"testing"
	"time"

	"wms/db"
	"wms/db/dbtest"
)

// counts is how many stock-ins, stock-outs and ledger entries there are,
// and the goods' stock, to show that a refused document changed nothing.
func counts(c *client, goods string) string {
	c.t.Helper()
	var out struct {
		StockIns, StockOuts, Ledger struct{ TotalCount int }
		Goods                       struct {
			Stock struct{ OnHand, Value string }
		}
	}
	c.ok(`query($g: ID!) { stockIns { totalCount } stockOuts { totalCount } ledger { totalCount }
		goods(id: $g) { stock { onHand value } } }`, map[string]any{"g": goods}, &out)
	return fmt.Sprintf("%d in, %d out, %d entries, %s worth %s", out.StockIns.TotalCount, out.StockOuts.TotalCount,
		out.Ledger.TotalCount, out.Goods.Stock.OnHand, out.Goods.Stock.Value)
}

// A document's occurredAt is accepted from 2000-01-01T00:00:00Z to a day
// after the server's clock; anything else is BAD_USER_INPUT on occurredAt
// and stores nothing — before, 0001-01-01 was stored, answered INTERNAL and
// broke every later list holding it.
func TestOccurredAtOutsideItsRangeIsRefused(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "蔬菜", "土豆")
		in := func(at string) map[string]any {
			return map[string]any{"in": map[string]any{"type": "PURCHASE", "occurredAt": at,
				"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "2"}}}}
		}
		out := func(at string) map[string]any {
			return map[string]any{"in": map[string]any{"reason": "CONSUME", "occurredAt": at,
				"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}
		}
		c.ok(stockInMutation, in("2000-01-01T00:00:00Z"), nil) // the first instant accepted
		before := counts(c, g)
		now := time.Now().UTC()
		for _, at := range []string{
			"0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1999-12-31T23:59:59.999999Z", "2000-01-01T07:59:59+08:00",
			now.Add(49 * time.Hour).Format(time.RFC3339), "9999-12-31T23:59:59Z", "",
		} {
			for _, vars := range []map[string]any{in(at), out(at)} {
				mutation := stockInMutation
				if vars["in"].(map[string]any)["reason"] != nil {
					mutation = stockOutMutation
				}
				e := c.fail(mutation, vars, "BAD_USER_INPUT")
				if e.Extensions["field"] != "occurredAt" {
					t.Errorf("occurredAt %q: field %v (%s)", at, e.Extensions["field"], e.Message)
				}
			}
		}
		if after := counts(c, g); after != before {
			t.Errorf("refused documents changed the stock: %s, before %s", after, before)
		}
		var doc struct{ StockIn struct{ OccurredAt string } }
		c.ok(`mutation($in: StockInInput!) { stockIn(input: $in) { occurredAt } }`,
			in(now.Add(23*time.Hour).In(time.FixedZone("", 8*3600)).Format(time.RFC3339)), &doc)
		if want := now.Add(23 * time.Hour).Truncate(time.Second).Format(time.RFC3339); doc.StockIn.OccurredAt != want {
			t.Errorf("a day ahead, in +08:00: stored %s, want %s in UTC", doc.StockIn.OccurredAt, want)
		}
		c.ok(stockOutMutation, out("2000-01-01T00:00:00Z"), nil)
	})
}

// A list's from and to may be any RFC 3339 time: beyond the years a
// database holds they are clamped, never an error and never a wrong answer
// (before, a to of 9999-12-31T23:00:00-05:00, the year 10000 in UTC, kept
// nothing at all).
func TestTimeFiltersPastEveryStoredTimeAreClamped(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "蔬菜", "土豆")
		for _, at := range []string{"2000-01-01T00:00:00Z", "2026-01-01T00:00:00Z"} {
			c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "occurredAt": at,
				"lines": []any{map[string]any{"goodsId": g, "quantity": "2", "unitCost": "2"}}}}, nil)
		}
		c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME", "occurredAt": "2026-01-02T00:00:00Z",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}, nil)
		for _, tt := range []struct {
			from, to   any
			in, ledger int
		}{
			{"0000-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", 2, 3}, // UTC years −1 and 10000
			{"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", 2, 3},
			{nil, "9999-12-31T23:00:00-05:00", 2, 3},
			{"2026-01-01T00:00:00Z", nil, 1, 2},
			{"9999-12-31T23:00:00-05:00", nil, 0, 0},
			{nil, "0000-06-01T00:00:00Z", 0, 0},
		} {
			vars := map[string]any{"from": tt.from, "to": tt.to}
			var out struct {
				StockIns, StockOuts, Ledger struct{ TotalCount int }
			}
			c.ok(`query($from: Time, $to: Time) { stockIns(from: $from, to: $to) { totalCount nodes { occurredAt } }
				stockOuts(from: $from, to: $to) { totalCount } ledger(from: $from, to: $to) { totalCount nodes { at } } }`, vars, &out)
			if out.StockIns.TotalCount != tt.in || out.Ledger.TotalCount != tt.ledger {
				t.Errorf("from %v to %v: %d stock-ins and %d entries, want %d and %d",
					tt.from, tt.to, out.StockIns.TotalCount, out.Ledger.TotalCount, tt.in, tt.ledger)
			}
		}
		e := c.fail(`{ ledger(from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z") { totalCount } }`, nil, "BAD_USER_INPUT")
		if e.Extensions["field"] != "to" {
			t.Errorf("to before from: field %v", e.Extensions["field"])
		}
		c.fail(`{ ledger(from: "yesterday") { totalCount } }`, nil, "BAD_USER_INPUT")
	})
}
