package graph_test

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
)

const stocktakeFields = `id code status blind countedCount uncountedCount location { name } startedBy { username }
	stockIn { code } stockOut { code totalCost }
	lines { totalCount nodes { goods { name } counted countedBy { username } expected difference differenceValue } }`

type stocktakeOut struct {
	ID, Code, Status             string
	CountedCount, UncountedCount int
	StockOut                     *struct{ Code, TotalCost string }
	Lines                        struct {
		TotalCount int
		Nodes      []struct {
			Goods                                    struct{ Name string }
			Counted, Expected, Difference, DiffValue *string
			DifferenceValue                          *string
		}
	}
}

// A monthly count through the API: start, count (blind: a CLERK does not see
// what is expected, an ADMIN does), a stock-out meanwhile, apply; the
// difference is what moves.
func TestStocktakeThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		g := goodsFor(admin, "Dry", "Rice")
		admin.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "10", "unitCost": "2"}}}}, nil)
		admin.ok(`mutation { createUser(input: {username: "clara", password: "clerk-password", role: CLERK}) { id } }`, nil, nil)
		clerk := admin.as(admin.login("clara", "clerk-password"))

		var started struct{ StartStocktake stocktakeOut }
		clerk.ok(`mutation { startStocktake(input: {blind: true, note: "month end"}) { `+stocktakeFields+` } }`, nil, &started)
		st := started.StartStocktake
		if st.Status != "OPEN" || st.UncountedCount != 1 || st.Lines.TotalCount != 1 || st.Code[:3] != "ST-" {
			t.Fatalf("started %+v", st)
		}
		var counted struct{ RecordCounts stocktakeOut }
		clerk.ok(`mutation($id: ID!, $g: ID!) { recordCounts(input: {stocktakeId: $id, lines: [{goodsId: $g, counted: "8"}]}) { `+stocktakeFields+` } }`,
			map[string]any{"id": st.ID, "g": g}, &counted)
		line := counted.RecordCounts.Lines.Nodes[0]
		if counted.RecordCounts.CountedCount != 1 || line.Counted == nil || *line.Counted != "8" || line.Expected != nil || line.Difference != nil ||
			line.DifferenceValue != nil {
			t.Errorf("a clerk reads the blind count %+v", line)
		}
		var seen struct{ Stocktake stocktakeOut }
		admin.ok(`query($id: ID!) { stocktake(id: $id) { `+stocktakeFields+` } }`, map[string]any{"id": st.ID}, &seen)
		if l := seen.Stocktake.Lines.Nodes[0]; l.Expected == nil || *l.Expected != "10" || *l.Difference != "-2" || *l.DifferenceValue != "-4.00" {
			t.Errorf("an admin reads %+v", l)
		}
		admin.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "3"}}}}, nil)
		var applied struct{ ApplyStocktake stocktakeOut }
		clerk.ok(`mutation($id: ID!) { applyStocktake(input: {id: $id, idempotencyKey: "k"}) { `+stocktakeFields+` } }`,
			map[string]any{"id": st.ID}, &applied)
		a := applied.ApplyStocktake
		if a.Status != "APPLIED" || a.StockOut == nil || a.StockOut.TotalCost != "4.00" {
			t.Fatalf("applied %+v", a)
		}
		if l := a.Lines.Nodes[0]; l.Expected == nil || *l.Expected != "10" {
			t.Errorf("after the apply a clerk reads %+v", l)
		}
		e := clerk.fail(`mutation($id: ID!) { applyStocktake(input: {id: $id}) { id } }`, map[string]any{"id": st.ID}, "CONFLICT")
		if e.Extensions["field"] != "input.id" && e.Extensions["field"] != "id" {
			t.Logf("field %v", e.Extensions["field"])
		}
		var stock struct {
			Stock struct{ Nodes []struct{ OnHand string } }
		}
		admin.ok(`{ stock { nodes { onHand } } }`, nil, &stock)
		if stock.Stock.Nodes[0].OnHand != "5" {
			t.Errorf("on hand %s, want 5", stock.Stock.Nodes[0].OnHand)
		}
		var le struct {
			Ledger struct {
				Nodes []struct {
					Kind      string
					Stocktake *struct{ Code string }
				}
			}
		}
		admin.ok(`{ ledger(kind: STOCKTAKE_LOSS) { nodes { kind stocktake { code } } } }`, nil, &le)
		if len(le.Ledger.Nodes) != 1 || le.Ledger.Nodes[0].Stocktake == nil || le.Ledger.Nodes[0].Stocktake.Code != st.Code {
			t.Errorf("STOCKTAKE_LOSS entries %+v", le.Ledger.Nodes)
		}
		// A viewer may read but not count.
		admin.ok(`mutation { createUser(input: {username: "vera", password: "viewer-password", role: VIEWER}) { id } }`, nil, nil)
		viewer := admin.as(admin.login("vera", "viewer-password"))
		viewer.fail(`mutation { startStocktake(input: {}) { id } }`, nil, "FORBIDDEN")
		var list struct{ Stocktakes struct{ TotalCount int } }
		viewer.ok(`{ stocktakes(status: APPLIED) { totalCount } }`, nil, &list)
		if list.Stocktakes.TotalCount != 1 {
			t.Errorf("applied stocktakes %d", list.Stocktakes.TotalCount)
		}
	})
}

