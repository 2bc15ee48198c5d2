package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
)

// listRead is one list query over the rows dbtest.WriteExtremes writes:
// the query takes $first and $after and aliases its connection "list".
type listRead struct {
	name  string
	query string
	// id is a node's identity ("goods.id" for stock levels).
	id func(node map[string]any) string
}

func nodeID(n map[string]any) string { return fmt.Sprint(n["id"]) }

const (
	goodsFields    = `id name createdAt updatedAt lowStockThreshold archived category { id name createdAt } stock { onHand value averageCost low }`
	lotFields      = `id receivedQuantity remaining unitCost receivedAt location { id name } transfer { id } goods { id stock { onHand value averageCost } } stockIn { id code type occurredAt totalAmount }`
	stockInFields  = `id code type location { id } occurredAt createdAt note totalAmount createdBy { id } attachments { id } lines { quantity unitCost amount goods { id name } lot { id remaining receivedAt } }`
	stockOutFields = `id code reason location { id } occurredAt createdAt totalCost createdBy { id } lines { quantity cost goods { id } allocations { quantity unitCost amount lot { id receivedAt unitCost } } }`
	ledgerFields   = `id at direction kind location { id name } transfer { id } quantity unitCost amount documentCode goods { id stock { value averageCost } } stockIn { id occurredAt type } stockOut { id occurredAt reason }`
	connFields     = `totalCount pageInfo { hasNextPage endCursor } edges { cursor } nodes { %s }`
)

// extremeReads are every list whose rows include the extreme ones, with
// the filters that select them, time filters far past both ends included.
func extremeReads(x dbtest.Extremes) []listRead {
	list := func(name, field, args, fields string) listRead {
		if args != "" {
			args += ", "
		}
		return listRead{name: name, id: nodeID, query: fmt.Sprintf(`query($first: Int, $after: String) { list: %s(%sfirst: $first, after: $after) { `+connFields+` } }`,
			field, args, fields)}
	}
	reads := []listRead{
		list("goodsList", "goodsList", "includeArchived: true", goodsFields),
		list("goodsList by creation", "goodsList", "orderBy: CREATED_AT_ASC", goodsFields),
		list("goodsList newest first", "goodsList", "orderBy: CREATED_AT_DESC, categoryId: "+fmt.Sprint(x.Category), goodsFields),
		list("stockIns", "stockIns", "", stockInFields),
		list("stockIns of a goods", "stockIns", fmt.Sprintf("goodsId: %d", x.Goods[0]), stockInFields),
		list("stockIns from year 0", "stockIns", `from: "0000-01-01T00:00:00+01:00", to: "9999-12-31T23:00:00-05:00"`, stockInFields),
		list("stockIns by unknown search", "stockIns", `search: "EDGE"`, stockInFields),
		list("stockOuts", "stockOuts", "", stockOutFields),
		list("stockOuts over every time", "stockOuts", `from: "0001-01-01T00:00:00Z", to: "9999-12-31T23:59:59.999999999Z"`, stockOutFields),
		list("ledger", "ledger", "", ledgerFields),
		list("ledger OUT", "ledger", "direction: OUT", ledgerFields),
		list("ledger of a category", "ledger", fmt.Sprintf("categoryId: %d", x.Category), ledgerFields),
		list("ledger far past both ends", "ledger", `from: "0000-01-01T00:00:00Z", to: "9999-12-31T23:00:00-05:00"`, ledgerFields),
	}
	for _, g := range x.Goods {
		reads = append(reads, list(fmt.Sprintf("lots of goods %d", g), "lots", fmt.Sprintf("goodsId: %d, includeEmpty: true", g), lotFields))
		reads = append(reads, list(fmt.Sprintf("ledger of goods %d", g), "ledger", fmt.Sprintf("goodsId: %d", g), ledgerFields))
	}
	for _, args := range []string{"includeArchived: true", "lowOnly: true", `search: "edge"`} {
		r := list("stock "+args, "stock", args, `goods { `+goodsFields+` } onHand value averageCost low byLocation { location { id } onHand value }`)
		r.id = func(n map[string]any) string { return fmt.Sprint(n["goods"].(map[string]any)["id"]) }
		reads = append(reads, r)
	}
	return reads
}

