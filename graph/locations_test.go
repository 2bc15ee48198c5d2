package graph_test

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"wms/db"
	"wms/db/dbtest"
)

const createLocation = `mutation($n: String!) { createLocation(input: {name: $n, note: "n"}) { id name note archived } }`

// locationFor creates a location and returns its id.
func locationFor(c *client, name string) string {
	var out struct{ CreateLocation struct{ ID string } }
	c.ok(createLocation, map[string]any{"n": name}, &out)
	return out.CreateLocation.ID
}

const transferMutation = `mutation($in: TransferInput!) { transferStock(input: $in) { id code totalAmount
	fromLocation { name } toLocation { name }
	lines { goods { name } quantity amount allocations { quantity unitCost amount
		lot { id location { name } remaining } toLot { id location { name } receivedAt remaining transfer { code } stockIn { code } } } } } }`

func TestLocationsAndTransfersThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		c := newClient(t, s)
		g := goodsFor(c, "Dairy", "Milk")
		// One location: documents need not name it.
		var first struct {
			Locations struct{ Nodes []struct{ ID, Name string } }
		}
		c.ok(`{ locations { nodes { id name } } }`, nil, &first)
		if len(first.Locations.Nodes) != 1 || first.Locations.Nodes[0].Name != "Main" {
			t.Fatalf("locations %+v", first.Locations.Nodes)
		}
		main := first.Locations.Nodes[0].ID
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "10", "unitCost": "2.50"}}}}, nil)
		c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "5.5", "unitCost": "3.10"}}}}, nil)

		cold := locationFor(c, "Cold room")
		c.fail(createLocation, map[string]any{"n": "COLD ROOM"}, "CONFLICT")
		// Two locations: a document without one is refused, naming the field.
		e := c.fail(stockOutMutation, map[string]any{"in": map[string]any{"reason": "CONSUME",
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}, "BAD_USER_INPUT")
		if e.Extensions["field"] != "locationId" {
			t.Errorf("field %v, want locationId", e.Extensions["field"])
		}
		c.fail(transferMutation, map[string]any{"in": map[string]any{"fromLocationId": main, "toLocationId": main,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}, "BAD_USER_INPUT")
		e = c.fail(transferMutation, map[string]any{"in": map[string]any{"fromLocationId": cold, "toLocationId": main,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}, "INSUFFICIENT_STOCK")
		if e.Extensions["available"] != "0" || e.Extensions["field"] != "lines.0.quantity" {
			t.Errorf("insufficient stock extensions %v", e.Extensions)
		}

		var tr struct {
			TransferStock struct {
				Code, TotalAmount        string
				FromLocation, ToLocation struct{ Name string }
				Lines                    []struct {
					Quantity, Amount string
					Allocations      []struct {
						Quantity, UnitCost, Amount string
						Lot                        struct {
							Location  struct{ Name string }
							Remaining string
						}
						ToLot struct {
							Location              struct{ Name string }
							ReceivedAt, Remaining string
							Transfer, StockIn     struct{ Code string }
						}
					}
				}
			}
		}
		c.ok(transferMutation, map[string]any{"in": map[string]any{"fromLocationId": main, "toLocationId": cold,
			"note": "for the weekend", "lines": []any{map[string]any{"goodsId": g, "quantity": "12"}}}}, &tr)
		d := tr.TransferStock
		if d.TotalAmount != "31.20" || d.FromLocation.Name != "Main" || d.ToLocation.Name != "Cold room" || len(d.Lines) != 1 {
			t.Fatalf("transfer %+v", d)
		}
		got := ""
		for _, a := range d.Lines[0].Allocations {
			got += fmt.Sprintf("%s@%s=%s %s→%s %s %s; ", a.Quantity, a.UnitCost, a.Amount, a.Lot.Location.Name,
				a.ToLot.Location.Name, a.ToLot.Remaining, a.ToLot.Transfer.Code)
			if a.ToLot.StockIn.Code == "" || a.ToLot.ReceivedAt == "" {
				t.Errorf("a moved lot without its stock-in or receivedAt: %+v", a.ToLot)
			}
		}
		want := fmt.Sprintf("10@2.50=25.00 Main→Cold room 10 %s; 2@3.10=6.20 Main→Cold room 2 %s; ", d.Code, d.Code)
		if got != want {
			t.Errorf("allocations %q, want %q", got, want)
		}

		// Stock per location and in total.
		var st struct {
			Stock struct {
				Nodes []struct {
					OnHand, Value string
					Location      *struct{ Name string }
					ByLocation    []struct {
						Location      struct{ Name string }
						OnHand, Value string
					}
				}
			}
		}
		c.ok(`{ stock { nodes { onHand value location { name } byLocation { location { name } onHand value } } } }`, nil, &st)
		n := st.Stock.Nodes[0]
		if n.OnHand != "15.5" || n.Value != "42.05" || n.Location != nil || len(n.ByLocation) != 2 ||
			n.ByLocation[0].Location.Name != "Main" || n.ByLocation[0].OnHand != "3.5" || n.ByLocation[0].Value != "10.85" ||
			n.ByLocation[1].Location.Name != "Cold room" || n.ByLocation[1].OnHand != "12" || n.ByLocation[1].Value != "31.20" {
			t.Errorf("stock %+v", n)
		}
		c.ok(`query($l: ID) { stock(locationId: $l) { nodes { onHand value location { name } } } }`, map[string]any{"l": cold}, &st)
		if n := st.Stock.Nodes[0]; n.OnHand != "12" || n.Value != "31.20" || n.Location == nil || n.Location.Name != "Cold room" {
			t.Errorf("stock at the cold room %+v", n)
		}
		var le struct {
			Ledger struct {
				Nodes []struct {
					Kind, Direction, Quantity string
					Location                  struct{ Name string }
					Transfer                  *struct{ Code string }
				}
			}
		}
		c.ok(`query($l: ID) { ledger(locationId: $l) { nodes { kind direction quantity location { name } transfer { code } } } }`,
			map[string]any{"l": cold}, &le)
		if len(le.Ledger.Nodes) != 2 || le.Ledger.Nodes[0].Kind != "TRANSFER_IN" || le.Ledger.Nodes[0].Transfer == nil ||
			le.Ledger.Nodes[0].Transfer.Code != d.Code || le.Ledger.Nodes[0].Location.Name != "Cold room" {
			t.Errorf("ledger at the cold room %+v", le.Ledger.Nodes)
		}
		var trs struct {
			Transfers struct {
				TotalCount int
				Nodes      []struct{ Code, Note string }
			}
		}
		c.ok(`query($l: ID, $g: ID) { transfers(locationId: $l, goodsId: $g) { totalCount nodes { code note } } }`,
			map[string]any{"l": cold, "g": g}, &trs)
		if trs.Transfers.TotalCount != 1 || trs.Transfers.Nodes[0].Code != d.Code || trs.Transfers.Nodes[0].Note != "for the weekend" {
			t.Errorf("transfers %+v", trs.Transfers)
		}

		// A location with history is archived, not deleted; archived, it
		// takes no new stock; an unused one is deleted.
		c.fail(`mutation($id: ID!) { deleteLocation(id: $id) }`, map[string]any{"id": cold}, "CONFLICT")
		var arch struct{ ArchiveLocation struct{ Archived bool } }
		c.ok(`mutation($id: ID!) { archiveLocation(id: $id) { archived } }`, map[string]any{"id": cold}, &arch)
		if !arch.ArchiveLocation.Archived {
			t.Error("archiveLocation without archived did not archive")
		}
		c.fail(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": cold,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "1"}}}}, "BAD_USER_INPUT")
		spare := locationFor(c, "Spare")
		var del struct{ DeleteLocation string }
		c.ok(`mutation($id: ID!) { deleteLocation(id: $id) }`, map[string]any{"id": spare}, &del)
		if del.DeleteLocation != spare {
			t.Errorf("deleteLocation answered %q, want %q", del.DeleteLocation, spare)
		}
		var upd struct{ UpdateLocation struct{ Name, Note string } }
		c.ok(`mutation($id: ID!) { updateLocation(input: {id: $id, name: "Storeroom"}) { name note } }`, map[string]any{"id": main}, &upd)
		if upd.UpdateLocation.Name != "Storeroom" {
			t.Errorf("renamed %+v", upd.UpdateLocation)
		}
	})
}

// A CLERK limited to some locations writes documents only there (FORBIDDEN
// naming the location otherwise); everyone reads everything; only an ADMIN
// sets the limit, and User.locations shows it.
func TestLocationLimitsThroughGraphQL(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, s *db.Store) {
		admin := newClient(t, s)
		g := goodsFor(admin, "Dry", "Rice")
		var me struct{ Me struct{ ID string } }
		admin.ok(`{ me { id } }`, nil, &me)
		mainID := ""
		var ls struct {
			Locations struct{ Nodes []struct{ ID string } }
		}
		admin.ok(`{ locations { nodes { id } } }`, nil, &ls)
		mainID = ls.Locations.Nodes[0].ID
		branch := locationFor(admin, "Branch")
		admin.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": mainID,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "10", "unitCost": "1"}}}}, nil)
		var u struct{ CreateUser struct{ ID string } }
		admin.ok(`mutation { createUser(input: {username: "clara", password: "clerk-password", role: CLERK}) { id } }`, nil, &u)
		var upd struct {
			UpdateUser struct{ Locations []struct{ Name string } }
		}
		admin.ok(`mutation($id: ID!, $l: [ID!]) { updateUser(input: {id: $id, locationIds: $l}) { locations { name } } }`,
			map[string]any{"id": u.CreateUser.ID, "l": []string{branch}}, &upd)
		if len(upd.UpdateUser.Locations) != 1 || upd.UpdateUser.Locations[0].Name != "Branch" {
			t.Fatalf("locations of the clerk %+v", upd.UpdateUser.Locations)
		}
		clerk := admin.as(admin.login("clara", "clerk-password"))
		e := clerk.fail(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": mainID,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "1"}}}}, "FORBIDDEN")
		if e.Message != `you may not write documents at location "Main"` {
			t.Errorf("message %q", e.Message)
		}
		clerk.fail(transferMutation, map[string]any{"in": map[string]any{"fromLocationId": mainID, "toLocationId": branch,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1"}}}}, "FORBIDDEN")
		clerk.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": branch,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "1"}}}}, nil)
		// Reading is not limited.
		var st struct {
			Stock struct{ Nodes []struct{ OnHand string } }
		}
		clerk.ok(`query($l: ID) { stock(locationId: $l) { nodes { onHand } } }`, map[string]any{"l": mainID}, &st)
		if st.Stock.Nodes[0].OnHand != "10" {
			t.Errorf("the clerk reads %+v at Main", st.Stock.Nodes)
		}
		var mine struct {
			Me struct{ Locations []struct{ Name string } }
		}
		clerk.ok(`{ me { locations { name } } }`, nil, &mine)
		if len(mine.Me.Locations) != 1 {
			t.Errorf("me.locations %+v", mine.Me.Locations)
		}
		clerk.fail(`mutation($id: ID!) { updateUser(input: {id: $id, locationIds: []}) { id } }`, map[string]any{"id": u.CreateUser.ID}, "FORBIDDEN")
		admin.ok(`mutation($id: ID!) { updateUser(input: {id: $id, locationIds: []}) { id } }`, map[string]any{"id": u.CreateUser.ID}, nil)
		clerk.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": mainID,
			"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "unitCost": "1"}}}}, nil)
	})
}

// A stock page with every location of every goods, and a transfers page with
// its lines, allocations and lots, cost as many statements for 1 row as for
// 100.
func TestLocationPagesCostTheSameStatementsForOneOrManyRows(t *testing.T) {
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
			`{ stock(first: 100) { nodes { onHand location { name } byLocation { onHand value location { name } } goods { name category { name } } } } }`,
			`{ stock(first: 100) { nodes { nextExpiry expiredQuantity inPacks { pack quantity } goods { issuePolicy tracksExpiry packs { name quantity } } } } }`,
			`{ expiringLots(before: "2100-01-01T00:00:00Z", first: 100) { nodes { expiresAt remainingValue location { name } goods { name packs { name } } stockIn { code warnings lines { pack packQuantity expiresAt } } } } }`,
			`query { stock(first: 100, locationId: ` + b + `) { nodes { onHand value low location { name } byLocation { location { name } } } } }`,
			`{ transfers(first: 100) { totalCount nodes { code fromLocation { name } toLocation { name } createdBy { username }
				lines { quantity amount goods { name category { name } } allocations { amount
					lot { location { name } stockIn { code } goods { name } } toLot { location { name } transfer { code } stockIn { code } } } } } } }`,
			`{ ledger(first: 100) { nodes { kind amount location { name } transfer { code fromLocation { name } } stockIn { location { name } } } } }`,
			`{ stockOuts(first: 100) { nodes { location { name } lines { allocations { lot { location { name } transfer { code } } } } } } }`,
		}
		statements := func() (n []int64) {
			for _, p := range pages {
				counter.n.Store(0)
				c.ok(p, nil, nil)
				n = append(n, counter.n.Load())
			}
			return n
		}
		// k goods, each brought in at A, moved to B, and partly taken out at B.
		docs := func(k int) {
			for i := range k {
				g := goodsFor(c, fmt.Sprintf("c%d-%d", k, i), "g")
				c.ok(`mutation($id: ID!) { updateGoods(input: {id: $id, issuePolicy: FEFO, packs: [{name: "box", quantity: "2"}]}) { id } }`,
					map[string]any{"id": g}, nil)
				for _, cost := range []string{"1", "2"} {
					c.ok(stockInMutation, map[string]any{"in": map[string]any{"type": "PURCHASE", "locationId": a,
						"lines": []any{map[string]any{"goodsId": g, "quantity": "1", "pack": "box", "unitCost": cost, "expiresAt": "2030-01-0" + cost + "T00:00:00Z"}}}}, nil)
				}
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
				t.Errorf("%s\n1 row: %d statements; 100 rows: %d", pages[i], one[i], many[i])
			}
		}
		t.Logf("statements per page: %v", one)
	})
}
