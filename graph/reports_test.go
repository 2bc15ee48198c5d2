package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
)

const movementQuery = `query($from: Time!, $to: Time!, $loc: ID, $cat: ID, $first: Int) {
  movementSummary(from: $from, to: $to, locationId: $loc, categoryId: $cat, first: $first) {
    totalCount
    nodes { goods { name } location { name } opening { quantity value } incoming { quantity value }
      outgoing { quantity value } closing { quantity value } byKind { kind direction quantity value } }
    totals { opening { quantity value } incoming { quantity value } outgoing { quantity value } closing { quantity value }
      byKind { kind direction quantity value } }
  } }`

// The month-end report of a small kitchen, over HTTP: a backdated receipt
// counts on its own day, the period is from inclusive to exclusive, kinds are
// broken down, the totals cover every row, and the valuation at the end of
// the month is the closing.
func TestMonthEndReport(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		potato := goodsFor(c, "蔬菜", "土豆")
		oil := goodsFor(c, "调料", "菜籽油")
		in := func(at, goods, qty, cost, typ string) {
			c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": typ, "occurredAt": at,
				"lines": []any{map[string]any{"goodsId": goods, "quantity": qty, "unitCost": cost}}}}, nil)
		}
		out := func(at, goods, qty, reason string) {
			c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": reason, "occurredAt": at,
				"lines": []any{map[string]any{"goodsId": goods, "quantity": qty}}}}, nil)
		}
		in("2026-08-20T08:00:00Z", potato, "100", "2.5", "PURCHASE") // before: opening
		in("2026-08-25T08:00:00Z", oil, "10", "18", "PURCHASE")
		out("2026-09-03T12:00:00Z", potato, "30", "CONSUME")
		in("2026-09-10T09:00:00Z", potato, "50", "3", "PURCHASE")
		out("2026-09-20T18:00:00Z", potato, "5", "DAMAGE")
		in("2026-09-30T23:59:59Z", oil, "2", "0", "GIFT")   // last second of the month
		out("2026-10-01T00:00:00Z", potato, "1", "CONSUME") // first instant of the next: not in
		out("2026-09-15T10:00:00Z", oil, "4", "CONSUME")    // recorded late, counts on the 15th
		var r struct {
			MovementSummary struct {
				TotalCount int
				Nodes      []map[string]any
				Totals     map[string]any
			}
		}
		c.ok(movementQuery, map[string]any{"from": "2026-09-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"}, &r)
		got, _ := json.Marshal(r.MovementSummary)
		want := `{"TotalCount":2,"Nodes":[` +
			`{"byKind":[{"direction":"IN","kind":"PURCHASE","quantity":"50","value":"150.00"},` +
			`{"direction":"OUT","kind":"CONSUME","quantity":"30","value":"75.00"},{"direction":"OUT","kind":"DAMAGE","quantity":"5","value":"12.50"}],` +
			`"closing":{"quantity":"115","value":"312.50"},"goods":{"name":"土豆"},"incoming":{"quantity":"50","value":"150.00"},"location":null,` +
			`"opening":{"quantity":"100","value":"250.00"},"outgoing":{"quantity":"35","value":"87.50"}},` +
			`{"byKind":[{"direction":"IN","kind":"GIFT","quantity":"2","value":"0.00"},{"direction":"OUT","kind":"CONSUME","quantity":"4","value":"72.00"}],` +
			`"closing":{"quantity":"8","value":"108.00"},"goods":{"name":"菜籽油"},"incoming":{"quantity":"2","value":"0.00"},"location":null,` +
			`"opening":{"quantity":"10","value":"180.00"},"outgoing":{"quantity":"4","value":"72.00"}}],` +
			`"Totals":{"byKind":[{"direction":"IN","kind":"GIFT","quantity":"2","value":"0.00"},{"direction":"IN","kind":"PURCHASE","quantity":"50","value":"150.00"},` +
			`{"direction":"OUT","kind":"CONSUME","quantity":"34","value":"147.00"},{"direction":"OUT","kind":"DAMAGE","quantity":"5","value":"12.50"}],` +
			`"closing":{"quantity":"123","value":"420.50"},"incoming":{"quantity":"52","value":"150.00"},` +
			`"opening":{"quantity":"110","value":"430.00"},"outgoing":{"quantity":"39","value":"159.50"}}}`
		if string(got) != want {
			t.Errorf("September:\n got %s\nwant %s", got, want)
		}

		var v struct {
			Valuation struct {
				TotalCount int
				Nodes      []struct {
					Goods       struct{ Name string }
					Quantity    string
					Value       string
					AverageCost *string
				}
				Totals struct{ Quantity, Value string }
			}
		}
		c.ok(`{ valuation(at: "2026-10-01T00:00:00Z") { totalCount nodes { goods { name } quantity value averageCost } totals { quantity value } } }`, nil, &v)
		if v.Valuation.TotalCount != 2 || v.Valuation.Totals.Quantity != "123" || v.Valuation.Totals.Value != "420.50" ||
			v.Valuation.Nodes[0].Value != "312.50" || *v.Valuation.Nodes[0].AverageCost != "2.7174" {
			t.Errorf("valuation at the end of September: %+v", v.Valuation)
		}
		// Now is the stock list: October's stock-out included.
		c.ok(`{ valuation { totals { quantity value } } }`, nil, &v)
		var st struct {
			Stock struct {
				Nodes []struct{ OnHand, Value string }
			}
		}
		c.ok(`{ stock { nodes { onHand value } } }`, nil, &st)
		if v.Valuation.Totals.Quantity != "122" || st.Stock.Nodes[0].OnHand != "114" {
			t.Errorf("valuation now %+v, stock %+v", v.Valuation.Totals, st.Stock.Nodes)
		}
		// A period before anything: empty, totals zero.
		c.ok(movementQuery, map[string]any{"from": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:00Z"}, &r)
		if r.MovementSummary.TotalCount != 0 || len(r.MovementSummary.Nodes) != 0 ||
			fmt.Sprint(r.MovementSummary.Totals["closing"]) != "map[quantity:0 value:0.00]" {
			t.Errorf("an empty period: %+v", r.MovementSummary)
		}
	})
}