type connection struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
	Nodes []map[string]any
}

// readList reads a whole list at once and then page by page, one row a
// page, the way a client walks it, and checks both agree with totalCount.
// errs collects every error answered; the caller judges them.
func readList(t *testing.T, c *client, r listRead, errs *[]gqlError) []map[string]any {
	t.Helper()
	get := func(first int, after *string) connection {
		t.Helper()
		vars := map[string]any{"first": first}
		if after != nil {
			vars["after"] = *after
		}
		res := c.post(r.query, vars)
		*errs = append(*errs, res.Errors...)
		var out struct{ List *connection }
		if err := json.Unmarshal(res.Data, &out); err != nil || out.List == nil {
			t.Fatalf("%s: the list failed: %s", r.name, res.Raw)
		}
		return *out.List
	}
	whole := get(50, nil)
	if whole.TotalCount != len(whole.Nodes) || whole.PageInfo.HasNextPage {
		t.Errorf("%s: totalCount %d, %d nodes, hasNextPage %v", r.name, whole.TotalCount, len(whole.Nodes), whole.PageInfo.HasNextPage)
	}
	var want, got []string
	for _, n := range whole.Nodes {
		want = append(want, r.id(n))
	}
	var after *string
	for range len(want) + 2 {
		p := get(1, after)
		for _, n := range p.Nodes {
			got = append(got, r.id(n))
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		after = p.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: paging one row at a time gave %v, the whole list %v", r.name, got, want)
	}
	return whole.Nodes
}

// Rows written straight into the tables with the extreme values each
// database can hold — the first and last instants, the largest and smallest
// BIGINTs, enum words wms does not know — answer every list, page, count and
// single read without an error.
func TestNoStoredRowFailsARead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		s := db.NewStore(bdb)
		c := newClient(t, s)
		g := goodsFor(c, "蔬菜", "土豆")
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "3", "unitCost": "2.5"}}}}, nil)
		x := dbtest.WriteExtremes(t, bdb)

		var errs []gqlError
		seen := map[string][]map[string]any{}
		for _, r := range extremeReads(x) {
			seen[r.name] = readList(t, c, r, &errs)
		}
		for _, e := range errs {
			t.Errorf("error %s at %v: %s", e.Extensions["code"], e.Path, e.Message)
		}
		if n := len(seen["ledger"]); n != 7 {
			t.Errorf("ledger has %d entries, want 7", n)
		}
		if n := len(seen["stockIns from year 0"]); n != 4 {
			t.Errorf("a time filter past both ends kept %d of 4 stock-ins", n)
		}

		// What the extreme rows show.
		byID := map[string]map[string]any{}
		for _, n := range seen["goodsList"] {
			byID[nodeID(n)] = n
		}
		stock := func(i int) map[string]any { return byID[fmt.Sprint(x.Goods[i])]["stock"].(map[string]any) }
		if s := stock(0); s["onHand"] != "9223372036854775.807" || s["value"] != "92233720368547758.07" || s["averageCost"] != "10.00" {
			t.Errorf("largest BIGINTs show as %v", s)
		}
		if s := stock(2); s["averageCost"] != nil || s["value"] != "92233720368547758.07" {
			t.Errorf("an average cost too large for a number shows as %v, want null", s)
		}
		if s := stock(3); s["averageCost"] != nil || s["onHand"] != "0" {
			t.Errorf("nothing on hand shows as %v", s)
		}
		var times, types []string
		for _, n := range seen["stockIns"] {
			times = append(times, fmt.Sprint(n["occurredAt"]))
			types = append(types, fmt.Sprint(n["type"]))
		}
		if !slices.Contains(times, "0001-01-01T00:00:00Z") || !slices.Contains(times, "9999-12-31T23:59:59.999999Z") ||
			!slices.Contains(types, "NO_SUCH_TYPE") {
			t.Errorf("stock-ins show times %v and types %v", times, types)
		}

		// Single reads of each extreme row.
		for _, id := range x.Goods {
			c.ok(fmt.Sprintf(`{ goods(id: %d) { %s } }`, id, goodsFields), nil, nil)
		}
		for _, id := range x.StockIns {
			c.ok(fmt.Sprintf(`{ stockIn(id: %d) { %s } }`, id, stockInFields), nil, nil)
		}
		for _, id := range x.StockOuts {
			c.ok(fmt.Sprintf(`{ stockOut(id: %d) { %s } }`, id, stockOutFields), nil, nil)
		}
	})
}