// setStock and voids through the API: a stale compareQuantity is a CONFLICT
// with extensions.current; a void needs a reason and shows on the document.
func TestSetStockAndVoidsThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "Dry", "Rice")
		var si struct{ StockIn struct{ ID string } }
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "10", "unitCost": "2"}}}}, &si)
		e := c.fail(`mutation($g: ID!) { setStock(input: {goodsId: $g, quantity: "7", compareQuantity: "9"}) { id } }`,
			map[string]any{"g": g}, "CONFLICT")
		if e.Extensions["current"] != "10" {
			t.Errorf("extensions %v, want current 10", e.Extensions)
		}
		var set struct {
			SetStock struct {
				QuantityBefore, QuantityAfter, Difference string
				StockOut                                  *struct{ Code, Reason string }
			}
		}
		c.ok(`mutation($g: ID!) { setStock(input: {goodsId: $g, quantity: "7", compareQuantity: "10"}) {
			quantityBefore quantityAfter difference stockOut { code reason } } }`, map[string]any{"g": g}, &set)
		if set.SetStock.Difference != "-3" || set.SetStock.StockOut == nil || set.SetStock.StockOut.Reason != "LOSS" {
			t.Errorf("setStock %+v", set.SetStock)
		}
		c.fail(`mutation($id: ID!) { voidStockIn(input: {id: $id, reason: "wrong"}) { id } }`, map[string]any{"id": si.StockIn.ID}, "CONFLICT")
		var so struct{ StockOut struct{ ID string } }
		c.ok(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}, &so)
		c.fail(`mutation($id: ID!) { voidStockOut(input: {id: $id, reason: ""}) { id } }`, map[string]any{"id": so.StockOut.ID}, "BAD_USER_INPUT")
		var v struct {
			VoidStockOut struct {
				VoidedAt, VoidReason string
				VoidedBy             struct{ Username string }
			}
		}
		c.ok(`mutation($id: ID!) { voidStockOut(input: {id: $id, reason: "typed twice"}) { voidedAt voidReason voidedBy { username } } }`,
			map[string]any{"id": so.StockOut.ID}, &v)
		if v.VoidStockOut.VoidReason != "typed twice" || v.VoidStockOut.VoidedBy.Username != "admin" || v.VoidStockOut.VoidedAt == "" {
			t.Errorf("voided %+v", v.VoidStockOut)
		}
		var lists struct {
			Voided, Live struct{ TotalCount int }
		}
		c.ok(`{ voided: stockOuts(voided: true) { totalCount } live: stockOuts(voided: false) { totalCount } }`, nil, &lists)
		if lists.Voided.TotalCount != 1 || lists.Live.TotalCount != 1 {
			t.Errorf("voided %d, live %d; want 1 and 1 (the setStock's loss)", lists.Voided.TotalCount, lists.Live.TotalCount)
		}
		var le struct {
			Ledger struct {
				Nodes []struct {
					Kind, Quantity string
					StockOut       *struct{ Code string }
					Adjustment     *struct{ Difference string }
				}
			}
		}
		c.ok(`{ ledger { nodes { kind quantity stockOut { code } adjustment { difference } } } }`, nil, &le)
		kinds := ""
		for _, n := range le.Ledger.Nodes {
			kinds += n.Kind + " "
		}
		if kinds != "VOID CONSUME ADJUSTMENT_LOSS PURCHASE " {
			t.Errorf("ledger kinds %q", kinds)
		}
	})
}

// Reading a stocktake costs as many statements with 1 line as with 100.
func TestStocktakeReadCostsTheSameForOneOrManyLines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		counter := &statementCounter{}
		s := db.NewStore(bdb.WithQueryHook(counter))
		c := newClient(t, s)
		read := func(n int) int64 {
			var ids []string
			for i := range n {
				ids = append(ids, goodsFor(c, fmt.Sprintf("c%d-%d", n, i), "g"))
			}
			var st struct{ StartStocktake struct{ ID string } }
			c.ok(`mutation($g: [ID!]) { startStocktake(input: {goodsIds: $g}) { id } }`, map[string]any{"g": ids}, &st)
			var counts []any
			for _, id := range ids {
				counts = append(counts, map[string]any{"goodsId": id, "counted": "1"})
			}
			c.ok(`mutation($id: ID!, $l: [CountLineInput!]!) { recordCounts(input: {stocktakeId: $id, lines: $l}) { id } }`,
				map[string]any{"id": st.StartStocktake.ID, "l": counts}, nil)
			c.ok(`mutation($id: ID!) { applyStocktake(input: {id: $id}) { id } }`, map[string]any{"id": st.StartStocktake.ID}, nil)
			counter.n.Store(0)
			c.ok(`query($id: ID!) { stocktake(id: $id) { id code status countedCount uncountedCount location { name }
				startedBy { username } appliedBy { username } stockIn { code } stockOut { code totalCost }
				lines(first: 100) { totalCount nodes { goods { name category { name } } counted countedAt countedBy { username }
					unitCost expected difference differenceValue } } } }`,
				map[string]any{"id": st.StartStocktake.ID}, nil)
			return counter.n.Load()
		}
		one, many := read(1), read(100)
		if one != many {
			t.Errorf("a stocktake of 1 line: %d statements; of 100: %d", one, many)
		}
		t.Logf("statements: %d", one)
	})
}