// Bad input to the reports is BAD_USER_INPUT on the field it is about.
func TestReportsBadInput(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		for _, tt := range []struct {
			name, query, field string
		}{
			{"to before from", `{ movementSummary(from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { totalCount } }`, "to"},
			{"more than 10 years", `{ movementSummary(from: "2010-01-01T00:00:00Z", to: "2020-01-01T00:00:01Z") { totalCount } }`, "to"},
			{"unknown location", `{ movementSummary(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", locationId: 999) { totalCount } }`, "locationId"},
			{"unknown category", `{ movementSummary(from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", categoryId: 999) { totalCount } }`, "categoryId"},
			{"valuation, unknown location", `{ valuation(locationId: 999) { totalCount } }`, "locationId"},
			{"valuation, unknown category", `{ valuation(categoryId: 999) { totals { value } } }`, "categoryId"},
			{"a cursor of another list", `{ valuation(after: "eyJvIjoiTkFNRV9BU0MiLCJrIjpbImEiLDFdfQ") { totalCount } }`, "after"},
			{"negative first", `{ valuation(first: -1) { totalCount } }`, "first"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e := c.fail(tt.query, nil, "BAD_USER_INPUT")
				if e.Extensions["field"] != tt.field {
					t.Errorf("field %v, want %s: %s", e.Extensions["field"], tt.field, e.Message)
				}
			})
		}
		// Exactly 10 years is allowed.
		c.ok(`{ movementSummary(from: "2010-01-01T00:00:00Z", to: "2020-01-01T00:00:00Z") { totalCount } }`, nil, nil)
	})
}