// A number SQLite keeps as a REAL or TEXT in an INTEGER column (or, on
// either database, the smallest BIGINT) has no exact reading: each list that
// holds one still answers, the field alone is null with an INTERNAL error
// on its path, and no other field errs.
func TestUnreadableNumbersFailTheirFieldOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, bdb *bun.DB) {
		s := db.NewStore(bdb)
		c := newClient(t, s)
		x := dbtest.WriteExtremes(t, bdb)
		dbtest.WriteUnreadable(t, bdb, x)

		numbers := map[string]bool{"onHand": true, "value": true, "lowStockThreshold": true, "unitCost": true, "amount": true,
			"totalAmount": true, "totalCost": true, "cost": true, "quantity": true}
		for _, r := range extremeReads(x) {
			var errs []gqlError
			readList(t, c, r, &errs)
			for _, e := range errs {
				last := ""
				if len(e.Path) > 0 {
					last = fmt.Sprint(e.Path[len(e.Path)-1])
				}
				if e.Extensions["code"] != "INTERNAL" || !numbers[last] || strings.Contains(e.Message, "REAL") {
					t.Errorf("%s: error %s at %v: %s", r.name, e.Extensions["code"], e.Path, e.Message)
				}
			}
			if len(errs) == 0 && (strings.HasPrefix(r.name, "stockIns") || r.name == "ledger" || r.name == "stockOuts") {
				t.Errorf("%s: the damaged numbers were shown without an error", r.name)
			}
		}
		r := c.post(fmt.Sprintf(`{ goods(id: %d) { name stock { onHand value averageCost low } } }`, x.Goods[0]), nil)
		var out struct {
			Goods struct {
				Name  string
				Stock map[string]any
			}
		}
		_ = json.Unmarshal(r.Data, &out)
		if out.Goods.Name != "edge 1" || out.Goods.Stock["averageCost"] != nil || out.Goods.Stock["low"] != false || len(r.Errors) != 2 {
			t.Errorf("goods with unreadable stock: %s", r.Raw)
		}
	})
}

// SQLite keeps anything in a TIMESTAMP column: a text that is no time, an
// integer, a real. Such a time reads as 0001-01-01T00:00:00Z and every list
// holding it answers whole, and page by page with offset. (Paging with
// after may skip rows past it: the list is ordered by what is stored.)
func TestUnreadableTimesReadAsTheZeroTime(t *testing.T) {
	bdb := dbtest.Open(t, dbtest.SQLite)
	c := newClient(t, db.NewStore(bdb))
	x := dbtest.WriteExtremes(t, bdb)
	dbtest.WriteUnreadableTimes(t, bdb, x)
	zero := 0
	for _, r := range extremeReads(x) {
		offsetQuery := strings.Replace(r.query, "after: $after", "offset: $offset", 1)
		offsetQuery = strings.Replace(offsetQuery, "$after: String", "$offset: Int", 1)
		page := func(first, offset int) connection {
			res := c.post(offsetQuery, map[string]any{"first": first, "offset": offset})
			var out struct{ List *connection }
			if err := json.Unmarshal(res.Data, &out); err != nil || out.List == nil || len(res.Errors) > 0 {
				t.Fatalf("%s: %s", r.name, res.Raw)
			}
			return *out.List
		}
		whole := page(50, 0)
		var want, got []string
		for i, n := range whole.Nodes {
			want = append(want, r.id(n))
			for _, m := range page(1, i).Nodes {
				got = append(got, r.id(m))
			}
			if b, _ := json.Marshal(n); strings.Contains(string(b), `"0001-01-01T00:00:00Z"`) {
				zero++
			}
		}
		if whole.TotalCount != len(want) || !slices.Equal(got, want) {
			t.Errorf("%s: whole list %v (totalCount %d), by offset %v", r.name, want, whole.TotalCount, got)
		}
	}
	if zero == 0 {
		t.Error("no unreadable time was shown as 0001-01-01T00:00:00Z")
	}
}