// A page of either report costs the same statements for 1 row as for 100,
// nested goods, categories and locations included, totals and count too.
func TestReportPagesCostTheSameStatementsForOneOrManyRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		counter := &statementCounter{}
		s := db.NewStore(bdb.WithQueryHook(counter))
		c := newClient(t, s)
		var ls struct {
			Locations struct{ Nodes []struct{ ID string } }
		}
		c.ok(`{ locations { nodes { id } } }`, nil, &ls)
		a := ls.Locations.Nodes[0].ID
		b := locationFor(c, "Branch")
		pages := []string{
			`{ movementSummary(from: "2026-01-01T00:00:00Z", to: "2035-01-01T00:00:00Z", first: 100) { totalCount
				nodes { goods { name category { name } } location { name } opening { value } closing { value } byKind { kind value } }
				totals { closing { value } byKind { kind } } } }`,
			`{ movementSummary(from: "2026-01-01T10:00:00Z", to: "2035-01-01T10:00:00Z", locationId: ` + b + `, first: 100) {
				nodes { goods { name category { name } } location { name } closing { value } } totals { closing { value } } } }`,
			`{ valuation(first: 100) { totalCount nodes { goods { name category { name } } location { name } value } totals { value } } }`,
			`{ valuation(at: "2034-01-01T10:00:00Z", locationId: ` + a + `, first: 100) { nodes { goods { name } location { name } value } totals { value } } }`,
		}
		statements := func() (n []int64) {
			for _, p := range pages {
				counter.n.Store(0)
				c.ok(p, nil, nil)
				n = append(n, counter.n.Load())
			}
			return n
		}
		docs := func(k int) {
			for i := range k {
				g := goodsFor(c, fmt.Sprintf("c%d-%d", k, i), "g")
				c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": a,
					"lines": []any{map[string]any{"goodsId": g, "quantity": "4", "unitCost": "1.5"}}}}, nil)
				c.ok(transferMutation, map[string]any{"in": map[string]any{"fromLocationId": a, "toLocationId": b,
					"lines": []any{map[string]any{"goodsId": g, "quantity": "3"}}}}, nil)
				c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME", "locationId": b,
					"lines": []any{map[string]any{"goodsId": g, "quantity": "2.5"}}}}, nil)
			}
		}
		docs(1)
		one := statements()
		docs(99)
		many := statements()
		for i := range pages {
			if one[i] != many[i] {
				t.Errorf("%s\n1 row: %d statements; 100 rows: %d", strings.Join(strings.Fields(pages[i]), " "), one[i], many[i])
			}
		}
		t.Logf("statements per page: %v", one)
	})
}

// A ledger kind this release does not know (a later release's, written by
// an import) is broken down as stored, counted by its direction, and fails
// no read.
func TestReportsShowKindsTheyDoNotKnow(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "蔬菜", "土豆")
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "occurredAt": "2026-09-02T08:00:00Z",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "3", "unitCost": "2"}}}}, nil)
		_, err := s.DB().ExecContext(context.Background(), `INSERT INTO ledger_entries (at, goods_id, category_id, location_id, direction, kind,
			quantity, unit_cost, amount, document_code, lot_id)
			SELECT ?, goods_id, category_id, location_id, 'IN', 'STOCKTAKE_GAIN', 1500, 20000, 300, 'ST-1', lot_id FROM ledger_entries`,
			time.Date(2026, 9, 5, 8, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RebuildBalances(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := c.post(`{ movementSummary(from: "2026-09-01T00:00:00Z", to: "2026-10-01T00:00:00Z") {
			nodes { incoming { quantity value } closing { quantity value } byKind { kind direction quantity value } } } }`, nil)
		if len(res.Errors) > 0 || !strings.Contains(string(res.Data),
			`"incoming":{"quantity":"4.5","value":"9.00"},"closing":{"quantity":"4.5","value":"9.00"},`+
				`"byKind":[{"kind":"PURCHASE","direction":"IN","quantity":"3","value":"6.00"},`+
				`{"kind":"STOCKTAKE_GAIN","direction":"IN","quantity":"1.5","value":"3.00"}]`) {
			t.Errorf("%s", res.Raw)
		}
	})
}
